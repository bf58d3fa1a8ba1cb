import request from 'supertest';
import { DEMO_BLACKLISTED_CARRIER, seedDemoFleet } from '../../src/demo/demo-fleet.seed.js';
import { seedDemoWaybills } from '../../src/demo/demo-waybills.seed.js';
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

  it('should seed a fleet with valid, expiring, expired and blacklisted records, once', async () => {
    await seedDemoFleet(t.app);
    await seedDemoFleet(t.app);
    const [{ vehicles }] = await t.ds.query(`SELECT count(*)::int AS vehicles FROM vehicles`);
    expect(vehicles).toBe(6);
    const carrier = await t.login('demo-carrier', DEMO_PASSWORD);
    const list = await request(t.http).get('/vehicles?q=蒙B23456').set(bearer(carrier));
    const status = await request(t.http).get(`/vehicles/${list.body.items[0].id}/qualification-status?withinDays=7`).set(bearer(carrier));
    expect(status.body.status).toBe('expired'); // its escort's qualification expired 3 days ago
    expect(status.body.certificates).toContainEqual(expect.objectContaining({ certificate: 'vehicle.liabilityInsurance', status: 'expiring', daysLeft: 5 }));
    const [{ id: barred }] = await t.ds.query(`SELECT id FROM organisations WHERE name = $1`, [DEMO_BLACKLISTED_CARRIER]);
    const shipper = await t.login('demo-shipper', DEMO_PASSWORD);
    const bl = await request(t.http).get(`/blacklist/status?organisationId=${barred}`).set(bearer(shipper));
    expect(bl.body.blacklisted).toBe(true);
  });

  it('should seed waybills in several states, once, each with a verifiable chain', async () => {
    await seedDemoWaybills(t.app);
    await seedDemoWaybills(t.app);
    const rows: { status: string; id: string }[] = await t.ds.query(`SELECT id, status FROM waybills ORDER BY created_at`);
    const checks: { outcome: string; failed_rules: string[] }[] = await t.ds.query(`SELECT outcome, failed_rules FROM loading_checks ORDER BY checked_at`);
    expect(rows.map((r) => r.status).sort()).toEqual([
      'cancelled',
      'check_failed',
      'check_failed',
      'check_failed',
      'check_failed',
      'checked',
      'closed',
      'discrepancy',
      'draft',
      'in_transit',
      'issued',
    ]);
    // Today's trip in transit and the one waiting to load passed; three checks fail for one reason each (the escort's
    // qualification, the tank's approved media, the gate's emergency equipment), the last for several.
    expect(checks.map((c) => c.outcome)).toEqual(['pass', 'pass', 'fail', 'fail', 'fail', 'fail']);
    expect(checks[0]!.failed_rules).toEqual([]);
    expect(checks[1]!.failed_rules).toEqual([]);
    expect(checks[2]!.failed_rules).toEqual(['PL-10']);
    expect(checks[3]!.failed_rules).toEqual(['PL-13']);
    expect(checks[4]!.failed_rules).toEqual(['PL-24']);
    expect(checks[5]!.failed_rules).toEqual(expect.arrayContaining(['PL-04', 'PL-12', 'PL-25', 'PL-26']));
    // The trip in transit was loaded on its passing check, and the loading record says what was loaded.
    const records: { status: string; outcome: string; lines: { lineNo: number; loadedQuantity: number }[]; seals: string[] }[] = await t.ds.query(
      `SELECT w.status, c.outcome, r.lines, r.seals FROM loading_records r JOIN waybills w ON w.id = r.waybill_id JOIN loading_checks c ON c.id = r.check_id`,
    );
    expect(records).toEqual([{ status: 'in_transit', outcome: 'pass', lines: [{ lineNo: 1, loadedQuantity: 22.96 }], seals: ['QF-1001', 'QF-1002'] }]);
    // The carrier's pre-trip inspections: one per trip that loaded or was checked; the last refused one found a fault.
    const preTrips: { status: string; failed: string[] }[] = await t.ds.query(
      `SELECT w.status, coalesce(array_agg(i->>'key') FILTER (WHERE (i->>'ok')::boolean = false), '{}') AS failed
         FROM pre_trip_inspections p JOIN waybills w ON w.id = p.waybill_id, jsonb_array_elements(p.items) i
        GROUP BY p.id, w.status ORDER BY w.status, failed`,
    );
    expect(preTrips).toEqual([
      { status: 'check_failed', failed: [] },
      { status: 'check_failed', failed: [] },
      { status: 'check_failed', failed: [] },
      { status: 'check_failed', failed: ['satellite_terminal'] },
      { status: 'checked', failed: [] },
      { status: 'closed', failed: [] },
      { status: 'discrepancy', failed: [] },
      { status: 'in_transit', failed: [] },
    ]);
    const shipper = await t.login('demo-shipper', DEMO_PASSWORD);
    for (const r of rows) {
      expect((await request(t.http).get(`/waybills/${r.id}/events/verify`).set(bearer(shipper))).body.ok).toBe(true);
    }
  });
});
