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

  // A change made in the database behind the API's back (no revocation event) is seen once the principal this
  // process remembers for the credential ends: within PRINCIPAL_CACHE_MS.
  const behindTheBack = async (sql: string, params: unknown[]) => {
    await t.ds.query(sql, params);
    await new Promise((r) => setTimeout(r, t.env.PRINCIPAL_CACHE_MS));
  };
  const accepted = async (token: string) => expect((await request(t.http).get('/auth/me').set(bearer(token))).status).toBe(200);

  it('should refuse the token of a signed-out, a deleted and an expired session, and of a disabled user', async () => {
    const a = await createOrgWithUser(t, 'shipper');
    await accepted(a.token); // remembered: the sign-out must still be seen on the very next request
    expect((await request(t.http).post('/auth/logout').set(bearer(a.token))).status).toBe(204);
    await refusedEverywhere(a.token, 'SESSION_REVOKED');

    const b = await createOrgWithUser(t, 'shipper');
    await accepted(b.token);
    await behindTheBack(`DELETE FROM sessions WHERE id = $1`, [claimsOf(b.token).sid]);
    await refusedEverywhere(b.token, 'TOKEN_INVALID');

    const c = await createOrgWithUser(t, 'shipper');
    await accepted(c.token);
    await behindTheBack(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id = $1`, [claimsOf(c.token).sid]);
    await refusedEverywhere(c.token, 'TOKEN_EXPIRED');

    const d = await createOrgWithUser(t, 'shipper');
    await accepted(d.token);
    // Disabled behind the API's back, so that the session itself is not revoked: the user's status decides.
    await behindTheBack(`UPDATE users SET status = 'disabled' WHERE id = $1`, [d.user.id]);
    await refusedEverywhere(d.token, 'ACCOUNT_DISABLED');
  });

  it('should refuse a revoked, an expired and a malformed API key', async () => {
    const carrier = await createOrgWithUser(t, 'carrier');
    const make = async () => (await request(t.http).post('/api-keys').set(bearer(carrier.token)).send({ name: 'k', roles: ['carrier'] })).body as { key: string; apiKey: { id: string } };
    const revoked = await make();
    expect((await request(t.http).delete(`/api-keys/${revoked.apiKey.id}`).set(bearer(carrier.token))).status).toBe(200);
    await refusedEverywhere(revoked.key, 'API_KEY_REVOKED');
    const expired = await make();
    await behindTheBack(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [expired.apiKey.id]);
    await refusedEverywhere(expired.key, 'API_KEY_EXPIRED');
    await refusedEverywhere(`${expired.key.slice(0, -2)}!!`, 'API_KEY_INVALID');
  });

  describe('remembered principals (PRINCIPAL_CACHE_MS)', () => {
    // A minute-long cache: only the revocation event can explain a refusal on the next request.
    let long: TestApp;
    beforeAll(async () => {
      long = await startTestApp({ AUTH_TOKEN_SECRET: SECRET, PRINCIPAL_CACHE_MS: '60000' }, t.db);
    });
    afterAll(() => long?.close());
    const me = async (token: string) => {
      const res = await request(long.http).get('/auth/me').set(bearer(token));
      return [res.status, res.body.code] as const;
    };

    it('should see a user disabled, an API key revoked and a password changed through the API on the very next request', async () => {
      const admin = await long.adminToken();
      const u = await createOrgWithUser(long, 'carrier', { roles: ['carrier', 'org_admin'] });
      const v = await createOrgWithUser(long, 'shipper');
      expect(await me(v.token)).toEqual([200, undefined]);
      expect((await request(long.http).patch(`/users/${v.user.id}`).set(bearer(admin)).send({ status: 'disabled' })).status).toBe(200);
      expect((await me(v.token))[0]).toBe(401);

      const key = (await request(long.http).post('/api-keys').set(bearer(u.token)).send({ name: 'k', roles: ['carrier'] })).body as { key: string; apiKey: { id: string } };
      expect(await me(key.key)).toEqual([200, undefined]);
      expect((await request(long.http).delete(`/api-keys/${key.apiKey.id}`).set(bearer(u.token))).status).toBe(200);
      expect(await me(key.key)).toEqual([401, 'API_KEY_REVOKED']);

      // The other session of a user who changes the password ends; the one that changed it goes on, no longer asked
      // to change it.
      const other = await long.login(u.username, PASSWORD);
      expect(await me(other)).toEqual([200, undefined]);
      expect((await request(long.http).post('/auth/password').set(bearer(u.token)).send({ currentPassword: PASSWORD, newPassword: 'another good password 2026' })).status).toBe(204);
      expect(await me(other)).toEqual([401, 'SESSION_REVOKED']);
      expect(await me(u.token)).toEqual([200, undefined]);
    });

    it('should still answer a remembered principal after a change behind the API\'s back, until its time is up', async () => {
      // The documented price of the cache: a change made in the database without the API is seen within
      // PRINCIPAL_CACHE_MS (here a minute), not at once.
      const w = await createOrgWithUser(long, 'shipper');
      expect(await me(w.token)).toEqual([200, undefined]);
      await long.ds.query(`UPDATE users SET status = 'disabled' WHERE id = $1`, [w.user.id]);
      expect(await me(w.token)).toEqual([200, undefined]);
      expect((await request(t.http).get('/auth/me').set(bearer(w.token))).body.code).toBe('ACCOUNT_DISABLED'); // another process reads it
    });
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

describeWithRedis('a sign-out reaches another instance (Redis): its sockets and the principals it remembers', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    // A long re-check and a long principal cache, so that only the revocation event can explain a prompt refusal.
    a = await startTestApp({ REDIS_URL: redisUrl!, WATCH_REAUTH_SECONDS: '3600', PRINCIPAL_CACHE_MS: '60000' });
    b = await startTestApp({ REDIS_URL: redisUrl!, QUEUE_PREFIX: a.env.QUEUE_PREFIX, WATCH_REAUTH_SECONDS: '3600', PRINCIPAL_CACHE_MS: '60000' }, a.db);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('should refuse on instance B, on its next requests, a session signed out on instance A that B remembers', async () => {
    const user = await createOrgWithUser(a, 'carrier');
    expect((await request(b.http).get('/auth/me').set(bearer(user.token))).status).toBe(200); // B remembers it (a minute)
    expect((await request(a.http).post('/auth/logout').set(bearer(user.token))).status).toBe(204);
    // The revocation crosses through Redis in a few milliseconds; well within the minute B would remember it.
    const deadline = Date.now() + 5_000;
    let res = await request(b.http).get('/auth/me').set(bearer(user.token));
    while (res.status === 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      res = await request(b.http).get('/auth/me').set(bearer(user.token));
    }
    expect([res.status, res.body.code]).toEqual([401, 'SESSION_REVOKED']);
  });

  it('should disconnect a socket on instance B when its session signs out on instance A', async () => {
    const user = await createOrgWithUser(a, 'carrier');
    const s = await connected(watch(b.url, user.token));
    const dropped = droppedBy(s);
    expect((await request(a.http).post('/auth/logout').set(bearer(user.token))).status).toBe(204);
    expect(await dropped).toEqual({ code: 'SESSION_REVOKED', reason: 'io server disconnect' });
  });
});
