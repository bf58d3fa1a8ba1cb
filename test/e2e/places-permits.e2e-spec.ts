import polylineCodec from '@googlemaps/polyline-codec';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { PermitsService } from '../../src/waybills/permits.service.js';
import { bearer, startTestApp, type TestApp } from '../helpers/app.js';
import { createOrgWithUser } from '../helpers/fixtures.js';

const { encode } = polylineCodec;

type Party = Awaited<ReturnType<typeof createOrgWithUser>>;

// An unloading yard in Baotou (Kundulun district, 150203), about 200 m × 220 m.
const YARD = {
  type: 'Polygon',
  coordinates: [
    [
      [109.84, 40.65],
      [109.842, 40.65],
      [109.842, 40.652],
      [109.84, 40.652],
      [109.84, 40.65],
    ],
  ],
};

describe('places and permits', () => {
  let t: TestApp;
  let shipper: Party;
  let consignee: Party;
  let loadingSite: Party;
  let carrier: Party;
  let rivalShipper: Party;
  let rivalCarrier: Party;
  let authority: Party; // Inner Mongolia, 150000
  let farAuthority: Party; // Beijing, 110000

  beforeAll(async () => {
    t = await startTestApp();
    [shipper, consignee, loadingSite, carrier, rivalShipper, rivalCarrier, authority, farAuthority] = await Promise.all([
      createOrgWithUser(t, 'shipper', { regionCode: '150102' }),
      createOrgWithUser(t, 'consignee', { regionCode: '150203' }),
      createOrgWithUser(t, 'loading_site', { regionCode: '150102' }),
      createOrgWithUser(t, 'carrier', { regionCode: '150203' }),
      createOrgWithUser(t, 'shipper', { regionCode: '110105' }),
      createOrgWithUser(t, 'carrier', { regionCode: '110105' }),
      createOrgWithUser(t, 'authority', { regionCode: '150000' }),
      createOrgWithUser(t, 'authority', { regionCode: '110000' }),
    ]);
  });
  afterAll(() => t?.close());

  const place = (over: Record<string, unknown> = {}) => ({
    kind: 'address',
    name: '包头某化工有限公司',
    address: '内蒙古包头市昆都仑区钢铁大街 1 号',
    regionCode: '150203',
    lat: 40.651,
    lon: 109.841,
    contactName: '王经理',
    contactPhone: '0472-1234567',
    ...over,
  });
  const postPlace = (who: Party, body: object) => request(t.http).post('/places').set(bearer(who.token)).send(body);

  describe('places', () => {
    let address: { id: string };
    let unloading: { id: string };

    it('should create an address, an unloading site with a polygon and a loading site with a radius, and audit them', async () => {
      const a = await postPlace(consignee, place());
      expect(a.status).toBe(201);
      expect(a.body).toMatchObject({ kind: 'address', organisationId: consignee.org.id, geofence: null, radiusM: null, status: 'active' });
      address = a.body;

      const u = await postPlace(consignee, place({ kind: 'unloading_site', name: '卸货区 1', geofence: YARD }));
      expect(u.status).toBe(201);
      expect(u.body).toMatchObject({ kind: 'unloading_site', geofence: YARD, radiusM: null });
      unloading = u.body;

      const l = await postPlace(loadingSite, place({ kind: 'loading_site', name: '装货台', regionCode: '150102', lat: 40.84, lon: 111.75, radiusM: 300 }));
      expect(l.status).toBe(201);
      expect(l.body).toMatchObject({ kind: 'loading_site', organisationId: loadingSite.org.id, geofence: null, radiusM: 300 });

      const audit = await t.ds.query(`SELECT entity_id FROM audit_entries WHERE action = 'place.create' ORDER BY id`);
      expect(audit.map((r: { entity_id: string }) => r.entity_id)).toEqual(expect.arrayContaining([a.body.id, u.body.id, l.body.id]));
    });

    it('should refuse a site without a geofence or radius', async () => {
      const res = await postPlace(consignee, place({ kind: 'unloading_site' }));
      expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      expect(res.body.details.fields).toEqual([expect.objectContaining({ path: 'geofence' })]);
    });

    it('should refuse a bad polygon, radius or region code with field errors, and write nothing', async () => {
      const before = await t.ds.query(`SELECT count(*)::int AS n FROM places`);
      const unclosed = { type: 'Polygon', coordinates: [YARD.coordinates[0]!.slice(0, 4)] };
      const res = await postPlace(consignee, place({ kind: 'unloading_site', geofence: unclosed }));
      expect(res.status).toBe(400);
      expect(res.body.details.fields).toEqual([expect.objectContaining({ path: 'geofence.coordinates.0', message: expect.stringMatching(/end where it starts/) })]);

      const outOfRange = { type: 'Polygon', coordinates: [[[109.84, 40.65], [190, 40.65], [109.842, 40.652], [109.84, 40.65]]] };
      const range = await postPlace(consignee, place({ kind: 'unloading_site', geofence: outOfRange }));
      expect(range.body.details.fields).toEqual([expect.objectContaining({ path: 'geofence.coordinates.0.1' })]);

      const misc = await postPlace(consignee, place({ kind: 'loading_site', radiusM: 5, regionCode: '990101', lat: 91 }));
      expect(misc.body.details.fields.map((f: { path: string }) => f.path).sort()).toEqual(['lat', 'radiusM', 'regionCode']);
      expect(await t.ds.query(`SELECT count(*)::int AS n FROM places`)).toEqual(before);
    });

    it("should let a shipper read and list a consignee's unloading site but not its address", async () => {
      const site = await request(t.http).get(`/places/${unloading.id}`).set(bearer(shipper.token));
      expect(site.status).toBe(200);
      expect(site.body.geofence).toEqual(YARD);
      const addr = await request(t.http).get(`/places/${address.id}`).set(bearer(shipper.token));
      expect([addr.status, addr.body.code]).toEqual([404, 'PLACE_NOT_FOUND']);

      const list = await request(t.http).get('/places').query({ organisationId: consignee.org.id }).set(bearer(shipper.token));
      expect(list.status).toBe(200);
      expect(list.body.items.map((p: { id: string }) => p.id)).toEqual([unloading.id]);
      const sites = await request(t.http).get('/places').query({ kind: 'loading_site' }).set(bearer(shipper.token));
      expect(sites.body.items.every((p: { kind: string }) => p.kind === 'loading_site')).toBe(true);
      expect(sites.body.total).toBeGreaterThanOrEqual(1);
      const own = await request(t.http).get('/places').query({ organisationId: consignee.org.id }).set(bearer(consignee.token));
      expect(own.body.total).toBe(2);
    });

    it("should let an authority read addresses in its region only", async () => {
      expect((await request(t.http).get(`/places/${address.id}`).set(bearer(authority.token))).status).toBe(200);
      expect((await request(t.http).get(`/places/${address.id}`).set(bearer(farAuthority.token))).status).toBe(404);
      const list = await request(t.http).get('/places').query({ kind: 'address' }).set(bearer(farAuthority.token));
      expect(list.body.items.map((p: { id: string }) => p.id)).not.toContain(address.id);
    });

    it('should let only the owner change or retire a place', async () => {
      const bySite = await request(t.http).patch(`/places/${unloading.id}`).set(bearer(shipper.token)).send({ name: 'hijacked' });
      expect([bySite.status, bySite.body.code]).toEqual([403, 'ROLE_REQUIRED']);
      const byAddr = await request(t.http).patch(`/places/${address.id}`).set(bearer(shipper.token)).send({ name: 'hijacked' });
      expect(byAddr.status).toBe(404);
      expect((await request(t.http).delete(`/places/${address.id}`).set(bearer(shipper.token))).status).toBe(404);
      const [{ name }] = await t.ds.query(`SELECT name FROM places WHERE id = $1`, [unloading.id]);
      expect(name).toBe('卸货区 1');
    });

    it('should keep a site geofenced through updates, and retire it', async () => {
      const bare = await request(t.http).patch(`/places/${unloading.id}`).set(bearer(consignee.token)).send({ geofence: null });
      expect([bare.status, bare.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      expect(bare.body.details.fields).toEqual([expect.objectContaining({ path: 'geofence', code: 'GEOFENCE_REQUIRED' })]);
      const circle = await request(t.http).patch(`/places/${unloading.id}`).set(bearer(consignee.token)).send({ geofence: null, radiusM: 250 });
      expect(circle.status).toBe(200);
      expect(circle.body).toMatchObject({ geofence: null, radiusM: 250 });
      const toSite = await request(t.http).patch(`/places/${address.id}`).set(bearer(consignee.token)).send({ kind: 'loading_site' });
      expect(toSite.status).toBe(400);

      const retired = await request(t.http).delete(`/places/${unloading.id}`).set(bearer(consignee.token));
      expect([retired.status, retired.body.status]).toEqual([200, 'retired']);
      const list = await request(t.http).get('/places').query({ organisationId: consignee.org.id }).set(bearer(shipper.token));
      expect(list.body.items).toEqual([]);
      // Still readable: waybills point at it.
      expect((await request(t.http).get(`/places/${unloading.id}`).set(bearer(shipper.token))).status).toBe(200);
      const actions = await t.ds.query(`SELECT action FROM audit_entries WHERE entity_id = $1 ORDER BY id`, [unloading.id]);
      expect(actions.map((r: { action: string }) => r.action)).toEqual(['place.create', 'place.update', 'place.retire']);
    });

    it('should refuse a platform-owned place and a monitor writing places', async () => {
      const admin = await t.adminToken();
      const res = await request(t.http).post('/places').set(bearer(admin)).send(place());
      expect([res.status, res.body.code]).toEqual([403, 'WRONG_ORGANISATION_KIND']);
      const forConsignee = await request(t.http).post('/places').set(bearer(admin)).send(place({ organisationId: consignee.org.id }));
      expect([forConsignee.status, forConsignee.body.organisationId]).toEqual([201, consignee.org.id]);
      const forOther = await postPlace(shipper, place({ organisationId: consignee.org.id }));
      expect([forOther.status, forOther.body.code]).toEqual([403, 'ROLE_REQUIRED']);
      const monitor = await createOrgWithUser(t, 'carrier', { roles: ['monitor'] });
      expect((await postPlace(monitor, place())).status).toBe(403);
    });
  });

  describe('permits', () => {
    const route = encode([
      [40.84, 111.75],
      [40.65, 109.84],
    ]);
    const permit = (over: Record<string, unknown> = {}) => ({
      type: 'highly_toxic_pass',
      number: 'JD-150102-2026-0001',
      issuer: '呼和浩特市公安局新城区分局',
      validFrom: '2026-03-01T00:00:00+08:00',
      validUntil: '2026-03-03T23:59:59+08:00',
      route,
      origin: '呼和浩特市新城区',
      destination: '包头市昆都仑区',
      vehiclePlates: ['蒙B·12345', '蒙b 6789挂'],
      personIds: [randomUUID()],
      goods: [{ unNumber: 'UN1689', maxQuantity: 10, unit: 't' }],
      ...over,
    });
    const postPermit = (who: Party, body: object) => request(t.http).post('/permits').set(bearer(who.token)).send(body);
    let pass: { id: string };

    it('should register a permit with normalised plates and UN numbers, and audit it', async () => {
      const res = await postPermit(shipper, permit());
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        organisationId: shipper.org.id,
        status: 'valid',
        singleUse: true,
        route,
        vehiclePlates: ['蒙B12345', '蒙B6789挂'],
        goods: [{ unNumber: '1689', maxQuantity: 10, unit: 't' }],
        validFrom: '2026-02-28T16:00:00.000Z',
      });
      pass = res.body;
      const [{ n }] = await t.ds.query(`SELECT count(*)::int AS n FROM audit_entries WHERE action = 'permit.create' AND entity_id = $1`, [pass.id]);
      expect(n).toBe(1);
    });

    it('should refuse a duplicate type and number from anyone with 409, but not the same number of another type', async () => {
      const dup = await postPermit(rivalShipper, permit());
      expect([dup.status, dup.body.code]).toEqual([409, 'PERMIT_NUMBER_TAKEN']);
      const other = await postPermit(carrier, permit({ type: 'fireworks', goods: [{ unNumber: '0336', maxQuantity: 500, unit: 'kg' }] }));
      expect(other.status).toBe(201);
    });

    it('should refuse goods missing from the catalogue with 400 UNKNOWN_UN_NUMBER, and write nothing', async () => {
      const res = await postPermit(shipper, permit({ number: 'JD-X-1', goods: [{ unNumber: 'UN1689', maxQuantity: 1, unit: 't' }, { unNumber: 'UN9999', maxQuantity: 1, unit: 't' }] }));
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'UNKNOWN_UN_NUMBER', details: { unNumbers: ['UN9999'] } });
      const [{ n }] = await t.ds.query(`SELECT count(*)::int AS n FROM permits WHERE number = 'JD-X-1'`);
      expect(n).toBe(0);
    });

    it('should refuse a route that is not an encoded polyline, and other bad fields', async () => {
      for (const bad of ['not a polyline', '_p~iF', encode([[40.84, 111.75]]), encode([[95, 0], [96, 0]])]) {
        const res = await postPermit(shipper, permit({ number: 'JD-X-2', route: bad }));
        expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
        expect(res.body.details.fields).toEqual([expect.objectContaining({ path: 'route' })]);
      }
      const res = await postPermit(shipper, permit({ number: 'JD-X-3', validFrom: 'tomorrow', vehiclePlates: ['XX12345'], goods: [], personIds: ['nope'] }));
      expect(res.body.details.fields.map((f: { path: string }) => f.path).sort()).toEqual(['goods', 'personIds.0', 'validFrom', 'vehiclePlates.0']);
      const backwards = await postPermit(shipper, permit({ number: 'JD-X-3', validUntil: '2026-02-28T00:00:00+08:00' }));
      expect(backwards.body.details.fields).toEqual([expect.objectContaining({ path: 'validUntil' })]);
    });

    it('should let only shippers and carriers hold permits', async () => {
      const res = await postPermit(consignee, permit({ number: 'JD-X-4' }));
      expect([res.status, res.body.code]).toEqual([403, 'WRONG_ORGANISATION_KIND']);
    });

    it('should hide a permit from other shippers and carriers, and show it to authorities of the region', async () => {
      for (const other of [rivalShipper, rivalCarrier, carrier]) {
        const res = await request(t.http).get(`/permits/${pass.id}`).set(bearer(other.token));
        expect([res.status, res.body.code]).toEqual([404, 'PERMIT_NOT_FOUND']);
        const list = await request(t.http).get('/permits').set(bearer(other.token));
        expect(list.body.items.map((p: { id: string }) => p.id)).not.toContain(pass.id);
      }
      expect((await request(t.http).get(`/permits/${pass.id}`).set(bearer(shipper.token))).status).toBe(200);
      expect((await request(t.http).get(`/permits/${pass.id}`).set(bearer(authority.token))).status).toBe(200);
      expect((await request(t.http).get(`/permits/${pass.id}`).set(bearer(farAuthority.token))).status).toBe(404);
      const filtered = await request(t.http).get('/permits').query({ type: 'highly_toxic_pass', status: 'valid', q: '0001' }).set(bearer(shipper.token));
      expect(filtered.body.items.map((p: { id: string }) => p.id)).toEqual([pass.id]);
    });

    it('should let only an authority of the holder region revoke, once', async () => {
      const byHolder = await request(t.http).post(`/permits/${pass.id}/revoke`).set(bearer(shipper.token)).send({ reason: 'changed my mind' });
      expect([byHolder.status, byHolder.body.code]).toEqual([403, 'ROLE_REQUIRED']);
      const byFar = await request(t.http).post(`/permits/${pass.id}/revoke`).set(bearer(farAuthority.token)).send({ reason: 'not ours' });
      expect([byFar.status, byFar.body.code]).toEqual([404, 'PERMIT_NOT_FOUND']);
      const noReason = await request(t.http).post(`/permits/${pass.id}/revoke`).set(bearer(authority.token)).send({});
      expect(noReason.status).toBe(400);

      const ok = await request(t.http).post(`/permits/${pass.id}/revoke`).set(bearer(authority.token)).send({ reason: '运输企业资质被吊销' });
      expect([ok.status, ok.body.status]).toEqual([200, 'revoked']);
      const [entry] = await t.ds.query(`SELECT after FROM audit_entries WHERE action = 'permit.revoke' AND entity_id = $1`, [pass.id]);
      expect(entry.after).toMatchObject({ status: 'revoked', reason: '运输企业资质被吊销' });
      const again = await request(t.http).post(`/permits/${pass.id}/revoke`).set(bearer(authority.token)).send({ reason: 'again' });
      expect([again.status, again.body.code]).toEqual([409, 'PERMIT_NOT_REVOCABLE']);
    });

    it('should consume a single-use permit for one waybill, refuse it to another, and take it back when used', async () => {
      const fw = await postPermit(carrier, permit({ type: 'fireworks', number: 'YH-2026-0002', goods: [{ unNumber: '0336', maxQuantity: 500, unit: 'kg' }] }));
      expect(fw.status).toBe(201);
      const early = await request(t.http).post(`/permits/${fw.body.id}/return`).set(bearer(carrier.token));
      expect([early.status, early.body.code]).toEqual([409, 'PERMIT_NOT_USED']);

      const permits = t.app.get(PermitsService);
      const waybillId = randomUUID();
      const used = await t.ds.transaction((m) => permits.consume(fw.body.id, waybillId, m));
      expect(used).toMatchObject({ status: 'used', usedByWaybillId: waybillId });
      // Again for the same waybill: a retry, not a conflict.
      await expect(t.ds.transaction((m) => permits.consume(fw.body.id, waybillId, m))).resolves.toMatchObject({ status: 'used' });
      await expect(t.ds.transaction((m) => permits.consume(fw.body.id, randomUUID(), m))).rejects.toMatchObject({ code: 'PERMIT_NOT_VALID', status: 409 });
      expect((await permits.forWaybill([fw.body.id, randomUUID(), 'junk'])).map((p) => p.id)).toEqual([fw.body.id]);

      const byOther = await request(t.http).post(`/permits/${fw.body.id}/return`).set(bearer(rivalCarrier.token));
      expect(byOther.status).toBe(404);
      const back = await request(t.http).post(`/permits/${fw.body.id}/return`).set(bearer(carrier.token));
      expect(back.status).toBe(200);
      expect(back.body).toMatchObject({ status: 'returned', arrivedAt: null, returnDueBy: null, returnedLate: false });
      await expect(t.ds.transaction((m) => permits.consume(fw.body.id, waybillId, m))).rejects.toMatchObject({ code: 'PERMIT_NOT_VALID' });
    });
  });
});
