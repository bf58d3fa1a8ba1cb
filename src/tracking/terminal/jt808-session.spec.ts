import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, type CounterConfiguration, type GaugeConfiguration, type HistogramConfiguration } from 'prom-client';
import type { MetricsService } from '../../ops/metrics.service.js';
import type { PositionRecord } from '../positions/position.js';
import { PositionRejectedError } from '../positions/position-writer.js';
import { JT808_MESSAGE_ID } from './jt808/jt808.constants.js';
import { decodeJt808, type Jt808Message } from './jt808/jt808.decoder.js';
import {
  encodeAuth,
  encodeBatch,
  encodeDriverIdentity,
  encodeLocation,
  encodeMessage,
  encodePayload,
  encodeRegister,
  platformGeneralReply,
  registerReply,
  resendSubpackagesRequest,
  type Jt808PositionInput,
} from './jt808/jt808.encoder.js';
import { xorChecksum } from './jt808/jt808.fields.js';
import { escape, Jt808FrameDecoder } from './jt808/jt808.frame-decoder.js';
import { DEFAULT_SESSION_LIMITS, Jt808Session, type SessionHost } from './jt808-session.js';
import { hashAuthCode, type DirectoryTerminal, type TerminalDirectory, type TerminalState } from './terminal-directory.js';
import { TerminalMetrics } from './terminal.metrics.js';

const PHONE_A = '013912345678';
const PHONE_B = '013912345679';
const VEHICLE_A = '11111111-1111-4111-8111-111111111111';
const TERMINAL_A = '22222222-2222-4222-8222-222222222222';

class FakeSocket {
  written: Buffer[] = [];
  destroyed = false;
  ended = false;
  paused = false;
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
  pause() {
    this.paused = true;
  }
  resume() {
    this.paused = false;
  }
}

class FakeDirectory implements TerminalDirectory {
  readonly terminals = new Map<string, DirectoryTerminal>();
  fail = false;
  async findByPhone(phone: string) {
    if (this.fail) throw new Error('connection refused');
    // Like the real directory, a 2019 header's 20-digit phone finds the terminal stored with 12.
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

type Deferred = { records: readonly PositionRecord[]; resolve: () => void; reject: (e: Error) => void };

function setup(over: Partial<SessionHost> = {}) {
  const socket = new FakeSocket();
  const directory = new FakeDirectory();
  directory.terminals.set(PHONE_A, {
    id: TERMINAL_A,
    organisationId: '33333333-3333-4333-8333-333333333333',
    protocol: 'jt808',
    protocolVersion: null,
    vehicleId: VEHICLE_A,
    vehicleActive: true,
    authCodeHash: hashAuthCode('code-of-a'),
  });
  directory.terminals.set(PHONE_B, {
    id: '44444444-4444-4444-8444-444444444444',
    organisationId: '33333333-3333-4333-8333-333333333333',
    protocol: 'jt808',
    protocolVersion: null,
    vehicleId: '55555555-5555-4555-8555-555555555555',
    vehicleActive: true,
    authCodeHash: hashAuthCode('code-of-b'),
  });
  const ingests: Deferred[] = [];
  const events: string[] = [];
  const host: SessionHost & { holdReading: boolean } = {
    directory,
    positions: {
      ingest: (records) =>
        new Promise((resolve, reject) => {
          ingests.push({ records, resolve: () => resolve({}), reject });
        }),
    },
    metrics: new TerminalMetrics(undefined, { connections: () => 0, authenticated: () => 0, paused: () => false }),
    logger: { log: () => undefined, warn: () => undefined, debug: () => undefined, error: () => undefined },
    limits: DEFAULT_SESSION_LIMITS,
    holdReading: false,
    authenticated: (_s, on) => events.push(on ? 'auth' : 'unauth'),
    seen: () => events.push('seen'),
    ...over,
  };
  const session = new Jt808Session(socket, host, 1, '127.0.0.1:50000');
  let serial = 0;
  const frame = (messageId: number, body: Buffer = Buffer.alloc(0), phone = PHONE_A) =>
    encodeMessage({ messageId, phone, serial: serial++, body });
  // Each written reply, decoded.
  const replies = () =>
    socket.written.flatMap((b) => new Jt808FrameDecoder().push(b)).map((f) => {
      const r = decodeJt808(f);
      if (!r.ok) throw new Error(r.error);
      return r.message;
    });
  const results = () => replies().map((m) => (m.kind === 'platformGeneralReply' || m.kind === 'registerReply' ? m.body.result : -1));
  // Lets every promise that can settle settle (the fakes answer at once; pending ingests stay pending).
  const flush = async () => {
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
  };
  return { socket, directory, host, session, frame, replies, results, ingests, events, flush };
}

const position = (minute: number, over: Partial<Jt808PositionInput> = {}): Jt808PositionInput => ({
  latitude: 40.6123,
  longitude: 109.8456,
  speedKmh: 62.5,
  direction: 90,
  altitude: 1050,
  time: new Date(Date.UTC(2026, 2, 1, 8, minute, 0)),
  extras: { mileageKm: 12345.6 },
  ...over,
});

// TerminalMetrics on a registry of its own, to read what the session counted.
function countingMetrics() {
  const registry = new Registry();
  const service = {
    counter: (c: object) => new Counter({ ...(c as CounterConfiguration<string>), registers: [registry] }),
    gauge: (c: object) => new Gauge({ ...(c as GaugeConfiguration<string>), registers: [registry] }),
    histogram: (c: object) => new Histogram({ ...(c as HistogramConfiguration<string>), registers: [registry] }),
  } as unknown as MetricsService;
  const metrics = new TerminalMetrics(service, { connections: () => 0, authenticated: () => 0, paused: () => false });
  // hazway_jt808_positions_dropped_total by reason.
  const dropped = async () => {
    const values = (await registry.getSingleMetric('hazway_jt808_positions_dropped_total')!.get()).values;
    return Object.fromEntries(values.map((v) => [v.labels.reason, v.value]));
  };
  return { metrics, dropped };
}

const authFrame = (t: ReturnType<typeof setup>, code = 'code-of-a', phone = PHONE_A) => t.frame(JT808_MESSAGE_ID.AUTH, encodeAuth({ authCode: code }), phone);

async function authenticated(over: Partial<SessionHost> = {}) {
  const t = setup(over);
  t.session.onData(authFrame(t));
  await t.flush();
  expect(t.results()).toEqual([0]);
  t.socket.written = [];
  return t;
}

describe(Jt808Session.name, () => {
  describe('registration', () => {
    it('should issue a fresh auth code, store only its hash, and answer with the exact 0x8100 bytes', async () => {
      const t = setup();
      const reg = encodeRegister({ provinceId: 15, cityId: 200, manufacturerId: 'HZW01', model: 'HZ-808', terminalId: 'T000001', plateColor: 2, plate: '蒙B12345' });
      t.session.onData(t.frame(JT808_MESSAGE_ID.REGISTER, reg));
      await t.flush();
      const [reply] = t.replies() as Extract<Jt808Message, { kind: 'registerReply' }>[];
      expect(reply.body).toMatchObject({ replySerial: 0, result: 0 });
      const code = reply.body.authCode!;
      expect(code).toMatch(/^[A-Za-z0-9_-]{16}$/);
      expect(t.directory.terminals.get(PHONE_A)!.authCodeHash).toBe(hashAuthCode(code));
      expect(t.socket.written[0]).toEqual(registerReply({ phone: PHONE_A, serial: 0, version: '2013' }, { replySerial: 0, result: 0, authCode: code }));
      // Registration alone does not authenticate.
      expect(t.session.authenticated).toBe(false);
    });

    it('should replace the code on re-registration', async () => {
      const t = setup();
      const reg = encodeRegister({ provinceId: 15, cityId: 200, manufacturerId: 'HZW01', model: 'HZ-808', terminalId: 'T000001', plateColor: 2, plate: '蒙B12345' });
      t.session.onData(Buffer.concat([t.frame(JT808_MESSAGE_ID.REGISTER, reg), t.frame(JT808_MESSAGE_ID.REGISTER, reg)]));
      await t.flush();
      const codes = (t.replies() as Extract<Jt808Message, { kind: 'registerReply' }>[]).map((r) => r.body.authCode);
      expect(codes[0]).not.toBe(codes[1]);
      expect(t.directory.terminals.get(PHONE_A)!.authCodeHash).toBe(hashAuthCode(codes[1]!));
    });

    it('should refuse an unknown phone with 4 and a terminal without an active vehicle with 2', async () => {
      const t = setup();
      t.directory.terminals.get(PHONE_B)!.vehicleActive = false;
      const reg = encodeRegister({ provinceId: 15, cityId: 200, manufacturerId: 'HZW01', model: 'HZ-808', terminalId: 'T000001', plateColor: 2, plate: '蒙B12345' });
      t.session.onData(Buffer.concat([t.frame(JT808_MESSAGE_ID.REGISTER, reg, '013900000000'), t.frame(JT808_MESSAGE_ID.REGISTER, reg, PHONE_B)]));
      await t.flush();
      expect(t.results()).toEqual([4, 2]);
    });
  });

  describe('authentication', () => {
    it('should refuse a wrong code (1) and accept the right one (0), binding the session to the vehicle', async () => {
      const t = setup();
      t.session.onData(Buffer.concat([authFrame(t, 'guess'), authFrame(t)]));
      await t.flush();
      expect(t.results()).toEqual([1, 0]);
      expect(t.session).toMatchObject({ phone: PHONE_A, vehicleId: VEHICLE_A, terminalId: TERMINAL_A, authenticated: true });
      expect(t.events).toContain('auth');
    });

    it("should refuse another terminal's code", async () => {
      const t = setup();
      t.session.onData(authFrame(t, 'code-of-a', PHONE_B));
      await t.flush();
      expect(t.results()).toEqual([1]);
      expect(t.session.authenticated).toBe(false);
    });

    it('should refuse reports before authentication without storing them, and close after the fifth refusal', async () => {
      const t = setup();
      const loc = () => t.frame(JT808_MESSAGE_ID.LOCATION, encodeLocation(position(0)));
      t.session.onData(Buffer.concat([loc(), loc(), t.frame(JT808_MESSAGE_ID.HEARTBEAT), authFrame(t, 'nope'), loc(), loc()]));
      await t.flush();
      expect(t.results()).toEqual([1, 1, 1, 1, 1]);
      expect(t.ingests).toHaveLength(0);
      expect(t.socket.ended).toBe(true);
    });

    it('should refuse reports for another phone on an authenticated connection', async () => {
      const t = await authenticated();
      t.session.onData(t.frame(JT808_MESSAGE_ID.LOCATION, encodeLocation(position(0)), PHONE_B));
      await t.flush();
      expect(t.results()).toEqual([1]);
      expect(t.ingests).toHaveLength(0);
    });

    it('should leave a request unanswered when the terminal lookup fails', async () => {
      const t = setup();
      t.directory.fail = true;
      t.session.onData(authFrame(t));
      await t.flush();
      expect(t.socket.written).toEqual([]);
    });
  });

  describe('reports', () => {
    it('should store a location for the bound vehicle and acknowledge only after the write', async () => {
      const t = await authenticated();
      t.session.onData(t.frame(JT808_MESSAGE_ID.LOCATION, encodeLocation(position(5))));
      await t.flush();
      expect(t.ingests).toHaveLength(1);
      expect(t.socket.written).toEqual([]);
      expect(t.ingests[0]!.records).toEqual([
        expect.objectContaining({
          vehicleId: VEHICLE_A,
          terminalId: TERMINAL_A,
          fixTime: new Date(Date.UTC(2026, 2, 1, 8, 5, 0)),
          lat: 40.6123,
          lon: 109.8456,
          speedKmh: 62.5,
          course: 90,
          altitudeM: 1050,
          mileageKm: 12345.6,
          source: 'jt808',
          backfill: false,
        }),
      ]);
      t.ingests[0]!.resolve();
      await t.flush();
      // serial 1: the auth reply was 0.
      expect(t.socket.written).toEqual([platformGeneralReply({ phone: PHONE_A, serial: 1, version: '2013' }, { replySerial: 1, replyId: 0x0200, result: 0 })]);
    });

    it('should answer pipelined reports in the order received, whatever order the writes finish in', async () => {
      const t = await authenticated();
      t.session.onData(Buffer.concat([1, 2, 3].map((m) => t.frame(JT808_MESSAGE_ID.LOCATION, encodeLocation(position(m))))));
      await t.flush();
      expect(t.ingests).toHaveLength(3); // all handed to storage at once
      t.ingests[2]!.resolve();
      t.ingests[1]!.resolve();
      await t.flush();
      expect(t.socket.written).toEqual([]);
      t.ingests[0]!.resolve();
      await t.flush();
      expect(t.replies().map((m) => (m.body as { replySerial: number }).replySerial)).toEqual([1, 2, 3]);
    });

    it('should not acknowledge a report whose write failed, and carry on with the next', async () => {
      const t = await authenticated();
      t.session.onData(Buffer.concat([1, 2].map((m) => t.frame(JT808_MESSAGE_ID.LOCATION, encodeLocation(position(m))))));
      await t.flush();
      t.ingests[0]!.reject(new Error('connection terminated'));
      t.ingests[1]!.resolve();
      await t.flush();
      expect(t.replies().map((m) => m.body)).toEqual([{ replySerial: 2, replyId: 0x0200, result: 0 }]);
    });

    it('should answer 2 when storage refuses the record itself (re-sending cannot help)', async () => {
      const t = await authenticated();
      t.session.onData(t.frame(JT808_MESSAGE_ID.LOCATION, encodeLocation(position(1))));
      await t.flush();
      t.ingests[0]!.reject(new PositionRejectedError(0, 'course must be an integer (smallint)'));
      await t.flush();
      expect(t.results()).toEqual([2]);
    });

    it('should store a blind-area batch as back-fill and answer it once', async () => {
      const t = await authenticated();
      t.session.onData(t.frame(JT808_MESSAGE_ID.BATCH_LOCATION, encodeBatch(1, [position(1), position(2), position(3)])));
      await t.flush();
      expect(t.ingests).toHaveLength(1);
      expect(t.ingests[0]!.records.map((r) => r.backfill)).toEqual([true, true, true]);
      t.ingests[0]!.resolve();
      await t.flush();
      expect(t.replies().map((m) => m.body)).toEqual([{ replySerial: 1, replyId: 0x0704, result: 0 }]);
    });

    it('should answer 2, never 0, to a location without a usable time, and count it dropped', async () => {
      const m = countingMetrics();
      const t = await authenticated({ metrics: m.metrics });
      t.session.onData(t.frame(JT808_MESSAGE_ID.LOCATION, encodeLocation(position(1, { time: null, timeBcd: '000000000000' }))));
      await t.flush();
      expect(t.ingests).toHaveLength(0);
      expect(t.replies().map((r) => r.body)).toEqual([{ replySerial: 1, replyId: 0x0200, result: 2 }]);
      expect(await m.dropped()).toEqual({ time_invalid: 1 });
    });

    it('should store the readable positions of a 0x0704 with one without a usable time, and answer 2 after the write', async () => {
      const m = countingMetrics();
      const t = await authenticated({ metrics: m.metrics });
      t.session.onData(t.frame(JT808_MESSAGE_ID.BATCH_LOCATION, encodeBatch(1, [position(1), position(2, { time: null, timeBcd: '261399000000' }), position(3)])));
      await t.flush();
      expect(t.ingests.map((i) => i.records.map((r) => r.fixTime.getUTCMinutes()))).toEqual([[1, 3]]);
      // Not answered before the readable ones are committed, whatever the answer.
      expect(t.socket.written).toEqual([]);
      t.ingests[0]!.resolve();
      await t.flush();
      expect(t.replies().map((r) => r.body)).toEqual([{ replySerial: 1, replyId: 0x0704, result: 2 }]);
      expect(await m.dropped()).toEqual({ time_invalid: 1 });
    });

    it('should store the items of a 0x0704 read before a truncated one, answer 2, and count every item not read', async () => {
      const m = countingMetrics();
      const t = await authenticated({ metrics: m.metrics });
      const whole = encodeBatch(0, [position(1), position(2), position(3)]);
      const firstItem = 2 + whole.readUInt16BE(3);
      // The second item's length says more than the body holds: it and the third are lost.
      t.session.onData(t.frame(JT808_MESSAGE_ID.BATCH_LOCATION, whole.subarray(0, 3 + firstItem + 10)));
      await t.flush();
      expect(t.ingests.map((i) => i.records.length)).toEqual([1]);
      t.ingests[0]!.resolve();
      await t.flush();
      expect(t.results()).toEqual([2]);
      expect(await m.dropped()).toEqual({ batch_item_malformed: 2 });
    });

    it('should answer 2 at once, storing nothing, to a 0x0704 with no readable item', async () => {
      const t = await authenticated();
      const whole = encodeBatch(0, [position(1), position(2)]);
      t.session.onData(t.frame(JT808_MESSAGE_ID.BATCH_LOCATION, whole.subarray(0, 10)));
      await t.flush();
      expect(t.ingests).toHaveLength(0);
      expect(t.results()).toEqual([2]);
    });

    it('should answer 0 to a 0x0704 only when every item it declares is stored', async () => {
      const m = countingMetrics();
      const t = await authenticated({ metrics: m.metrics });
      const trailing = Buffer.concat([encodeBatch(0, [position(1)]), Buffer.from([0xde, 0xad])]);
      const overcounted = encodeBatch(0, [position(2)]);
      overcounted.writeUInt16BE(2, 0); // declares 2 items, holds 1
      t.session.onData(Buffer.concat([trailing, overcounted, encodeBatch(0, [position(3)])].map((b) => t.frame(JT808_MESSAGE_ID.BATCH_LOCATION, b))));
      await t.flush();
      expect(t.ingests).toHaveLength(3);
      for (const i of t.ingests) i.resolve();
      await t.flush();
      expect(t.results()).toEqual([2, 2, 0]);
      expect(await m.dropped()).toEqual({ batch_item_malformed: 2 });
    });
  });

  describe('subpackages', () => {
    // A 0x0704 of `n` positions cut into `total` packages with serials from `first` (the terminal's own numbering).
    function packages(n: number, total: number, first: number, phone = PHONE_A) {
      const whole = encodeBatch(0, Array.from({ length: n }, (_, i) => position(i)));
      const size = Math.ceil(whole.length / total);
      return Array.from({ length: total }, (_, i) =>
        encodeMessage({ messageId: JT808_MESSAGE_ID.BATCH_LOCATION, phone, serial: first + i, packet: { total, index: i + 1 }, body: whole.subarray(i * size, (i + 1) * size) }),
      );
    }
    const bodies = (t: ReturnType<typeof setup>) => t.replies().map((m) => m.body);
    // The reasons of the reassembly drops the session reports.
    const dropsOf = (t: ReturnType<typeof setup>) => {
      const reasons: string[] = [];
      t.host.metrics.reassemblyDropped = (reason) => void reasons.push(reason);
      return reasons;
    };

    it('should answer each package, store the message put together once, and answer the completing package after the write', async () => {
      const t = await authenticated();
      const [p1, p2, p3] = packages(40, 3, 10);
      t.session.onData(Buffer.concat([p3!, p1!]));
      await t.flush();
      expect(bodies(t)).toEqual([
        { replySerial: 12, replyId: 0x0704, result: 0 },
        { replySerial: 10, replyId: 0x0704, result: 0 },
      ]);
      expect(t.ingests).toHaveLength(0);

      t.session.onData(p2!);
      await t.flush();
      expect(t.ingests).toHaveLength(1);
      expect(t.ingests[0]!.records).toHaveLength(40);
      expect(t.ingests[0]!.records.map((r) => r.fixTime.getTime())).toEqual(Array.from({ length: 40 }, (_, i) => Date.UTC(2026, 2, 1, 8, i, 0)));
      expect(t.replies()).toHaveLength(2); // not before the write
      t.ingests[0]!.resolve();
      await t.flush();
      expect(t.socket.written[2]).toEqual(platformGeneralReply({ phone: PHONE_A, serial: 3, version: '2013' }, { replySerial: 11, replyId: 0x0704, result: 0 }));
    });

    it('should store the message again when the completing package is re-sent after a failed write', async () => {
      const t = await authenticated();
      const [p1, p2] = packages(10, 2, 10);
      t.session.onData(Buffer.concat([p1!, p2!]));
      await t.flush();
      t.ingests[0]!.reject(new Error('connection terminated'));
      await t.flush();
      expect(bodies(t)).toEqual([{ replySerial: 10, replyId: 0x0704, result: 0 }]); // package 2 unanswered
      // The terminal re-sends package 2 after its timeout: the positions of package 1, already answered, are not lost.
      t.session.onData(p2!);
      await t.flush();
      expect(t.ingests).toHaveLength(2);
      expect(t.ingests[1]!.records).toHaveLength(10);
      t.ingests[1]!.resolve();
      await t.flush();
      expect(bodies(t)).toEqual([
        { replySerial: 10, replyId: 0x0704, result: 0 },
        { replySerial: 11, replyId: 0x0704, result: 0 },
      ]);
    });

    it('should answer a repeated package 0, an inconsistent one 2, an unsupported message id 3, and hold none of them', async () => {
      const t = await authenticated();
      const [p1] = packages(10, 3, 10);
      const frag = (messageId: number, serial: number, total: number, index: number) =>
        encodeMessage({ messageId, phone: PHONE_A, serial, packet: { total, index }, body: Buffer.from('0102', 'hex') });
      t.session.onData(Buffer.concat([p1!, p1!, frag(0x0704, 50, 3, 4), frag(0x0704, 60, 1, 1), frag(0x0704, 11, 4, 2), frag(0x0801, 70, 5, 1)]));
      await t.flush();
      expect(t.results()).toEqual([0, 0, 2, 2, 2, 3]);
      expect(t.ingests).toHaveLength(0);
      expect(t.session.closing).toBe(false);
    });

    it('should refuse packages before authentication like any report', async () => {
      const t = setup();
      t.session.onData(packages(10, 2, 0)[0]!);
      await t.flush();
      expect(t.results()).toEqual([1]);
    });

    it('should answer 2 when the message put together does not decode', async () => {
      const t = await authenticated();
      // A 0x0200 needs 28 bytes: two packages of 4 put together are still too short.
      const frag = (serial: number, index: number) => encodeMessage({ messageId: 0x0200, phone: PHONE_A, serial, packet: { total: 2, index }, body: Buffer.alloc(4) });
      t.session.onData(Buffer.concat([frag(20, 1), frag(21, 2)]));
      await t.flush();
      expect(bodies(t)).toEqual([
        { replySerial: 20, replyId: 0x0200, result: 0 },
        { replySerial: 21, replyId: 0x0200, result: 2 },
      ]);
    });

    it('should ask for the missing packages with 0x8003 after the timeout, once, then drop the message', async () => {
      const t = await authenticated();
      const dropped = dropsOf(t);
      const [p1, , p3, , p5] = packages(40, 5, 100);
      t.session.onData(Buffer.concat([p1!, p3!, p5!]));
      await t.flush();
      t.socket.written = [];
      const timeout = DEFAULT_SESSION_LIMITS.subpackages.timeoutMs;
      const start = performance.now();
      t.session.sweepSubpackages(start + timeout / 2);
      expect(t.socket.written).toEqual([]);
      t.session.sweepSubpackages(start + timeout + 1);
      // Platform serial 4: auth reply 0, three package replies 1-3.
      expect(t.socket.written).toEqual([resendSubpackagesRequest({ phone: PHONE_A, serial: 4, version: '2013' }, { firstSerial: 100, indexes: [2, 4] })]);
      t.session.sweepSubpackages(start + timeout * 1.5);
      expect(t.socket.written).toHaveLength(1);
      expect(dropped).toEqual([]);
      t.session.sweepSubpackages(start + timeout * 2 + 2);
      expect(dropped).toEqual(['timeout']);
      expect(t.socket.written).toHaveLength(1);
    });

    it('should complete the message when the requested packages come', async () => {
      const t = await authenticated();
      const [p1, p2, p3] = packages(20, 3, 100);
      t.session.onData(p1!);
      await t.flush();
      t.session.sweepSubpackages(performance.now() + DEFAULT_SESSION_LIMITS.subpackages.timeoutMs + 1);
      t.session.onData(Buffer.concat([p3!, p2!]));
      await t.flush();
      expect(t.ingests).toHaveLength(1);
      expect(t.ingests[0]!.records).toHaveLength(20);
    });

    it('should free the packages held when the connection closes', async () => {
      const t = await authenticated();
      const dropped = dropsOf(t);
      t.session.onData(packages(10, 3, 100)[0]!);
      await t.flush();
      t.session.onClose();
      expect(dropped).toEqual(['closed']);
      // Nothing left to ask for.
      t.session.sweepSubpackages(performance.now() + 10 * DEFAULT_SESSION_LIMITS.subpackages.timeoutMs);
      expect(t.results()).toEqual([0]);
    });
  });

  describe('other messages', () => {
    it('should answer heartbeats, driver identity and unknown ids, and consume terminal replies', async () => {
      const t = await authenticated();
      const driver = encodeDriverIdentity({
        layout: '2013',
        status: 1,
        time: new Date(Date.UTC(2026, 2, 1, 8, 0, 0)),
        icReadResult: 0,
        name: '张师傅',
        certificateNumber: '15020319850312123X',
        issuingAuthority: '包头市交通运输局',
        expiry: '2027-01-01',
        idCardNumber: null,
      });
      t.session.onData(
        Buffer.concat([
          t.frame(JT808_MESSAGE_ID.HEARTBEAT),
          t.frame(JT808_MESSAGE_ID.DRIVER_IDENTITY, driver),
          t.frame(JT808_MESSAGE_ID.TERMINAL_GENERAL_REPLY, Buffer.from([0, 1, 0x81, 0x03, 0])),
          t.frame(0x0f00, Buffer.from([1, 2, 3])),
        ]),
      );
      await t.flush();
      expect(t.replies().map((m) => m.body)).toEqual([
        { replySerial: 1, replyId: 0x0002, result: 0 },
        { replySerial: 2, replyId: 0x0702, result: 0 },
        { replySerial: 4, replyId: 0x0f00, result: 3 },
      ]);
    });

    it('should answer a logout and then close', async () => {
      const t = await authenticated();
      t.session.onData(Buffer.concat([t.frame(JT808_MESSAGE_ID.LOGOUT), t.frame(JT808_MESSAGE_ID.HEARTBEAT)]));
      await t.flush();
      expect(t.results()).toEqual([0]);
      expect(t.socket.ended).toBe(true);
    });

    it('should skip malformed frames (answering 2 when the header is readable) and carry on', async () => {
      const t = await authenticated();
      const bad = Buffer.from(t.frame(JT808_MESSAGE_ID.HEARTBEAT));
      bad[bad.length - 2] ^= 0xff; // check code
      t.session.onData(Buffer.concat([bad, Buffer.from('7e0102037e', 'hex'), Buffer.from('garbage'), t.frame(JT808_MESSAGE_ID.HEARTBEAT)]));
      await t.flush();
      expect(t.replies().map((m) => m.body)).toEqual([
        { replySerial: 1, replyId: 0x0002, result: 2 },
        { replySerial: 2, replyId: 0x0002, result: 0 },
      ]);
    });

    it('should decode a frame split across TCP chunks', async () => {
      const t = await authenticated();
      const f = t.frame(JT808_MESSAGE_ID.HEARTBEAT);
      for (let i = 0; i < f.length; i++) t.session.onData(f.subarray(i, i + 1));
      await t.flush();
      expect(t.results()).toEqual([0]);
    });
  });

  describe('2019 headers without the version bit', () => {
    // Encoded as 2019, then bit 14 cleared (and the check code fixed): only the terminal's record tells the layout.
    const flagless = (messageId: number, body: Buffer, serial: number) => {
      const p = encodePayload({ messageId, phone: PHONE_A, serial, body, version: '2019' });
      p.writeUInt16BE(p.readUInt16BE(2) & ~0x4000, 2);
      p[p.length - 1] = xorChecksum(p, 0, p.length - 1);
      return Buffer.concat([Buffer.from([0x7e]), escape(p), Buffer.from([0x7e])]);
    };

    it('should authenticate and then decode every frame in 2019 layout for a terminal set to 2019', async () => {
      const t = setup();
      t.directory.terminals.get(PHONE_A)!.protocolVersion = '2019';
      t.session.onData(flagless(JT808_MESSAGE_ID.AUTH, encodeAuth({ authCode: 'code-of-a' }, '2019'), 0));
      t.session.onData(flagless(JT808_MESSAGE_ID.LOCATION, encodeLocation(position(1)), 1));
      await t.flush();
      expect(t.ingests).toHaveLength(1);
      t.ingests[0]!.resolve();
      await t.flush();
      expect(t.replies().map((m) => [m.header.version, m.body])).toEqual([
        ['2019', { replySerial: 0, replyId: 0x0102, result: 0 }],
        ['2019', { replySerial: 1, replyId: 0x0200, result: 0 }],
      ]);
    });

    it('should not accept such a frame from a terminal not set to 2019', async () => {
      const t = setup();
      t.session.onData(flagless(JT808_MESSAGE_ID.AUTH, encodeAuth({ authCode: 'code-of-a' }, '2019'), 0));
      await t.flush();
      expect(t.results()).toEqual([1]);
      expect(t.session.authenticated).toBe(false);
    });
  });

  describe('flow control', () => {
    it('should pause reading while too many frames wait for their replies, and resume after', async () => {
      const t = await authenticated();
      const frames = Array.from({ length: DEFAULT_SESSION_LIMITS.maxPendingFrames }, (_, i) => t.frame(JT808_MESSAGE_ID.LOCATION, encodeLocation(position(i % 60))));
      t.session.onData(Buffer.concat(frames));
      await t.flush();
      expect(t.socket.paused).toBe(true);
      for (const d of t.ingests) d.resolve();
      await t.flush();
      expect(t.socket.paused).toBe(false);
      expect(t.socket.written).toHaveLength(DEFAULT_SESSION_LIMITS.maxPendingFrames);
    });

    it('should pause when the server holds reading', async () => {
      const t = setup({ holdReading: true });
      t.session.updateFlow();
      expect(t.socket.paused).toBe(true);
    });

    it('should drop a connection that does not read its replies', async () => {
      const t = await authenticated();
      t.socket.writableLength = DEFAULT_SESSION_LIMITS.maxWriteBufferBytes + 1;
      t.session.onData(t.frame(JT808_MESSAGE_ID.HEARTBEAT));
      await t.flush();
      expect(t.socket.destroyed).toBe(true);
      expect(t.socket.written).toEqual([]);
    });
  });
});
