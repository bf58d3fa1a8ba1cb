import request from 'supertest';
import { WaybillsService } from '../../src/waybills/waybills.service.js';
import { bearer, startTestApp, type TestApp } from '../helpers/app.js';
import { createOrgWithUser } from '../helpers/fixtures.js';
import { createWaybillWorld, issuedWaybill, type WaybillWorld } from '../helpers/waybill-world.js';

const DIESEL = [{ unNumber: 'UN1202', packingGroup: 'III', declaredQuantity: 20, unit: 't', packagingType: '罐车' }];

describe('waybills', () => {
  let t: TestApp;
  let w: WaybillWorld;
  beforeAll(async () => {
    t = await startTestApp();
    w = await createWaybillWorld(t);
  });
  afterAll(() => t?.close());

  // The pre-loading check itself is the loading-checks module's; here it is stood in by the service call it makes.
  const passCheck = (id: string) => t.app.get(WaybillsService).transitionAs(id, 'check-pass', 'loader', { principal: null }, { checkId: 'test' });
  const act = (token: string, id: string, body: object) => request(t.http).post(`/waybills/${id}/transitions`).set(bearer(token)).send(body);
  // Loading is the loading-checks module's (after a real check); here it is stood in by the same service calls.
  const svc = () => t.app.get(WaybillsService);
  const startLoading = (id: string) => svc().transitionAs(id, 'start-loading', 'loader', { principal: null });
  const finishLoading = (id: string, lines: { lineNo: number; loadedQuantity: number }[], seals: string[] = []) =>
    svc().transitionAs(id, 'finish-loading', 'loader', { principal: null }, { lines, seals });

  it('should live a full life from draft to closed, with a verifiable event chain and QR', async () => {
    // Diesel (UN1202, PG III) is not high-consequence, so the quantity tolerance applies (gasoline in a tank is
    // ADR 1.10.3.1.2 high-consequence and reconciled with zero tolerance).
    const created = await request(t.http).post('/waybills').set(bearer(w.shipper.token)).send(w.draft({ lines: DIESEL }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'draft', version: 1, number: expect.stringMatching(/^YD\d{14}$/) });
    expect(created.body.lines[0]).toMatchObject({ unNumber: '1202', hazardClass: '3', packingGroup: 'III', labels: ['3'], flags: {} });
    const id = created.body.id as string;

    expect((await request(t.http).post(`/waybills/${id}/dispatch`).set(bearer(w.carrier.token)).send(w.dispatch)).status).toBe(200);
    const issued = await request(t.http).post(`/waybills/${id}/issue`).set(bearer(w.shipper.token));
    expect(issued.status).toBe(200);
    expect(issued.body).toMatchObject({ status: 'issued', qr: expect.stringMatching(/^HZW1\./), documentHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(issued.body.certificateSnapshot.vehicle.plateNumber).toBe(w.vehicle.plateNumber);
    expect(JSON.stringify(issued.body.certificateSnapshot)).not.toContain(w.driver.idNumberMasked.replace(/\*/g, '0'));

    await passCheck(id);
    expect((await startLoading(id)).status).toBe('loading');
    const loaded = await finishLoading(id, [{ lineNo: 1, loadedQuantity: 19.98 }], ['S-001', 'S-002']);
    expect(loaded).toMatchObject({ status: 'loaded', lines: [{ loadedQuantity: 19.98 }] });
    expect((await act(w.carrier.token, id, { action: 'depart' })).body.status).toBe('in_transit');
    expect((await act(w.carrier.token, id, { action: 'arrive' })).body.status).toBe('arrived');
    const delivered = await request(t.http).post(`/waybills/${id}/delivery`).set(bearer(w.consignee.token)).send({ lines: [{ lineNo: 1, receivedQuantity: 19.95 }], sealsIntact: true });
    expect(delivered.status).toBe(200);
    expect(delivered.body).toMatchObject({ status: 'closed', reconciliation: { ok: true } });

    const events = await request(t.http).get(`/waybills/${id}/events`).set(bearer(w.shipper.token));
    expect(events.body.map((e: { type: string }) => e.type)).toEqual([
      'created', 'dispatched', 'issued', 'check-pass', 'start-loading', 'finish-loading', 'depart', 'arrive', 'deliver', 'reconcile-ok',
    ]);
    expect((await request(t.http).get(`/waybills/${id}/events/verify`).set(bearer(w.shipper.token))).body).toMatchObject({ ok: true, length: 10 });

    const verified = await request(t.http).post('/public/verify').send({ qr: issued.body.qr });
    expect(verified.body).toMatchObject({ genuine: true, current: true, status: 'closed', waybill: { number: created.body.number, vehicle: w.vehicle.plateNumber } });
    expect(JSON.stringify(verified.body)).not.toMatch(/司机|押运|0477/);

    const print = await request(t.http).get(`/waybills/${id}/print`).set(bearer(w.shipper.token));
    expect(print.headers['content-type']).toMatch(/text\/html/);
    expect(print.text).toContain(created.body.number);
    expect(print.text).toContain('<svg');
  });

  it('should reconcile high-consequence goods with zero tolerance', async () => {
    const wb = await issuedWaybill(t, w);
    expect(wb.lines[0].flags).toMatchObject({ highConsequence: true }); // gasoline, 20 t in a tank
    await passCheck(wb.id);
    await startLoading(wb.id);
    await finishLoading(wb.id, [{ lineNo: 1, loadedQuantity: 20 }]);
    await act(w.carrier.token, wb.id, { action: 'depart' });
    await act(w.carrier.token, wb.id, { action: 'arrive' });
    const res = await request(t.http).post(`/waybills/${wb.id}/delivery`).set(bearer(w.consignee.token)).send({ lines: [{ lineNo: 1, receivedQuantity: 19.99 }], sealsIntact: true });
    expect(res.body.status).toBe('discrepancy');
  });

  it('should detect a tampered event', async () => {
    const wb = await issuedWaybill(t, w);
    const edit = `UPDATE waybill_events SET payload = payload || '{"note":"edited"}' WHERE waybill_id = $1 AND seq = 2`;
    // The app's connection cannot change an event (append-only, 23001); a superuser who turns the triggers off can,
    // and the chain shows it.
    await expect(t.ds.query(edit, [wb.id])).rejects.toMatchObject({ code: '23001' });
    await t.ds.transaction(async (m) => {
      await m.query(`SET LOCAL session_replication_role = replica`);
      await m.query(edit, [wb.id]);
    });
    const res = await request(t.http).get(`/waybills/${wb.id}/events/verify`).set(bearer(w.shipper.token));
    expect(res.body).toMatchObject({ ok: false, brokenAt: 2, reason: 'HASH_MISMATCH' });
  });

  it('should refuse a tampered or foreign QR', async () => {
    const wb = await issuedWaybill(t, w);
    const [head, payload, sig] = (wb.qr as string).split('.');
    const forged = Buffer.from(payload!, 'base64url').toString().replace(/"v":\d+/, '"v":9');
    const res = await request(t.http).post('/public/verify').send({ qr: `${head}.${Buffer.from(forged).toString('base64url')}.${sig}` });
    expect(res.body).toEqual({ genuine: false, code: 'QR_BAD_SIGNATURE' });
    expect((await request(t.http).get('/public/verify').query({ qr: 'not-a-qr-code' })).body).toEqual({ genuine: false, code: 'QR_MALFORMED' });
    const key = await request(t.http).get('/public/waybill-key');
    expect(key.body).toMatchObject({ algorithm: 'Ed25519', publicKeyPem: expect.stringContaining('BEGIN PUBLIC KEY') });
  });

  it('should open a discrepancy out of tolerance and close it when the shipper resolves it', async () => {
    const wb = await issuedWaybill(t, w, { lines: DIESEL });
    await passCheck(wb.id);
    await startLoading(wb.id);
    await finishLoading(wb.id, [{ lineNo: 1, loadedQuantity: 20 }]);
    await act(w.carrier.token, wb.id, { action: 'depart' });
    await act(w.carrier.token, wb.id, { action: 'arrive' });
    // 20 t loaded, 19.5 t received: 500 kg short, over the 0.5 % (100 kg) tolerance.
    const res = await request(t.http).post(`/waybills/${wb.id}/delivery`).set(bearer(w.consignee.token)).send({ lines: [{ lineNo: 1, receivedQuantity: 19.5 }], sealsIntact: true });
    expect(res.body.status).toBe('discrepancy');
    expect(res.body.reconciliation.issues[0]).toMatchObject({ code: 'QUANTITY_OUT_OF_TOLERANCE' });
    expect((await request(t.http).post(`/waybills/${wb.id}/resolve`).set(bearer(w.consignee.token)).send({ resolution: '收货方自行关闭' })).status).toBe(403);
    const resolved = await request(t.http).post(`/waybills/${wb.id}/resolve`).set(bearer(w.shipper.token)).send({ resolution: '计量误差，经复磅确认' });
    expect(resolved.body.status).toBe('closed');
  });

  it('should treat a broken seal as a discrepancy even when quantities agree', async () => {
    const wb = await issuedWaybill(t, w);
    await passCheck(wb.id);
    await startLoading(wb.id);
    await finishLoading(wb.id, [{ lineNo: 1, loadedQuantity: 20 }]);
    await act(w.carrier.token, wb.id, { action: 'depart' });
    await act(w.carrier.token, wb.id, { action: 'arrive' });
    const res = await request(t.http).post(`/waybills/${wb.id}/delivery`).set(bearer(w.consignee.token)).send({ lines: [{ lineNo: 1, receivedQuantity: 20 }], sealsIntact: false });
    expect(res.body.status).toBe('discrepancy');
  });

  describe('issue-time refusals', () => {
    const issueWith = async (world: WaybillWorld, over: Record<string, unknown>, dispatch: Record<string, unknown> = world.dispatch) => {
      const created = await request(t.http).post('/waybills').set(bearer(world.shipper.token)).send(world.draft(over));
      if (created.status !== 201) return created;
      await request(t.http).post(`/waybills/${created.body.id}/dispatch`).set(bearer(world.carrier.token)).send(dispatch);
      return request(t.http).post(`/waybills/${created.body.id}/issue`).set(bearer(world.shipper.token));
    };
    const codes = (res: request.Response) => res.body.details.problems.map((x: { code: string }) => x.code);

    it('should refuse goods outside the catalogue or inconsistent with it when drafting', async () => {
      const res = await issueWith(w, {
        lines: [
          { unNumber: 'UN9999', declaredQuantity: 1, unit: 't' },
          { unNumber: 'UN1203', hazardClass: '8', declaredQuantity: 1, unit: 't' },
        ],
      });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('GOODS_INVALID');
      expect(codes(res)).toEqual(['GOODS_UNKNOWN', 'GOODS_CLASS_MISMATCH']);
    });

    it('should refuse classes outside the carrier licence and the vehicle certificate', async () => {
      const narrow = await createWaybillWorld(t, { licenceScope: ['3'], vehicleScope: ['3'] });
      const res = await issueWith(narrow, { lines: [{ unNumber: 'UN1830', declaredQuantity: 10, unit: 't' }] });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('ISSUE_REFUSED');
      expect(codes(res)).toEqual(expect.arrayContaining(['CARRIER_SCOPE_MISSING_CLASS', 'VEHICLE_SCOPE_MISSING_CLASS']));
      expect(res.body.details.problems[0].messageZh).toMatch(/第8类/);
    });

    it('should refuse a blacklisted vehicle', async () => {
      const world = await createWaybillWorld(t);
      const authority = await createOrgWithUser(t, 'authority', { regionCode: '150000' });
      await request(t.http).post('/blacklist').set(bearer(authority.token)).send({ subjectType: 'vehicle', subjectId: world.vehicle.id, reason: '罐体违规改装' }).expect(201);
      const res = await issueWith(world, {});
      expect(codes(res)).toEqual(['BLACKLISTED']);
      expect(res.body.details.problems[0].message).toContain(world.vehicle.plateNumber);
    });

    it('should refuse goods that must not be loaded together', async () => {
      const res = await issueWith(w, {
        lines: [
          { unNumber: 'UN1203', declaredQuantity: 5, unit: 't' },
          { unNumber: 'UN0081', declaredQuantity: 100, unit: 'kg', packageCount: 4 },
        ],
      });
      expect(codes(res)).toContain('MIXED_LOADING_PROHIBITED');
    });

    it('should refuse highly toxic goods without a matching pass, and issue with one', async () => {
      const res = await issueWith(w, { lines: [{ unNumber: 'UN1689', packingGroup: 'I', declaredQuantity: 2, unit: 't', packageCount: 80 }] });
      expect(codes(res)).toEqual(['PERMIT_MISSING']);
      const permit = await request(t.http)
        .post('/permits')
        .set(bearer(w.shipper.token))
        .send({
          type: 'highly_toxic_pass',
          number: `剧毒通行证-${Date.now()}`,
          issuer: '鄂尔多斯市公安局',
          validFrom: '2026-01-01T00:00:00+08:00',
          validUntil: '2030-01-01T00:00:00+08:00',
          vehiclePlates: [w.vehicle.plateNumber, w.trailer.plateNumber],
          personIds: [w.driver.id, w.escort.id],
          goods: [{ unNumber: 'UN1689', maxQuantity: 1, unit: 't' }],
        });
      expect(permit.status).toBe(201);
      const tooMuch = await issueWith(w, { permitIds: [permit.body.id], lines: [{ unNumber: 'UN1689', packingGroup: 'I', declaredQuantity: 2, unit: 't', packageCount: 80 }] });
      expect(codes(tooMuch)).toEqual(['PERMIT_MISMATCH']);
      const fine = await issueWith(w, { permitIds: [permit.body.id], lines: [{ unNumber: 'UN1689', packingGroup: 'I', declaredQuantity: 800, unit: 'kg', packageCount: 32 }] });
      expect(fine.status).toBe(200);
      expect((await request(t.http).get(`/permits/${permit.body.id}`).set(bearer(w.shipper.token))).body.status).toBe('used');
    });

    it('should refuse a dispatch without an escort, listing every reason at once', async () => {
      const res = await issueWith(w, { lines: [{ unNumber: 'UN9999', declaredQuantity: 1, unit: 't' }] });
      expect(res.status).toBe(422);
      const noEscort = await issueWith(w, {}, { ...w.dispatch, escortId: null });
      expect(codes(noEscort)).toEqual(['ESCORT_MISSING']);
    });
  });

  describe('scoping', () => {
    it('should show a waybill to its parties only, drafts to shipper and carrier only', async () => {
      const created = await request(t.http).post('/waybills').set(bearer(w.shipper.token)).send(w.draft());
      const id = created.body.id;
      const other = await createOrgWithUser(t, 'shipper');
      expect((await request(t.http).get(`/waybills/${id}`).set(bearer(other.token))).status).toBe(404);
      expect((await request(t.http).get(`/waybills/${id}`).set(bearer(w.consignee.token))).status).toBe(404);
      expect((await request(t.http).get(`/waybills/${id}`).set(bearer(w.carrier.token))).status).toBe(200);
      await request(t.http).post(`/waybills/${id}/dispatch`).set(bearer(w.carrier.token)).send(w.dispatch);
      await request(t.http).post(`/waybills/${id}/issue`).set(bearer(w.shipper.token));
      expect((await request(t.http).get(`/waybills/${id}`).set(bearer(w.consignee.token))).body.yourRoles).toEqual(['consignee']);
      const inner = await createOrgWithUser(t, 'authority', { regionCode: '150000' });
      const beijing = await createOrgWithUser(t, 'authority', { regionCode: '110000' });
      expect((await request(t.http).get(`/waybills/${id}`).set(bearer(inner.token))).body.yourRoles).toEqual(['authority']);
      expect((await request(t.http).get(`/waybills/${id}`).set(bearer(beijing.token))).status).toBe(404);
      const listed = await request(t.http).get(`/waybills?plate=${encodeURIComponent(w.vehicle.plateNumber)}&unNumber=UN1203&limit=200`).set(bearer(other.token));
      expect(listed.body.items).toEqual([]);
      const mine = await request(t.http).get(`/waybills?status=issued&plate=${encodeURIComponent(w.vehicle.plateNumber)}&limit=200`).set(bearer(w.consignee.token));
      expect(mine.body.items.map((x: { id: string }) => x.id)).toContain(id);
      expect(mine.body.items.every((x: { status: string }) => x.status === 'issued')).toBe(true);
    });

    it('should not let the consignee issue or the shipper dispatch', async () => {
      const created = await request(t.http).post('/waybills').set(bearer(w.shipper.token)).send(w.draft());
      expect((await request(t.http).post(`/waybills/${created.body.id}/dispatch`).set(bearer(w.shipper.token)).send(w.dispatch)).status).toBe(403);
      const consigneeCreate = await request(t.http).post('/waybills').set(bearer(w.consignee.token)).send(w.draft());
      expect(consigneeCreate.status).toBe(403);
    });
  });

  describe('safe writes', () => {
    it('should replay a create with the same Idempotency-Key and refuse the key for another body', async () => {
      const key = `create-${Date.now()}`;
      const a = await request(t.http).post('/waybills').set(bearer(w.shipper.token)).set('Idempotency-Key', key).send(w.draft());
      const b = await request(t.http).post('/waybills').set(bearer(w.shipper.token)).set('Idempotency-Key', key).send(w.draft());
      expect(a.status).toBe(201);
      expect(b.status).toBe(201);
      expect(b.headers['idempotent-replayed']).toBe('true');
      expect(b.body.id).toBe(a.body.id);
      const [{ count }] = await t.ds.query(`SELECT count(*)::int AS count FROM waybills WHERE number = $1`, [a.body.number]);
      expect(count).toBe(1);
      const c = await request(t.http).post('/waybills').set(bearer(w.shipper.token)).set('Idempotency-Key', key).send(w.draft({ emergencyContactName: '另一人' }));
      expect([c.status, c.body.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    });

    it('should replay a refused transition with the same answer', async () => {
      const created = await request(t.http).post('/waybills').set(bearer(w.shipper.token)).send(w.draft());
      const key = `issue-${Date.now()}`;
      const a = await request(t.http).post(`/waybills/${created.body.id}/issue`).set(bearer(w.shipper.token)).set('Idempotency-Key', key);
      const b = await request(t.http).post(`/waybills/${created.body.id}/issue`).set(bearer(w.shipper.token)).set('Idempotency-Key', key);
      expect(a.status).toBe(422);
      expect({ ...b.body, requestId: undefined }).toEqual({ ...a.body, requestId: undefined });
    });

    it('should give one winner when two cancel at once', async () => {
      const wb = await issuedWaybill(t, w);
      const results = await Promise.all([
        act(w.shipper.token, wb.id, { action: 'cancel', note: 'a' }),
        act(w.carrier.token, wb.id, { action: 'cancel', note: 'b' }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(results.find((r) => r.status === 409)!.body.code).toBe('ILLEGAL_TRANSITION');
      const events: { type: string }[] = await t.ds.query(`SELECT type FROM waybill_events WHERE waybill_id = $1 AND type = 'cancel'`, [wb.id]);
      expect(events).toHaveLength(1);
    });

    it('should refuse a stale expectedRowVersion', async () => {
      const wb = await issuedWaybill(t, w);
      const res = await act(w.shipper.token, wb.id, { action: 'cancel', expectedRowVersion: wb.rowVersion - 1 });
      expect([res.status, res.body.code]).toEqual([409, 'WAYBILL_CHANGED']);
    });
  });

  describe('amendments and cancelling', () => {
    it('should make a new version on amendment, void the check, and mark the old QR superseded', async () => {
      const wb = await issuedWaybill(t, w);
      await passCheck(wb.id);
      const amended = await request(t.http)
        .post(`/waybills/${wb.id}/amend`)
        .set(bearer(w.shipper.token))
        .send({ reason: '客户追加数量', changes: { lines: [{ unNumber: 'UN1203', declaredQuantity: 25, unit: 't' }] } });
      expect(amended.status).toBe(200);
      expect(amended.body).toMatchObject({ status: 'issued', version: 2 });
      expect(amended.body.qr).not.toBe(wb.qr);
      expect((await request(t.http).post('/public/verify').send({ qr: wb.qr })).body).toMatchObject({ genuine: true, current: false, status: 'superseded', currentVersion: 2 });
      await expect(startLoading(wb.id)).rejects.toMatchObject({ code: 'ILLEGAL_TRANSITION' });
      expect((await act(w.loader.token, wb.id, { action: 'start-loading' })).status).toBe(400);
    });

    it('should cancel before loading only', async () => {
      const wb = await issuedWaybill(t, w);
      await passCheck(wb.id);
      await startLoading(wb.id);
      const res = await act(w.shipper.token, wb.id, { action: 'cancel' });
      expect([res.status, res.body.code]).toEqual([409, 'ILLEGAL_TRANSITION']);
    });

    it('should not let anyone pass a check through the API', async () => {
      const wb = await issuedWaybill(t, w);
      const res = await act(w.loader.token, wb.id, { action: 'check-pass' });
      expect(res.status).toBe(400);
    });
  });
});
