import request from 'supertest';
import { BlacklistService } from '../../src/vehicles/blacklist.service.js';
import { shanghaiDate } from '../../src/vehicles/certificate.rules.js';
import { bearer, startTestApp, type TestApp } from '../helpers/app.js';
import { createOrgWithUser } from '../helpers/fixtures.js';
import { idNumberWithCheck } from '../helpers/ids.js';

type Org = Awaited<ReturnType<typeof createOrgWithUser>>;
type Entry = { id: string; subjectType: string; subjectId: string; subjectOrganisationId: string; active: boolean };

describe('blacklist', () => {
  let t: TestApp;
  let carrier: Org; // Baotou, Inner Mongolia
  let rival: Org; // Beijing
  let shipper: Org;
  let innerMongolia: Org; // provincial authority 150000
  let otherInnerMongolia: Org; // another authority whose region covers the carrier
  let hohhot: Org; // city authority 150100: not Baotou
  let beijing: Org; // 110000
  let admin: string;
  let vehicleId: string;
  let driverId: string;
  let rivalVehicleId: string;
  const today = () => shanghaiDate(new Date());
  const NOBODY = '00000000-0000-4000-8000-000000000000';

  const post = (token: string, body: object) => request(t.http).post('/blacklist').set(bearer(token)).send(body);
  const lift = (token: string, id: string, reason = '整改完成') => request(t.http).post(`/blacklist/${id}/lift`).set(bearer(token)).send({ reason });
  const status = (token: string, query: string) => request(t.http).get(`/blacklist/status?${query}`).set(bearer(token));
  const list = async (token: string, query = '') => {
    const res = await request(t.http).get(`/blacklist?limit=200&${query}`).set(bearer(token));
    expect(res.status).toBe(200);
    return res.body.items as Entry[];
  };

  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.adminToken();
    carrier = await createOrgWithUser(t, 'carrier', { regionCode: '150203' });
    rival = await createOrgWithUser(t, 'carrier', { regionCode: '110105' });
    shipper = await createOrgWithUser(t, 'shipper', { regionCode: '150102' });
    innerMongolia = await createOrgWithUser(t, 'authority', { regionCode: '150000', name: '内蒙古自治区交通运输厅' });
    otherInnerMongolia = await createOrgWithUser(t, 'authority', { regionCode: '150200' });
    hohhot = await createOrgWithUser(t, 'authority', { regionCode: '150100' });
    beijing = await createOrgWithUser(t, 'authority', { regionCode: '110000' });
    const vehicle = await request(t.http)
      .post('/vehicles')
      .set(bearer(carrier.token))
      .send({ plateNumber: '蒙B·54321', plateColour: 'yellow', kind: 'tractor' });
    expect(vehicle.status).toBe(201);
    vehicleId = vehicle.body.id;
    const driver = await request(t.http)
      .post('/people')
      .set(bearer(carrier.token))
      .send({ name: '钱师傅', idNumber: idNumberWithCheck('15020319800101003'), categories: ['driver'] });
    expect(driver.status).toBe(201);
    driverId = driver.body.id;
    const rivalVehicle = await request(t.http).post('/vehicles').set(bearer(rival.token)).send({ plateNumber: '京A·54321', plateColour: 'yellow', kind: 'truck' });
    rivalVehicleId = rivalVehicle.body.id;
  });
  afterAll(() => t?.close());

  it('should refuse carriers and shippers, whatever the subject (403 ROLE_REQUIRED)', async () => {
    for (const who of [carrier, shipper]) {
      const res = await post(who.token, { subjectType: 'organisation', subjectId: carrier.org.id, reason: '自查' });
      expect([res.status, res.body.code]).toEqual([403, 'ROLE_REQUIRED']);
      const unknown = await post(who.token, { subjectType: 'vehicle', subjectId: NOBODY, reason: '自查' });
      expect([unknown.status, unknown.body.code]).toEqual([403, 'ROLE_REQUIRED']);
    }
    const plainCarrier = await createOrgWithUser(t, 'carrier', { roles: ['carrier'] });
    const res = await post(plainCarrier.token, { subjectType: 'organisation', subjectId: carrier.org.id, reason: '自查' });
    expect([res.status, res.body.code]).toEqual([403, 'ROLE_REQUIRED']);
    const [{ count }] = await t.ds.query(`SELECT count(*)::int AS count FROM blacklist_entries`);
    expect(count).toBe(0);
  });

  it('should answer 404 for a subject outside the authority region, or one that does not exist', async () => {
    const cases: [Org, string, string][] = [
      [beijing, 'organisation', carrier.org.id],
      [beijing, 'vehicle', vehicleId],
      [beijing, 'person', driverId],
      [hohhot, 'vehicle', vehicleId],
      [innerMongolia, 'vehicle', rivalVehicleId],
      [innerMongolia, 'vehicle', NOBODY],
      [innerMongolia, 'person', vehicleId], // a vehicle id is not a person
    ];
    for (const [authority, subjectType, subjectId] of cases) {
      const res = await post(authority.token, { subjectType, subjectId, reason: '超范围' });
      expect([subjectType, res.status, res.body.code]).toEqual([subjectType, 404, 'BLACKLIST_SUBJECT_NOT_FOUND']);
    }
    const [{ count }] = await t.ds.query(`SELECT count(*)::int AS count FROM blacklist_entries`);
    expect(count).toBe(0);
  });

  it('should refuse dates out of order and authorities as subjects', async () => {
    const backwards = await post(innerMongolia.token, { subjectType: 'vehicle', subjectId: vehicleId, reason: '超载', validFrom: '2026-05-02', validUntil: '2026-05-01' });
    expect([backwards.status, backwards.body.code]).toEqual([400, 'BLACKLIST_DATES_OUT_OF_ORDER']);
    // validFrom defaults to today, so an end in the past is out of order too.
    const pastEnd = await post(innerMongolia.token, { subjectType: 'vehicle', subjectId: vehicleId, reason: '超载', validUntil: '2020-01-01' });
    expect([pastEnd.status, pastEnd.body.code]).toEqual([400, 'BLACKLIST_DATES_OUT_OF_ORDER']);
    const notADate = await post(innerMongolia.token, { subjectType: 'vehicle', subjectId: vehicleId, reason: '超载', validUntil: '2026-02-30' });
    expect([notADate.status, notADate.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    const authority = await post(innerMongolia.token, { subjectType: 'organisation', subjectId: otherInnerMongolia.org.id, reason: 'x1' });
    expect([authority.status, authority.body.code]).toEqual([400, 'BLACKLIST_SUBJECT_NOT_ALLOWED']);
  });

  let orgEntry: Entry;
  let vehicleEntry: Entry;

  it('should let an authority blacklist an organisation and a vehicle of its region, and audit it', async () => {
    const org = await post(innerMongolia.token, { subjectType: 'organisation', subjectId: carrier.org.id, reason: '发生较大事故，停业整顿' });
    expect(org.status).toBe(201);
    expect(org.body).toMatchObject({
      subjectType: 'organisation',
      subjectId: carrier.org.id,
      subjectOrganisationId: carrier.org.id,
      issuedBy: { id: innerMongolia.org.id, name: '内蒙古自治区交通运输厅' },
      issuedByUserId: innerMongolia.user.id,
      validFrom: today(),
      validUntil: null,
      liftedAt: null,
      active: true,
    });
    orgEntry = org.body;
    const vehicle = await post(otherInnerMongolia.token, { subjectType: 'vehicle', subjectId: vehicleId, reason: '非法改装罐体', validFrom: '2026-01-01', validUntil: '2099-12-31' });
    expect(vehicle.status).toBe(201);
    expect(vehicle.body).toMatchObject({ subjectOrganisationId: carrier.org.id, validFrom: '2026-01-01', validUntil: '2099-12-31', active: true });
    vehicleEntry = vehicle.body;
    const audit: { action: string; actor_user_id: string; organisation_id: string; after: { reason: string } }[] = await t.ds.query(
      `SELECT action, actor_user_id, organisation_id, after FROM audit_entries WHERE entity_type = 'blacklist_entry' AND entity_id = $1`,
      [orgEntry.id],
    );
    expect(audit).toEqual([{ action: 'blacklist-entry.create', actor_user_id: innerMongolia.user.id, organisation_id: carrier.org.id, after: expect.objectContaining({ reason: '发生较大事故，停业整顿' }) }]);
  });

  it('should tell another organisation that a carrier and its vehicle are blacklisted, and nothing more', async () => {
    const byOrg = await status(shipper.token, `organisationId=${carrier.org.id}`);
    expect(byOrg.status).toBe(200);
    expect(byOrg.body).toEqual({
      blacklisted: true,
      entries: [{ id: orgEntry.id, reason: '发生较大事故，停业整顿', issuedBy: { id: innerMongolia.org.id, name: '内蒙古自治区交通运输厅' }, validFrom: today(), validUntil: null }],
    });
    const byVehicle = await status(shipper.token, `vehicleId=${vehicleId}`);
    expect(byVehicle.body).toEqual({
      blacklisted: true,
      entries: [{ id: vehicleEntry.id, reason: '非法改装罐体', issuedBy: { id: otherInnerMongolia.org.id, name: expect.any(String) }, validFrom: '2026-01-01', validUntil: '2099-12-31' }],
    });
    const text = JSON.stringify(byVehicle.body);
    expect(text).not.toContain('蒙B');
    expect(text).not.toContain(carrier.org.id);
    // A Beijing carrier (outside every issuer's region) may ask too.
    expect((await status(rival.token, `vehicleId=${vehicleId}`)).body.blacklisted).toBe(true);
    expect((await status(shipper.token, `personId=${driverId}`)).body).toEqual({ blacklisted: false, entries: [] });
    expect((await status(shipper.token, `vehicleId=${rivalVehicleId}`)).body).toEqual({ blacklisted: false, entries: [] });
  });

  it('should answer an unknown id like an unbarred one, and want exactly one subject', async () => {
    expect((await status(shipper.token, `personId=${NOBODY}`)).body).toEqual({ blacklisted: false, entries: [] });
    for (const q of ['', `organisationId=${carrier.org.id}&vehicleId=${vehicleId}`, 'vehicleId=not-a-uuid']) {
      const res = await status(shipper.token, q);
      expect([q, res.status, res.body.code]).toEqual([q, 400, 'VALIDATION_FAILED']);
    }
    expect((await request(t.http).get(`/blacklist/status?vehicleId=${vehicleId}`)).status).toBe(401);
  });

  it('should not count expired or future windows', async () => {
    const expired = await post(innerMongolia.token, { subjectType: 'person', subjectId: driverId, reason: '疲劳驾驶', validFrom: '2020-01-01', validUntil: '2020-12-31' });
    expect(expired.status).toBe(201);
    expect(expired.body.active).toBe(false);
    const future = await post(innerMongolia.token, { subjectType: 'person', subjectId: driverId, reason: '待执行', validFrom: '2099-01-01' });
    expect(future.body.active).toBe(false);
    expect((await status(shipper.token, `personId=${driverId}`)).body).toEqual({ blacklisted: false, entries: [] });
    const active = await list(innerMongolia.token, 'active=true&subjectType=person');
    expect(active).toEqual([]);
    const inactive = await list(innerMongolia.token, 'active=false&subjectType=person');
    expect(inactive.map((e) => e.id).sort()).toEqual([expired.body.id, future.body.id].sort());
  });

  it('should let only the issuing authority lift an entry, once, and audit it', async () => {
    for (const who of [carrier, shipper]) {
      const res = await lift(who.token, vehicleEntry.id);
      expect([res.status, res.body.code]).toEqual([403, 'ROLE_REQUIRED']);
    }
    const outside = await lift(beijing.token, vehicleEntry.id);
    expect([outside.status, outside.body.code]).toEqual([404, 'BLACKLIST_ENTRY_NOT_FOUND']);
    const notIssuer = await lift(innerMongolia.token, vehicleEntry.id);
    expect([notIssuer.status, notIssuer.body.code]).toEqual([403, 'BLACKLIST_NOT_ISSUER']);

    const lifted = await lift(otherInnerMongolia.token, vehicleEntry.id, '已恢复原状并复检合格');
    expect(lifted.status).toBe(200);
    expect(lifted.body).toMatchObject({ id: vehicleEntry.id, liftedByUserId: otherInnerMongolia.user.id, liftReason: '已恢复原状并复检合格', active: false });
    expect(lifted.body.liftedAt).toEqual(expect.any(String));
    const again = await lift(otherInnerMongolia.token, vehicleEntry.id);
    expect([again.status, again.body.code]).toEqual([409, 'BLACKLIST_ALREADY_LIFTED']);

    expect((await status(shipper.token, `vehicleId=${vehicleId}`)).body).toEqual({ blacklisted: false, entries: [] });
    expect((await status(shipper.token, `organisationId=${carrier.org.id}`)).body.blacklisted).toBe(true);

    const audit: { action: string; before: { liftedAt: string | null } | null; after: { liftedAt: string | null; liftReason: string | null } }[] = await t.ds.query(
      `SELECT action, before, after FROM audit_entries WHERE entity_type = 'blacklist_entry' AND entity_id = $1 ORDER BY id`,
      [vehicleEntry.id],
    );
    expect(audit.map((a) => a.action)).toEqual(['blacklist-entry.create', 'blacklist-entry.lift']);
    expect(audit[1]!.before!.liftedAt).toBeNull();
    expect(audit[1]!.after).toMatchObject({ liftedAt: expect.any(String), liftReason: '已恢复原状并复检合格' });
  });

  it('should let an administrator lift any entry', async () => {
    const entry = await post(beijing.token, { subjectType: 'vehicle', subjectId: rivalVehicleId, reason: '未按规定路线行驶' });
    expect(entry.status).toBe(201);
    expect((await status(carrier.token, `vehicleId=${rivalVehicleId}`)).body.blacklisted).toBe(true);
    const lifted = await lift(admin, entry.body.id, '复议撤销');
    expect([lifted.status, lifted.body.active]).toEqual([200, false]);
    // The rival keeps one active entry for the list scoping below.
    expect((await post(beijing.token, { subjectType: 'organisation', subjectId: rival.org.id, reason: '资质造假' })).status).toBe(201);
  });

  it('should scope the list: authorities their region, admin all, others their own entries', async () => {
    const all = await list(admin);
    const subjectsOf = (entries: Entry[]) => new Set(entries.map((e) => e.subjectOrganisationId));
    expect(subjectsOf(all)).toEqual(new Set([carrier.org.id, rival.org.id]));
    expect(all).toHaveLength(6);

    expect(subjectsOf(await list(innerMongolia.token))).toEqual(new Set([carrier.org.id]));
    expect(subjectsOf(await list(beijing.token))).toEqual(new Set([rival.org.id]));
    expect(await list(hohhot.token)).toEqual([]);

    const own = await list(carrier.token);
    expect(own.map((e) => e.subjectType).sort()).toEqual(['organisation', 'person', 'person', 'vehicle']);
    expect(subjectsOf(await list(rival.token))).toEqual(new Set([rival.org.id]));
    expect(await list(shipper.token)).toEqual([]);

    const activeOwn = await list(carrier.token, 'active=true');
    expect(activeOwn.map((e) => e.id)).toEqual([orgEntry.id]);
    const vehicles = await list(admin, 'subjectType=vehicle');
    expect(vehicles.every((e) => e.subjectType === 'vehicle')).toBe(true);
    expect(vehicles).toHaveLength(2);

    // One entry read the same way: the subject may read it, an authority elsewhere may not.
    expect((await request(t.http).get(`/blacklist/${orgEntry.id}`).set(bearer(carrier.token))).status).toBe(200);
    const hidden = await request(t.http).get(`/blacklist/${orgEntry.id}`).set(bearer(beijing.token));
    expect([hidden.status, hidden.body.code]).toEqual([404, 'BLACKLIST_ENTRY_NOT_FOUND']);
    expect((await request(t.http).get(`/blacklist/${orgEntry.id}`).set(bearer(shipper.token))).status).toBe(404);
  });

  it('should give other modules the entries in force for a set of subjects', async () => {
    const service = t.app.get(BlacklistService);
    const subjects = [
      { type: 'organisation' as const, id: carrier.org.id },
      { type: 'vehicle' as const, id: vehicleId },
      { type: 'person' as const, id: driverId },
    ];
    expect((await service.activeFor(subjects, today())).map((e) => e.id)).toEqual([orgEntry.id]);
    // The expired person entry was in force in 2020; the lifted vehicle entry never counts again.
    expect((await service.activeFor(subjects, '2020-06-01')).map((e) => e.subjectType)).toEqual(['person']);
    expect((await service.activeFor(subjects, '2099-06-01')).map((e) => e.subjectType).sort()).toEqual(['organisation', 'person']);
    expect(await service.activeFor([], today())).toEqual([]);
  });
});

describe('blacklist identity', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('should follow a barred vehicle to its new record after it is retired and registered again', async () => {
    const authority = await createOrgWithUser(t, 'authority', { regionCode: '150000' });
    const carrier = await createOrgWithUser(t, 'carrier', { regionCode: '150203' });
    const other = await createOrgWithUser(t, 'carrier', { regionCode: '150302' });
    const body = { plateNumber: '蒙B99001', plateColour: 'yellow', kind: 'truck' };
    const v1 = await request(t.http).post('/vehicles').set(bearer(carrier.token)).send(body);
    const barred = await request(t.http)
      .post('/blacklist')
      .set(bearer(authority.token))
      .send({ subjectType: 'vehicle', subjectId: v1.body.id, reason: '非法改装罐体' });
    expect(barred.status).toBe(201);
    await request(t.http).delete(`/vehicles/${v1.body.id}`).set(bearer(carrier.token)).expect(200);
    const v2 = await request(t.http).post('/vehicles').set(bearer(other.token)).send(body);
    expect(v2.status).toBe(201);
    const status = await request(t.http).get(`/blacklist/status?vehicleId=${v2.body.id}`).set(bearer(other.token));
    expect(status.body).toMatchObject({ blacklisted: true, entries: [{ reason: '非法改装罐体' }] });
  });
});
