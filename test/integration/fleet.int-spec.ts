import { DataSource } from 'typeorm';
import type { Principal } from '../../src/accounts/principal.js';
import { dataSourceOptions } from '../../src/database/data-source.js';
import { AuditService } from '../../src/common/audit.service.js';
import { FleetRecords } from '../../src/vehicles/fleet-records.js';
import { VEHICLES } from '../../src/vehicles/fleet.service.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

// The database's own guarantees for fleet data, and the scoping query, on real PostgreSQL without the app.
describe('fleet storage', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let records: FleetRecords;
  const orgs: Record<string, string> = {};

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await new DataSource(dataSourceOptions(db.url, 4)).initialize();
    records = new FleetRecords(ds, new AuditService(ds));
    for (const [key, kind, region] of [
      ['baotou', 'carrier', '150203'],
      ['wuhai', 'carrier', '150302'],
      ['beijing', 'carrier', '110105'],
      ['im', 'authority', '150000'],
    ] as const) {
      const [{ id }] = await ds.query(`INSERT INTO organisations (kind, name, region_code) VALUES ($1, $2, $3) RETURNING id`, [kind, key, region]);
      orgs[key] = id;
    }
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  const insertVehicle = (org: string, plate: string, status = 'active') =>
    ds.query(`INSERT INTO vehicles (organisation_id, plate_number, plate_colour, kind, status) VALUES ($1, $2, 'yellow', 'truck', $3) RETURNING id`, [
      orgs[org],
      plate,
      status,
    ]);

  it('should allow one active vehicle per plate, across carriers, and any number of retired ones', async () => {
    await insertVehicle('baotou', '蒙B10001');
    await expect(insertVehicle('wuhai', '蒙B10001')).rejects.toMatchObject({ code: '23505', constraint: 'vehicles_plate_number_uq' });
    await insertVehicle('wuhai', '蒙B10001', 'retired');
    await insertVehicle('beijing', '蒙B10001', 'retired');
    const [{ count }] = await ds.query(`SELECT count(*)::int AS count FROM vehicles WHERE plate_number = '蒙B10001'`);
    expect(count).toBe(3);
  });

  it('should refuse unknown person categories and a tank kind outside the list', async () => {
    await expect(
      ds.query(`INSERT INTO people (organisation_id, name, id_number, categories) VALUES ($1, 'x', '150203198001010011', ARRAY['pilot'])`, [orgs.baotou]),
    ).rejects.toMatchObject({ constraint: 'people_categories_ck' });
    await expect(ds.query(`INSERT INTO tanks (organisation_id, number, kind) VALUES ($1, 'T1', 'balloon')`, [orgs.baotou])).rejects.toMatchObject({
      constraint: 'tanks_kind_ck',
    });
  });

  it('should refuse a vehicle of an organisation that does not exist', async () => {
    await expect(
      ds.query(`INSERT INTO vehicles (organisation_id, plate_number, plate_colour, kind) VALUES ('00000000-0000-4000-8000-000000000000', '蒙B10002', 'yellow', 'truck')`),
    ).rejects.toMatchObject({ constraint: 'vehicles_organisation_id_fk' });
  });

  it('should scope list queries: own carrier, authority by region prefix', async () => {
    await insertVehicle('wuhai', '蒙C20001');
    await insertVehicle('beijing', '京A20001');
    const principal = (org: string, kind: Principal['organisationKind'], region: string, roles: Principal['roles']): Principal => ({
      kind: 'user',
      userId: null,
      apiKeyId: null,
      sessionId: null,
      organisationId: orgs[org]!,
      organisationKind: kind,
      regionCode: region,
      roles,
      mustChangePassword: false,
    });
    const plates = async (p: Principal) =>
      ((await records.list(p, VEHICLES, { status: 'active', limit: 200, offset: 0 })).items as { plateNumber: string }[]).map((v) => v.plateNumber).sort();
    expect(await plates(principal('wuhai', 'carrier', '150302', ['carrier']))).toEqual(['蒙C20001']);
    expect(await plates(principal('im', 'authority', '150000', ['authority']))).toEqual(['蒙B10001', '蒙C20001']);
    expect(await plates(principal('beijing', 'carrier', '110105', ['carrier']))).toEqual(['京A20001']);
  });
});
