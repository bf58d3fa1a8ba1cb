import { randomBytes } from 'node:crypto';
import pg from 'pg';

const run = () => {
  const id = process.env.HAZWAY_TEST_RUN;
  if (!id) throw new Error('HAZWAY_TEST_RUN is unset: run tests with npm test (test/global-setup.js)');
  return id;
};

export function baseUrl(): string {
  const url = process.env.HAZWAY_TEST_BASE_URL;
  if (!url) throw new Error('HAZWAY_TEST_BASE_URL is unset: run tests with npm test (test/global-setup.ts)');
  return url;
}

export function urlFor(database: string): string {
  const url = new URL(baseUrl());
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: baseUrl() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export type TestDatabase = { name: string; url: string; drop: () => Promise<void> };

// A fresh database with every migration applied, cloned from the template (one per test file, or per app).
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `hz_t_${run()}_${randomBytes(4).toString('hex')}`;
  await admin(async (c) => {
    // CREATE DATABASE ... TEMPLATE fails while another session is connected to the template: retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await c.query(`CREATE DATABASE "${name}" TEMPLATE hz_tpl_${run()}`);
        return;
      } catch (e) {
        if (attempt > 20 || !/being accessed by other users/.test((e as Error).message)) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
  return {
    name,
    url: urlFor(name),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

// An empty database (no migrations): for tests of the migrations themselves.
export async function createEmptyDatabase(): Promise<TestDatabase> {
  const name = `hz_t_${run()}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  return {
    name,
    url: urlFor(name),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}
