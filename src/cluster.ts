import cluster, { type Worker } from 'node:cluster';
import { DATABASE_POOL_SIZE_DEFAULT, loadEnvOrExit } from './config/env.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './database/embedded-postgres.js';
import { COLLECT_METRICS, METRICS_PART, METRICS_REQUEST, METRICS_RESULT, type MetricsMessage } from './ops/cluster-metrics.js';

// `npm start` with WORKERS=N (N > 1): this primary process starts the embedded PostgreSQL when DATABASE_URL is
// unset, then runs N copies of the app (node:cluster workers, each runServer) that share the HTTP port and the
// JT/T 808 port: the kernel hands each new connection to one of them. One process per core is how a Node
// service uses more than one core; on the 2-core machine the checks benchmark is CPU-bound on the app's thread.
//
// What crosses processes goes through Redis, as between machines (README "Scaling out"): socket.io events,
// revocations to the principal caches, BullMQ. So N > 1 needs REDIS_URL. socket.io clients must use the WebSocket
// transport (as the web console does): HTTP long-polling would need every request of a session to reach the
// same worker. /metrics answers for all workers together (src/ops/cluster-metrics.ts).
//
// A worker that dies after it was ready is replaced; one that dies while starting (a wrong setting, the database
// unreachable) stops the whole server with exit code 1 rather than restarting in a loop. SIGINT/SIGTERM stop the
// workers (each shuts down as a single process does), then the embedded PostgreSQL.

const STOP_TIMEOUT_MS = 30_000;
const CRASH_WINDOW_MS = 60_000;

// How long to wait before replacing a worker that died after serving, given how many died in the last minute
// (this one included): at once for the first, then 1, 2, 4... s up to 30 s, so that a crash loop (a poisoned
// request, a dependency gone bad) does not spin the CPU on boots.
export function restartDelayMs(recentExits: number): number {
  return recentExits <= 1 ? 0 : Math.min(30_000, 1000 * 2 ** (recentExits - 2));
}
const METRICS_TIMEOUT_MS = 2_000;

// Each worker's DATABASE_POOL_SIZE when it is not set: the single process's default shared among the workers, at
// least 5 each, so that N workers do not open N times the connections to the same PostgreSQL. More backends than the
// database's cores only take turns, and switching between them costs its CPU: bench:checks with WORKERS=2 on the
// 2-core machine (PostgreSQL on it), three interleaved rounds, 20 connections per worker 199.6, 194.0 and
// 171.9 checks/s with PostgreSQL at 3.44, 3.77 and 4.31 ms per check; 10 per worker 242.0/s and 2.77 ms; 5 per
// worker 224.9, 283.1, 204.6/s and 2.63, 2.04, 2.95 ms (bench/README.md, session 9).
export function workerPoolSize(workers: number, total = DATABASE_POOL_SIZE_DEFAULT): number {
  return Math.max(5, Math.ceil(total / workers));
}

type Ready = { type: 'hazway:ready'; url: string };

const log = (level: number, msg: string) => console.log(JSON.stringify({ level, time: Date.now(), context: 'Cluster', msg }));

export async function runCluster(): Promise<void> {
  let env = loadEnvOrExit();
  const count = env.WORKERS;
  if (!env.REDIS_URL) {
    console.error(
      `WORKERS=${count} needs REDIS_URL: socket.io events and revocations reach the other processes through Redis.\n` +
        'Set REDIS_URL, or run one process (WORKERS=1). See README.md, section Scaling out.',
    );
    process.exit(1);
  }
  let embedded: EmbeddedPostgres | undefined;
  if (!env.DATABASE_URL) {
    embedded = await startEmbeddedPostgres({ port: env.EMBEDDED_PG_PORT, dataDir: env.EMBEDDED_PG_DIR, log: (m) => log(30, m) });
    log(30, `embedded PostgreSQL ${embedded.createdCluster ? 'created' : 'started'}: data in ${embedded.dataDir}, port ${embedded.port}`);
    env = { ...env, DATABASE_URL: embedded.url };
  }
  const workerEnv = {
    DATABASE_URL: env.DATABASE_URL,
    ...(process.env.DATABASE_POOL_SIZE ? {} : { DATABASE_POOL_SIZE: String(workerPoolSize(count)) }),
  };

  let stopping: Promise<void> | undefined;
  const ready = new Set<Worker>();
  let exits: number[] = []; // times of the recent deaths of serving workers
  let announced = false;

  const fork = () => {
    const worker = cluster.fork(workerEnv);
    worker.on('message', (m: Ready | MetricsMessage) => {
      if (m?.type === 'hazway:ready') {
        ready.add(worker);
        log(30, `worker ${worker.id} (pid ${worker.process.pid}) is serving`);
        if (!announced && ready.size === count) {
          announced = true;
          log(30, `Hazway is running: open ${m.url}  (${count} worker processes; API docs: ${m.url}/docs, health: ${m.url}/health)`);
        }
      } else if (m?.type === METRICS_REQUEST) {
        void gatherMetrics(m.id).then((parts) => worker.isConnected() && worker.send({ type: METRICS_RESULT, id: m.id, parts }));
      }
    });
    worker.on('exit', (code, signal) => {
      const wasReady = ready.delete(worker);
      if (stopping) return;
      if (!wasReady) {
        log(50, `worker ${worker.id} exited while starting (code ${code}, signal ${signal}): stopping`);
        void stop(1);
        return;
      }
      const now = Date.now();
      exits = [...exits.filter((t) => now - t < CRASH_WINDOW_MS), now];
      const delay = restartDelayMs(exits.length);
      log(50, `worker ${worker.id} (pid ${worker.process.pid}) exited (code ${code}, signal ${signal}): starting another${delay ? ` in ${delay / 1000} s (${exits.length} exits in the last minute)` : ''}`);
      setTimeout(() => stopping || fork(), delay);
    });
  };

  // Every worker's metrics as JSON (prom-client's getMetricsAsJSON), for the worker that was asked for /metrics.
  let nextRequest = 0;
  const gatherMetrics = (requestId: number) =>
    new Promise<unknown[]>((resolve) => {
      const id = `${requestId}:${++nextRequest}`;
      const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && w.isConnected());
      const parts: unknown[] = [];
      let pending = workers.length;
      const done = () => {
        clearTimeout(timer);
        for (const w of workers) w.off('message', onPart);
        resolve(parts);
      };
      const onPart = (m: MetricsMessage) => {
        if (m?.type !== METRICS_PART || m.id !== id) return;
        parts.push(m.metrics);
        if (--pending === 0) done();
      };
      const timer = setTimeout(done, METRICS_TIMEOUT_MS);
      for (const w of workers) {
        w.on('message', onPart);
        w.send({ type: COLLECT_METRICS, id });
      }
      if (pending === 0) done();
    });

  const stop = (code: number) =>
    (stopping ??= (async () => {
      const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && !w.isDead());
      const exited = alive.map((w) => new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve()))));
      for (const w of alive) w.process.kill('SIGTERM');
      const timer = setTimeout(() => alive.forEach((w) => w.isDead() || w.process.kill('SIGKILL')), STOP_TIMEOUT_MS);
      await Promise.all(exited);
      clearTimeout(timer);
      await embedded?.stop();
      process.exit(code);
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (!stopping) log(30, `${signal} received: stopping ${count} workers`);
      void stop(0);
    });
  }

  log(30, `starting ${count} worker processes`);
  for (let i = 0; i < count; i++) fork();
}

// In a worker: tells the primary this worker serves at `url`.
export function announceReady(url: string) {
  if (cluster.isWorker) process.send?.({ type: 'hazway:ready', url } satisfies Ready);
}
