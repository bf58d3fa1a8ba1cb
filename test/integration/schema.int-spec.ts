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
});
