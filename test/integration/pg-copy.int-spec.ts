import pg from 'pg';
import { copyFrom } from '../../src/tracking/positions/pg-copy.js';
import { createEmptyDatabase, type TestDatabase } from '../helpers/db.js';

// copyFrom, the position store's COPY ... FROM STDIN: a COPY that fails before or during copy-in rejects with
// PostgreSQL's code and leaves the connection usable (the position writer keeps its connections), and one sent with
// BEGIN rolls back whole.
describe('copyFrom (COPY ... FROM STDIN)', () => {
  let db: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    db = await createEmptyDatabase();
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query(`CREATE TABLE rows_in (n int PRIMARY KEY, label text NOT NULL)`);
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

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
