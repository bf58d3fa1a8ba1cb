import { Logger } from '@nestjs/common';
import net from 'node:net';
import type { DataSource } from 'typeorm';
import { loadEnv } from '../../config/env.js';
import type { PositionsService } from '../positions/positions.service.js';
import { JT808_MESSAGE_ID as ID } from './jt808/jt808.constants.js';
import { decodeJt808, type Jt808Message } from './jt808/jt808.decoder.js';
import { encodeAuth, encodeLocation, encodeMessage } from './jt808/jt808.encoder.js';
import { Jt808FrameDecoder } from './jt808/jt808.frame-decoder.js';
import { hashAuthCode } from './terminal-directory.js';
import { TerminalServer } from './terminal.server.js';

// The server with real sockets, and fakes for the database and position storage: back-pressure, shutdown with
// writes in flight, idle connections, and sessions closed when their terminal record changes.

const PHONE = '013912345678';
const VEHICLE = '11111111-1111-4111-8111-111111111111';
const TERMINAL = '22222222-2222-4222-8222-222222222222';

function fakes() {
  let backpressure: ((saturated: boolean) => void) | null = null;
  const ingests: { resolve: () => void; reject: (e: Error) => void }[] = [];
  const touched: unknown[][] = [];
  let touchAnswer: { id: string; vehicle_id: string | null; status: string; has_code: boolean }[] | null = null;
  const positions = {
    isSaturated: false,
    onBackpressure(listener: (saturated: boolean) => void) {
      backpressure = listener;
      return () => (backpressure = null);
    },
    ingest: () => new Promise((resolve, reject) => ingests.push({ resolve: () => resolve({ stored: 1, duplicates: 0, flagged: 0 }), reject })),
  };
  const ds = {
    query: async (sql: string, params: unknown[]) => {
      if (sql.includes('FROM terminals t LEFT JOIN vehicles')) {
        return [{ id: TERMINAL, organisation_id: VEHICLE, protocol: 'jt808', protocol_version: null, vehicle_id: VEHICLE, vehicle_active: true, auth_code: hashAuthCode('secret'), phone: PHONE }];
      }
      if (sql.includes('WITH touched')) {
        touched.push(params);
        return touchAnswer ?? (params[0] as string[]).map((id) => ({ id, vehicle_id: VEHICLE, status: 'active', has_code: true }));
      }
      return [];
    },
  };
  const server = new TerminalServer(
    loadEnv({ HOST: '127.0.0.1', TERMINAL_PORT: '0', TERMINAL_IDLE_SECONDS: '1', LOG_LEVEL: 'silent' }),
    positions as unknown as PositionsService,
    ds as unknown as DataSource,
  );
  return {
    server,
    ingests,
    touched,
    saturate: (on: boolean) => backpressure!(on),
    answerTouch: (rows: typeof touchAnswer) => (touchAnswer = rows),
  };
}

class Client {
  private readonly frames = new Jt808FrameDecoder();
  private readonly queue: Jt808Message[] = [];
  private wake: (() => void) | null = null;
  serial = 0;
  closed: Promise<void>;
  constructor(readonly socket: net.Socket) {
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      for (const f of this.frames.push(chunk)) {
        const r = decodeJt808(f);
        if (r.ok) this.queue.push(r.message);
      }
      this.wake?.();
    });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }
  static async connect(port: number) {
    const socket = net.createConnection({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new Client(socket);
  }
  send(messageId: number, body?: Buffer) {
    this.socket.write(encodeMessage({ messageId, phone: PHONE, serial: this.serial++, body }));
  }
  async next(ms = 2_000): Promise<Jt808Message | null> {
    const deadline = Date.now() + ms;
    while (this.queue.length === 0 && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    return this.queue.shift() ?? null;
  }
}

const location = () => encodeLocation({ latitude: 40.6, longitude: 109.8, status: 2, time: new Date() });
const resultOf = (m: Jt808Message | null) => (m && (m.kind === 'platformGeneralReply' || m.kind === 'registerReply') ? m.body.result : null);

describe(TerminalServer.name, () => {
  let f: ReturnType<typeof fakes>;
  let clients: Client[];
  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(async () => {
    f = fakes();
    clients = [];
    await f.server.onApplicationBootstrap();
  });
  afterEach(async () => {
    for (const c of clients) c.socket.destroy();
    for (const d of f.ingests) d.resolve();
    await f.server.onModuleDestroy();
  });

  const connect = async () => {
    const c = await Client.connect(f.server.port!);
    clients.push(c);
    return c;
  };
  const authenticated = async () => {
    const c = await connect();
    c.send(ID.AUTH, encodeAuth({ authCode: 'secret' }));
    expect(resultOf(await c.next())).toBe(0);
    return c;
  };

  it('should listen on a free port when TERMINAL_PORT is 0', () => {
    expect(f.server.port).toBeGreaterThan(0);
  });

  it('should stop reading every socket while position writes are saturated, and resume on drain', async () => {
    const c = await authenticated();
    f.saturate(true);
    c.send(ID.HEARTBEAT);
    expect(await c.next(300)).toBeNull();
    f.saturate(false);
    expect(resultOf(await c.next())).toBe(0);
  });

  it('should pause a new connection while saturated', async () => {
    f.saturate(true);
    const c = await connect();
    c.send(ID.AUTH, encodeAuth({ authCode: 'secret' }));
    expect(await c.next(300)).toBeNull();
    f.saturate(false);
    expect(resultOf(await c.next())).toBe(0);
  });

  it('should answer reports already read before closing on shutdown, and refuse new connections', async () => {
    const c = await authenticated();
    c.send(ID.LOCATION, location());
    while (f.ingests.length === 0) await new Promise((r) => setTimeout(r, 5));
    const stopping = f.server.onModuleDestroy();
    const port = f.server.port!;
    await expect(Client.connect(port)).rejects.toThrow(/ECONNREFUSED/);
    await new Promise((r) => setTimeout(r, 100));
    f.ingests[0]!.resolve(); // the write commits during shutdown: its ACK still goes out
    expect((await c.next())?.body).toMatchObject({ replyId: ID.LOCATION, result: 0 });
    await stopping;
    await c.closed;
    expect(f.server.port).toBeNull();
  });

  it('should close a connection idle for TERMINAL_IDLE_SECONDS, not one waiting for its write', async () => {
    const idle = await connect();
    const busy = await authenticated();
    busy.send(ID.LOCATION, location());
    await idle.closed;
    expect(busy.socket.destroyed).toBe(false);
    f.ingests[0]!.resolve();
    expect(resultOf(await busy.next())).toBe(0);
  });

  it('should write last_seen_at in batches and close a session whose terminal moved to another vehicle', async () => {
    const c = await authenticated();
    // The sweep (every 250 ms here) writes the authentication as seen.
    while (f.touched.length === 0) await new Promise((r) => setTimeout(r, 20));
    expect(f.touched[0]![0]).toEqual([TERMINAL]);
    expect(f.server.authenticatedSessions).toBe(1);
    // Heard from again, 30 s later (the server writes each terminal at most every 30 s).
    f.answerTouch([{ id: TERMINAL, vehicle_id: '99999999-9999-4999-8999-999999999999', status: 'active', has_code: false }]);
    (f.server as unknown as { seenPending: Map<string, Date> }).seenPending.set(TERMINAL, new Date());
    await c.closed;
    while (f.server.connections > 0) await new Promise((r) => setTimeout(r, 5));
    expect(f.server.authenticatedSessions).toBe(0);
  });
});
