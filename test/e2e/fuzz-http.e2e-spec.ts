import request from 'supertest';
import { runHttpFuzz, serverErrorCount, type Identity } from '../../bench/http-fuzz-run.js';
import { bearer, startTestApp, type TestApp } from '../helpers/app.js';
import { createOrgWithUser } from '../helpers/fixtures.js';

// The always-on, small version of `npm run fuzz:http` (bench/fuzz-http.ts): invalid requests for every operation
// of the OpenAPI document the app serves, as anonymous, admin, carrier and authority; not one may answer 5xx.
// Below it, the 5xx the volume run found, each as a regression test.

describe('HTTP bad input (fuzz, small)', () => {
  let t: TestApp;
  let carrier: Awaited<ReturnType<typeof createOrgWithUser>>;
  let authority: Awaited<ReturnType<typeof createOrgWithUser>>;
  // Real ids for the path now and then, of an organisation and user of their own: the run may well disable that
  // user or reset its password, which must not sign out the identities it runs as.
  let victim: Awaited<ReturnType<typeof createOrgWithUser>>;

  beforeAll(async () => {
    t = await startTestApp();
    carrier = await createOrgWithUser(t, 'carrier', { regionCode: '150203' });
    authority = await createOrgWithUser(t, 'authority', { regionCode: '150000', roles: ['authority'] });
    victim = await createOrgWithUser(t, 'shipper', { regionCode: '150203' });
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('should answer 400 invalid requests across every operation and four identities without a 5xx', async () => {
    const doc = (await request(t.http).get('/docs/openapi.json').expect(200)).body;
    const identities: Identity[] = [
      { name: 'anonymous', headers: {} },
      { name: 'admin', headers: bearer(await t.adminToken()) as Record<string, string> },
      { name: 'carrier', headers: bearer(carrier.token) as Record<string, string> },
      { name: 'authority', headers: bearer(authority.token) as Record<string, string> },
    ];
    // Header names as node:http sends them (lower case), so that a case's own Authorization wins.
    for (const i of identities) i.headers = Object.fromEntries(Object.entries(i.headers).map(([k, v]) => [k.toLowerCase(), v]));
    const result = await runHttpFuzz({
      baseUrl: t.url,
      doc,
      identities,
      requests: 400,
      concurrency: 4,
      seed: 2026,
      ctx: { ids: [victim.org.id, victim.user.id], bodyLimitBytes: t.env.BODY_LIMIT },
      skipSignedIn: (op) => op === 'POST /auth/logout',
    });
    expect(result.requests).toBe(400);
    expect(result.operations).toBeGreaterThan(90);
    expect(result.serverErrors).toEqual([]);
    expect(serverErrorCount(result)).toBe(0);
    // The run got past authentication and into validation.
    expect(result.byStatus['400']).toBeGreaterThan(60);
  }, 300_000);

  it('should refuse a NUL character in a query, a body or a path with 400 VALIDATION_FAILED, not a database error', async () => {
    const token = await t.adminToken();
    const someone = await createOrgWithUser(t, 'carrier', { regionCode: '150203' });
    const q = await request(t.http).get('/users?q=%00').set(bearer(someone.token));
    expect(q.status).toBe(400);
    expect(q.body.details.fields).toEqual([{ path: 'q', code: 'NUL_CHARACTER', message: 'must not contain the NUL character (U+0000)' }]);
    const body = await request(t.http).post('/organisations').set(bearer(token)).send({ kind: 'carrier', name: 'a\u0000b', regionCode: '150203' });
    expect(body.status).toBe(400);
    expect(body.body.details.fields[0]).toMatchObject({ path: 'name', code: 'NUL_CHARACTER' });
    expect((await request(t.http).get('/organisations/%00').set(bearer(token))).status).toBe(400);
  });

  it('should refuse a track query whose `to` is not a date-time with 400, not 500', async () => {
    const watcher = await createOrgWithUser(t, 'authority', { regionCode: '150000', roles: ['authority'] });
    for (const to of ['ab', 'a%00b', '']) {
      const res = await request(t.http)
        .get(`/tracking/track?vehicleId=00000000-0000-4000-8000-000000000000&from=2026-06-01T08%3A00%3A00.000Z&to=${to}`)
        .set(bearer(watcher.token));
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
  });
});
