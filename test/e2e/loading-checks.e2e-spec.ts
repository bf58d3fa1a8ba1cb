import request from 'supertest';
import { GATE_CHECKLIST } from '../../src/loading-checks/check-rules.catalogue.js';
import { bearer, startTestApp, type TestApp } from '../helpers/app.js';
import { createOrgWithUser } from '../helpers/fixtures.js';
import { idNumberWithCheck } from '../helpers/ids.js';
import { createWaybillWorld, issuedWaybill, type WaybillWorld } from '../helpers/waybill-world.js';

// Every pre-loading gate checklist item answered yes: the person at the gate confirmed what data cannot.
const ALL_OK = GATE_CHECKLIST.filter((i) => i.phase === 'pre_loading').map((i) => ({ key: i.key, ok: true }));

const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, 1)]);

describe('pre-loading checks', () => {
  let t: TestApp;
  let w: WaybillWorld;
  let operatorId: string;
  let seq = 0;

  // A world whose vehicle reports through a bound terminal (latest position fresh, no fault bits).
  const world = async () => {
    const x = await createWaybillWorld(t);
    const term = await request(t.http).post('/terminals').set(bearer(x.carrier.token)).send({ phone: `0139${String(Date.now()).slice(-6)}${seq++}`, vehicleId: x.vehicle.id });
    expect(term.status).toBe(201);
    await report(x.vehicle.id);
    const op = await request(t.http)
      .post('/people')
      .set(bearer(x.loader.token))
      .send({ name: '装卸管理员', idNumber: idNumberWithCheck(`15062719800${String(101 + seq).padStart(3, '0')}333`.slice(0, 17)), categories: ['loading_manager'], qualificationValidUntil: '2030-01-01' });
    expect(op.status).toBe(201);
    return { ...x, operatorId: op.body.id as string };
  };
  const report = (vehicleId: string, alarmBits = 0, at = new Date()) =>
    t.ds.query(
      `INSERT INTO vehicle_latest_positions (vehicle_id, fix_time, lat, lon, speed_kmh, course, alarm_bits, status_bits, received_at)
       VALUES ($1, $2, 39.6, 109.8, 0, 0, $3, 3, $2)
       ON CONFLICT (vehicle_id) DO UPDATE SET fix_time = excluded.fix_time, alarm_bits = excluded.alarm_bits, received_at = excluded.received_at`,
      [vehicleId, at, alarmBits],
    );
  const check = (x: WaybillWorld, body: Record<string, unknown>, op = operatorId) =>
    request(t.http).post('/loading-checks').set(bearer(x.loader.token)).send({ operatorId: op, checklist: ALL_OK, ...body });
  const failures = (res: request.Response) => res.body.failures.map((f: { ruleId: string }) => f.ruleId);

  beforeAll(async () => {
    t = await startTestApp();
    const x = await world();
    w = x;
    operatorId = x.operatorId;
  });
  afterAll(() => t?.close());

  it('should pass a compliant waybill from its QR, then load it with seals and closures', async () => {
    const wb = await issuedWaybill(t, w);
    const res = await check(w, { qr: wb.qr, scannedPlates: [w.vehicle.plateNumber, w.trailer.plateNumber] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ outcome: 'pass', failures: [], waybillVersion: 1, startedFrom: 'qr' });
    expect(res.body.results).toHaveLength(32);
    expect((await request(t.http).get(`/waybills/${wb.id}`).set(bearer(w.shipper.token))).body.status).toBe('checked');

    const started = await request(t.http).post(`/loading/${wb.id}/start`).set(bearer(w.loader.token)).send({});
    expect(started.body.status).toBe('loading');
    const photo = await request(t.http).post('/loading-checks/photos').set(bearer(w.loader.token)).set('Content-Type', 'image/jpeg').send(JPEG);
    expect(photo.status).toBe(201);
    const finished = await request(t.http)
      .post(`/loading/${wb.id}/finish`)
      .set(bearer(w.loader.token))
      .send({ lines: [{ lineNo: 1, loadedQuantity: 19.9 }], seals: ['F-01', 'F-02'], fillingRatioPct: 90, closures: { ok: true, photoIds: [photo.body.id] } });
    expect(finished.status).toBe(200);
    expect(finished.body).toMatchObject({ status: 'loaded', lines: [{ loadedQuantity: 19.9 }] });
    const stored = await request(t.http).get(`/loading-checks/${res.body.id}`).set(bearer(w.carrier.token));
    expect(stored.body.snapshot.vehicle.plateNumber).toBe(w.vehicle.plateNumber);
  });

  it('should refuse loading beyond the rated load (PL-22) and leave the waybill loading', async () => {
    const wb = await issuedWaybill(t, w);
    await check(w, { waybillNumber: wb.number }).expect(201);
    await request(t.http).post(`/loading/${wb.id}/start`).set(bearer(w.loader.token)).send({}).expect(200);
    const res = await request(t.http)
      .post(`/loading/${wb.id}/finish`)
      .set(bearer(w.loader.token))
      .send({ lines: [{ lineNo: 1, loadedQuantity: 33 }], closures: { ok: true } });
    expect(res.status).toBe(422);
    expect(res.body.details.problems.map((p: { code: string }) => p.code)).toEqual(['OVERLOADED']);
    expect((await request(t.http).get(`/waybills/${wb.id}`).set(bearer(w.shipper.token))).body.status).toBe('loading');
  });

  describe('blocking failures', () => {
    it('should fail when the terminal has no recent fix or reports a GNSS fault (PL-25)', async () => {
      const x = await world();
      const wb = await issuedWaybill(t, x);
      await report(x.vehicle.id, 0, new Date(Date.now() - 10 * 60_000));
      const stale = await check(x, { waybillNumber: wb.number }, x.operatorId);
      expect(stale.body.outcome).toBe('fail');
      // Gasoline in a tank is ADR high-consequence: PL-29 also needs the tracking that PL-25 finds missing.
      expect(failures(stale)).toEqual(['PL-25', 'PL-29']);
      expect(stale.body.failures[0].messageZh).toMatch(/./);
      expect((await request(t.http).get(`/waybills/${wb.id}`).set(bearer(x.shipper.token))).body.status).toBe('check_failed');
      await report(x.vehicle.id, 1 << 5); // GNSS antenna disconnected
      expect(failures(await check(x, { waybillNumber: wb.number }, x.operatorId))).toEqual(['PL-25', 'PL-29']);
      await report(x.vehicle.id, 0);
      expect((await check(x, { waybillNumber: wb.number }, x.operatorId)).body.outcome).toBe('pass');
    });

    it('should fail an expired vehicle certificate, tank inspection, driver qualification and carrier insurance', async () => {
      const x = await world();
      const wb = await issuedWaybill(t, x);
      await request(t.http).patch(`/vehicles/${x.vehicle.id}`).set(bearer(x.carrier.token)).send({ drivingLicenceValidUntil: '2020-01-01', insuranceValidUntil: '2020-01-01' }).expect(200);
      await request(t.http).patch(`/tanks/${x.tank.id}`).set(bearer(x.carrier.token)).send({ nextInspectionDate: '2020-01-01' }).expect(200);
      await request(t.http).patch(`/people/${x.driver.id}`).set(bearer(x.carrier.token)).send({ qualificationValidUntil: '2020-01-01' }).expect(200);
      const res = await check(x, { waybillNumber: wb.number }, x.operatorId);
      expect(res.body.outcome).toBe('fail');
      expect(failures(res).sort()).toEqual(['PL-03', 'PL-09', 'PL-12', 'PL-27']);
    });

    it('should fail plates that do not match, a barred carrier and an unqualified operator', async () => {
      const x = await world();
      const wb = await issuedWaybill(t, x);
      const authority = await createOrgWithUser(t, 'authority', { regionCode: '150000' });
      const plates = await check(x, { waybillNumber: wb.number, scannedPlates: ['蒙A99999'] }, x.operatorId);
      expect(failures(plates)).toEqual(['PL-02']);
      await request(t.http).post('/blacklist').set(bearer(authority.token)).send({ subjectType: 'organisation', subjectId: x.carrier.org.id, reason: '重大事故' }).expect(201);
      await request(t.http).patch(`/people/${x.operatorId}`).set(bearer(x.loader.token)).send({ qualificationValidUntil: '2020-01-01' }).expect(200);
      const res = await check(x, { waybillNumber: wb.number }, x.operatorId);
      expect(failures(res).sort()).toEqual(['PL-05', 'PL-31']);
    });

    it('should refuse a forged QR outright and a checklist left unanswered', async () => {
      const wb = await issuedWaybill(t, w);
      const [h, payload, sig] = (wb.qr as string).split('.');
      const forged = await check(w, { qr: `${h}.${payload}x.${sig}` });
      expect([forged.status, forged.body.code]).toEqual([422, 'QR_BAD_SIGNATURE']);
      const partial = await check(w, { waybillNumber: wb.number, checklist: [] });
      expect([partial.status, partial.body.code]).toEqual([422, 'CHECKLIST_INCOMPLETE']);
      expect(partial.body.details.items.map((i: { key: string }) => i.key)).toContain('driver_identity');
      const no = await check(w, { waybillNumber: wb.number, checklist: ALL_OK.map((c) => (c.key === 'packages_ok' ? { ...c, ok: false, note: '两桶渗漏' } : c)) });
      expect(failures(no)).toEqual(['PL-17']);
    });
  });

  it('should pass a new check after the carrier substitutes the driver', async () => {
    const x = await world();
    const wb = await issuedWaybill(t, x);
    await request(t.http).patch(`/people/${x.driver.id}`).set(bearer(x.carrier.token)).send({ qualificationValidUntil: '2020-01-01' }).expect(200);
    expect(failures(await check(x, { waybillNumber: wb.number }, x.operatorId))).toEqual(['PL-09']);
    expect((await request(t.http).post(`/loading/${wb.id}/start`).set(bearer(x.loader.token)).send({})).body.code).toBe('NO_PASSING_CHECK');
    const substitute = await request(t.http)
      .post('/people')
      .set(bearer(x.carrier.token))
      .send({ name: '替班司机', idNumber: idNumberWithCheck('15020319900909444'), categories: ['driver'], drivingLicenceClass: 'A2', drivingLicenceValidUntil: '2030-01-01', qualificationValidUntil: '2030-01-01', endorsements: ['highly_toxic', 'explosives'] });
    const amended = await request(t.http).post(`/waybills/${wb.id}/amend`).set(bearer(x.carrier.token)).send({ reason: '更换驾驶员', dispatch: { driverId: substitute.body.id } });
    expect(amended.body).toMatchObject({ status: 'issued', version: 2 });
    const res = await check(x, { qr: amended.body.qr }, x.operatorId);
    expect(res.body).toMatchObject({ outcome: 'pass', waybillVersion: 2 });
  });

  it('should not load without a passing check, nor after an amendment voided it', async () => {
    const wb = await issuedWaybill(t, w);
    expect((await request(t.http).post(`/loading/${wb.id}/start`).set(bearer(w.loader.token)).send({})).body.code).toBe('NO_PASSING_CHECK');
    await check(w, { waybillNumber: wb.number }).expect(201);
    await request(t.http).post(`/waybills/${wb.id}/amend`).set(bearer(w.shipper.token)).send({ reason: '改期', changes: { plannedArrivalAt: '2026-12-01T18:00:00+08:00' } }).expect(200);
    const res = await request(t.http).post(`/loading/${wb.id}/start`).set(bearer(w.loader.token)).send({});
    expect([res.status, res.body.code, res.body.details.version]).toEqual([422, 'NO_PASSING_CHECK', 2]);
  });

  it('should give two operators checking at once one consistent outcome', async () => {
    const wb = await issuedWaybill(t, w);
    const [a, b] = await Promise.all([check(w, { waybillNumber: wb.number }), check(w, { qr: wb.qr })]);
    expect(a.body.outcome).toBe('pass');
    expect(b.body.outcome).toBe('pass');
    expect(b.body.id).toBe(a.body.id);
    const [{ count }] = await t.ds.query(`SELECT count(*)::int AS count FROM loading_checks WHERE waybill_id = $1`, [wb.id]);
    expect(count).toBe(1);
  });

  // The check reads without locking and writes guarded by the row version it read: the losers of the race read
  // again and answer with the winner's check; the waybill moves once and its event chain stays whole.
  it('should give five operators checking at once one check, one move and an unbroken event chain', async () => {
    const wb = await issuedWaybill(t, w);
    const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => check(w, i % 2 ? { qr: wb.qr } : { waybillNumber: wb.number })));
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(answers.filter((a) => a.body.alreadyChecked).length).toBe(4);
    const [{ checks }] = await t.ds.query(`SELECT count(*)::int AS checks FROM loading_checks WHERE waybill_id = $1`, [wb.id]);
    expect(checks).toBe(1);
    const events = await t.ds.query(`SELECT type, payload FROM waybill_events WHERE waybill_id = $1 AND type LIKE 'check-%'`, [wb.id]);
    expect(events).toEqual([{ type: 'check-pass', payload: { checkId: answers[0]!.body.id, failedRules: [] } }]);
    expect((await request(t.http).get(`/waybills/${wb.id}/events/verify`).set(bearer(w.shipper.token))).body.ok).toBe(true);
  });

  it('should replay a check with the same Idempotency-Key', async () => {
    const wb = await issuedWaybill(t, w);
    const key = `chk-${Date.now()}`;
    const a = await request(t.http).post('/loading-checks').set(bearer(w.loader.token)).set('Idempotency-Key', key).send({ operatorId, checklist: ALL_OK, waybillNumber: wb.number });
    const b = await request(t.http).post('/loading-checks').set(bearer(w.loader.token)).set('Idempotency-Key', key).send({ operatorId, checklist: ALL_OK, waybillNumber: wb.number });
    expect(b.headers['idempotent-replayed']).toBe('true');
    expect(b.body.id).toBe(a.body.id);
  });

  it('should keep other sites out and accept only real images', async () => {
    const wb = await issuedWaybill(t, w);
    const other = await createOrgWithUser(t, 'loading_site');
    const res = await request(t.http).post('/loading-checks').set(bearer(other.token)).send({ operatorId, checklist: ALL_OK, waybillNumber: wb.number });
    expect([res.status, res.body.code]).toEqual([404, 'WAYBILL_NOT_FOUND']);
    const fake = await request(t.http).post('/loading-checks/photos').set(bearer(w.loader.token)).set('Content-Type', 'image/png').send(Buffer.from('<script>alert(1)</script>'));
    expect([fake.status, fake.body.code]).toEqual([400, 'PHOTO_CONTENT_MISMATCH']);
    const html = await request(t.http).post('/loading-checks/photos').set(bearer(w.loader.token)).set('Content-Type', 'text/html').send('<b>x</b>');
    expect(html.status).toBe(400);
  });

  it('should let an administrator change a configurable severity, audited, and refuse a verified one', async () => {
    const admin = await t.adminToken();
    expect((await request(t.http).patch('/loading-checks/rules/PL-14').set(bearer(w.loader.token)).send({ severity: 'block' })).status).toBe(403);
    expect((await request(t.http).patch('/loading-checks/rules/PL-14').set(bearer(admin)).send({ severity: 'block' })).body).toEqual({ ruleId: 'PL-14', severity: 'block' });
    const fixed = await request(t.http).patch('/loading-checks/rules/PL-25').set(bearer(admin)).send({ severity: 'warn' });
    expect([fixed.status, fixed.body.code]).toEqual([400, 'SEVERITY_NOT_CONFIGURABLE']);
    const rules = await request(t.http).get('/loading-checks/rules').set(bearer(w.loader.token));
    expect(rules.body.rules.find((r: { id: string }) => r.id === 'PL-14').severity).toBe('block');
    const [audit] = await t.ds.query(`SELECT after FROM audit_entries WHERE action = 'check-rule.set-severity' AND entity_id = 'PL-14'`);
    expect(audit.after).toEqual({ severity: 'block' });
    await request(t.http).patch('/loading-checks/rules/PL-14').set(bearer(admin)).send({ severity: 'warn' });
  });

  it('should report checks per site and day with failure reasons ranked, as CSV too', async () => {
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 86_400_000).toISOString();
    const json = await request(t.http).get('/loading-checks/reports').query({ from, to }).set(bearer(w.loader.token));
    expect(json.status).toBe(200);
    expect(json.body.perSiteAndDay.length).toBeGreaterThan(0);
    const csv = await request(t.http).get('/loading-checks/reports').query({ from, to, format: 'csv' }).set(bearer(w.loader.token));
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.text.split('\r\n')[0]).toContain('section,site,day,checks,passed,failed');
  });

  it("should show the shipper and the carrier the checks of their own waybills in the report, and another carrier none", async () => {
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 86_400_000).toISOString();
    const total = (b: { perSiteAndDay: { checks: number }[] }) => b.perSiteAndDay.reduce((n, r) => n + r.checks, 0);
    const site = await request(t.http).get('/loading-checks/reports').query({ from, to }).set(bearer(w.loader.token));
    const shipper = await request(t.http).get('/loading-checks/reports').query({ from, to }).set(bearer(w.shipper.token));
    const carrier = await request(t.http).get('/loading-checks/reports').query({ from, to }).set(bearer(w.carrier.token));
    const stranger = await createOrgWithUser(t, 'carrier');
    const other = await request(t.http).get('/loading-checks/reports').query({ from, to }).set(bearer(stranger.token));
    expect([site.status, shipper.status, carrier.status, other.status]).toEqual([200, 200, 200, 200]);
    expect(total(site.body)).toBeGreaterThan(0);
    // this world's shipper and carrier are the parties of every waybill checked at this site
    expect(total(shipper.body)).toBe(total(site.body));
    expect(total(carrier.body)).toBe(total(site.body));
    expect(shipper.body.failureReasons).toEqual(site.body.failureReasons);
    expect(other.body.perSiteAndDay).toEqual([]);
    expect(other.body.failureReasons).toEqual([]);
  });
});
