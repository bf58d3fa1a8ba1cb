// Shared plumbing for the benchmarks in bench/: the real app in-process on a fresh database, a keep-alive HTTP
// client, a fixed-concurrency runner, latency percentiles, an SQL statement counter, the raw PostgreSQL COPY rate
// and the machine facts. Compiled by bench/tsconfig.json into dist/bench/; the app itself is loaded at run time
// from the main build (dist/*.js), so run `npm run build` first (the npm bench scripts do).
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import pg from 'pg';

// ------------------------------------------------------------------------------------------- the app's build

// dist/bench/harness.js -> dist/<file>; BENCH_APP_DIST=<folder> loads another build of the app instead (A/B runs of
// two versions of the code on the same machine, one after the other).
const distModule = (file: string) =>
  process.env.BENCH_APP_DIST ? pathToFileURL(path.resolve(process.env.BENCH_APP_DIST, file)).href : new URL(`../${file}`, import.meta.url).href;

// Loads a module of the main build (typed loosely on purpose: the bench compiles without pulling src/ in).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const fromDist = (file: string): Promise<any> => import(distModule(file));

type NestApp = {
  listen(port: number, host: string): Promise<unknown>;
  get(token: unknown): any; // eslint-disable-line @typescript-eslint/no-explicit-any
  getHttpServer(): http.Server;
  close(): Promise<void>;
};

type Embedded = { url: string; dataDir: string; port: number; stop: () => Promise<void> };

export type BenchApp = {
  url: string; // http://127.0.0.1:<port>
  databaseUrl: string; // the fresh database the app runs on
  database: string;
  embedded: boolean;
  postgresVersion: string;
  env: Record<string, unknown>;
  adminPassword: string;
  app: NestApp; // the running application, e.g. app.get(TerminalServer).port
  stop: () => Promise<void>;
};

// A TCP port free on 127.0.0.1 right now (for servers that must be told their port before they start).
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url, application_name: 'hazway-bench' });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const log = (msg: string) => console.log(`[bench] ${msg}`);

// A fresh database: created on the server at DATABASE_URL, or on an embedded PostgreSQL started for the run when it
// is unset; migrated when asked (startBenchApp's app migrates its own). drop() removes it (kept with
// BENCH_KEEP_DATABASE) and stops the embedded server.
export type FreshDatabase = { name: string; url: string; server: string; version: string; embedded: boolean; drop: () => Promise<void> };
export async function freshDatabase(prefix: string, opts: { migrate?: boolean } = {}): Promise<FreshDatabase> {
  let server = process.env.DATABASE_URL || undefined;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!server) {
    const { startEmbeddedPostgres } = await fromDist('database/embedded-postgres.js');
    const parent = mkdtempSync(path.join(os.tmpdir(), 'hazway-bench-'));
    chmodSync(parent, 0o755); // reachable by OS user postgres when running as root
    const embedded = (await startEmbeddedPostgres({ dataDir: path.join(parent, 'pg'), port: await freePort() })) as Embedded;
    server = embedded.url;
    stopEmbedded = async () => {
      await embedded.stop().catch((e: Error) => log(`embedded stop: ${e.message}`));
      rmSync(parent, { recursive: true, force: true });
    };
    log(`DATABASE_URL unset: embedded PostgreSQL in ${embedded.dataDir}, port ${embedded.port}`);
  }
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const dropOn = server;
  const drop = async () => {
    if (process.env.BENCH_KEEP_DATABASE) log(`BENCH_KEEP_DATABASE set: database ${name} kept (drop it yourself)`);
    else await withClient(dropOn, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).catch((e: Error) => log(`could not drop database ${name}: ${e.message}`));
    await stopEmbedded?.();
  };
  try {
    const version = await withClient(server, async (c) => {
      await c.query(`CREATE DATABASE "${name}"`);
      return (await c.query(`SHOW server_version`)).rows[0].server_version as string;
    });
    const url = new URL(server);
    url.pathname = `/${name}`;
    if (opts.migrate) {
      const { createDataSource } = await fromDist('database/data-source.js');
      const { migrate } = await fromDist('database/database.module.js');
      const ds = createDataSource(url.toString(), 2);
      await ds.initialize();
      await migrate(ds);
      await ds.destroy();
    }
    return { name, url: url.toString(), server, version, embedded: !!stopEmbedded, drop };
  } catch (e) {
    await drop();
    throw e;
  }
}

// Starts the real application in this process (createApp from dist/app.setup.js, configured by loadEnv) on a
// database of its own: created on the server at DATABASE_URL, or on an embedded PostgreSQL started for the run
// when DATABASE_URL is unset. stop() closes the app, drops the database and stops the embedded server.
// Settings the benchmark decides itself: a fresh database, free ports, quiet logs, its own administrator.
const BENCH_OWNS = new Set(['NODE_ENV', 'HOST', 'PORT', 'TERMINAL_PORT', 'LOG_LEVEL', 'QUEUE_PREFIX', 'ADMIN_PASSWORD', 'DATABASE_URL', 'EMBEDDED_PG_PORT', 'EMBEDDED_PG_DIR', 'PUBLIC_URL']);

// The app's settings for a benchmark run: the benchmark's own (BENCH_OWNS) over every other Hazway setting of this
// environment (ROLES, DATABASE_POOL_SIZE, REDIS_URL, POSITIONS_*, PRINCIPAL_CACHE_MS...), so that a run can be an
// A/B of one of them.
async function benchSettings(database: string, databaseUrl: string, adminPassword: string, extraEnv: Record<string, string | undefined>): Promise<Record<string, string | undefined>> {
  const { EnvSchema } = await fromDist('config/env.js');
  return {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    TERMINAL_PORT: '0',
    LOG_LEVEL: 'warn',
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k in EnvSchema.shape && !BENCH_OWNS.has(k))),
    QUEUE_PREFIX: database.replace(/^hz_/, 'b_'),
    ...extraEnv,
    ADMIN_PASSWORD: adminPassword,
    DATABASE_URL: databaseUrl,
  };
}

// What the run's app left in Redis under its QUEUE_PREFIX (the database goes with drop()), so that benchmark runs
// do not pile keys up in Redis.
export async function dropQueueKeys(settings: Record<string, unknown>) {
  const { REDIS_URL: url, QUEUE_PREFIX: prefix } = settings;
  if (typeof url !== 'string' || !url || typeof prefix !== 'string') return;
  const { deleteQueueKeys } = await fromDist('queue/queue.backend.js');
  await deleteQueueKeys(url, prefix).catch((e: Error) => log(`could not remove the run's Redis keys (${prefix}:*): ${e.message}`));
}

export async function startBenchApp(extraEnv: Record<string, string | undefined> = {}): Promise<BenchApp> {
  const { createApp } = await fromDist('app.setup.js');
  const { loadEnv } = await fromDist('config/env.js');
  const db = await freshDatabase('hz_bench');
  const { name: database, url: databaseUrl } = db;

  const adminPassword = `bench-${randomBytes(9).toString('base64url')}`;
  let app: NestApp | undefined;
  let env: Record<string, unknown>;
  try {
    env = loadEnv({ ...(await benchSettings(database, databaseUrl, adminPassword, extraEnv)), WORKERS: '1' });
    app = (await createApp(env)) as NestApp;
    await app.listen(0, '127.0.0.1');
    // The clients keep their connections open for the whole run; under a heavily loaded machine a client thread can
    // stall past Node's 5 s keep-alive default and lose a race with the server closing the socket ("socket hang
    // up"), which would count as a failed request that the app never saw.
    app.getHttpServer().keepAliveTimeout = 120_000;
  } catch (e) {
    await app?.close().catch(() => undefined);
    await db.drop();
    throw e;
  }
  const { port } = app.getHttpServer().address() as net.AddressInfo;
  const postgresVersion = await withClient(databaseUrl, async (c) => (await c.query(`SELECT version() AS v`)).rows[0].v as string);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await app!.close().catch((e: Error) => log(`app.close: ${e.message}`));
      await db.drop();
      await dropQueueKeys(env);
    })());
  return { url: `http://127.0.0.1:${port}`, databaseUrl, database, embedded: db.embedded, postgresVersion, env, adminPassword, app: app!, stop };
}

// The app as `npm start` runs it with WORKERS=workers (a node:cluster primary and its workers, src/cluster.ts), as a
// child process on a fresh database, with the same settings as startBenchApp. Needs REDIS_URL (as WORKERS > 1 does).
// pids() lists the primary and its workers, for CPU accounting from /proc.
export type BenchCluster = Omit<BenchApp, 'app'> & { workers: number; pids: () => number[] };
export async function startBenchCluster(workers: number, extraEnv: Record<string, string | undefined> = {}): Promise<BenchCluster> {
  const { startApp } = await import('./fault-kit.js');
  const { loadEnv } = await fromDist('config/env.js');
  const { workerPoolSize } = await fromDist('cluster.js');
  const db = await freshDatabase('hz_bench');
  const adminPassword = `bench-${randomBytes(9).toString('base64url')}`;
  const settings = { ...(await benchSettings(db.name, db.url, adminPassword, extraEnv)), PORT: undefined, TERMINAL_PORT: undefined, WORKERS: String(workers) };
  let child: Awaited<ReturnType<typeof startApp>>;
  try {
    child = await startApp('app', settings, { echoErrors: true });
  } catch (e) {
    await db.drop();
    throw e;
  }
  const postgresVersion = await withClient(db.url, async (c) => (await c.query(`SELECT version() AS v`)).rows[0].v as string);
  const primary = child.child.pid!;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await child.kill('SIGTERM');
      await db.drop();
      await dropQueueKeys(settings);
    })());
  return {
    url: child.url,
    databaseUrl: db.url,
    database: db.name,
    embedded: db.embedded,
    postgresVersion,
    // As each worker has it: the cluster's share of the default pool when DATABASE_POOL_SIZE is not set.
    env: loadEnv({ DATABASE_POOL_SIZE: String(workerPoolSize(workers)), ...Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) }),
    adminPassword,
    stop,
    workers,
    pids: () => [primary, ...childPids(primary)],
  };
}

// /proc/<pid>/stat (or a thread's /proc/self/task/<tid>/stat) after the command name: [1] parent pid, [11] utime,
// [12] stime, in USER_HZ ticks; null when the process is gone.
const USER_HZ = 100;
function statFields(file: string): string[] | null {
  try {
    const stat = readFileSync(file, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}
const cpuTicks = (f: string[]) => Number(f[11]) + Number(f[12]);

// The processes whose parent is `pid`.
function childPids(pid: number): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d) && Number(statFields(`/proc/${d}/stat`)?.[1]) === pid).map(Number);
}

// CPU seconds these processes used over a phase (those gone by the end count up to their last reading).
export function processCpuMeter(pids: readonly number[]) {
  const read = () => new Map(pids.map((pid) => [pid, statFields(`/proc/${pid}/stat`)] as const));
  const c0 = read();
  const t0 = performance.now();
  return () => {
    const c1 = read();
    const wall = (performance.now() - t0) / 1000;
    let ticks = 0;
    for (const [pid, f] of c1) if (f && c0.get(pid)) ticks += cpuTicks(f) - cpuTicks(c0.get(pid)!);
    return { cpuSeconds: ticks / USER_HZ, wallSeconds: wall, coreShare: ticks / USER_HZ / wall };
  };
}

// Runs `fn` and always stops the app, also on Ctrl-C; exits with fn's code. The app is startBenchApp's, or
// `start`'s (startBenchCluster).
export async function withBenchApp<B extends { stop: () => Promise<void> } = BenchApp>(fn: (b: B) => Promise<number>, start: () => Promise<B> = startBenchApp as unknown as () => Promise<B>): Promise<never> {
  const b = await start();
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: cleaning up`);
    void b.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let code = 1;
  try {
    code = await fn(b);
  } catch (e) {
    console.error(e);
    code = 1;
  } finally {
    await b.stop();
  }
  process.exit(code);
}

// ------------------------------------------------------------------------------------------- HTTP client

export type HttpResult = { status: number; body: any; ms: number }; // eslint-disable-line @typescript-eslint/no-explicit-any

// Plain node:http with one keep-alive agent (cheaper per request than fetch, which matters when client and server
// share the machine's cores). At most `sockets` connections, so `sockets` concurrent clients each hold one.
export class HttpClient {
  private readonly agent: http.Agent;
  private readonly base: URL;

  constructor(base: string, sockets: number) {
    this.base = new URL(base);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  }

  request(method: string, path: string, body?: unknown, token?: string): Promise<HttpResult> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string | number> = { accept: 'application/json' };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    }
    if (token) headers.authorization = `Bearer ${token}`;
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      const req = http.request(
        { agent: this.agent, host: this.base.hostname, port: this.base.port, method, path, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            if ((res.headers['content-type'] ?? '').includes('json') && text) {
              try {
                parsed = JSON.parse(text);
              } catch {
                /* keep the text */
              }
            }
            resolve({ status: res.statusCode ?? 0, body: parsed, ms: performance.now() - t0 });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  // The body of a 2xx answer, or an Error that says what came back.
  async ok(method: string, path: string, body?: unknown, token?: string) {
    const r = await this.request(method, path, body, token);
    if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body).slice(0, 500)}`);
    return r.body;
  }

  close() {
    this.agent.destroy();
  }
}

// ------------------------------------------------------------------------------------------- measuring

// `concurrency` workers take the next item until none is left; returns the wall time in seconds.
export async function runPool<T>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= items.length) return;
        await fn(items[i]!, i);
      }
    }),
  );
  return (performance.now() - t0) / 1000;
}

// Nearest-rank percentiles of latencies in ms.
export function percentiles(values: readonly number[], ps: readonly number[] = [50, 95, 99]): Record<string, number> {
  const sorted = [...values].sort((a, b) => a - b);
  const out: Record<string, number> = {};
  for (const p of ps) out[`p${p}`] = sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]! : NaN;
  out.max = sorted.length ? sorted[sorted.length - 1]! : NaN;
  return out;
}

// Counts SQL statements sent by every pg client of this process (the app's pool, its queue backend, anything).
// Patches pg.Client.prototype.query, which TypeORM's pool clients share.
export function sqlCounter() {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  let count = 0;
  let texts: Map<string, number> | undefined;
  proto.query = function (this: unknown, ...args: unknown[]) {
    count++;
    if (texts) {
      const a = args[0] as string | { text?: string };
      const text = (typeof a === 'string' ? a : (a?.text ?? '(submittable)')).replace(/\s+/g, ' ').slice(0, 50_000);
      texts.set(text, (texts.get(text) ?? 0) + 1);
    }
    return original.apply(this, args);
  };
  return {
    get count() {
      return count;
    },
    // Start (or restart) recording statement texts; returns them with counts, most frequent first.
    record: () => {
      texts = new Map();
    },
    recorded: () => [...(texts ?? new Map<string, number>()).entries()].sort((a, b) => b[1] - a[1]),
    restore: () => {
      proto.query = original;
    },
  };
}

// CPU seconds of one thread of this process (Linux: /proc/self/task/<tid>/stat; null elsewhere).
export function threadCpuSeconds(tid: number): number | null {
  const fields = statFields(`/proc/self/task/${tid}/stat`);
  return fields ? cpuTicks(fields) / USER_HZ : null;
}

// The id of the calling thread (Linux), to measure it with threadCpuSeconds.
export function currentThreadId(): number | null {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return null;
  }
}

// CPU seconds of the given threads of this process over a phase (the main thread is process.pid).
export function threadCpuMeter(tids: readonly (number | null)[]) {
  const c0 = tids.map((t) => (t === null ? null : threadCpuSeconds(t)));
  return () => tids.map((t, i) => (t === null || c0[i] === null ? null : threadCpuSeconds(t)! - c0[i]!));
}

// CPU seconds this process used over a phase, as a share of one core.
export function cpuMeter() {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  return () => {
    const c = process.cpuUsage(c0);
    const wall = (performance.now() - t0) / 1000;
    return { cpuSeconds: (c.user + c.system) / 1e6, wallSeconds: wall, coreShare: (c.user + c.system) / 1e6 / wall };
  };
}

// CPU seconds used by the local PostgreSQL server processes (every process named postgres, read from /proc; so
// only meaningful when the database runs on this machine, and it includes any other load on that server).
export function postgresCpuMeter() {
  return namedCpuMeter('postgres');
}

// The same for the local Redis server (every process named redis-server: queues and the live fan-out of every
// process and test using it), which shares the machine's cores with the app and PostgreSQL.
export function redisCpuMeter() {
  return namedCpuMeter('redis-server');
}

// CPU seconds used by every process of this machine whose name (/proc/<pid>/stat's comm) is `name`.
function namedCpuMeter(name: string) {
  const read = (): number | null => {
    let dirs: string[];
    try {
      dirs = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
    } catch {
      return null;
    }
    let total = 0;
    let found = false;
    for (const d of dirs) {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        const close = stat.lastIndexOf(')');
        const comm = stat.slice(stat.indexOf('(') + 1, close);
        if (comm !== name) continue;
        const fields = stat.slice(close + 2).split(' ');
        total += cpuTicks(fields);
        found = true;
      } catch {
        /* process went away */
      }
    }
    return found ? total / USER_HZ : null;
  };
  const c0 = read();
  const t0 = performance.now();
  return () => {
    const c1 = read();
    const wall = (performance.now() - t0) / 1000;
    if (c0 === null || c1 === null) return null;
    return { cpuSeconds: c1 - c0, wallSeconds: wall, coreShare: (c1 - c0) / wall };
  };
}

// CPU seconds of the PostgreSQL backends serving `databaseUrl`'s database (its connections open at the start, from
// pg_stat_activity and /proc): unlike postgresCpuMeter, not disturbed by other databases on a shared server. Call
// it when the app's pool is warm (its connections are open); connections opened later are not counted.
export async function backendCpuMeter(databaseUrl: string) {
  const pids: number[] = await withClient(databaseUrl, async (c) =>
    (await c.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)).rows.map((r: { pid: number }) => r.pid),
  );
  const read = () => {
    let total = 0;
    let found = 0;
    for (const pid of pids) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        total += Number(fields[11]) + Number(fields[12]);
        found++;
      } catch {
        /* not local, or gone */
      }
    }
    return found ? total / 100 : null;
  };
  const c0 = read();
  const t0 = performance.now();
  return () => {
    const c1 = read();
    const wall = (performance.now() - t0) / 1000;
    if (c0 === null || c1 === null) return null;
    return { cpuSeconds: c1 - c0, wallSeconds: wall, coreShare: (c1 - c0) / wall, backends: pids.length };
  };
}

// With BENCH_CPU_PROFILE=<dir>, records a V8 CPU profile of one phase into <dir>/<name>.cpuprofile (open it in
// Chrome DevTools or summarise it with `node dist/bench/profile-summary.js <file>`); with BENCH_ALLOC_PROFILE=<dir>,
// a sampling allocation profile into <dir>/<name>.heapprofile, counting the objects the GC freed too (garbage is
// what such a profile is for; the same summary reads it, by bytes allocated); otherwise does nothing.
export async function profilePhase(name: string): Promise<() => Promise<string | undefined>> {
  const cpuDir = process.env.BENCH_CPU_PROFILE;
  const allocDir = process.env.BENCH_ALLOC_PROFILE;
  if (!cpuDir && !allocDir) return async () => undefined;
  const { Session } = await import('node:inspector');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<any>((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res)))); // eslint-disable-line @typescript-eslint/no-explicit-any
  if (cpuDir) {
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 200 });
    await post('Profiler.start');
  }
  if (allocDir) {
    await post('HeapProfiler.enable');
    await post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  }
  return async () => {
    const write = (dir: string, ext: string, profile: unknown) => {
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${name}.${ext}`);
      writeFileSync(file, JSON.stringify(profile));
      return file;
    };
    const files: string[] = [];
    if (cpuDir) files.push(write(cpuDir, 'cpuprofile', (await post('Profiler.stop')).profile));
    if (allocDir) files.push(write(allocDir, 'heapprofile', (await post('HeapProfiler.stopSampling')).profile));
    session.disconnect();
    return files.join(', ');
  };
}

// ------------------------------------------------------------------------------------------- raw COPY rate


export type CopyResult = { rows: number; seconds: number; rowsPerSecond: number; runs: number[] };

// Raw COPY FROM STDIN into a scratch table (7 columns shaped like a waybill line) on the given database; the
// rows are prepared before the clock starts, each run gets a new table, dropped after. The median of `repeats` runs.
export async function copyRate(databaseUrl: string, rowCount = 200_000, repeats = 3): Promise<CopyResult> {
  const chunks: Buffer[] = [];
  let buf = '';
  const ids = Array.from({ length: 64 }, () => randomUUID());
  const goods = [
    ['1203', '汽油', '3'],
    ['1230', '甲醇', '3'],
    ['1005', '无水氨', '2.3'],
    ['1789', '氢氯酸', '8'],
  ] as const;
  for (let i = 0; i < rowCount; i++) {
    const [un, name, cls] = goods[i % goods.length]!;
    buf += `${ids[i % ids.length]}\t${(i % 50) + 1}\t${un}\t${name}\t${cls}\t${(20 + (i % 1000) / 100).toFixed(3)}\tt\n`;
    if (buf.length > 60_000) {
      chunks.push(Buffer.from(buf));
      buf = '';
    }
  }
  if (buf) chunks.push(Buffer.from(buf));
  const runs: CopyResult[] = [];
  for (let r = 0; r < repeats; r++) runs.push(await copyOnce(databaseUrl, rowCount, chunks));
  runs.sort((a, b) => a.rowsPerSecond - b.rowsPerSecond);
  return { ...runs[Math.floor(runs.length / 2)]!, runs: runs.map((x) => x.rowsPerSecond) };
}

function copyOnce(databaseUrl: string, rowCount: number, chunks: readonly Buffer[]): Promise<CopyResult> {
  return withClient(databaseUrl, async (c) => {
    const table = `bench_copy_${randomBytes(3).toString('hex')}`;
    await c.query(
      `CREATE TABLE ${table} (waybill_id uuid NOT NULL, line_no int NOT NULL, un_number varchar(4) NOT NULL, name varchar(300) NOT NULL,
         hazard_class varchar(8) NOT NULL, quantity numeric(14,3) NOT NULL, unit varchar(8) NOT NULL)`,
    );
    try {
      const { copyFrom } = await fromDist('tracking/positions/pg-copy.js');
      const data = Buffer.concat(chunks);
      const t0 = performance.now();
      const rows: number = await copyFrom(c, `COPY ${table} FROM STDIN`, data);
      const seconds = (performance.now() - t0) / 1000;
      if (rows !== rowCount) throw new Error(`COPY stored ${rows} rows, expected ${rowCount}`);
      return { rows, seconds, rowsPerSecond: rows / seconds, runs: [] };
    } finally {
      await c.query(`DROP TABLE IF EXISTS ${table}`);
    }
  });
}

// ------------------------------------------------------------------------------------------- reporting

export function machineFacts(b: Pick<BenchApp, 'postgresVersion' | 'embedded'>) {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpu: cpus[0]?.model ?? 'unknown',
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgres: b.postgresVersion.replace(/ on .*$/, ''),
    database: b.embedded ? 'embedded PostgreSQL (started for this run)' : 'DATABASE_URL server (same machine unless it says otherwise)',
  };
}

export const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : String(n));

export function table(rows: readonly (readonly [string, string])[]) {
  const w = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`  ${k.padEnd(w)}  ${v}`);
}

export const envInt = (name: string, fallback: number, min = 1) => {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer of at least ${min}`);
  return n;
};

export { log };
