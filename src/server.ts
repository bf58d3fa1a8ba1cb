import cluster from 'node:cluster';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { createApp } from './app.setup.js';
import { announceReady } from './cluster.js';
import { loadEnvOrExit, type Env } from './config/env.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './database/embedded-postgres.js';

export type Running = { app: NestExpressApplication; env: Env; url: string; stop: () => Promise<void> };

// Starts Hazway: the embedded PostgreSQL when DATABASE_URL is unset, then the app. `prepare` runs after the
// app is initialised and before it listens (the demo seeds data there).
export async function runServer(
  overrides: NodeJS.ProcessEnv = {},
  prepare?: (app: NestExpressApplication) => Promise<void>,
): Promise<Running> {
  let env = loadEnvOrExit({ ...process.env, ...overrides });
  const boot = (msg: string) => console.log(JSON.stringify({ level: 30, time: Date.now(), context: 'Boot', msg }));
  let embedded: EmbeddedPostgres | undefined;
  if (!env.DATABASE_URL) {
    embedded = await startEmbeddedPostgres({ port: env.EMBEDDED_PG_PORT, dataDir: env.EMBEDDED_PG_DIR, log: boot });
    boot(`embedded PostgreSQL ${embedded.createdCluster ? 'created' : 'started'}: data in ${embedded.dataDir}, port ${embedded.port}`);
    env = { ...env, DATABASE_URL: embedded.url };
  }
  let app: NestExpressApplication;
  try {
    app = await createApp(env);
    await app.init();
    if (prepare) await prepare(app);
    await app.listen(env.PORT, env.HOST);
  } catch (e) {
    await embedded?.stop();
    throw e;
  }
  const address = app.getHttpServer().address() as { port: number };
  const url = env.PUBLIC_URL ?? `http://localhost:${address.port}`;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await app.close(); // closes pools, queues and sockets before the database goes away
      await embedded?.stop();
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      app.get(Logger).log(`${signal} received: shutting down`);
      stop().then(
        () => process.exit(0),
        (e) => {
          console.error(e);
          process.exit(1);
        },
      );
    });
  }
  const logger = app.get(Logger);
  // A worker of WORKERS > 1: the primary says where to open Hazway once every worker serves (src/cluster.ts).
  if (cluster.isWorker) {
    announceReady(url);
    return { app, env, url, stop };
  }
  logger.log(`Hazway is running: open ${url}  (API docs: ${url}/docs, health: ${url}/health)`);
  logger.log(
    `Sign in with POST ${url}/auth/login as "${env.ADMIN_USERNAME}"` +
      (env.ADMIN_PASSWORD ? ' using ADMIN_PASSWORD' : ' (its one-time password was printed when the database was created)'),
  );
  return { app, env, url, stop };
}
