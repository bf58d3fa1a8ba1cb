import request from 'supertest';
import { bearer, startTestApp, type TestApp } from '../helpers/app.js';
import { createOrgWithUser } from '../helpers/fixtures.js';
import { idNumberWithCheck } from '../helpers/ids.js';

describe('fleet and crews', () => {
  let t: TestApp;
  let carrier: Awaited<ReturnType<typeof createOrgWithUser>>;
  let rival: Awaited<ReturnType<typeof createOrgWithUser>>;
  beforeAll(async () => {
    t = await startTestApp();
    carrier = await createOrgWithUser(t, 'carrier', { regionCode: '150203' });
    rival = await createOrgWithUser(t, 'carrier', { regionCode: '110105' });
  });
  afterAll(() => t?.close());

  const vehicle = (over: Record<string, unknown> = {}) => ({
    plateNumber: '蒙B·12345',
    plateColour: 'yellow',
    kind: 'tractor',
    drivingLicenceValidUntil: '2027-06-30',
    nextSafetyInspection: '2027-03-01',
    transportCertNumber: '150203001234',
    transportCertValidUntil: '2027-05-31',
    transportScope: ['2.1', '3', '8'],
    ratedLoadKg: 30000,
    totalMassKg: 40000,
    insurancePolicy: 'PICC-2026-0001',
    insuranceValidUntil: '2027-01-01',
    adrType: 'FL',
    ...over,
  });

  it('should register a vehicle with a normalised plate and read it back', async () => {
    const res = await request(t.http).post('/vehicles').set(bearer(carrier.token)).send(vehicle());
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ plateNumber: '蒙B12345', organisationId: carrier.org.id, status: 'active', transportScope: ['2.1', '3', '8'] });
    const got = await request(t.http).get(`/vehicles/${res.body.id}`).set(bearer(carrier.token));
    expect(got.body.plateNumber).toBe('蒙B12345');
  });

  it('should refuse a duplicate plate, from any carrier', async () => {
    const res = await request(t.http).post('/vehicles').set(bearer(rival.token)).send(vehicle({ plateNumber: '蒙B12345' }));
    expect([res.status, res.body.code]).toEqual([409, 'PLATE_TAKEN']);
  });

  it('should refuse malformed plates, masses and dates with field errors', async () => {
    const res = await request(t.http)
      .post('/vehicles')
      .set(bearer(carrier.token))
      .send(vehicle({ plateNumber: 'XX12345', ratedLoadKg: 50000, totalMassKg: 40000, insuranceValidUntil: '2027-02-30' }));
    expect(res.status).toBe(400);
    const paths = res.body.details.fields.map((f: { path: string }) => f.path).sort();
    expect(paths).toEqual(['insuranceValidUntil', 'plateNumber']);
    const mass = await request(t.http).post('/vehicles').set(bearer(carrier.token)).send(vehicle({ plateNumber: '蒙B22222', ratedLoadKg: 50000 }));
    expect(mass.body.details.fields[0]).toMatchObject({ path: 'ratedLoadKg' });
  });

  it("should keep a carrier out of another carrier's vehicles", async () => {
    const mine = await request(t.http).post('/vehicles').set(bearer(carrier.token)).send(vehicle({ plateNumber: '蒙B33333' }));
    const read = await request(t.http).get(`/vehicles/${mine.body.id}`).set(bearer(rival.token));
    expect([read.status, read.body.code]).toEqual([404, 'VEHICLE_NOT_FOUND']);
    const edit = await request(t.http).patch(`/vehicles/${mine.body.id}`).set(bearer(rival.token)).send({ model: 'hijacked' });
    expect(edit.status).toBe(404);
    const retire = await request(t.http).delete(`/vehicles/${mine.body.id}`).set(bearer(rival.token));
    expect(retire.status).toBe(404);
    const list = await request(t.http).get('/vehicles').set(bearer(rival.token));
    expect(list.body.items.map((v: { id: string }) => v.id)).not.toContain(mine.body.id);
    const [{ model }] = await t.ds.query(`SELECT model FROM vehicles WHERE id = $1`, [mine.body.id]);
    expect(model).toBeNull();
  });

  it('should refuse fleet records for organisations that are not carriers, and roles that may not write', async () => {
    const shipper = await createOrgWithUser(t, 'shipper');
    const res = await request(t.http).post('/vehicles').set(bearer(shipper.token)).send(vehicle({ plateNumber: '蒙B44444' }));
    expect([res.status, res.body.code]).toEqual([403, 'WRONG_ORGANISATION_KIND']);
    const monitor = await createOrgWithUser(t, 'carrier', { roles: ['monitor'] });
    const byMonitor = await request(t.http).post('/vehicles').set(bearer(monitor.token)).send(vehicle({ plateNumber: '蒙B44444' }));
    expect([byMonitor.status, byMonitor.body.code]).toEqual([403, 'ROLE_REQUIRED']);
  });

  it('should check tank media against the catalogue and write nothing when one is unknown', async () => {
    const bad = await request(t.http)
      .post('/tanks')
      .set(bearer(carrier.token))
      .send({ number: 'GT-001', kind: 'atmospheric', media: [{ unNumber: 'UN1203' }, { unNumber: 'UN9999' }] });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'UNKNOWN_UN_NUMBER', details: { unNumbers: ['UN9999'] } });
    const [{ count }] = await t.ds.query(`SELECT count(*)::int AS count FROM tanks`);
    expect(count).toBe(0);
    const good = await request(t.http)
      .post('/tanks')
      .set(bearer(carrier.token))
      .send({ number: 'GT-001', kind: 'atmospheric', volumeL: 30000, tankCode: 'LGBF', media: [{ unNumber: 'UN1203' }, { unNumber: '1230' }], nextInspectionDate: '2027-02-01' });
    expect(good.status).toBe(201);
    expect(good.body.media).toEqual([{ unNumber: '1203' }, { unNumber: '1230' }]);
  });

  it('should store ID numbers, show them masked, and refuse a bad check digit', async () => {
    const id = idNumberWithCheck('15020319850312123');
    const res = await request(t.http)
      .post('/people')
      .set(bearer(carrier.token))
      .send({ name: '张师傅', idNumber: id, categories: ['driver'], drivingLicenceClass: 'A2', drivingLicenceValidUntil: '2030-01-01', qualificationValidUntil: '2027-01-01' });
    expect(res.status).toBe(201);
    expect(res.body.idNumber).toBeUndefined();
    expect(res.body.idNumberMasked).toBe(`150203********${id.slice(-4)}`);
    expect(JSON.stringify((await request(t.http).get('/people').set(bearer(carrier.token))).body)).not.toContain(id);
    const wrongDigit = id.slice(0, 17) + (id.endsWith('1') ? '2' : '1');
    const bad = await request(t.http).post('/people').set(bearer(carrier.token)).send({ name: '李四', idNumber: wrongDigit, categories: ['escort'] });
    expect(bad.status).toBe(400);
    expect(bad.body.details.fields[0]).toMatchObject({ path: 'idNumber' });
    const dup = await request(t.http).post('/people').set(bearer(rival.token)).send({ name: '冒名', idNumber: id, categories: ['escort'] });
    expect([dup.status, dup.body.code]).toEqual([409, 'ID_NUMBER_TAKEN']);
  });

  it('should refuse a duplicate terminal and hide auth secrets', async () => {
    const v = await request(t.http).post('/vehicles').set(bearer(carrier.token)).send(vehicle({ plateNumber: '蒙B55555' }));
    const term = await request(t.http).post('/terminals').set(bearer(carrier.token)).send({ phone: '013912345678', vehicleId: v.body.id });
    expect(term.status).toBe(201);
    expect(term.body.authCode).toBeUndefined();
    const dup = await request(t.http).post('/terminals').set(bearer(rival.token)).send({ phone: '013912345678' });
    expect([dup.status, dup.body.code]).toEqual([409, 'TERMINAL_TAKEN']);
    const second = await request(t.http).post('/terminals').set(bearer(carrier.token)).send({ phone: '013912345679', vehicleId: v.body.id });
    expect([second.status, second.body.code]).toEqual([409, 'VEHICLE_HAS_TERMINAL']);
    const foreign = await request(t.http).post('/terminals').set(bearer(rival.token)).send({ phone: '013912345670', vehicleId: v.body.id });
    expect([foreign.status, foreign.body.code]).toEqual([404, 'LINKED_RECORD_NOT_FOUND']);
  });

  it('should report the qualification status of a vehicle with its usual tank and crew', async () => {
    const driver = await request(t.http)
      .post('/people')
      .set(bearer(carrier.token))
      .send({ name: '王司机', idNumber: idNumberWithCheck('15020319900101001'), categories: ['driver'], drivingLicenceValidUntil: '2026-12-10', qualificationValidUntil: '2026-11-01' });
    const tank = await request(t.http).post('/tanks').set(bearer(carrier.token)).send({ number: 'GT-002', kind: 'atmospheric', nextInspectionDate: '2027-12-31' });
    const v = await request(t.http)
      .post('/vehicles')
      .set(bearer(carrier.token))
      .send(vehicle({ plateNumber: '蒙B66666', usualDriverId: driver.body.id, usualTankId: tank.body.id }));
    expect(v.status).toBe(201);
    const res = await request(t.http).get(`/vehicles/${v.body.id}/qualification-status?asOf=2026-11-29&withinDays=30`).set(bearer(carrier.token));
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('expired');
    const byKey = Object.fromEntries(res.body.certificates.map((c: { subject: string; certificate: string; status: string }) => [`${c.subject}:${c.certificate}`, c.status]));
    expect(byKey).toEqual({
      'vehicle:vehicle.drivingLicence': 'valid',
      'vehicle:vehicle.safetyInspection': 'valid',
      'vehicle:vehicle.transportCertificate': 'valid',
      'vehicle:vehicle.liabilityInsurance': 'valid',
      'tank:tank.inspection': 'valid',
      'driver:person.drivingLicence': 'expiring',
      'driver:person.qualification': 'expired',
    });
    const person = await request(t.http).get(`/people/${driver.body.id}/qualification-status?asOf=2026-10-05`).set(bearer(carrier.token));
    expect(person.body.status).toBe('expiring');
  });

  it('should refuse a usual crew member of another carrier or of the wrong category', async () => {
    const escort = await request(t.http).post('/people').set(bearer(carrier.token)).send({ name: '赵押运', idNumber: idNumberWithCheck('15020319920202002'), categories: ['escort'] });
    const wrong = await request(t.http).post('/vehicles').set(bearer(carrier.token)).send(vehicle({ plateNumber: '蒙B77777', usualDriverId: escort.body.id }));
    expect([wrong.status, wrong.body.code]).toEqual([400, 'WRONG_PERSON_CATEGORY']);
    const foreign = await request(t.http).post('/vehicles').set(bearer(rival.token)).send(vehicle({ plateNumber: '京A77777', usualEscortId: escort.body.id }));
    expect([foreign.status, foreign.body.code]).toEqual([404, 'LINKED_RECORD_NOT_FOUND']);
  });

  it('should let an authority read the fleet in its region only', async () => {
    const inner = await createOrgWithUser(t, 'authority', { regionCode: '150000' });
    const list = await request(t.http).get('/vehicles?limit=200').set(bearer(inner.token));
    expect(list.status).toBe(200);
    const owners = new Set(list.body.items.map((v: { organisationId: string }) => v.organisationId));
    expect(owners.has(carrier.org.id)).toBe(true);
    expect(owners.has(rival.org.id)).toBe(false);
    const anyId = list.body.items[0].id;
    expect((await request(t.http).patch(`/vehicles/${anyId}`).set(bearer(inner.token)).send({ model: 'x' })).status).toBe(403);
  });

  it('should retire instead of deleting, free the plate, and audit before/after', async () => {
    const v = await request(t.http).post('/vehicles').set(bearer(carrier.token)).send(vehicle({ plateNumber: '蒙B88888' }));
    const retired = await request(t.http).delete(`/vehicles/${v.body.id}`).set(bearer(carrier.token));
    expect(retired.body.status).toBe('retired');
    expect((await request(t.http).post('/vehicles').set(bearer(carrier.token)).send(vehicle({ plateNumber: '蒙B88888' }))).status).toBe(201);
    const audit: { action: string; before: { status: string } | null; after: { status: string } }[] = await t.ds.query(
      `SELECT action, before, after FROM audit_entries WHERE entity_id = $1 ORDER BY id`,
      [v.body.id],
    );
    expect(audit.map((a) => a.action)).toEqual(['vehicle.create', 'vehicle.retire']);
    expect([audit[1]!.before!.status, audit[1]!.after.status]).toEqual(['active', 'retired']);
  });

  it('should create many records at once without exhausting the connection pool', async () => {
    // More concurrent creates than the pool has connections: every read inside a create uses its transaction.
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        request(t.http).post('/vehicles').set(bearer(carrier.token)).send(vehicle({ plateNumber: `蒙J${String(10000 + i).slice(1)}0` })),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(40).fill(201));
  });

  it('should keep the carrier licence with its scope, refused for non-carriers', async () => {
    const put = await request(t.http)
      .put(`/organisations/${carrier.org.id}/carrier-licence`)
      .set(bearer(carrier.token))
      .send({ number: '蒙交运管许可危字150200001号', validFrom: '2024-01-01', validUntil: '2028-01-01', scope: ['2.1', '3', '6.1', '8'], highlyToxic: true });
    expect(put.status).toBe(200);
    expect((await request(t.http).get(`/organisations/${carrier.org.id}/carrier-licence`).set(bearer(carrier.token))).body.scope).toEqual(['2.1', '3', '6.1', '8']);
    expect((await request(t.http).get(`/organisations/${carrier.org.id}/carrier-licence`).set(bearer(rival.token))).status).toBe(404);
    const backwards = await request(t.http)
      .put(`/organisations/${carrier.org.id}/carrier-licence`)
      .set(bearer(carrier.token))
      .send({ number: 'x', validFrom: '2029-01-01', validUntil: '2028-01-01', scope: ['3'] });
    expect(backwards.status).toBe(400);
  });
});
