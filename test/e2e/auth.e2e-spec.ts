import { SignJWT } from 'jose';
import request from 'supertest';
import { ADMIN_PASSWORD, bearer, startTestApp, type TestApp } from '../helpers/app.js';
import { createOrgWithUser, PASSWORD } from '../helpers/fixtures.js';

const SECRET = 'a-test-signing-secret-of-at-least-32-chars';

describe('sign-in and tokens', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ AUTH_TOKEN_SECRET: SECRET, AUTH_MAX_FAILED_LOGINS: '3', AUTH_LOCKOUT_SECONDS: '600' });
  });
  afterAll(() => t?.close());

  const token = (claims: Record<string, unknown>, opts: { exp?: number; aud?: string; secret?: string; sub?: string } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('hazway')
      .setAudience(opts.aud ?? 'hazway-api')
      .setSubject(opts.sub ?? '00000000-0000-4000-8000-000000000000')
      .setExpirationTime(opts.exp ?? Math.floor(Date.now() / 1000) + 600)
      .sign(new TextEncoder().encode(opts.secret ?? SECRET));

  it('should sign in the administrator and say who it is', async () => {
    const res = await request(t.http).post('/auth/login').send({ username: 'ADMIN', password: ADMIN_PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tokenType: 'Bearer', mustChangePassword: false, user: { username: 'admin', roles: ['admin'] } });
    const me = await request(t.http).get('/auth/me').set(bearer(res.body.accessToken));
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ kind: 'user', roles: ['admin'], organisation: { kind: 'platform' } });
    expect(me.body.user.passwordHash).toBeUndefined();
    expect(JSON.stringify(me.body)).not.toContain("argon2");
  });

  it('should answer a wrong password and an unknown user alike', async () => {
    const wrong = await request(t.http).post('/auth/login').send({ username: 'admin', password: 'not-it' });
    const unknown = await request(t.http).post('/auth/login').send({ username: 'nobody', password: 'not-it' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.code).toBe('LOGIN_FAILED');
    expect({ ...unknown.body, requestId: 0 }).toEqual({ ...wrong.body, requestId: 0 });
  });

  it('should lock an account after repeated failures, even for the right password', async () => {
    const { username } = await createOrgWithUser(t, 'shipper');
    for (let i = 0; i < 3; i++) {
      expect((await request(t.http).post('/auth/login').send({ username, password: 'wrong' })).status).toBe(401);
    }
    const res = await request(t.http).post('/auth/login').send({ username, password: PASSWORD });
    expect(res.status).toBe(429);
    expect(res.body.code).toBe('ACCOUNT_LOCKED');
  });

  it('should refuse a request without a token', async () => {
    const res = await request(t.http).get('/organisations');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('TOKEN_MISSING');
  });

  it('should refuse forged, expired and wrong-audience tokens', async () => {
    const admin = await t.adminToken();
    const [, payload] = admin.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = await token({ org: claims.org, sid: claims.sid }, { secret: 'another-secret-another-secret-xxxxx', sub: claims.sub });
    const expired = await token({ org: claims.org, sid: claims.sid }, { exp: Math.floor(Date.now() / 1000) - 5, sub: claims.sub });
    const wrongAudience = await token({ org: claims.org, sid: claims.sid }, { aud: 'someone-else', sub: claims.sub });
    const tampered = admin.slice(0, -4) + (admin.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    for (const [bad, code] of [
      [forged, 'TOKEN_INVALID'],
      [expired, 'TOKEN_EXPIRED'],
      [wrongAudience, 'TOKEN_INVALID'],
      [tampered, 'TOKEN_INVALID'],
      ['garbage', 'TOKEN_INVALID'],
    ] as const) {
      const res = await request(t.http).get('/organisations').set(bearer(bad));
      expect([res.status, res.body.code]).toEqual([401, code]);
    }
    // A correctly signed token naming another user's session is refused too.
    const otherSub = await token({ org: claims.org, sid: claims.sid }, { sub: '11111111-1111-4111-8111-111111111111' });
    expect((await request(t.http).get('/organisations').set(bearer(otherSub))).body.code).toBe('TOKEN_INVALID');
  });

  it('should revoke the token on sign-out', async () => {
    const { token: tk } = await createOrgWithUser(t, 'consignee');
    expect((await request(t.http).get('/auth/me').set(bearer(tk))).status).toBe(200);
    expect((await request(t.http).post('/auth/logout').set(bearer(tk))).status).toBe(204);
    const res = await request(t.http).get('/auth/me').set(bearer(tk));
    expect([res.status, res.body.code]).toEqual([401, 'SESSION_REVOKED']);
  });

  it('should refuse a disabled user at once, including tokens already issued', async () => {
    const { user, token: tk, org } = await createOrgWithUser(t, 'carrier');
    const admin = await t.adminToken();
    const res = await request(t.http).patch(`/users/${user.id}`).set(bearer(admin)).send({ status: 'disabled' });
    expect(res.status).toBe(200);
    expect((await request(t.http).get(`/organisations/${org.id}`).set(bearer(tk))).status).toBe(401);
  });

  it('should make a user with a generated password change it before anything else', async () => {
    const { org, token: orgAdmin } = await createOrgWithUser(t, 'loading_site');
    const created = await request(t.http)
      .post(`/organisations/${org.id}/users`)
      .set(bearer(orgAdmin))
      .send({ username: `gate_${Date.now()}`, displayName: '门岗', roles: ['loader'] });
    expect(created.status).toBe(201);
    expect(created.body.oneTimePassword).toMatch(/^[A-Za-z0-9]{18}$/);
    const tk = await t.login(created.body.user.username, created.body.oneTimePassword);
    const blocked = await request(t.http).get('/organisations').set(bearer(tk));
    expect([blocked.status, blocked.body.code]).toEqual([403, 'PASSWORD_CHANGE_REQUIRED']);
    const changed = await request(t.http)
      .post('/auth/password')
      .set(bearer(tk))
      .send({ currentPassword: created.body.oneTimePassword, newPassword: 'a much better password' });
    expect(changed.status).toBe(204);
    expect((await request(t.http).get('/organisations').set(bearer(tk))).status).toBe(200);
  });

  it('should store passwords as Argon2id hashes, never in clear', async () => {
    const rows: { password_hash: string }[] = await t.ds.query(`SELECT password_hash FROM users`);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });
});

describe('roles and organisation scoping', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('should refuse an action that needs a role the caller lacks', async () => {
    const { token: tk } = await createOrgWithUser(t, 'shipper');
    const res = await request(t.http).post('/organisations').set(bearer(tk)).send({ kind: 'carrier', name: '某运输公司', regionCode: '150102' });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'ROLE_REQUIRED', details: { roles: ['admin'] } });
  });

  it("should answer another organisation's records as not found, and leave them out of lists", async () => {
    const a = await createOrgWithUser(t, 'carrier');
    const b = await createOrgWithUser(t, 'carrier');
    const other = await request(t.http).get(`/organisations/${b.org.id}`).set(bearer(a.token));
    const missing = await request(t.http).get(`/organisations/00000000-0000-4000-8000-000000000000`).set(bearer(a.token));
    expect(other.status).toBe(404);
    expect({ ...other.body, requestId: 0 }).toEqual({ ...missing.body, requestId: 0 });
    expect((await request(t.http).get(`/users/${b.user.id}`).set(bearer(a.token))).status).toBe(404);
    const list = await request(t.http).get('/organisations').set(bearer(a.token));
    expect(list.body.items.map((o: { id: string }) => o.id)).toEqual([a.org.id]);
    const users = await request(t.http).get('/users').set(bearer(a.token));
    expect(users.body.items.map((u: { id: string }) => u.id)).toEqual([a.user.id]);
    // Not even an organisation administrator can add users elsewhere: not found, as for reading.
    const add = await request(t.http)
      .post(`/organisations/${b.org.id}/users`)
      .set(bearer(a.token))
      .send({ username: 'intruder', displayName: 'x', roles: ['carrier'], password: PASSWORD });
    expect(add.status).toBe(404);
  });

  it('should let an authority read organisations in its region only', async () => {
    const authority = await createOrgWithUser(t, 'authority', { regionCode: '150000' });
    const inRegion = await createOrgWithUser(t, 'shipper', { regionCode: '150203' });
    const outside = await createOrgWithUser(t, 'shipper', { regionCode: '110105' });
    expect((await request(t.http).get(`/organisations/${inRegion.org.id}`).set(bearer(authority.token))).status).toBe(200);
    expect((await request(t.http).get(`/organisations/${outside.org.id}`).set(bearer(authority.token))).status).toBe(404);
    const list = await request(t.http).get('/organisations?limit=200').set(bearer(authority.token));
    const ids = list.body.items.map((o: { id: string }) => o.id);
    expect(ids).toContain(inRegion.org.id);
    expect(ids).not.toContain(outside.org.id);
    expect(list.body.items.every((o: { regionCode: string }) => o.regionCode.startsWith('15'))).toBe(true);
    // Reading is not managing: the authority cannot edit the shipper.
    const edit = await request(t.http).patch(`/organisations/${inRegion.org.id}`).set(bearer(authority.token)).send({ name: '改名' });
    expect(edit.status).toBe(403);
  });

  it('should refuse roles that do not fit the organisation kind', async () => {
    const admin = await t.adminToken();
    const { org } = await createOrgWithUser(t, 'shipper');
    const res = await request(t.http)
      .post(`/organisations/${org.id}/users`)
      .set(bearer(admin))
      .send({ username: 'shipper_authority', displayName: 'x', roles: ['authority'], password: PASSWORD });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'ROLE_NOT_ALLOWED_FOR_ORGANISATION', details: { roles: ['authority'] } });
  });

  it('should refuse a duplicate username and a bad unified social credit code', async () => {
    const admin = await t.adminToken();
    const a = await createOrgWithUser(t, 'shipper');
    const dup = await request(t.http)
      .post(`/organisations/${a.org.id}/users`)
      .set(bearer(admin))
      .send({ username: a.username.toUpperCase(), displayName: 'x', roles: ['shipper'], password: PASSWORD });
    expect([dup.status, dup.body.code]).toEqual([409, 'USERNAME_TAKEN']);
    const bad = await request(t.http)
      .post('/organisations')
      .set(bearer(admin))
      .send({ kind: 'carrier', name: '校验码错误', regionCode: '150102', uscc: '91350100M000100Y44' });
    expect(bad.status).toBe(400);
    expect(bad.body.details.fields[0]).toMatchObject({ path: 'uscc' });
    const good = { kind: 'carrier', name: '校验码正确', regionCode: '150102', uscc: '91350100M000100Y43' };
    expect((await request(t.http).post('/organisations').set(bearer(admin)).send(good)).status).toBe(201);
    const again = await request(t.http).post('/organisations').set(bearer(admin)).send({ ...good, name: '重复' });
    expect([again.status, again.body.code]).toEqual([409, 'ORGANISATION_USCC_TAKEN']);
  });

  it('should audit changes with who, when, before and after', async () => {
    const admin = await t.adminToken();
    const { org } = await createOrgWithUser(t, 'consignee');
    await request(t.http).patch(`/organisations/${org.id}`).set(bearer(admin)).send({ name: '新名称收货人' });
    const rows: { action: string; before: { name: string }; after: { name: string }; actor_user_id: string }[] = await t.ds.query(
      `SELECT action, before, after, actor_user_id FROM audit_entries WHERE entity_id = $1 AND action = 'organisation.update'`,
      [org.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.after.name).toBe('新名称收货人');
    expect(rows[0]!.before.name).not.toBe('新名称收货人');
    expect(rows[0]!.actor_user_id).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('API keys', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('should authenticate a machine client with its key, scoped to its organisation and roles, until revoked', async () => {
    const carrier = await createOrgWithUser(t, 'carrier');
    const created = await request(t.http).post('/api-keys').set(bearer(carrier.token)).send({ name: 'dispatch system', roles: ['carrier'] });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^hzk_[0-9a-f-]{36}_[A-Za-z0-9_-]{32}$/);
    expect(created.body.apiKey.secretHash).toBeUndefined();
    const key = created.body.key as string;

    const viaHeader = await request(t.http).get('/auth/me').set('X-API-Key', key);
    expect(viaHeader.status).toBe(200);
    expect(viaHeader.body).toMatchObject({ kind: 'api_key', roles: ['carrier'], organisation: { id: carrier.org.id } });
    expect((await request(t.http).get('/auth/me').set(bearer(key))).status).toBe(200);

    // The key holds only 'carrier': organisation-admin actions are refused.
    const other = await createOrgWithUser(t, 'carrier');
    expect((await request(t.http).get(`/organisations/${other.org.id}`).set('X-API-Key', key)).status).toBe(404);
    expect((await request(t.http).patch(`/organisations/${carrier.org.id}`).set('X-API-Key', key).send({ name: 'x' })).status).toBe(403);

    const wrongSecret = key.slice(0, -3) + (key.endsWith('aaa') ? 'bbb' : 'aaa');
    expect((await request(t.http).get('/auth/me').set('X-API-Key', wrongSecret)).body.code).toBe('API_KEY_INVALID');

    expect((await request(t.http).delete(`/api-keys/${created.body.apiKey.id}`).set(bearer(carrier.token))).status).toBe(200);
    const revoked = await request(t.http).get('/auth/me').set('X-API-Key', key);
    expect([revoked.status, revoked.body.code]).toEqual([401, 'API_KEY_REVOKED']);
  });

  it('should not let a user grant a key roles they do not hold', async () => {
    const carrier = await createOrgWithUser(t, 'carrier');
    const res = await request(t.http).post('/api-keys').set(bearer(carrier.token)).send({ name: 'x', roles: ['admin'] });
    expect([res.status, res.body.code]).toEqual([403, 'ROLE_NOT_HELD']);
  });
});
