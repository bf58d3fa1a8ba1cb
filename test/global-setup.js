import { chmodSync, mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
// Jest loads global setup outside its TypeScript transform and module mapping, so this file is plain
// JavaScript and uses the build (npm test builds first, in its pretest step).
import { createDataSource } from '../dist/database/data-source.js';
import { migrate } from '../dist/database/database.module.js';
import { startEmbeddedPostgres } from '../dist/database/embedded-postgres.js';

// Once per `npm test`: find a PostgreSQL (DATABASE_URL, or an embedded one in a temp dir), build a template
// database with every migration applied, and let each test file clone it (test/helpers/db.ts).
// Names carry a run id so that concurrent `npm test` runs on one server never touch each other's databases.
const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
const TEMPLATE_DB = `hz_tpl_${RUN}`;

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export default async function globalSetup() {
  let base = process.env.DATABASE_URL;
  if (!base) {
    const parent = mkdtempSync(path.join(tmpdir(), 'hazway-test-'));
    chmodSync(parent, 0o755); // reachable by OS user postgres when the tests run as root
    const dataDir = path.join(parent, 'pg');
    const embedded = await startEmbeddedPostgres({ dataDir, port: await freePort() });
    globalThis.__HAZWAY_EMBEDDED_PG__ = embedded;
    globalThis.__HAZWAY_EMBEDDED_PG_DIR__ = parent;
    base = embedded.url;
    console.log(`\n[test] DATABASE_URL unset: using an embedded PostgreSQL in ${dataDir}`);
  }
  if (!process.env.REDIS_URL) console.log('[test] REDIS_URL unset: tests that need Redis are skipped (their names say so)');
  process.env.HAZWAY_TEST_BASE_URL = base;
  process.env.HAZWAY_TEST_RUN = RUN;

  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${TEMPLATE_DB}`;
  const ds = createDataSource(url.toString(), 2);
  await ds.initialize();
  try {
    await migrate(ds);
  } finally {
    await ds.destroy();
  }
}
