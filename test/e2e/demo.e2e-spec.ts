import request from 'supertest';
import { DEMO_ORGANISATIONS, DEMO_PASSWORD, seedDemo } from '../../src/demo/demo.seed.js';
import { bearer, startTestApp, type TestApp } from '../helpers/app.js';

describe('demo dataset', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('should seed an organisation and a user per role, each able to sign in, and be idempotent', async () => {
    const first = await seedDemo(t.app);
    const second = await seedDemo(t.app);
    expect(second).toEqual(first);
    const [{ count }] = await t.ds.query(`SELECT count(*)::int AS count FROM organisations WHERE kind <> 'platform'`);
    expect(count).toBe(DEMO_ORGANISATIONS.length);
    const roles = new Set(first.flatMap((a) => a.roles));
    expect([...roles].sort()).toEqual(['authority', 'carrier', 'consignee', 'loader', 'monitor', 'org_admin', 'shipper']);
    for (const account of first) {
      const token = await t.login(account.username, DEMO_PASSWORD);
      expect((await request(t.http).get('/auth/me').set(bearer(token))).body.roles).toEqual(account.roles);
    }
  });
});
