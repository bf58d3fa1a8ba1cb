// Shared plumbing for the fault, scale-out and soak scripts (bench/faults.ts, bench/scaleout.ts, bench/soak.ts):
// a PostgreSQL and a Redis of the script's own that it may stop, kill and restart (never the shared ones), the app
// as real child processes (`node dist/main.js`, as an operator runs it), a TCP load balancer, the fleet set-up, and
// a fleet of JT/T 808 terminals that behave like real ones under faults: they reconnect with backoff and re-send
// (as 0x0704 blind-area back-fill) every position the platform has not acknowledged. The fleet keeps the exact set
// of acknowledged (vehicle, fix second) keys so a script can compare it with the positions table.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort, fromDist } from './harness.js';

export const AUTH_CODE = 'hazway-faults-808';
export const CARRIER_REGION = '150203';
export const WATCH_REGION = '150000';
// dist/bench/fault-kit.js -> dist/main.js, or BENCH_APP_DIST's (another build, for A/B runs: fromDist).
const MAIN = process.env.BENCH_APP_DIST ? path.resolve(process.env.BENCH_APP_DIST, 'main.js') : fileURLToPath(new URL('../main.js', import.meta.url));

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const say = (msg: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);


export async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 60_000, everyMs = 100): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}
export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

// ------------------------------------------------------------------------------------------- own PostgreSQL

export type OwnPostgres = { url: string; port: number; dataDir: string; stop(): Promise<void>; start(): Promise<void>; close(): Promise<void> };

// The project's embedded PostgreSQL (src/database/embedded-postgres.ts) in a temp folder, on a free port: ours to
// stop and start again on the same data.
export async function ownPostgres(): Promise<OwnPostgres> {
  const { startEmbeddedPostgres } = await fromDist('database/embedded-postgres.js');
  const parent = mkdtempSync(path.join(os.tmpdir(), 'hazway-faults-pg-'));
  chmodSync(parent, 0o755); // reachable by OS user postgres when running as root
  const dataDir = path.join(parent, 'pg');
  const port = await freePort();
  let running: { url: string; stop: () => Promise<void> } | null = await startEmbeddedPostgres({ dataDir, port });
  const url = running!.url;
  const self: OwnPostgres = {
    url,
    port,
    dataDir,
    async stop() {
      await running?.stop();
      running = null;
    },
    async start() {
      if (!running) running = await startEmbeddedPostgres({ dataDir, port });
    },
    async close() {
      await self.stop().catch(() => undefined);
      rmSync(parent, { recursive: true, force: true });
    },
  };
  return self;
}

export function dbUrl(serverUrl: string, database: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function sql<T = Record<string, unknown>>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url, application_name: 'hazway-faults' });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
}

// ------------------------------------------------------------------------------------------- own Redis

export type OwnRedis = { url: string; port: number; stop(): Promise<void>; start(): Promise<void>; close(): Promise<void> };

export async function ownRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    if (child) return;
    const c = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      c.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Ready to accept connections')) resolve();
      });
      c.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out.slice(-500)}`)));
      c.once('error', reject);
    });
    c.stdout!.removeAllListeners('data');
    c.stdout!.resume();
    child = c;
  };
  const stop = async () => {
    const c = child;
    if (!c) return;
    child = null;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM');
    await exited;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, start, stop, close: stop };
}

// ------------------------------------------------------------------------------------------- the app

export type AppProcess = {
  name: string;
  child: ChildProcess;
  httpPort: number;
  terminalPort: number;
  url: string;
  lines: string[];
  errorLines: string[]; // pino level >= 50 (error, fatal), and anything on stderr
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
  waitForLog(needle: string, ms?: number): Promise<string>;
  kill(signal: NodeJS.Signals): Promise<void>;
  rss(): number;
};

const logMsg = (line: string) => {
  try {
    const j = JSON.parse(line) as { msg?: unknown; level?: unknown };
    return { msg: typeof j.msg === 'string' ? j.msg : line, level: typeof j.level === 'number' ? j.level : 30 };
  } catch {
    return { msg: line, level: 30 };
  }
};

// The V8 flags `npm start` gives the app (package.json; the Dockerfile's CMD too): a young generation of 64 MB
// semi-spaces instead of 16, which made full mark-compacts rarer and cut the server's CPU per position at 22,000
// positions/s (bench/README.md, session 7). The benchmarks that run the app in their own process start with them too.
export const APP_NODE_ARGS = ['--max-semi-space-size=64'];

// `node <APP_NODE_ARGS> dist/main.js` with only the Hazway settings given here (none inherited from the caller's
// environment).
export async function startApp(name: string, env: Record<string, string | undefined>, opts: { echoErrors?: boolean; nodeArgs?: string[] } = {}): Promise<AppProcess> {
  const httpPort = env.PORT ? Number(env.PORT) : await freePort();
  const terminalPort = env.TERMINAL_PORT ? Number(env.TERMINAL_PORT) : await freePort();
  const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production' };
  // The fault runs' webhook receivers listen on loopback, which the platform refuses by default (SSRF guard).
  const full = { ...base, HOST: '127.0.0.1', LOG_LEVEL: 'info', WEBHOOK_ALLOW_PRIVATE: 'true', ...env, PORT: String(httpPort), TERMINAL_PORT: String(terminalPort) };
  const child = spawn(process.execPath, [...APP_NODE_ARGS, ...(opts.nodeArgs ?? []), MAIN], { env: full, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const errorLines: string[] = [];
  const waiters = new Set<{ needle: string; resolve: (l: string) => void }>();
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const line of parts) {
      if (lines.length > 20_000) lines.splice(0, 10_000);
      lines.push(line);
      const { msg, level } = logMsg(line);
      if (level >= 50) {
        errorLines.push(line);
        if (opts.echoErrors) say(`${name} ERROR: ${line.slice(0, 400)}`);
      }
      for (const w of waiters) {
        if (msg.includes(w.needle)) {
          waiters.delete(w);
          w.resolve(line);
        }
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    for (const l of chunk.split('\n').filter(Boolean)) {
      errorLines.push(`stderr: ${l}`);
      if (opts.echoErrors) say(`${name} stderr: ${l.slice(0, 400)}`);
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const waitForLog = (needle: string, ms = 120_000) => {
    const seen = lines.find((l) => logMsg(l).msg.includes(needle));
    if (seen) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      const w = { needle, resolve: (l: string) => (clearTimeout(timer), resolve(l)) };
      const timer = setTimeout(() => {
        waiters.delete(w);
        reject(new Error(`${name}: no log line with "${needle}" within ${ms} ms; last lines:\n${lines.slice(-20).join('\n')}\n${errorLines.slice(-10).join('\n')}`));
      }, ms);
      waiters.add(w);
      void exited.then(({ code, signal }) => {
        if (!waiters.delete(w)) return;
        clearTimeout(timer);
        reject(new Error(`${name} exited (code ${code}, signal ${signal}) before "${needle}":\n${lines.slice(-20).join('\n')}\n${errorLines.slice(-10).join('\n')}`));
      });
    });
  };
  const app: AppProcess = {
    name,
    child,
    httpPort,
    terminalPort,
    url: `http://127.0.0.1:${httpPort}`,
    lines,
    errorLines,
    exited,
    alive,
    waitForLog,
    kill: async (signal) => {
      if (!alive()) return;
      child.kill(signal);
      await exited;
    },
    rss: () => rssOf(child.pid!),
  };
  const bootStart = Date.now();
  // A process that does not come up is not left behind (the caller never gets it to clean up).
  await waitForLog('Hazway is running').catch(async (e: Error) => {
    if (alive()) {
      child.kill('SIGKILL');
      await exited;
    }
    throw e;
  });
  if (process.env.FAULTS_VERBOSE) say(`${name} running after ${((Date.now() - bootStart) / 1000).toFixed(1)} s:\n${lines.map((l) => { const j = logMsg(l); return `  ${(JSON.parse(l.startsWith('{') ? l : '{}') as { time?: number }).time ?? ''} ${j.msg.slice(0, 160)}`; }).join('\n')}`);
  return app;
}

// Kills whatever is still running when the script ends, also on Ctrl-C or an exception.
const cleanups: (() => Promise<unknown> | unknown)[] = [];
export function onCleanup(fn: () => Promise<unknown> | unknown) {
  cleanups.push(fn);
}
export async function cleanup() {
  for (const fn of cleanups.splice(0).reverse()) {
    try {
      await fn();
    } catch {
      /* best effort */
    }
  }
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

// Runs a script's main: prints its exception, cleans up, exits with its code.
export async function runMain(fn: () => Promise<number>): Promise<never> {
  let code = 1;
  try {
    code = await fn();
  } catch (e) {
    console.error(e);
    code = 1;
  } finally {
    await cleanup();
  }
  process.exit(code);
}

// ------------------------------------------------------------------------------------------- HTTP

export async function api(base: string, method: string, route: string, token?: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(base + route, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* text */
  }
  return { status: res.status, body: parsed };
}

async function ok(base: string, method: string, route: string, token?: string, body?: unknown) {
  const r = await api(base, method, route, token, body);
  if (r.status >= 300) throw new Error(`${method} ${route}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
  return r.body;
}

export type Fleet = {
  carrierId: string;
  adminToken: string;
  watcherToken: string; // an authority user of region WATCH_REGION
  terminals: { phone: string; plate: string; vehicleId: string }[];
};

// Through the API: a carrier (region 150203), an authority (150000) with a signed-in user; then, in bulk with SQL
// (as bench/ingest.bench.ts does), `count` vehicles 蒙Z00001… with terminals 013800000001… that hold the known auth
// code AUTH_CODE, so that they authenticate (0x0102) without registering.
export async function setUpFleet(appUrl: string, databaseUrl: string, adminPassword: string, count: number): Promise<Fleet> {
  const { hashAuthCode } = await fromDist('tracking/terminal/terminal-directory.js');
  const admin = (await ok(appUrl, 'POST', '/auth/login', undefined, { username: 'admin', password: adminPassword })).accessToken as string;
  const carrier = await ok(appUrl, 'POST', '/organisations', admin, { kind: 'carrier', name: '故障测试运输公司', regionCode: CARRIER_REGION });
  const authority = await ok(appUrl, 'POST', '/organisations', admin, { kind: 'authority', name: '故障测试监管部门', regionCode: WATCH_REGION });
  const password = `Faults-${Date.now()}-pw!`;
  await ok(appUrl, 'POST', `/organisations/${authority.id}/users`, admin, { username: 'faults-authority', displayName: '故障测试监管员', roles: ['authority'], password });
  const watcherToken = (await ok(appUrl, 'POST', '/auth/login', undefined, { username: 'faults-authority', password })).accessToken as string;
  await sql(
    databaseUrl,
    `INSERT INTO vehicles (organisation_id, plate_number, plate_colour, kind, model)
     SELECT $1, '蒙Z' || lpad(i::text, 5, '0'), 'yellow', 'truck', '故障测试车辆' FROM generate_series(1, $2::int) i`,
    [carrier.id, count],
  );
  await sql(
    databaseUrl,
    `INSERT INTO terminals (organisation_id, protocol, phone, protocol_version, vehicle_id, auth_code)
     SELECT $1, 'jt808', '0138' || lpad(substr(v.plate_number, 3), 8, '0'), '2013', v.id, $2 FROM vehicles v WHERE v.organisation_id = $1`,
    [carrier.id, hashAuthCode(AUTH_CODE)],
  );
  const rows = await sql<{ id: string; plate_number: string }>(databaseUrl, `SELECT id, plate_number FROM vehicles WHERE organisation_id = $1 ORDER BY plate_number`, [carrier.id]);
  return {
    carrierId: carrier.id,
    adminToken: admin,
    watcherToken,
    terminals: rows.map((r) => ({ phone: `0138${r.plate_number.slice(2).padStart(8, '0')}`, plate: r.plate_number, vehicleId: r.id })),
  };
}

// Rows stored for the fleet's vehicles, against the acknowledged keys.
export type StoredCheck = { acked: number; storedRows: number; distinctKeys: number; ackedMissing: number; duplicates: number; storedNotAcked: number };

export async function checkStored(databaseUrl: string, acked: ReadonlySet<string>, vehicleIds: readonly string[]): Promise<StoredCheck> {
  const rows = await sql<{ vehicle_id: string; s: string; n: number }>(
    databaseUrl,
    `SELECT vehicle_id, extract(epoch FROM fix_time)::bigint::text AS s, count(*)::int AS n FROM positions WHERE vehicle_id = ANY($1::uuid[]) GROUP BY 1, 2`,
    [vehicleIds],
  );
  let storedRows = 0;
  let duplicates = 0;
  const stored = new Set<string>();
  for (const r of rows) {
    storedRows += r.n;
    if (r.n > 1) duplicates += r.n - 1;
    stored.add(`${r.vehicle_id}|${r.s}`);
  }
  let ackedMissing = 0;
  for (const k of acked) if (!stored.has(k)) ackedMissing++;
  return { acked: acked.size, storedRows, distinctKeys: stored.size, ackedMissing, duplicates, storedNotAcked: stored.size - (acked.size - ackedMissing) };
}

// ------------------------------------------------------------------------------------------- a reliable fleet

type Fix = { key: string; latitude: number; longitude: number; speedKmh: number; direction: number; time: Date; status: number };

export type FleetCounters = {
  generated: number; // positions the terminals produced
  sent: number; // position sends (first sends and re-sends)
  resent: number; // of which re-sends of an unacknowledged position
  acked: number; // distinct positions acknowledged with result 0
  nacked: number; // replies with another result
  failedSends: number; // timeouts and sends lost with their connection
  disconnects: number;
  reconnects: number;
  backlog: number; // positions not yet acknowledged, waiting to be (re-)sent
  inFlight: number;
  online: number;
};

type Slot = {
  index: number;
  vehicleId: string;
  terminal: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  online: boolean;
  connecting: boolean;
  retryAt: number;
  retryMs: number;
  second: number; // fix seconds produced
  backlog: Fix[];
  inFlight: number;
};

export type ReliableFleetOptions = {
  host: string;
  ports: number[] | (() => number); // the JT/T 808 port (a balancer) or ports to spread over
  terminals: { phone: string; vehicleId: string }[];
  ratePerTerminal: number; // positions per second per terminal
  startTime: number; // ms, the first fix time (whole seconds); fixes advance 1 s per position
  replyTimeoutMs?: number;
  maxBackfill?: number; // positions per 0x0704 re-send (default 25: a 0x0704 body holds 1023 bytes, 30 per fix here)
  onConnected?: (slot: number, localPort: number) => void;
};

// JT/T 808 terminals that lose nothing: every position is kept until the platform acknowledges it (0x8001 result
// 0); positions produced while offline and those whose ACK never came are re-sent after reconnecting, as 0x0704
// type 1 (blind-area back-fill), oldest first. This is what JT/T 808 asks of a terminal, and what makes "no
// acknowledged position lost" meaningful: the platform must store everything it acknowledged, and may store a
// re-sent position only once.
export class ReliableFleet {
  readonly acked = new Set<string>();
  readonly c: FleetCounters = { generated: 0, sent: 0, resent: 0, acked: 0, nacked: 0, failedSends: 0, disconnects: 0, reconnects: 0, backlog: 0, inFlight: 0, online: 0 };
  private slots: Slot[] = [];
  private timer?: NodeJS.Timeout;
  private producing = false;
  private stopped = false;
  private startedAt = 0;
  private portIndex = 0;
  private SimulatedTerminal: any; // eslint-disable-line @typescript-eslint/no-explicit-any

  constructor(private readonly o: ReliableFleetOptions) {}

  private nextPort(): number {
    if (typeof this.o.ports === 'function') return this.o.ports();
    return this.o.ports[this.portIndex++ % this.o.ports.length]!;
  }

  async start(): Promise<void> {
    ({ SimulatedTerminal: this.SimulatedTerminal } = await fromDist('tracking/simulator/simulated-terminal.js'));
    this.slots = this.o.terminals.map((t, index) => ({ index, vehicleId: t.vehicleId, terminal: null, online: false, connecting: false, retryAt: 0, retryMs: 500, second: 0, backlog: [], inFlight: 0 }));
    // Connect everyone first (bounded concurrency), then produce.
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(100, this.slots.length) }, async () => {
        while (next < this.slots.length) await this.bringUp(this.slots[next++]!);
      }),
    );
    this.producing = true;
    this.startedAt = performance.now();
    const tickMs = 20;
    this.timer = setInterval(() => this.tick(), tickMs);
  }

  // Stop producing new positions (what was produced is still delivered by drain()).
  stopProducing() {
    this.producing = false;
  }

  // Waits until every produced position is acknowledged, or the deadline.
  async drain(ms: number): Promise<boolean> {
    this.producing = false;
    const until = Date.now() + ms;
    while (Date.now() < until) {
      this.refresh();
      if (this.c.backlog === 0 && this.c.inFlight === 0) return true;
      await sleep(100);
    }
    this.refresh();
    return this.c.backlog === 0 && this.c.inFlight === 0;
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.allSettled(this.slots.map((s) => s.terminal?.close()));
  }

  // Terminals per local port of the connection: which process each is on is seen by the caller.
  refresh(): FleetCounters {
    let backlog = 0;
    let inFlight = 0;
    let online = 0;
    for (const s of this.slots) {
      backlog += s.backlog.length;
      inFlight += s.inFlight;
      if (s.online) online++;
    }
    Object.assign(this.c, { backlog, inFlight, online });
    return this.c;
  }

  private fix(slot: Slot): Fix {
    const k = slot.second++;
    const timeMs = this.o.startTime + k * 1000;
    // ~60 km/h northwards from Ordos, lanes 0.01° apart.
    return {
      key: `${slot.vehicleId}|${Math.floor(timeMs / 1000)}`,
      latitude: 39.6 + k * 0.00015,
      longitude: 109.5 + (slot.index % 500) * 0.01,
      speedKmh: 60,
      direction: 0,
      time: new Date(timeMs),
      status: 0b11,
    };
  }

  private async bringUp(slot: Slot): Promise<void> {
    if (slot.connecting || this.stopped) return;
    slot.connecting = true;
    const spec = this.o.terminals[slot.index]!;
    try {
      await slot.terminal?.close();
      const t = new this.SimulatedTerminal({ host: this.o.host, port: this.nextPort(), phone: spec.phone, version: '2013', authCode: AUTH_CODE, replyTimeoutMs: this.o.replyTimeoutMs ?? 15_000, connectTimeoutMs: 3_000 });
      slot.terminal = t;
      t.on('disconnect', ({ expected }: { expected: boolean }) => {
        if (slot.terminal !== t || expected) return;
        if (slot.online) this.c.disconnects++;
        slot.online = false;
        slot.retryAt = performance.now() + slot.retryMs * (0.5 + Math.random());
      });
      await t.connect();
      await t.authenticate();
      if (slot.second > 0 || slot.backlog.length > 0) this.c.reconnects++;
      slot.online = true;
      slot.retryMs = 500;
      this.o.onConnected?.(slot.index, (t as { socket?: net.Socket }).socket?.localPort ?? 0);
    } catch {
      slot.online = false;
      slot.retryMs = Math.min(8_000, slot.retryMs * 2);
      slot.retryAt = performance.now() + slot.retryMs * (0.5 + Math.random());
      await slot.terminal?.close().catch(() => undefined);
    } finally {
      slot.connecting = false;
    }
  }

  private send(slot: Slot, fixes: Fix[], resend: boolean) {
    const t = slot.terminal;
    const inputs = fixes.map(({ key: _k, ...p }) => p);
    const p: Promise<{ result: number }> = fixes.length === 1 && !resend ? t.sendLocation(inputs[0]) : t.sendBatch(resend ? 1 : 0, inputs);
    this.c.sent += fixes.length;
    if (resend) this.c.resent += fixes.length;
    slot.inFlight += fixes.length;
    p.then(
      (ack) => {
        slot.inFlight -= fixes.length;
        if (ack.result === 0) {
          for (const f of fixes) if (!this.acked.has(f.key)) this.acked.add(f.key);
          this.c.acked = this.acked.size;
        } else {
          this.c.nacked += fixes.length;
          slot.backlog.push(...fixes);
        }
      },
      () => {
        slot.inFlight -= fixes.length;
        this.c.failedSends += fixes.length;
        slot.backlog.push(...fixes);
      },
    );
  }

  private tick() {
    const now = performance.now();
    const due = this.producing ? Math.floor(((now - this.startedAt) / 1000) * this.o.ratePerTerminal) : -1;
    const maxBackfill = this.o.maxBackfill ?? 25;
    for (const slot of this.slots) {
      // Produce what is due (whether online or not: offline, it goes to the backlog).
      const fresh: Fix[] = [];
      while (this.producing && slot.second < due + 1 - slot.index / this.slots.length) fresh.push(this.fix(slot));
      this.c.generated += fresh.length;
      if (!slot.online) {
        slot.backlog.push(...fresh);
        if (!slot.connecting && now >= slot.retryAt && !this.stopped) void this.bringUp(slot);
        continue;
      }
      if (slot.terminal.congested || slot.inFlight > 500) {
        slot.backlog.push(...fresh);
        continue;
      }
      // Back-fill first, a few batches per tick, then the live ones.
      for (let b = 0; b < 4 && slot.backlog.length > 0 && slot.inFlight < 200; b++) {
        slot.backlog.sort((a, z) => a.time.getTime() - z.time.getTime());
        this.send(slot, slot.backlog.splice(0, maxBackfill), true);
      }
      for (const f of fresh) this.send(slot, [f], false);
    }
  }
}

// ------------------------------------------------------------------------------------------- load balancer

export type Balancer = { port: number; httpPort: number; kind: string; connectionsTo: Map<number, number>; setBackends(terminal: number[], http: number[]): void; close(): Promise<void> };

// nginx from Debian when its stream module is installed (libnginx-mod-stream): stream{} round-robin for the
// JT/T 808 port, http{} with WebSocket upgrade and ip_hash for socket.io and the API. Otherwise a small Node TCP
// balancer (round-robin per connection, skipping a backend that refuses; socket.io clients then use the
// WebSocket transport only, one TCP connection each, so no stickiness is needed).
export async function startBalancer(terminalBackends: number[], httpBackends: number[], prefer: 'nginx' | 'node' = 'nginx'): Promise<Balancer> {
  const streamModule = ['/usr/lib/nginx/modules/ngx_stream_module.so'].find(existsSync);
  if (prefer === 'nginx' && streamModule && existsSync('/usr/sbin/nginx')) return nginxBalancer(streamModule, terminalBackends, httpBackends);
  return nodeBalancer(terminalBackends, httpBackends);
}

async function nginxBalancer(streamModule: string, terminalBackends: number[], httpBackends: number[]): Promise<Balancer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hazway-nginx-'));
  const port = await freePort();
  const httpPort = await freePort();
  let child: ChildProcess | null = null;
  const write = (t: number[], h: number[]) => {
    writeFileSync(
      path.join(dir, 'nginx.conf'),
      `load_module ${streamModule};
daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 8192; }
stream {
  upstream jt808 { ${t.map((p) => `server 127.0.0.1:${p} max_fails=1 fail_timeout=5s;`).join(' ')} }
  server { listen 127.0.0.1:${port}; proxy_pass jt808; proxy_connect_timeout 2s; proxy_timeout 600s; }
}
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  upstream api { ip_hash; ${h.map((p) => `server 127.0.0.1:${p} max_fails=1 fail_timeout=5s;`).join(' ')} }
  server {
    listen 127.0.0.1:${httpPort};
    location / {
      proxy_pass http://api; proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_read_timeout 600s; proxy_next_upstream error timeout;
    }
  }
}
`,
    );
  };
  write(terminalBackends, httpBackends);
  child = spawn('/usr/sbin/nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await waitFor('nginx listening', () => new Promise<boolean>((resolve) => {
    if (child!.exitCode !== null) throw new Error(`nginx exited: ${err}`);
    const s = net.connect(httpPort, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  }), 10_000);
  const c = child;
  return {
    port,
    httpPort,
    kind: 'nginx (stream{} round-robin for JT/T 808, http{} ip_hash + WebSocket upgrade)',
    connectionsTo: new Map(),
    setBackends(t, h) {
      write(t, h);
      c.kill('SIGHUP');
    },
    close: async () => {
      if (c.exitCode !== null) return;
      const exited = new Promise<void>((r) => c.once('exit', () => r()));
      c.kill('SIGQUIT');
      await Promise.race([exited, sleep(5_000)]);
      if (c.exitCode === null) c.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function nodeBalancer(terminalBackends: number[], httpBackends: number[]): Promise<Balancer> {
  const connectionsTo = new Map<number, number>();
  let backends = { t: terminalBackends, h: httpBackends };
  const make = (pick: () => number[]) => {
    let rr = 0;
    return net.createServer((client) => {
      client.pause();
      const list = pick();
      const attempt = (tries: number) => {
        if (tries >= list.length) return client.destroy();
        const target = list[rr++ % list.length]!;
        const upstream = net.connect(target, '127.0.0.1');
        upstream.once('connect', () => {
          connectionsTo.set(target, (connectionsTo.get(target) ?? 0) + 1);
          upstream.on('error', () => client.destroy());
          client.on('error', () => upstream.destroy());
          client.pipe(upstream).pipe(client);
          upstream.once('close', () => client.destroy());
          client.once('close', () => upstream.destroy());
          client.resume();
        });
        upstream.once('error', () => {
          if (!upstream.readyState.startsWith('open')) attempt(tries + 1);
        });
      };
      attempt(0);
    });
  };
  const tcp = make(() => backends.t);
  const http = make(() => backends.h);
  const listen = (s: net.Server) => new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as net.AddressInfo).port)));
  const port = await listen(tcp);
  const httpPort = await listen(http);
  return {
    port,
    httpPort,
    kind: 'Node TCP balancer (round-robin per connection, skips refusing backends; socket.io over WebSocket only)',
    connectionsTo,
    setBackends(t, h) {
      backends = { t, h };
    },
    close: async () => {
      await Promise.all([tcp, http].map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

// ------------------------------------------------------------------------------------------- samplers

// GET /metrics, parsed into name{labels} -> value.
export async function scrapeMetrics(base: string): Promise<Map<string, number>> {
  const res = await fetch(`${base}/metrics`);
  const text = await res.text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

export const sumMetric = (m: Map<string, number>, name: string) => {
  let n = 0;
  for (const [k, v] of m) if (k === name || k.startsWith(`${name}{`)) n += v;
  return n;
};
