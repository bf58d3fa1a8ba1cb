import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.setup.js';
import { loadEnv, type Env } from '../../src/config/env.js';
import { deleteQueueKeys } from '../../src/queue/queue.backend.js';
import { createTestDatabase, type TestDatabase } from './db.js';

export const ADMIN_PASSWORD = 'test-admin-password';

export type TestApp = {
  app: NestExpressApplication;
  http: ReturnType<NestExpressApplication['getHttpServer']>;
  url: string;
  env: Env;
  ds: DataSource;
  db: TestDatabase;
  login: (username: string, password: string) => Promise<string>;
  adminToken: () => Promise<string>;
  close: () => Promise<void>;
};

// The whole application in-process on its own database (cloned from the migrated template) and a free port.
// Pass `db` to start a second instance on the same database (scale-out tests).
export async function startTestApp(overrides: Record<string, string> = {}, db?: TestDatabase): Promise<TestApp> {
  const ownDb = !db;
  db ??= await createTestDatabase();
  const env = loadEnv({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    TERMINAL_PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ADMIN_PASSWORD,
    QUEUE_PREFIX: `t_${db.name.slice(5)}`,
    // Test receivers listen on 127.0.0.1; the SSRF tests turn this off again.
    WEBHOOK_ALLOW_PRIVATE: 'true',
    ...overrides,
    DATABASE_URL: db.url,
  });
  const app = await createApp(env);
  await app.listen(0, '127.0.0.1');
  const http = app.getHttpServer();
  const { port } = http.address() as { port: number };
  let admin: string | undefined;
  const login = async (username: string, password: string) => {
    const res = await request(http).post('/auth/login').send({ username, password });
    if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.accessToken as string;
  };
  return {
    app,
    http,
    url: `http://127.0.0.1:${port}`,
    env,
    ds: app.get(DataSource),
    db,
    login,
    adminToken: async () => (admin ??= await login('admin', ADMIN_PASSWORD)),
    close: async () => {
      await app.close();
      if (ownDb) {
        await db!.drop();
        // A second instance on this database shares its prefix: only the instance that created the database clears it.
        if (env.REDIS_URL) await deleteQueueKeys(env.REDIS_URL, env.QUEUE_PREFIX);
      }
    },
  };
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
