import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source.js';
import { migrate } from '../../src/database/database.module.js';
import { createEmptyDatabase, type TestDatabase } from '../helpers/db.js';

describe('migrations', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createEmptyDatabase();
    ds = await new DataSource(dataSourceOptions(db.url, 2)).initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('should run from zero and leave no schema drift against the entities', async () => {
    const applied = await migrate(ds);
    expect(applied.length).toBeGreaterThan(0);
    const diff = await ds.driver.createSchemaBuilder().log();
    expect(diff.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('should apply nothing the second time', async () => {
    expect(await migrate(ds)).toEqual([]);
  });

  it('should revert every migration and leave only the migrations table', async () => {
    for (let i = 0; i < ds.migrations.length; i++) await ds.undoLastMigration();
    const tables: { table_name: string }[] = await ds.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(['schema_migrations']);
    expect(await migrate(ds)).toHaveLength(ds.migrations.length);
  });

  it('should enforce named CHECK constraints in the database itself', async () => {
    await expect(
      ds.query(`INSERT INTO organisations (kind, name, region_code) VALUES ('pirate', 'x', '150102')`),
    ).rejects.toMatchObject({ constraint: 'organisations_kind_ck' });
    await expect(
      ds.query(`INSERT INTO organisations (kind, name, region_code) VALUES ('shipper', 'x', '15A102')`),
    ).rejects.toMatchObject({ constraint: 'organisations_region_code_ck' });
  });

  // Migration 1795950000000-json-records: the immutable records are json, their large columns lz4 where the server
  // has it (the embedded PostgreSQL does not; pglz stays there).
  it('should store the immutable records as json, compressed with lz4 when the server supports it', async () => {
    const types: { table_name: string; column_name: string; data_type: string }[] = await ds.query(
      `SELECT table_name, column_name, data_type FROM information_schema.columns
        WHERE (table_name, column_name) IN (('loading_checks','results'), ('loading_checks','snapshot'), ('loading_checks','checklist'),
                                            ('loading_checks','severities'), ('waybill_versions','document'))
        ORDER BY 1, 2`,
    );
    expect(types.map((t) => `${t.table_name}.${t.column_name} ${t.data_type}`)).toEqual([
      'loading_checks.checklist json',
      'loading_checks.results json',
      'loading_checks.severities json',
      'loading_checks.snapshot json',
      'waybill_versions.document json',
    ]);
    const lz4 = await ds.query(`CREATE TEMP TABLE lz4_probe (t text COMPRESSION lz4)`).then(
      () => true,
      (e: { code?: string }) => (e.code === '0A000' ? false : Promise.reject(e)),
    );
    const compression: { attname: string; attcompression: string }[] = await ds.query(
      `SELECT attrelid::regclass::text || '.' || attname AS attname, attcompression FROM pg_attribute
        WHERE (attrelid, attname) IN (('loading_checks'::regclass, 'results'), ('loading_checks'::regclass, 'snapshot'), ('waybill_versions'::regclass, 'document'))
        ORDER BY 1`,
    );
    expect(compression).toEqual(
      ['loading_checks.results', 'loading_checks.snapshot', 'waybill_versions.document'].map((attname) => ({ attname, attcompression: lz4 ? 'l' : '' })),
    );
  });

  // Migration 1795976000000-rule-states-json: the rule states written behind are json in half-full pages (HOT updates).
  it('should keep the monitoring rule states as json with fillfactor 50', async () => {
    const [col]: { data_type: string }[] = await ds.query(
      `SELECT data_type FROM information_schema.columns WHERE table_name = 'vehicle_rule_states' AND column_name = 'state'`,
    );
    expect(col).toEqual({ data_type: 'json' });
    const [rel]: { reloptions: string[] | null }[] = await ds.query(`SELECT reloptions FROM pg_class WHERE oid = 'vehicle_rule_states'::regclass`);
    expect(rel!.reloptions).toEqual(['fillfactor=50']);
  });
  // Migration 1796020000000-append-only-records: what the system promises never to change cannot be changed through
  // the app's connection either (SQLSTATE 23001), row by row or by TRUNCATE.
  it('should refuse to update, delete or truncate the append-only records', async () => {
    const [{ id }] = await ds.query(`INSERT INTO audit_entries (action, entity_type, entity_id) VALUES ('test', 'probe', '1') RETURNING id`);
    await expect(ds.query(`UPDATE audit_entries SET action = 'edited' WHERE id = $1`, [id])).rejects.toMatchObject({ code: '23001' });
    await expect(ds.query(`DELETE FROM audit_entries WHERE id = $1`, [id])).rejects.toMatchObject({ code: '23001' });
    expect(await ds.query(`SELECT action FROM audit_entries WHERE id = $1`, [id])).toEqual([{ action: 'test' }]);
    for (const table of ['loading_checks', 'waybill_events', 'waybill_versions', 'pre_trip_inspections', 'audit_entries']) {
      await expect(ds.query(`TRUNCATE ${table} CASCADE`)).rejects.toMatchObject({ code: '23001', message: `${table} rows are append-only: TRUNCATE refused` });
      const triggers: { tgname: string }[] = await ds.query(`SELECT tgname FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal ORDER BY 1`, [table]);
      expect(triggers.map((t) => t.tgname)).toEqual([`${table}_append_only`, `${table}_no_truncate`]);
    }
  });
});
