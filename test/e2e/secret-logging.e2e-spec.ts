import { io, type Socket } from 'socket.io-client';
import request from 'supertest';
import { JT808_MESSAGE_ID as ID } from '../../src/tracking/terminal/jt808/jt808.constants.js';
import { encodeAuth, encodeLocation, encodeRegister } from '../../src/tracking/terminal/jt808/jt808.encoder.js';
import { TerminalServer } from '../../src/tracking/terminal/terminal.server.js';
import { LOG_SINK } from '../../src/ops/logging.module.js';
import { ADMIN_PASSWORD, bearer, startTestApp, type TestApp } from '../helpers/app.js';
import { createOrgWithUser, PASSWORD } from '../helpers/fixtures.js';
import { connected, handshake } from '../helpers/sockets.js';
import { Jt808TestClient } from './jt808-client.js';

// Secrets never reach the log, even at LOG_LEVEL=trace: passwords (sign-in, change, new users, one-time passwords),
// bearer tokens, API keys, terminal auth codes and app tokens, webhook secrets. Every line pino writes during a
// session that uses each of them, well and badly, is captured and searched.

describe('secrets in the log (e2e)', () => {
  let t: TestApp;
  const lines: string[] = [];
  const secrets = new Map<string, string>();
  const sockets: Socket[] = [];

  beforeAll(async () => {
    LOG_SINK.stream = { write: (line: string) => void lines.push(line) };
    t = await startTestApp({ LOG_LEVEL: 'trace' });
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await t?.close();
    LOG_SINK.stream = undefined;
  });

  const keep = (what: string, value: string) => {
    expect(value.length).toBeGreaterThanOrEqual(8);
    secrets.set(what, value);
    return value;
  };

  it('should log requests, sign-ins and terminal sessions without any secret', async () => {
    keep('admin password', ADMIN_PASSWORD);
    keep('user password', PASSWORD);
    const carrier = await createOrgWithUser(t, 'carrier', { regionCode: '150203' });
    keep('user token', carrier.token);
    const admin = keep('admin token', await t.adminToken());

    // Wrong passwords are secrets too (often a real one with a typo).
    const typo = keep('mistyped password', `${PASSWORD}x`);
    expect((await request(t.http).post('/auth/login').send({ username: carrier.username, password: typo })).status).toBe(401);
    const newPassword = keep('new password', 'a fresh password for the log test');
    expect((await request(t.http).post('/auth/password').set(bearer(carrier.token)).send({ currentPassword: PASSWORD, newPassword })).status).toBe(204);
    const created = await request(t.http).post(`/organisations/${carrier.org.id}/users`).set(bearer(admin)).send({ username: `otp_${Date.now()}`, displayName: 'OTP', roles: ['monitor'] });
    keep('one-time password', created.body.oneTimePassword);
    const reset = await request(t.http).post(`/users/${created.body.user.id}/reset-password`).set(bearer(admin));
    keep('reset password', reset.body.oneTimePassword);

    const key = await request(t.http).post('/api-keys').set(bearer(carrier.token)).send({ name: 'log test', roles: ['carrier'] });
    keep('API key', key.body.key);
    keep('API key secret', (key.body.key as string).split('_').slice(2).join('_'));
    expect((await request(t.http).get('/vehicles').set('X-API-Key', key.body.key)).status).toBe(200);
    expect((await request(t.http).get('/vehicles').set(bearer(key.body.key))).status).toBe(200);
    expect((await request(t.http).get('/vehicles').set('X-API-Key', `${key.body.key.slice(0, -3)}zzz`)).status).toBe(401);
    // Tokens in a query string are not a way in, but must not be logged with the URL either.
    expect((await request(t.http).get('/vehicles').query({ token: carrier.token })).status).toBe(401);

    const hook = await request(t.http).post('/webhooks').set(bearer(carrier.token)).send({ url: 'https://hooks.example.com/x', kinds: ['never.sent'] });
    keep('webhook secret', hook.body.secret);

    // /watch handshakes: good token, bad token.
    const watch = (token: string) => {
      const s = io(`${t.url}/watch`, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token } });
      sockets.push(s);
      return s;
    };
    await connected(watch(carrier.token));
    await handshake(watch(`${carrier.token.slice(0, -4)}AAAA`));

    // JT/T 808: register (auth code in the reply), authenticate, a wrong code, a report.
    const vehicle = await request(t.http)
      .post('/vehicles')
      .set(bearer(carrier.token))
      .send({ plateNumber: '蒙B6L001', plateColour: 'yellow', kind: 'tractor', drivingLicenceValidUntil: '2030-06-30', nextSafetyInspection: '2030-03-01', transportCertValidUntil: '2030-05-31', transportScope: ['3'], ratedLoadKg: 30000, totalMassKg: 40000 });
    expect(vehicle.status).toBe(201);
    const phone = '013977700001';
    expect((await request(t.http).post('/terminals').set(bearer(carrier.token)).send({ phone, vehicleId: vehicle.body.id })).status).toBe(201);
    const c = await Jt808TestClient.connect(t.app.get(TerminalServer).port!, phone);
    const registered = await c.request(ID.REGISTER, encodeRegister({ provinceId: 15, cityId: 200, manufacturerId: 'HZW01', model: 'HZ-808', terminalId: 'T000009', plateColor: 2, plate: '蒙B6L001' }));
    const code = keep('auth code', (registered.message.body as { authCode: string }).authCode);
    keep('wrong auth code', `${code.slice(0, -2)}${code.endsWith('zz') ? 'yy' : 'zz'}`);
    await c.request(ID.AUTH, encodeAuth({ authCode: secrets.get('wrong auth code')! }));
    await c.request(ID.AUTH, encodeAuth({ authCode: code }));
    await c.request(ID.LOCATION, encodeLocation({ latitude: 40.61, longitude: 109.84, speedKmh: 30, direction: 90, altitude: 1000, status: 0b11, time: new Date(Date.now() - 60_000) }));
    c.destroy();

    // App terminal token.
    const appVehicle = await request(t.http)
      .post('/vehicles')
      .set(bearer(carrier.token))
      .send({ plateNumber: '蒙B6L002', plateColour: 'yellow', kind: 'tractor', drivingLicenceValidUntil: '2030-06-30', nextSafetyInspection: '2030-03-01', transportCertValidUntil: '2030-05-31', transportScope: ['3'], ratedLoadKg: 30000, totalMassKg: 40000 });
    const appTerminal = await request(t.http).post('/terminals').set(bearer(carrier.token)).send({ phone: '013977700002', protocol: 'app', vehicleId: appVehicle.body.id });
    const appToken = await request(t.http).post(`/terminals/${appTerminal.body.id}/app-token`).set(bearer(carrier.token));
    keep('app token', appToken.body.token);
    const terminal = io(`${t.url}/terminals`, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token: appToken.body.token } });
    sockets.push(terminal);
    await connected(terminal);
    const wrongApp = io(`${t.url}/terminals`, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token: `${appToken.body.token.slice(0, -3)}zzz` } });
    sockets.push(wrongApp);
    await handshake(wrongApp);

    expect((await request(t.http).post('/auth/logout').set(bearer(admin))).status).toBe(204);
    await new Promise((r) => setTimeout(r, 300)); // the last lines are written asynchronously

    const log = lines.join('');
    // The capture works: requests, the JT/T 808 session and debug lines are there.
    expect(log).toContain('"url":"/auth/login"');
    expect(log).toMatch(/jt808 #\d+/);
    expect(lines.some((l) => l.includes('"level":20') || l.includes('"level":10'))).toBe(true);
    const found = [...secrets].filter(([, value]) => log.includes(value)).map(([what]) => what);
    expect(found).toEqual([]);
  }, 120_000);
});
