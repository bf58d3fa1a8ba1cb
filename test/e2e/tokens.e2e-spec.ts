import { SignJWT, UnsecuredJWT } from 'jose';
import { io, type Socket } from 'socket.io-client';
import request from 'supertest';
import { bearer, startTestApp, type TestApp } from '../helpers/app.js';
import { createOrgWithUser, PASSWORD } from '../helpers/fixtures.js';
import { describeWithRedis, redisUrl } from '../helpers/redis.js';
import { connected, handshake } from '../helpers/sockets.js';

// Tokens that must not work, on HTTP and on the /watch handshake alike (401 and a stable code), and credentials that
// stop working while a socket is open: the socket goes too (sign-out, disabled user, password change elsewhere,
// revoked API key), at once through the revocation event and, as a safety net, by the periodic re-check.

const SECRET = 'a-test-signing-secret-of-at-least-32-chars';

const sockets: Socket[] = [];
afterAll(() => {
  for (const s of sockets) s.disconnect();
});

function watch(url: string, token: string): Socket {
  const s = io(`${url}/watch`, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token } });
  sockets.push(s);
  return s;
}

// Resolves with the signed_out code once the server drops the socket; fails after `ms`.
function droppedBy(s: Socket, ms = 5_000): Promise<{ code?: string; reason: string }> {
  return new Promise((resolve, reject) => {
    let code: string | undefined;
    const timer = setTimeout(() => reject(new Error('the socket was not disconnected')), ms);
    s.on('signed_out', (e: { code: string }) => (code = e.code));
    s.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve({ code, reason });
    });
  });
}

const stillOpen = async (s: Socket, ms = 500) => {
  await new Promise((r) => setTimeout(r, ms));
  return s.connected;
};

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as { sub: string; sid: string; org: string };

describe('tokens refused, on HTTP and on /watch', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ AUTH_TOKEN_SECRET: SECRET, WATCH_REAUTH_SECONDS: '1' });
  });
  afterAll(() => t?.close());

  const sign = (claims: Record<string, unknown>, o: { alg?: string; iss?: string; aud?: string; exp?: number; sub: string; secret?: string }) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: o.alg ?? 'HS256' })
      .setIssuer(o.iss ?? 'hazway')
      .setAudience(o.aud ?? 'hazway-api')
      .setSubject(o.sub)
      .setExpirationTime(o.exp ?? Math.floor(Date.now() / 1000) + 600)
      .sign(new TextEncoder().encode(o.secret ?? SECRET));

  const refusedEverywhere = async (token: string, code: string) => {
    const res = await request(t.http).get('/auth/me').set(bearer(token));
    expect([res.status, res.body.code]).toEqual([401, code]);
    const r = await handshake(watch(t.url, token));
    expect(r.ok ? 'connected' : r.error.data?.code).toBe(code);
  };

  it('should refuse expired, forged, alg=none, HS512, wrong-issuer and wrong-audience tokens with a stable code', async () => {
    const { token } = await createOrgWithUser(t, 'carrier');
    const c = claimsOf(token);
    const claims = { org: c.org, sid: c.sid };
    await refusedEverywhere(await sign(claims, { sub: c.sub, exp: Math.floor(Date.now() / 1000) - 5 }), 'TOKEN_EXPIRED');
    await refusedEverywhere(await sign(claims, { sub: c.sub, secret: 'another-secret-another-secret-xxxxxxx' }), 'TOKEN_INVALID');
    await refusedEverywhere(await sign(claims, { sub: c.sub, alg: 'HS512' }), 'TOKEN_INVALID');
    await refusedEverywhere(await sign(claims, { sub: c.sub, iss: 'someone-else' }), 'TOKEN_INVALID');
    await refusedEverywhere(await sign(claims, { sub: c.sub, aud: 'someone-else' }), 'TOKEN_INVALID');
    const none = new UnsecuredJWT(claims).setIssuer('hazway').setAudience('hazway-api').setSubject(c.sub).setExpirationTime('10m').encode();
    await refusedEverywhere(none, 'TOKEN_INVALID');
    // The real token's header swapped for alg=none, signature kept or dropped.
    const [, payload, signature] = token.split('.');
    const noneHeader = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    await refusedEverywhere(`${noneHeader}.${payload}.`, 'TOKEN_INVALID');
    await refusedEverywhere(`${noneHeader}.${payload}.${signature}`, 'TOKEN_INVALID');
    // Still valid itself.
    expect((await request(t.http).get('/auth/me').set(bearer(token))).status).toBe(200);
  });

  it('should refuse the token of a signed-out, a deleted and an expired session, and of a disabled user', async () => {
    const a = await createOrgWithUser(t, 'shipper');
    expect((await request(t.http).post('/auth/logout').set(bearer(a.token))).status).toBe(204);
    await refusedEverywhere(a.token, 'SESSION_REVOKED');

    const b = await createOrgWithUser(t, 'shipper');
    await t.ds.query(`DELETE FROM sessions WHERE id = $1`, [claimsOf(b.token).sid]);
    await refusedEverywhere(b.token, 'TOKEN_INVALID');

    const c = await createOrgWithUser(t, 'shipper');
    await t.ds.query(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id = $1`, [claimsOf(c.token).sid]);
    await refusedEverywhere(c.token, 'TOKEN_EXPIRED');

    const d = await createOrgWithUser(t, 'shipper');
    // Disabled behind the API's back, so that the session itself is not revoked: the user's status decides.
    await t.ds.query(`UPDATE users SET status = 'disabled' WHERE id = $1`, [d.user.id]);
    await refusedEverywhere(d.token, 'ACCOUNT_DISABLED');
  });

  it('should refuse a revoked, an expired and a malformed API key', async () => {
    const carrier = await createOrgWithUser(t, 'carrier');
    const make = async () => (await request(t.http).post('/api-keys').set(bearer(carrier.token)).send({ name: 'k', roles: ['carrier'] })).body as { key: string; apiKey: { id: string } };
    const revoked = await make();
    expect((await request(t.http).delete(`/api-keys/${revoked.apiKey.id}`).set(bearer(carrier.token))).status).toBe(200);
    await refusedEverywhere(revoked.key, 'API_KEY_REVOKED');
    const expired = await make();
    await t.ds.query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [expired.apiKey.id]);
    await refusedEverywhere(expired.key, 'API_KEY_EXPIRED');
    await refusedEverywhere(`${expired.key.slice(0, -2)}!!`, 'API_KEY_INVALID');
  });

  describe('open /watch sockets', () => {
    it('should disconnect the socket of a session that signs out, and keep the same user’s other session', async () => {
      const a = await createOrgWithUser(t, 'carrier');
      const second = await t.login(a.username, PASSWORD);
      const s1 = await connected(watch(t.url, a.token));
      const s2 = await connected(watch(t.url, second));
      const dropped = droppedBy(s1);
      expect((await request(t.http).post('/auth/logout').set(bearer(a.token))).status).toBe(204);
      expect(await dropped).toEqual({ code: 'SESSION_REVOKED', reason: 'io server disconnect' });
      expect(await stillOpen(s2)).toBe(true);
    });

    it('should disconnect the sockets of a disabled user and of a revoked API key, and nobody else’s', async () => {
      const carrier = await createOrgWithUser(t, 'carrier');
      const colleague = await createOrgWithUser(t, 'carrier');
      const key = (await request(t.http).post('/api-keys').set(bearer(carrier.token)).send({ name: 'k', roles: ['carrier'] })).body as { key: string; apiKey: { id: string } };
      const user = await connected(watch(t.url, carrier.token));
      const bystander = await connected(watch(t.url, colleague.token));
      const machine = await connected(watch(t.url, key.key));

      const keyDropped = droppedBy(machine);
      expect((await request(t.http).delete(`/api-keys/${key.apiKey.id}`).set(bearer(carrier.token))).status).toBe(200);
      expect((await keyDropped).code).toBe('API_KEY_REVOKED');
      expect(user.connected).toBe(true);

      const userDropped = droppedBy(user);
      expect((await request(t.http).patch(`/users/${carrier.user.id}`).set(bearer(await t.adminToken())).send({ status: 'disabled' })).status).toBe(200);
      expect((await userDropped).code).toBe('SESSION_REVOKED');
      expect(await stillOpen(bystander)).toBe(true);
    });

    it('should keep the session that changes the password and drop the others', async () => {
      const a = await createOrgWithUser(t, 'consignee');
      const other = await t.login(a.username, PASSWORD);
      const mine = await connected(watch(t.url, a.token));
      const theirs = await connected(watch(t.url, other));
      const dropped = droppedBy(theirs);
      const changed = await request(t.http).post('/auth/password').set(bearer(a.token)).send({ currentPassword: PASSWORD, newPassword: 'another good password 2026' });
      expect(changed.status).toBe(204);
      expect((await dropped).code).toBe('SESSION_REVOKED');
      expect(await stillOpen(mine)).toBe(true);
    });

    it('should drop a socket whose session ended without an event (expired, or revoked in the database) at the next re-check', async () => {
      const a = await createOrgWithUser(t, 'shipper');
      const s = await connected(watch(t.url, a.token));
      const dropped = droppedBy(s, 5_000);
      await t.ds.query(`UPDATE sessions SET revoked_at = now() WHERE id = $1`, [claimsOf(a.token).sid]);
      expect((await dropped).code).toBe('SESSION_REVOKED');
    });
  });
});

describeWithRedis('a sign-out reaches sockets on another instance (Redis)', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    // A long re-check, so that only the revocation event can explain a prompt disconnect.
    a = await startTestApp({ REDIS_URL: redisUrl!, WATCH_REAUTH_SECONDS: '3600' });
    b = await startTestApp({ REDIS_URL: redisUrl!, QUEUE_PREFIX: a.env.QUEUE_PREFIX, WATCH_REAUTH_SECONDS: '3600' }, a.db);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('should disconnect a socket on instance B when its session signs out on instance A', async () => {
    const user = await createOrgWithUser(a, 'carrier');
    const s = await connected(watch(b.url, user.token));
    const dropped = droppedBy(s);
    expect((await request(a.http).post('/auth/logout').set(bearer(user.token))).status).toBe(204);
    expect(await dropped).toEqual({ code: 'SESSION_REVOKED', reason: 'io server disconnect' });
  });
});
