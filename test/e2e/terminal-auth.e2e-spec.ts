import { io, type Socket } from 'socket.io-client';
import request from 'supertest';
import { JT808_MESSAGE_ID as ID } from '../../src/tracking/terminal/jt808/jt808.constants.js';
import type { Jt808Message } from '../../src/tracking/terminal/jt808/jt808.decoder.js';
import { encodeAuth, encodeLocation, encodeRegister } from '../../src/tracking/terminal/jt808/jt808.encoder.js';
import { TerminalServer } from '../../src/tracking/terminal/terminal.server.js';
import { bearer, startTestApp, type TestApp } from '../helpers/app.js';
import { createOrgWithUser } from '../helpers/fixtures.js';
import { connected, refusal } from '../helpers/sockets.js';
import { Jt808TestClient } from './jt808-client.js';

// Terminal credentials beyond test/e2e/jt808.e2e-spec.ts (which covers another terminal's code, an unauthenticated
// report and a report under another number): an auth code stops working when the terminal registers again or is
// moved to another vehicle, and an app terminal's token cannot be turned into another terminal's.

const REGISTRATION = encodeRegister({ provinceId: 15, cityId: 200, manufacturerId: 'HZW01', model: 'HZ-808', terminalId: 'T000007', plateColor: 2, plate: '蒙B7T001' });
const resultOf = (m: Jt808Message) => (m.kind === 'platformGeneralReply' || m.kind === 'registerReply' ? m.body.result : -1);
const fix = (second: number) => ({ latitude: 40.61 + second * 1e-5, longitude: 109.84, speedKmh: 30, direction: 90, altitude: 1000, status: 0b11, time: new Date(Date.now() - 600_000 + second * 1000) });

describe('terminal credentials (e2e)', () => {
  let t: TestApp;
  let carrier: Awaited<ReturnType<typeof createOrgWithUser>>;
  let port: number;
  let seq = 0;
  const clients: Jt808TestClient[] = [];
  const sockets: Socket[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    carrier = await createOrgWithUser(t, 'carrier', { regionCode: '150203' });
    port = t.app.get(TerminalServer).port!;
  }, 60_000);
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await t?.close();
  });

  const vehicle = async () => {
    const n = ++seq;
    const v = await request(t.http)
      .post('/vehicles')
      .set(bearer(carrier.token))
      .send({ plateNumber: `蒙B7T${String(n).padStart(3, '0')}`, plateColour: 'yellow', kind: 'tractor', drivingLicenceValidUntil: '2030-06-30', nextSafetyInspection: '2030-03-01', transportCertValidUntil: '2030-05-31', transportScope: ['3'], ratedLoadKg: 30000, totalMassKg: 40000 });
    expect(v.status).toBe(201);
    return v.body.id as string;
  };
  const terminal = async (vehicleId: string, protocol: 'jt808' | 'app' = 'jt808') => {
    const res = await request(t.http).post('/terminals').set(bearer(carrier.token)).send({ phone: `01397780${String(++seq).padStart(4, '0')}`, vehicleId, protocol });
    expect(res.status).toBe(201);
    return res.body as { id: string; phone: string };
  };
  const connect = async (phone: string) => {
    const c = await Jt808TestClient.connect(port, phone);
    clients.push(c);
    return c;
  };
  const register = async (c: Jt808TestClient) => {
    const reply = await c.request(ID.REGISTER, REGISTRATION);
    expect(resultOf(reply.message)).toBe(0);
    return (reply.message.body as { authCode: string }).authCode;
  };
  const stored = async (vehicleId: string) => (await t.ds.query(`SELECT count(*)::int AS n FROM positions WHERE vehicle_id = $1`, [vehicleId]))[0].n as number;

  it('should refuse an auth code once the terminal has registered again (a replayed old code)', async () => {
    const vehicleId = await vehicle();
    const { phone } = await terminal(vehicleId);
    const first = await connect(phone);
    const oldCode = await register(first);
    const newCode = await register(first);
    expect(newCode).not.toBe(oldCode);

    const replay = await connect(phone);
    expect(resultOf((await replay.request(ID.AUTH, encodeAuth({ authCode: oldCode }))).message)).toBe(1);
    expect(resultOf((await replay.request(ID.LOCATION, encodeLocation(fix(1)))).message)).toBe(1);
    expect(await stored(vehicleId)).toBe(0);

    const genuine = await connect(phone);
    expect(resultOf((await genuine.request(ID.AUTH, encodeAuth({ authCode: newCode }))).message)).toBe(0);
    expect(resultOf((await genuine.request(ID.LOCATION, encodeLocation(fix(2)))).message)).toBe(0);
    expect(await stored(vehicleId)).toBe(1);
  });

  it('should refuse the old code of a terminal moved to another vehicle, so that it cannot report for either', async () => {
    const [first, second] = [await vehicle(), await vehicle()];
    const term = await terminal(first);
    const code = await register(await connect(term.phone));
    expect((await request(t.http).patch(`/terminals/${term.id}`).set(bearer(carrier.token)).send({ vehicleId: second })).status).toBe(200);
    const c = await connect(term.phone);
    expect(resultOf((await c.request(ID.AUTH, encodeAuth({ authCode: code }))).message)).toBe(1);
    expect(resultOf((await c.request(ID.LOCATION, encodeLocation(fix(3)))).message)).toBe(1);
    expect((await stored(first)) + (await stored(second))).toBe(0);
  });

  it("should refuse an app token whose terminal id is changed to another terminal's, and a user's sign-in token", async () => {
    const a = await terminal(await vehicle(), 'app');
    const b = await terminal(await vehicle(), 'app');
    const tokenA = (await request(t.http).post(`/terminals/${a.id}/app-token`).set(bearer(carrier.token))).body.token as string;
    await request(t.http).post(`/terminals/${b.id}/app-token`).set(bearer(carrier.token));
    const forged = tokenA.replace(a.id, b.id);
    const connectWith = (token: string) => {
      const s = io(`${t.url}/terminals`, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token } });
      sockets.push(s);
      return s;
    };
    expect((await refusal(connectWith(forged))).data?.code).toBe('TERMINAL_TOKEN_INVALID');
    expect((await refusal(connectWith(carrier.token))).data?.code).toBe('TERMINAL_TOKEN_INVALID');
  });

  it('should disconnect an open app-terminal socket when its token is replaced or the terminal is retired', async () => {
    const term = await terminal(await vehicle(), 'app');
    const issue = async () => (await request(t.http).post(`/terminals/${term.id}/app-token`).set(bearer(carrier.token))).body.token as string;
    const open = async (token: string) => {
      const s = io(`${t.url}/terminals`, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token } });
      sockets.push(s);
      await connected(s);
      return s;
    };
    const dropped = (s: Socket) => new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('not disconnected')), 5_000);
      s.once('disconnect', (reason) => (clearTimeout(timer), resolve(reason)));
    });
    const first = await open(await issue());
    const firstDropped = dropped(first);
    const second = await open(await issue());
    expect(await firstDropped).toBe('io server disconnect');
    expect(second.connected).toBe(true);
    const secondDropped = dropped(second);
    expect((await request(t.http).delete(`/terminals/${term.id}`).set(bearer(carrier.token))).status).toBe(200);
    expect(await secondDropped).toBe('io server disconnect');
  });
});
