import fc from 'fast-check';
import { JT808_MESSAGE_ID } from './jt808/jt808.constants.js';
import { decodeJt808, type Jt808Message } from './jt808/jt808.decoder.js';
import { encodeAuth, encodeLocation, encodeMessage, encodePayload } from './jt808/jt808.encoder.js';
import { escape, Jt808FrameDecoder } from './jt808/jt808.frame-decoder.js';
import { DEFAULT_SESSION_LIMITS, Jt808Session, type SessionHost } from './jt808-session.js';
import { hashAuthCode, type DirectoryTerminal, type TerminalDirectory, type TerminalState } from './terminal-directory.js';
import { TerminalMetrics } from './terminal.metrics.js';

// Property-based tests (fast-check) of one JT/T 808 connection handler: whatever bytes a terminal sends, in
// whatever TCP chunks, nothing throws out of onData, every frame read is settled (no stall), and another
// terminal served by the same host keeps getting its replies. The volume run against a live server is
// `npm run fuzz:jt808`.

const PHONES = ['013912345678', '013912345679'];
const CODES = ['code-of-a', 'code-of-b'];

class FakeSocket {
  written: Buffer[] = [];
  destroyed = false;
  ended = false;
  writableLength = 0;
  write(b: Buffer) {
    this.written.push(b);
    return true;
  }
  end(cb?: () => void) {
    this.ended = true;
    cb?.();
  }
  destroy() {
    this.destroyed = true;
  }
  pause() {}
  resume() {}
}

class FakeDirectory implements TerminalDirectory {
  readonly terminals = new Map<string, DirectoryTerminal>(
    PHONES.map((phone, i) => [
      phone,
      {
        id: `2222222${i}-2222-4222-8222-222222222222`,
        organisationId: '33333333-3333-4333-8333-333333333333',
        protocol: 'jt808',
        protocolVersion: null,
        vehicleId: `1111111${i}-1111-4111-8111-111111111111`,
        vehicleActive: true,
        authCodeHash: hashAuthCode(CODES[i]!),
      },
    ]),
  );
  async findByPhone(phone: string) {
    const digits = phone.replace(/^0+/, '');
    return [...this.terminals].find(([p]) => p.replace(/^0+/, '') === digits)?.[1] ?? null;
  }
  async setAuthCodeHash(id: string, hash: string) {
    for (const t of this.terminals.values()) if (t.id === id) t.authCodeHash = hash;
  }
  async touch(): Promise<TerminalState[]> {
    return [];
  }
}

function world() {
  const stored: unknown[] = [];
  const host: SessionHost = {
    directory: new FakeDirectory(),
    // Storage answers at once, and now and then refuses a record as malformed or fails like a database away.
    positions: {
      ingest: async (records) => {
        if (records.some((r) => (r as { speedKmh?: number }).speedKmh === 6553.5)) throw new Error('database away');
        stored.push(...records);
        return {};
      },
    },
    metrics: new TerminalMetrics(undefined, { connections: () => 0, authenticated: () => 0, paused: () => false }),
    logger: { log: () => undefined, warn: () => undefined, debug: () => undefined, error: () => undefined },
    limits: DEFAULT_SESSION_LIMITS,
    holdReading: false,
    authenticated: () => undefined,
    seen: () => undefined,
  };
  const connect = (id: number) => {
    const socket = new FakeSocket();
    return { socket, session: new Jt808Session(socket, host, id, `127.0.0.1:${50000 + id}`) };
  };
  return { host, connect, stored };
}

const flush = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

const repliesOf = (socket: FakeSocket): Jt808Message[] => {
  const d = new Jt808FrameDecoder();
  return socket.written.flatMap((b) => d.push(b)).map((f) => {
    const r = decodeJt808(f);
    if (!r.ok) throw new Error(`the server wrote a frame that does not decode: ${r.error}`);
    return r.message;
  });
};

const frame = (messageId: number, phone: string, serial: number, body: Buffer = Buffer.alloc(0)) => encodeMessage({ messageId, phone, serial, body });

const byte = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 255 }) },
  { weight: 1, arbitrary: fc.constantFrom(0x7e, 0x7d, 0x01, 0x02, 0x00) },
);
const bytes = (maxLength: number) => fc.array(byte, { maxLength }).map((a) => Buffer.from(a));

// Frames a terminal could send: well-framed (check code right) with any id and body, from this terminal, the
// other one or a stranger, in either header layout; some of them pure noise.
const hostileFrame = fc.oneof(
  fc
    .record({
      messageId: fc.constantFrom(...Object.values(JT808_MESSAGE_ID), 0x0900, 0x0704, 0x8103),
      phone: fc.constantFrom(...PHONES, '013900000000'),
      serial: fc.nat(0xffff),
      version: fc.constantFrom('2013' as const, '2019' as const),
      body: bytes(300),
    })
    .map((h) => Buffer.concat([Buffer.from([0x7e]), escape(encodePayload(h)), Buffer.from([0x7e])])),
  fc
    .record({ phone: fc.constantFrom(...PHONES), serial: fc.nat(0xffff), speed: fc.constantFrom(0, 60, 6553.5), lat: fc.integer({ min: -1e9, max: 1e9 }) })
    .map(({ phone, serial, speed, lat }) =>
      frame(JT808_MESSAGE_ID.LOCATION, phone, serial, encodeLocation({ latitude: lat / 1e6, longitude: 109.8, speedKmh: speed, time: new Date(Date.now() - 60_000) })),
    ),
  bytes(400),
);

// The hostile terminal's whole input: maybe an authentication first, then anything, cut into TCP chunks.
const hostileInput = fc
  .tuple(fc.boolean(), fc.array(hostileFrame, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 30 }))
  .map(([auth, frames, cuts]) => {
    const stream = Buffer.concat([auth ? frame(JT808_MESSAGE_ID.AUTH, PHONES[0]!, 0, encodeAuth({ authCode: CODES[0]! })) : Buffer.alloc(0), ...frames]);
    const at = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
    const parts: Buffer[] = [];
    let from = 0;
    for (const c of [...at, stream.length]) {
      parts.push(stream.subarray(from, c));
      from = c;
    }
    return parts;
  });

describe('JT/T 808 connection handler (properties)', () => {
  it('should never throw out of onData, settle every frame, and keep answering another terminal on the same host', async () => {
    await fc.assert(
      fc.asyncProperty(hostileInput, async (chunks) => {
        const w = world();
        const hostile = w.connect(1);
        const good = w.connect(2);
        good.session.onData(frame(JT808_MESSAGE_ID.AUTH, PHONES[1]!, 0, encodeAuth({ authCode: CODES[1]! })));
        let serial = 1;
        for (const c of chunks) {
          expect(() => hostile.session.onData(c)).not.toThrow();
          // The well-behaved terminal reports between the hostile chunks.
          good.session.onData(frame(JT808_MESSAGE_ID.HEARTBEAT, PHONES[1]!, serial++));
        }
        await flush();
        await hostile.session.settled();
        // No stall: every frame read from the hostile terminal is answered or dropped, none left pending.
        expect(hostile.session.pending).toBe(0);
        expect(good.session.pending).toBe(0);
        // The good terminal got its auth and every heartbeat answered with success, in order.
        const replies = repliesOf(good.socket);
        expect(replies.map((m) => (m.kind === 'platformGeneralReply' ? [m.body.replySerial, m.body.result] : m.kind))).toEqual(
          Array.from({ length: serial }, (_, i) => [i, 0]),
        );
        expect(good.session.closing).toBe(false);
        // The hostile connection still parses: a closing delimiter, then a heartbeat, is answered unless the
        // connection was closed (logout, strikes) on purpose.
        repliesOf(hostile.socket); // every frame the server wrote decodes
        if (!hostile.session.closing) {
          hostile.socket.written = [];
          hostile.session.onData(Buffer.concat([Buffer.from([0x7e]), frame(JT808_MESSAGE_ID.HEARTBEAT, PHONES[0]!, 4242)]));
          await flush();
          await hostile.session.settled();
          const last = repliesOf(hostile.socket).filter((m) => m.kind === 'platformGeneralReply' && m.body.replySerial === 4242);
          expect(last.length === 1 || hostile.session.closing).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });
});
