import { rmSync } from 'node:fs';
import pg from 'pg';

export default async function globalTeardown() {
  const base = process.env.HAZWAY_TEST_BASE_URL;
  const run = process.env.HAZWAY_TEST_RUN;
  if (base && run) {
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    const dbs = (await admin.query(`SELECT datname FROM pg_database WHERE datname IN ($1) OR datname LIKE $2`, [`hz_tpl_${run}`, `hz\\_t\\_${run}\\_%`])).rows;
    for (const { datname } of dbs) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
  await globalThis.__HAZWAY_EMBEDDED_PG__?.stop();
  if (globalThis.__HAZWAY_EMBEDDED_PG_DIR__) rmSync(globalThis.__HAZWAY_EMBEDDED_PG_DIR__, { recursive: true, force: true });
}
