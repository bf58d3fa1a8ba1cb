import pg from 'pg';
import { copyFrom, copyThenQuery } from '../../src/tracking/positions/pg-copy.js';
import { createEmptyDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  db = await createEmptyDatabase();
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(`CREATE TABLE rows_in (n int PRIMARY KEY, label text NOT NULL)`);
  await client.query(`CREATE TABLE staged (n int NOT NULL, label text NOT NULL)`);
  await client.query(`CREATE TABLE kept (n int PRIMARY KEY, label text NOT NULL)`);
});
afterAll(async () => {
  await client?.end();
  await db?.drop();
});

// copyFrom (the benchmarks' raw COPY): a COPY that fails before or during copy-in rejects with PostgreSQL's code and
// leaves the connection usable, and one sent with BEGIN rolls back whole.
describe('copyFrom (COPY ... FROM STDIN)', () => {
  const count = async () => (await client.query(`SELECT count(*)::int AS n FROM rows_in`)).rows[0].n as number;

  it('should copy every row and answer with their number', async () => {
    const text = Array.from({ length: 1000 }, (_, i) => `${i}\trow ${i}\n`).join('');
    expect(await copyFrom(client, `COPY rows_in (n, label) FROM STDIN`, text)).toBe(1000);
    expect(await count()).toBe(1000);
  });

  it('should reject a COPY that fails before copy-in (no such table) and keep the connection usable', async () => {
    await expect(copyFrom(client, `COPY no_such_table (n) FROM STDIN`, `1\n2\n`)).rejects.toMatchObject({ code: '42P01' });
    expect((await client.query(`SELECT 41 + 1 AS n`)).rows[0].n).toBe(42);
  });

  it('should reject a COPY whose data is malformed, store none of it, and keep the connection usable', async () => {
    const before = await count();
    await expect(copyFrom(client, `COPY rows_in (n, label) FROM STDIN`, `5000\tfine\nnot-a-number\tbad\n`)).rejects.toMatchObject({ code: '22P02' });
    expect(await count()).toBe(before);
    expect(await copyFrom(client, `COPY rows_in (n, label) FROM STDIN`, `5001\tafter\n`)).toBe(1);
    expect(await count()).toBe(before + 1);
  });

  it('should roll back with its transaction when it ran inside one (BEGIN sent with the COPY, as the position store does)', async () => {
    const before = await count();
    await expect(copyFrom(client, `BEGIN; COPY rows_in (n, label) FROM STDIN`, `6000\tx\n6000\tduplicate\n`)).rejects.toMatchObject({ code: '23505' });
    await client.query('ROLLBACK');
    expect(await count()).toBe(before);
    expect(await copyFrom(client, `BEGIN; COPY rows_in (n, label) FROM STDIN`, `6001\ty\n`)).toBe(1);
    await client.query('COMMIT');
    expect(await count()).toBe(before + 1);
  });
});

// copyThenQuery, the position store's batch: BEGIN, the COPY and the statements after it in one query string, the data
// sent ahead in the same write.
describe('copyThenQuery (COPY ... FROM STDIN with its data sent ahead, then more statements)', () => {
  const count = async (table: string) => (await client.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;
  const batch = `BEGIN; COPY staged (n, label) FROM STDIN;
    WITH ins AS (INSERT INTO kept SELECT n, label FROM staged ON CONFLICT DO NOTHING RETURNING n)
    SELECT (SELECT count(*)::int FROM ins) AS inserted, (SELECT array_agg(n ORDER BY n) FROM ins) AS ns;
    DELETE FROM staged; COMMIT`;

  it('should run the statements after the COPY on its rows, in one transaction, and answer with the last row set', async () => {
    const rows = await copyThenQuery(client, batch, Array.from({ length: 500 }, (_, i) => `${i}\tr${i}\n`).join(''));
    expect(rows).toHaveLength(1);
    expect(rows[0]![0]).toBe('500');
    expect(rows[0]![1]!.startsWith('{0,1,2,')).toBe(true);
    expect(await count('kept')).toBe(500);
    expect(await count('staged')).toBe(0);
    // Again with two rows already kept: the answer says which were new.
    expect(await copyThenQuery(client, batch, `499\tagain\n500\tnew\n`)).toEqual([['1', '{500}']]);
  });

  it('should reject malformed data, run nothing after the COPY, and leave the connection in step', async () => {
    const before = await count('kept');
    await expect(copyThenQuery(client, batch, `7000\tfine\nnot-a-number\tbad\n`)).rejects.toMatchObject({ code: '22P02' });
    await client.query('ROLLBACK');
    expect(await count('kept')).toBe(before);
    expect(await count('staged')).toBe(0);
    expect(await copyThenQuery(client, batch, `7001\tafter\n`)).toEqual([['1', '{7001}']]);
  });

  it('should reject a COPY that fails before copy-in, the data sent ahead being dropped by the server', async () => {
    await expect(copyThenQuery(client, `BEGIN; COPY no_such_table (n) FROM STDIN; COMMIT`, `1\n2\n`.repeat(5000))).rejects.toMatchObject({ code: '42P01' });
    await client.query('ROLLBACK');
    expect((await client.query(`SELECT 41 + 1 AS n`)).rows[0].n).toBe(42);
  });

  it('should reject a statement after the COPY that fails, with nothing of the transaction kept', async () => {
    const before = await count('kept');
    await expect(copyThenQuery(client, `BEGIN; COPY staged (n, label) FROM STDIN; INSERT INTO kept SELECT n, label FROM staged; SELECT 1 / 0; COMMIT`, `8000\tx\n`)).rejects.toMatchObject({
      code: '22012',
    });
    await client.query('ROLLBACK');
    expect(await count('kept')).toBe(before);
    expect(await count('staged')).toBe(0);
  });
});
