import { io, type Socket } from 'socket.io-client';
import request from 'supertest';
import type { DriverSignIn } from '../../src/tracking/positions/position.js';
import { PositionsService } from '../../src/tracking/positions/positions.service.js';
import { JT808_MESSAGE_ID as ID } from '../../src/tracking/terminal/jt808/jt808.constants.js';
import type { Jt808Message } from '../../src/tracking/terminal/jt808/jt808.decoder.js';
import {
  encodeAuth,
  encodeBatch,
  encodeDriverIdentity,
  encodeLocation,
  encodeRegister,
  platformGeneralReply,
  registerReply,
  type Jt808PositionInput,
} from '../../src/tracking/terminal/jt808/jt808.encoder.js';
import { hashAuthCode } from '../../src/tracking/terminal/terminal-directory.js';
import { TerminalServer } from '../../src/tracking/terminal/terminal.server.js';
import { bearer, startTestApp, type TestApp } from '../helpers/app.js';
import { createOrgWithUser } from '../helpers/fixtures.js';
import { connected, waitForItem } from '../helpers/sockets.js';
import { Jt808TestClient } from './jt808-client.js';

// JT/T 808 over a real TCP socket against the whole application: registration, authentication, reports stored
// before they are acknowledged, refusals, malformed input, TCP framing and re-sends.

const REGISTRATION = encodeRegister({ provinceId: 15, cityId: 200, manufacturerId: 'HZW01', model: 'HZ-808', terminalId: 'T000001', plateColor: 2, plate: '蒙B70001' });

// Fixes a few minutes old, a few metres apart, so that the plausibility filter finds nothing to flag.
const base = Math.floor(Date.now() / 1000) * 1000 - 30 * 60_000;
const fix = (second: number, over: Partial<Jt808PositionInput> = {}): Jt808PositionInput => ({
  latitude: 40.6123 + second * 1e-5,
  longitude: 109.8456,
  speedKmh: 36,
  direction: 90,
  altitude: 1050,
  status: 0b11,
  time: new Date(base + second * 1000),
  extras: { mileageKm: 1000 + second / 100 },
  ...over,
});

const ack = (phone: string, serial: number, replySerial: number, replyId: number, result: 0 | 1 | 2 | 3 | 4 = 0) =>
  platformGeneralReply({ phone, serial, version: '2013' }, { replySerial, replyId, result: result as 0 });

const resultOf = (m: Jt808Message) => (m.kind === 'platformGeneralReply' || m.kind === 'registerReply' ? m.body.result : -1);

describe('JT/T 808 server (e2e)', () => {
  let t: TestApp;
  let carrier: Awaited<ReturnType<typeof createOrgWithUser>>;
  let port: number;
  let plate = 70001;
  let phoneSeq = 0;
  const clients: Jt808TestClient[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    carrier = await createOrgWithUser(t, 'carrier', { regionCode: '150203' });
    port = t.app.get(TerminalServer).port!;
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });
  afterAll(() => t?.close());

  const nextPhone = () => `0139${String(7_000_000 + ++phoneSeq).padStart(8, '0')}`;

  async function vehicleWithTerminal(opts: { vehicle?: boolean } = {}) {
    const phone = nextPhone();
    let vehicleId: string | null = null;
    if (opts.vehicle !== false) {
      const v = await request(t.http)
        .post('/vehicles')
        .set(bearer(carrier.token))
        .send({
          plateNumber: `蒙B${++plate}`,
          plateColour: 'yellow',
          kind: 'tractor',
          drivingLicenceValidUntil: '2030-06-30',
          nextSafetyInspection: '2030-03-01',
          transportCertNumber: `1502030${plate}`,
          transportCertValidUntil: '2030-05-31',
          transportScope: ['3'],
          ratedLoadKg: 30000,
          totalMassKg: 40000,
        });
      expect(v.status).toBe(201);
      vehicleId = v.body.id;
    }
    const term = await request(t.http).post('/terminals').set(bearer(carrier.token)).send({ phone, vehicleId });
    expect(term.status).toBe(201);
    return { phone, vehicleId: vehicleId!, terminalId: term.body.id as string };
  }

  async function connect(phone: string) {
    const c = await Jt808TestClient.connect(port, phone);
    clients.push(c);
    return c;
  }

  async function register(c: Jt808TestClient): Promise<string> {
    const reply = await c.request(ID.REGISTER, REGISTRATION);
    expect(reply.message.kind).toBe('registerReply');
    expect(resultOf(reply.message)).toBe(0);
    return (reply.message.body as { authCode: string }).authCode;
  }

  // Registered and authenticated; the platform has sent 2 frames (serials 0 and 1), the terminal used serials 0, 1.
  async function authenticatedTerminal() {
    const term = await vehicleWithTerminal();
    const c = await connect(term.phone);
    const code = await register(c);
    const auth = await c.request(ID.AUTH, encodeAuth({ authCode: code }));
    expect(resultOf(auth.message)).toBe(0);
    return { ...term, c, code };
  }

  const rows = (vehicleId: string) =>
    t.ds.query(
      `SELECT fix_time, backfill, source, terminal_id, lat, lon, speed_kmh, course, altitude_m, mileage_km, quality
       FROM positions WHERE vehicle_id = $1 ORDER BY fix_time`,
      [vehicleId],
    ) as Promise<{ fix_time: Date; backfill: boolean; source: string; terminal_id: string; lat: number; lon: number; speed_kmh: number; course: number; altitude_m: number; mileage_km: number; quality: number }[]>;

  it('should register, authenticate and store a location and a back-filled batch before acknowledging each', async () => {
    const { phone, vehicleId, terminalId } = await vehicleWithTerminal();
    const c = await connect(phone);

    c.write(c.frame(ID.REGISTER, REGISTRATION));
    const reg = await c.read();
    const code = (reg.message.body as { authCode: string }).authCode;
    expect(code).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(reg.raw).toEqual(registerReply({ phone, serial: 0, version: '2013' }, { replySerial: 0, result: 0, authCode: code }));
    // Only the code's hash is kept.
    const [{ auth_code }] = await t.ds.query(`SELECT auth_code FROM terminals WHERE id = $1`, [terminalId]);
    expect(auth_code).toBe(hashAuthCode(code));

    c.write(c.frame(ID.AUTH, encodeAuth({ authCode: code })));
    expect((await c.read()).raw).toEqual(ack(phone, 1, 1, ID.AUTH));

    c.write(c.frame(ID.LOCATION, encodeLocation(fix(600))));
    expect((await c.read()).raw).toEqual(ack(phone, 2, 2, ID.LOCATION));
    // Acknowledged means committed: the row is there the moment the ACK is.
    expect(await rows(vehicleId)).toHaveLength(1);

    c.write(c.frame(ID.BATCH_LOCATION, encodeBatch(1, [fix(10), fix(20), fix(30)])));
    expect((await c.read()).raw).toEqual(ack(phone, 3, 3, ID.BATCH_LOCATION));

    c.write(c.frame(ID.HEARTBEAT));
    expect((await c.read()).raw).toEqual(ack(phone, 4, 4, ID.HEARTBEAT));

    const stored = await rows(vehicleId);
    expect(stored.map((r) => [r.fix_time.getTime(), r.backfill])).toEqual([
      [base + 10_000, true],
      [base + 20_000, true],
      [base + 30_000, true],
      [base + 600_000, false],
    ]);
    expect(stored[3]).toMatchObject({ source: 'jt808', terminal_id: terminalId, speed_kmh: 36, course: 90, altitude_m: 1050, quality: 0 });
    expect(stored[3]!.lat).toBeCloseTo(40.6183, 6);
    expect(stored[3]!.mileage_km).toBeCloseTo(1006, 1);
  });

  it('should refuse to register an unknown phone (4) and a terminal without a vehicle (2)', async () => {
    const unknown = nextPhone();
    const c = await connect(unknown);
    c.write(c.frame(ID.REGISTER, REGISTRATION));
    expect((await c.read()).raw).toEqual(registerReply({ phone: unknown, serial: 0, version: '2013' }, { replySerial: 0, result: 4 }));

    const { phone } = await vehicleWithTerminal({ vehicle: false });
    const c2 = await connect(phone);
    c2.write(c2.frame(ID.REGISTER, REGISTRATION));
    expect((await c2.read()).raw).toEqual(registerReply({ phone, serial: 0, version: '2013' }, { replySerial: 0, result: 2 }));
  });

  it('should refuse and not store a location from a terminal that has not authenticated', async () => {
    const { phone, vehicleId } = await vehicleWithTerminal();
    const c = await connect(phone);
    await register(c); // registered, but no 0x0102
    c.write(c.frame(ID.LOCATION, encodeLocation(fix(1))));
    expect((await c.read()).raw).toEqual(ack(phone, 1, 1, ID.LOCATION, 1));
    c.write(c.frame(ID.BATCH_LOCATION, encodeBatch(1, [fix(2)])));
    expect((await c.read()).raw).toEqual(ack(phone, 2, 2, ID.BATCH_LOCATION, 1));
    expect(await rows(vehicleId)).toEqual([]);
  });

  it('should refuse a wrong auth code', async () => {
    const { phone, vehicleId } = await vehicleWithTerminal();
    const c = await connect(phone);
    const code = await register(c);
    c.write(c.frame(ID.AUTH, encodeAuth({ authCode: code.slice(0, -1) + (code.endsWith('A') ? 'B' : 'A') })));
    expect((await c.read()).raw).toEqual(ack(phone, 1, 1, ID.AUTH, 1));
    c.write(c.frame(ID.LOCATION, encodeLocation(fix(1))));
    expect(resultOf((await c.read()).message)).toBe(1);
    expect(await rows(vehicleId)).toEqual([]);
  });

  it("should not let a terminal use another terminal's auth code", async () => {
    const a = await vehicleWithTerminal();
    const b = await vehicleWithTerminal();
    const ca = await connect(a.phone);
    const codeA = await register(ca);
    const cb = await connect(b.phone);
    await register(cb); // B has a code of its own too

    const thief = await connect(b.phone);
    thief.write(thief.frame(ID.AUTH, encodeAuth({ authCode: codeA })));
    expect((await thief.read()).raw).toEqual(ack(b.phone, 0, 0, ID.AUTH, 1));
    thief.write(thief.frame(ID.LOCATION, encodeLocation(fix(1))));
    expect(resultOf((await thief.read()).message)).toBe(1);

    // Authenticated as A, reporting under B's number on the same connection: refused too.
    ca.write(ca.frame(ID.AUTH, encodeAuth({ authCode: codeA })));
    expect(resultOf((await ca.read()).message)).toBe(0);
    ca.write(ca.frame(ID.LOCATION, encodeLocation(fix(2)), { phone: b.phone }));
    expect((await ca.read()).raw).toEqual(ack(b.phone, 2, 2, ID.LOCATION, 1));
    expect(await rows(a.vehicleId)).toEqual([]);
    expect(await rows(b.vehicleId)).toEqual([]);
  });

  it('should skip malformed frames and garbage, and carry on with the next valid frame', async () => {
    const { phone, vehicleId, c } = await authenticatedTerminal();
    const corrupt = c.frame(ID.LOCATION, encodeLocation(fix(1))); // serial 2
    // Flip a latitude byte: the check code no longer matches (and no delimiter or escape byte is produced).
    corrupt[21] = corrupt[21]! ^ 0x01;
    c.write(corrupt);
    expect((await c.read()).raw).toEqual(ack(phone, 2, 2, ID.LOCATION, 2));

    c.write(Buffer.from('GET / HTTP/1.1\r\n\r\n'), Buffer.from([0x7e, 0x01, 0x02, 0x7e]), Buffer.from([0x7e, 0x7d, 0x05, 0xff, 0x7e]));
    c.write(c.frame(ID.LOCATION, encodeLocation(fix(2)))); // serial 3
    expect((await c.read()).raw).toEqual(ack(phone, 3, 3, ID.LOCATION));
    expect((await rows(vehicleId)).map((r) => r.fix_time.getTime())).toEqual([base + 2_000]);
    expect(c.isOpen).toBe(true);
  });

  it('should reassemble a frame split across TCP chunks and answer several frames sent in one chunk, in order', async () => {
    const { phone, vehicleId, c } = await authenticatedTerminal();
    const split = c.frame(ID.LOCATION, encodeLocation(fix(1))); // serial 2
    for (const [from, to] of [[0, 1], [1, 9], [9, 30], [30, split.length]] as const) {
      c.write(split.subarray(from, to));
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await c.read()).raw).toEqual(ack(phone, 2, 2, ID.LOCATION));

    c.write(Buffer.concat([c.frame(ID.LOCATION, encodeLocation(fix(2))), c.frame(ID.HEARTBEAT), c.frame(ID.BATCH_LOCATION, encodeBatch(0, [fix(3), fix(4)]))]));
    const replies = await c.readMany(3);
    expect(replies.map((r) => r.raw)).toEqual([ack(phone, 3, 3, ID.LOCATION), ack(phone, 4, 4, ID.HEARTBEAT), ack(phone, 5, 5, ID.BATCH_LOCATION)]);
    expect(await rows(vehicleId)).toHaveLength(4);
  });

  it('should store a re-sent position once and acknowledge it both times', async () => {
    const { phone, vehicleId, c } = await authenticatedTerminal();
    const report = c.frame(ID.LOCATION, encodeLocation(fix(7))); // serial 2, re-sent as is (JT/T 808 re-sends keep the serial)
    c.write(report);
    expect((await c.read()).raw).toEqual(ack(phone, 2, 2, ID.LOCATION));
    c.write(report);
    expect((await c.read()).raw).toEqual(ack(phone, 3, 2, ID.LOCATION));
    expect(await rows(vehicleId)).toHaveLength(1);
  });

  it('should answer unknown messages with 3, driver identity with 0, and a logout with 0 before closing', async () => {
    const { phone, vehicleId, c } = await authenticatedTerminal();
    const signIns: DriverSignIn[] = [];
    const unsubscribe = t.app.get(PositionsService).onDriverIdentity((d) => signIns.push(d));
    try {
      c.write(c.frame(0x0900, Buffer.from([0xf0, 1, 2, 3]))); // serial 2: data uplink pass-through, not handled
      expect((await c.read()).raw).toEqual(ack(phone, 2, 2, 0x0900, 3));
      // serial 3: an IC card read (2013 layout), handed to monitoring for the vehicle of this terminal.
      const card = { name: '王师傅', certificateNumber: '150203000000001', issuingAuthority: '包头市交通运输局', expiry: '2030-01-01', idCardNumber: null };
      c.write(c.frame(ID.DRIVER_IDENTITY, encodeDriverIdentity({ layout: '2013', status: 1, time: new Date(base), icReadResult: 0, ...card })));
      expect((await c.read()).raw).toEqual(ack(phone, 3, 3, ID.DRIVER_IDENTITY));
      expect(signIns).toEqual([
        expect.objectContaining({ vehicleId, at: new Date(base), inserted: true, readOk: true, name: '王师傅', certificateNumber: '150203000000001' }),
      ]);
      c.write(c.frame(ID.LOGOUT)); // serial 4
      expect((await c.read()).raw).toEqual(ack(phone, 4, 4, ID.LOGOUT));
      await c.closed;
    } finally {
      unsubscribe();
    }
  });

  // A report that cannot be stored is never acknowledged as success (0): 2 (message error). Of a 0x0704 the
  // readable items are stored, and the answer is still 2.
  it('should answer 2, not 0, to a report with a position it cannot store, storing what is readable', async () => {
    const { phone, vehicleId, c } = await authenticatedTerminal();
    const dropped = async () => {
      const m = /^hazway_jt808_positions_dropped_total\{reason="time_invalid"\} (\S+)$/m.exec((await request(t.http).get('/metrics')).text);
      return Number(m?.[1] ?? 0);
    };
    const before = await dropped();
    const noTime = fix(0, { time: null, timeBcd: '261399000000' }); // month 13
    c.write(c.frame(ID.LOCATION, encodeLocation(noTime))); // serial 2
    const reply = await c.read();
    expect(reply.raw).toEqual(ack(phone, 2, 2, ID.LOCATION, 2));
    // The result byte of the 0x8001 body (reply serial, reply id, result), as on the wire.
    expect(reply.message.kind === 'platformGeneralReply' && reply.message.body).toEqual({ replySerial: 2, replyId: ID.LOCATION, result: 2 });
    expect(await rows(vehicleId)).toEqual([]);

    c.write(c.frame(ID.BATCH_LOCATION, encodeBatch(0, [fix(1), noTime, fix(3)]))); // serial 3
    expect((await c.read()).raw).toEqual(ack(phone, 3, 3, ID.BATCH_LOCATION, 2));
    expect((await rows(vehicleId)).map((r) => r.fix_time.getTime())).toEqual([base + 1_000, base + 3_000]);
    expect((await dropped()) - before).toBe(2);

    // Re-sent as is: the readable items are not stored twice, and the answer stays 2.
    c.write(c.frame(ID.BATCH_LOCATION, encodeBatch(0, [fix(1), noTime, fix(3)]))); // serial 4
    expect((await c.read()).raw).toEqual(ack(phone, 4, 4, ID.BATCH_LOCATION, 2));
    expect(await rows(vehicleId)).toHaveLength(2);
  });

  it('should push a position reported over TCP to a /watch watcher of the vehicle', async () => {
    const { vehicleId, c } = await authenticatedTerminal();
    const watcher = io(`${t.url}/watch`, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token: carrier.token } });
    try {
      await connected(watcher);
      expect(await watcher.timeout(10_000).emitWithAck('subscribe', { vehicleId })).toEqual({ ok: true, snapshot: [] });
      const pushed = waitForItem(watcher, (i) => i.vehicleId === vehicleId);
      c.write(c.frame(ID.LOCATION, encodeLocation(fix(900, { alarm: 1 }))));
      expect(resultOf((await c.read()).message)).toBe(0);
      expect(await pushed).toEqual({
        vehicleId,
        waybillId: null,
        fixTime: new Date(base + 900_000).toISOString(),
        lat: expect.closeTo(40.6213, 6),
        lon: expect.closeTo(109.8456, 6),
        speedKmh: 36,
        course: 90,
        alarmBits: 1,
      });
    } finally {
      watcher.disconnect();
    }
  });

  it('should record last_seen_at and report sessions in /health and /metrics', async () => {
    const { terminalId } = await authenticatedTerminal();
    const health = await request(t.http).get('/health');
    expect(health.body.checks.terminals).toMatchObject({ status: 'up', port, listening: true });
    expect(health.body.checks.terminals.sessions).toBeGreaterThanOrEqual(1);
    const metrics = await request(t.http).get('/metrics');
    expect(metrics.text).toMatch(/hazway_jt808_sessions_authenticated [1-9]/);
    expect(metrics.text).toMatch(/hazway_jt808_frames_received_total\{message_id="0x0200"\} [1-9]/);
    expect(metrics.text).toMatch(/hazway_jt808_malformed_frames_total\{reason="BAD_CHECKSUM"\} [1-9]/);
    expect(metrics.text).toMatch(/hazway_jt808_ack_seconds_count\{message_id="0x0200"\} [1-9]/);
    // Written by the server's sweep (every 5 s with the default idle timeout).
    const deadline = Date.now() + 8_000;
    let seen: Date | null = null;
    while (!seen && Date.now() < deadline) {
      [{ last_seen_at: seen }] = await t.ds.query(`SELECT last_seen_at FROM terminals WHERE id = $1`, [terminalId]);
      if (!seen) await new Promise((r) => setTimeout(r, 200));
    }
    expect(seen).toBeInstanceOf(Date);
  });
});
