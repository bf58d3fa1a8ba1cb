import pg from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source.js';
import { MAX_PER_CONNECTION, NamedStatementsClient, statementName } from '../../src/database/named-statements.js';
import { createEmptyDatabase, createTestDatabase, type TestDatabase } from '../helpers/db.js';

const prepared = async (c: pg.Client) => (await c.query(`SELECT name, statement FROM pg_prepared_statements`)).rows as { name: string; statement: string }[];

// Parameterised statements are prepared once per connection under a name derived from their text
// (src/database/named-statements.ts), on real PostgreSQL.
describe('named prepared statements', () => {
  let db: TestDatabase;
  let client: NamedStatementsClient;

  beforeAll(async () => {
    db = await createEmptyDatabase();
    client = new NamedStatementsClient({ connectionString: db.url });
    await client.connect();
    await client.query(`CREATE TABLE things (id int PRIMARY KEY, label text)`);
    await client.query(`INSERT INTO things VALUES (1, 'one'), (2, 'two')`);
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it('should name SELECT, INSERT, UPDATE, DELETE and WITH statements by their text, and nothing else', () => {
    const a = statementName('SELECT label FROM things WHERE id = $1');
    expect(a).toMatch(/^hz_[0-9a-f]{24}$/);
    expect(statementName('SELECT label FROM things WHERE id = $1')).toBe(a);
    expect(statementName('SELECT label FROM things WHERE id = $2')).not.toBe(a);
    for (const text of ['  insert into t values ($1)', 'UPDATE t SET a = $1', 'DELETE FROM t WHERE a = $1', 'WITH x AS (SELECT $1) SELECT * FROM x']) {
      expect(statementName(text)).toMatch(/^hz_/);
    }
    for (const text of ['CREATE TABLE t (a int)', 'SET LOCAL x = $1', 'COPY t FROM STDIN', 'SELECT pg_advisory_lock($1)::text FROM positions WHERE t > $1', 'INSERT INTO positions_default VALUES ($1)']) {
      expect(statementName(text)).toBeNull();
    }
  });

  it('should prepare a parameterised statement once and reuse it, giving the same answers', async () => {
    const text = 'SELECT label FROM things WHERE id = $1';
    expect((await client.query(text, [1])).rows).toEqual([{ label: 'one' }]);
    expect((await client.query(text, [2])).rows).toEqual([{ label: 'two' }]);
    expect((await client.query(text, [3])).rows).toEqual([]);
    const mine = (await prepared(client)).filter((p) => p.statement === text);
    expect(mine).toEqual([{ name: statementName(text), statement: text }]);
  });

  it('should leave statements without values, and errors, as they were', async () => {
    expect((await client.query('SELECT count(*)::int AS n FROM things')).rows).toEqual([{ n: 2 }]);
    await expect(client.query('SELECT nope FROM things WHERE id = $1', [1])).rejects.toMatchObject({ code: '42703' });
    // A failed Parse leaves no name behind: the corrected table answers the same text.
    await client.query(`ALTER TABLE things ADD COLUMN nope text`);
    expect((await client.query('SELECT nope FROM things WHERE id = $1', [1])).rows).toEqual([{ nope: null }]);
    await client.query(`ALTER TABLE things DROP COLUMN nope`);
    await expect(client.query('INSERT INTO things VALUES ($1, $2)', [1, 'again'])).rejects.toMatchObject({ code: '23505' });
    expect((await client.query('INSERT INTO things VALUES ($1, $2) RETURNING id', [3, 'three'])).rows).toEqual([{ id: 3 }]);
  });

  it('should prepare afresh once a table change alters the result of a prepared statement', async () => {
    const text = 'SELECT * FROM things WHERE id = $1';
    expect((await client.query(text, [1])).rows).toEqual([{ id: 1, label: 'one' }]);
    await client.query(`ALTER TABLE things ADD COLUMN colour text`);
    await expect(client.query(text, [1])).rejects.toMatchObject({ code: '0A000' });
    expect((await client.query(text, [1])).rows).toEqual([{ id: 1, label: 'one', colour: null }]);
  });

  it('should name at most MAX_PER_CONNECTION statements per connection and run the rest unnamed', async () => {
    const other = new NamedStatementsClient({ connectionString: db.url });
    await other.connect();
    try {
      for (let i = 0; i < MAX_PER_CONNECTION + 20; i++) {
        expect((await other.query(`SELECT $1::int + ${i} AS n`, [1])).rows).toEqual([{ n: i + 1 }]);
      }
      expect((await prepared(other)).length).toBe(MAX_PER_CONNECTION);
    } finally {
      await other.end();
    }
  });
});

describe('named prepared statements through the TypeORM pool', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('should be on by default and off when asked', async () => {
    for (const named of [true, false]) {
      const ds = await new DataSource(dataSourceOptions(db.url, 2, named)).initialize();
      try {
        const text = `SELECT kind FROM organisations WHERE id = $1`;
        await ds.transaction(async (m) => {
          await m.query(text, ['00000000-0000-0000-0000-000000000000']);
          const rows: { name: string }[] = await m.query(`SELECT name FROM pg_prepared_statements WHERE statement = $1`, [text]);
          expect(rows.map((r) => r.name)).toEqual(named ? [statementName(text)] : []);
        });
      } finally {
        await ds.destroy();
      }
    }
  });
});
