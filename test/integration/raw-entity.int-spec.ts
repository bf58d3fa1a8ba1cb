import request from 'supertest';
import type { EntityManager } from 'typeorm';
import { Organisation } from '../../src/accounts/organisation.entity.js';
import { entityColumns, entityFromJson, entityJsonColumns, entityTable } from '../../src/database/raw-entity.js';
import { LoadingCheck } from '../../src/loading-checks/loading-check.entity.js';
import { BlacklistEntry } from '../../src/vehicles/blacklist-entry.entity.js';
import { CarrierLicence } from '../../src/vehicles/carrier-licence.entity.js';
import { Person } from '../../src/vehicles/person.entity.js';
import { Tank } from '../../src/vehicles/tank.entity.js';
import { Vehicle } from '../../src/vehicles/vehicle.entity.js';
import { PreTripInspection } from '../../src/waybills/pre-trip-inspection.entity.js';
import { WaybillLine } from '../../src/waybills/waybill-line.entity.js';
import { Waybill } from '../../src/waybills/waybill.entity.js';
import { bearer, startTestApp, type TestApp } from '../helpers/app.js';
import { createOrgWithUser } from '../helpers/fixtures.js';
import { idNumberWithCheck } from '../helpers/ids.js';
import { createWaybillWorld, issuedWaybill, recordPreTrip } from '../helpers/waybill-world.js';

// The hot paths (pre-loading check, blacklist look-up, waybill issue) read entities with plain SQL through
// entityColumns(), or as JSON inside one statement through entityJsonColumns() + entityFromJson(): the
// rows must be what TypeORM's find gives, key for key and value for value (dates, numerics, arrays, jsonb), or the
// rules and the stored check snapshot would change.
describe('entityColumns: plain rows shaped like find()', () => {
  let t: TestApp;
  const ids: Partial<Record<string, string>> = {};

  beforeAll(async () => {
    t = await startTestApp();
    const w = await createWaybillWorld(t);
    const waybill = await issuedWaybill(t, w, {
      lines: [
        { unNumber: 'UN1203', declaredQuantity: 20.5, unit: 't', packagingType: '罐车', sdsRef: 'SDS-1203', labelRef: 'LBL-1203' },
        { unNumber: 'UN1202', declaredQuantity: 3, unit: 't', packagingType: '罐车' },
      ],
    });
    const operator = await request(t.http)
      .post('/people')
      .set(bearer(w.loader.token))
      .send({ name: '装卸管理员', idNumber: idNumberWithCheck('15062719800101333'), categories: ['loading_manager'], qualificationValidUntil: '2030-01-01' });
    expect(operator.status).toBe(201);
    // A pre-trip inspection with a failed item and a note (jsonb items, uuid array, timestamps).
    const preTrip = await recordPreTrip(t, w, waybill.id, {
      items: [
        { key: 'vehicle', ok: true },
        { key: 'tank_container', ok: true },
        { key: 'equipment', ok: false, note: '灭火器过期' },
        { key: 'satellite_terminal', ok: true },
      ],
    });
    // Fails PL-25 (no terminal data) and the unanswered checklist items: stored all the same.
    const check = await request(t.http).post('/loading-checks').set(bearer(w.loader.token)).send({ waybillNumber: waybill.number, operatorId: operator.body.id, checklist: [] });
    const authority = await createOrgWithUser(t, 'authority', { regionCode: '150000' });
    const [entry] = await t.ds.query(
      `INSERT INTO blacklist_entries (subject_type, subject_id, subject_organisation_id, reason, issued_by_organisation_id, valid_from, valid_until)
       VALUES ('vehicle', $1, $2, 'test', $3, '2026-01-05', '2027-02-28') RETURNING id`,
      [w.vehicle.id, w.carrier.org.id, authority.org.id],
    );
    Object.assign(ids, {
      waybill: waybill.id,
      organisation: w.carrier.org.id,
      vehicle: w.vehicle.id,
      tank: w.tank.id,
      person: w.driver.id,
      licence: (await t.ds.query(`SELECT id FROM carrier_licences WHERE organisation_id = $1`, [w.carrier.org.id]))[0].id,
      check: check.body.id ?? (await t.ds.query(`SELECT id FROM loading_checks WHERE waybill_id = $1`, [waybill.id]))[0]?.id,
      blacklist: entry.id,
      preTrip: preTrip.id,
    });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  const plain = async (m: EntityManager, entity: new () => object, where: string, param: string) =>
    (await m.query(`SELECT ${entityColumns(m, entity, 'x')} FROM ${entityTable(m, entity)} x WHERE x.${where} = $1 ORDER BY 1`, [param])) as Record<string, unknown>[];

  const entities: [string, new () => object][] = [
    ['waybill', Waybill],
    ['organisation', Organisation],
    ['vehicle', Vehicle],
    ['tank', Tank],
    ['person', Person],
    ['licence', CarrierLicence],
    ['check', LoadingCheck],
    ['blacklist', BlacklistEntry],
    ['preTrip', PreTripInspection],
  ];
  // Keys with a value (find leaves unloaded relations as undefined properties; JSON and toEqual ignore them).
  const keys = (o: Record<string, unknown>) => Object.keys(o).filter((k) => o[k] !== undefined).sort();

  it.each(entities)('should read a %s as find() does', async (key, entity) => {
    const id = ids[key]!;
    expect(id).toBeDefined();
    const found = (await t.ds.manager.findOneBy(entity as new () => { id: string }, { id })) as Record<string, unknown>;
    const [row] = await plain(t.ds.manager, entity, 'id', id);
    expect(keys(row!)).toEqual(keys(found));
    expect(row).toEqual({ ...found });
  });

  // The pre-loading check and waybill issue gather these rows as JSON inside one statement and turn them back.
  it.each(entities)('should read a %s through JSON (entityJsonColumns, entityFromJson) as find() does', async (key, entity) => {
    const m = t.ds.manager;
    const found = (await m.findOneBy(entity as new () => { id: string }, { id: ids[key]! })) as Record<string, unknown>;
    const [{ j }] = await m.query(`SELECT (SELECT row_to_json(x) FROM (SELECT ${entityJsonColumns(m, entity, 'e')} FROM ${entityTable(m, entity)} e WHERE e.id = $1) x) AS j`, [
      ids[key],
    ]);
    const row = entityFromJson(m, entity, j) as Record<string, unknown>;
    expect(keys(row)).toEqual(keys(found));
    expect(row).toEqual({ ...found });
  });

  it('should read waybill lines through JSON as find() does (numeric quantities as text)', async () => {
    const m = t.ds.manager;
    const found = await m.find(WaybillLine, { where: { waybillId: ids.waybill }, order: { lineNo: 'ASC' } });
    const [{ j }] = await m.query(
      `SELECT (SELECT json_agg(x ORDER BY x."lineNo") FROM (SELECT ${entityJsonColumns(m, WaybillLine, 'l')} FROM waybill_lines l WHERE l.waybill_id = $1) x) AS j`,
      [ids.waybill],
    );
    const rows = (j as Record<string, unknown>[]).map((r) => entityFromJson(m, WaybillLine, r));
    expect(rows).toEqual(found.map((l) => ({ ...l })));
    expect(rows[0]!.declaredQuantity).toBe(found[0]!.declaredQuantity);
  });

  it('should read waybill lines as find() does (numeric quantities as text, jsonb flags, arrays)', async () => {
    const found = await t.ds.manager.find(WaybillLine, { where: { waybillId: ids.waybill }, order: { lineNo: 'ASC' } });
    const rows = await t.ds.manager.query(`SELECT ${entityColumns(t.ds.manager, WaybillLine, 'l')} FROM waybill_lines l WHERE l.waybill_id = $1 ORDER BY l.line_no`, [ids.waybill]);
    expect(found).toHaveLength(2);
    expect(rows).toEqual(found.map((l) => ({ ...l })));
    expect(rows[0].declaredQuantity).toBe(found[0]!.declaredQuantity);
  });

  it('should shape date columns as YYYY-MM-DD text, like TypeORM', async () => {
    const [row] = await plain(t.ds.manager, BlacklistEntry, 'id', ids.blacklist!);
    expect(row!.validFrom).toBe('2026-01-05');
    expect(row!.validUntil).toBe('2027-02-28');
    expect(row!.createdAt).toBeInstanceOf(Date);
  });

  it('should leave out the properties asked for, and refuse one the entity does not have', async () => {
    const m = t.ds.manager;
    const [found] = await m.find(Waybill, { where: { id: ids.waybill } });
    const [row] = await m.query(`SELECT ${entityColumns(m, Waybill, 'w', ['certificateSnapshot', 'qr'])} FROM waybills w WHERE w.id = $1`, [ids.waybill]);
    const { certificateSnapshot, qr, ...rest } = found!;
    expect(certificateSnapshot).not.toBeNull(); // issued: there was something to leave out
    expect(qr).toEqual(expect.any(String));
    expect(row).toEqual({ ...rest });
    // The full list is still the full list (cached apart).
    const [full] = await m.query(`SELECT ${entityColumns(m, Waybill, 'w')} FROM waybills w WHERE w.id = $1`, [ids.waybill]);
    expect(full).toEqual({ ...found });
    expect(() => entityColumns(m, Waybill, 'w', ['noSuchThing'])).toThrow('Waybill has no noSuchThing to leave out');
  });
});
