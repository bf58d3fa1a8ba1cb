// Position ingest end to end: `npm run bench:ingest -- [--terminals 2000] [--rate 10] [--duration 60] [--warmup 10]
// [--idle 20000] [--batch 1] [--copy-rows 200000] [--window 256] [--processes 1] [--report 5]`. (Flags may also come
// as BENCH_TERMINALS, BENCH_RATE, BENCH_DURATION, BENCH_WARMUP, BENCH_IDLE, BENCH_WINDOW, BENCH_PROCESSES, BENCH_REPORT.)
//
// --warmup S: the terminals report for S seconds before the measured --duration (a server that has just started
// compiles its code, plans its statements and fills its caches: its first seconds are slower than the rest). Rate,
// latencies, CPU and the server's histograms are of the measured time; the warm-up's acks and latencies are printed
// on a line of their own; the stored-exactly-once count covers the whole run, warm-up included.
//
// --window W: reports a simulated terminal may have unanswered before it holds back the next ones (counted as
// `throttled`); 256 by default, a pipelining terminal. --processes N (N > 1, needs REDIS_URL): the JT/T 808 server
// runs as N app processes (`node dist/main.js`, ROLES=api,ingest, each on its own TERMINAL_PORT, terminals spread
// round-robin as an L4 balancer would), the bench process runs ROLES=api,worker and the watcher's socket.io server
// (positions reach it through the Redis adapter); server CPU and RSS are then those of the N processes.
//
// Processes: the real app runs in THIS process (startBenchApp: createApp on a fresh database, DATABASE_URL's server
// or an embedded PostgreSQL), so its CPU (process.cpuUsage) and memory (process.memoryUsage().rss) are the
// server's alone, and so are its main thread's CPU, event-loop utilisation and event-loop delay (printed for the
// ingest phase); the load (simulated JT/T 808 terminals, the watcher, the idle connections) runs in a child
// process forked from this same file (`--client`), which shares the machine's cores but not the server's event
// loop or heap. The npm script raises the soft open-files limit to the hard one first (`ulimit -n`); both
// processes inherit it.
//
// Phases:
//   1. set-up: admin creates a carrier (region 150203) and an authority (region 150000, user logged in) through the
//      API; vehicles 蒙Z00001… and their terminals 013800000001… are inserted with SQL (bulk), each terminal with a
//      known auth code (its SHA-256 stored, as the platform does), so terminals authenticate directly (0x0102);
//   2. ingest: one authority watcher on /watch subscribed to { region: '150000' }; `terminals` simulated terminals
//      report `rate` positions/s each for `duration` s (runSimulation: flat schedule, 0x0200 per position);
//      measured: acked positions/s, ACK latency (0x0200 written → 0x8001 read, in the simulator), watcher latency
//      (see below), failures; then the stored-once check and the raw COPY rate in the same database;
//   3. idle: `idle` more terminals connect and authenticate, then stay silent; the server process's RSS before and
//      after (a gc() first when node runs with --expose-gc, as the npm script does). Each process holds at most its
//      open-files limit less 600 of them: the load side forks more load processes as needed; the server side is one
//      process, or the --processes ingest processes (summed), so --processes 2 holds 20,000 where the limit is 20,000.
//
// Watcher latency, precisely: for each position the watcher receives, Date.now() at its receipt minus Date.now() just
// before the simulator wrote that frame to the socket (same process, same clock; matched by vehicle id and fix time,
// the send times shared with the watcher's worker thread: ingest-watcher.ts). It includes the server's read, decode,
// group-committed durable write, the fan-out flush and socket.io. The watcher has an event loop of its own: parsing
// its large events does not delay the terminals' ACKs, nor they its events. Positions the server keeps out of live
// monitoring (plausibility flags) never reach the watcher; they are counted as `not received`.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { copyRate, cpuMeter, fmt, fromDist, HttpClient, log, machineFacts, postgresCpuMeter, profilePhase, startBenchApp, table, threadCpuMeter, withBenchApp } from './harness.js';
import { startApp, scrapeMetrics, sumMetric, type AppProcess } from './fault-kit.js';
import { prepareTrips, rulesEnv, rulesMode, rulesReport } from './monitoring-rules.js';
import { SentTimes, type WatcherData, type WatcherResult } from './ingest-watcher.js';

const AUTH_CODE = 'hazway-bench-808';
const CARRIER_REGION = '150203';
const WATCH_REGION = '150000';

type Flags = {
  terminals: number;
  rate: number;
  duration: number;
  warmup: number;
  idle: number;
  batch: number;
  copyRows: number;
  idleHoldS: number;
  window: number;
  processes: number;
  report: number;
};

function parseFlags(argv: string[]): Flags {
  const get = (name: string, env: string, fallback: number, integer = true) => {
    const i = argv.indexOf(`--${name}`);
    const raw = i >= 0 ? argv[i + 1] : process.env[env];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!(n >= 0) || (integer && !Number.isInteger(n))) throw new Error(`--${name} must be a ${integer ? 'non-negative integer' : 'non-negative number'}`);
    return n;
  };
  return {
    terminals: get('terminals', 'BENCH_TERMINALS', 2000),
    rate: get('rate', 'BENCH_RATE', 10, false),
    duration: get('duration', 'BENCH_DURATION', 60, false),
    warmup: get('warmup', 'BENCH_WARMUP', 10, false),
    idle: get('idle', 'BENCH_IDLE', 20_000),
    batch: get('batch', 'BENCH_BATCH', 1),
    copyRows: get('copy-rows', 'BENCH_COPY_ROWS', 200_000),
    idleHoldS: get('idle-hold', 'BENCH_IDLE_HOLD', 10, false),
    // Reports a terminal may have unanswered before it holds the next ones back (the simulator's maxInFlight).
    window: get('window', 'BENCH_WINDOW', 256),
    // > 1: the JT/T 808 server runs as this many separate app processes (ROLES=api,ingest, REDIS_URL for the live
    // fan-out), terminals spread over them round-robin; the bench process then runs ROLES=api,worker (the watcher).
    processes: get('processes', 'BENCH_PROCESSES', 1),
    // Seconds between progress lines: the client's (ACK p99 of the window and since the start) and, while measuring,
    // the server's (slowest event-loop turn, GC pauses, batch writes of the window), to find when a tail forms.
    report: get('report', 'BENCH_REPORT', 5, false),
  };
}

const phone = (i: number) => `0138${String(i).padStart(8, '0')}`;
const plate = (i: number) => `蒙Z${String(i).padStart(5, '0')}`;

// ------------------------------------------------------------------------------------------- the client process

type IngestRequest = {
  kind: 'ingest';
  url: string;
  host: string;
  port: number;
  ports: number[];
  token: string;
  terminals: { phone: string; plate: string; vehicleId: string }[];
  rate: number;
  duration: number;
  warmup: number;
  batch: number;
  window: number;
  report: number;
};
type IdleRequest = { kind: 'idle'; host: string; ports: number[]; terminals: { phone: string; plate: string }[] };
type Request = IngestRequest | IdleRequest | { kind: 'closeIdle' } | { kind: 'exit' };

async function clientMain() {
  const { runSimulation } = await fromDist('tracking/simulator/simulator.js');
  const { SIMULATOR_ROUTES } = await fromDist('tracking/simulator/simulator.routes.js');
  const { SimulatedTerminal } = await fromDist('tracking/simulator/simulated-terminal.js');
  const send = (m: unknown) => process.send!(m);
  let idle: { close(): Promise<void> }[] = [];

  process.on('message', async (req: Request) => {
    try {
        if (req.kind === 'exit') process.exit(0);
        if (req.kind === 'closeIdle') {
          const t0 = Date.now();
          await Promise.allSettled(idle.map((t) => t.close()));
          idle = [];
          return send({ kind: 'closedIdle', ms: Date.now() - t0 });
        }
        if (req.kind === 'idle') {
          const t0 = Date.now();
          const failures: Record<string, number> = {};
          let next = 0;
          let ok = 0;
          const worker = async () => {
            while (next < req.terminals.length) {
              const k = next++;
              const spec = req.terminals[k]!;
              const t = new SimulatedTerminal({ host: req.host, port: req.ports[k % req.ports.length]!, phone: spec.phone, version: '2013', authCode: AUTH_CODE });
              try {
                await t.connect();
                await t.authenticate();
                idle.push(t);
                ok++;
              } catch (e) {
                const key = (e as { code?: string }).code ?? (e as Error).message;
                failures[key] = (failures[key] ?? 0) + 1;
                await t.close().catch(() => undefined);
              }
            }
          };
          await Promise.all(Array.from({ length: 200 }, worker));
          return send({ kind: 'idleUp', ok, failures, seconds: (Date.now() - t0) / 1000 });
        }

        // ---- ingest
        const vehicleOf = new Map(req.terminals.map((t) => [t.phone, t.vehicleId]));
        // The watcher, in a worker thread of its own (ingest-watcher.ts); send times reach it through shared memory.
        const vehicleIds = req.terminals.map((t) => t.vehicleId);
        const vehicleIndex = new Map(vehicleIds.map((id, i) => [id, i]));
        const sentTimes = new SentTimes(vehicleIds.length);
        const watcherData: WatcherData = { url: req.url, token: req.token, region: WATCH_REGION, vehicleIds, buffers: sentTimes.buffers };
        const watcher = new Worker(new URL('./ingest-watcher.js', import.meta.url), { workerData: watcherData });
        const fromWatcher = (kind: string) =>
          new Promise<{ kind: string; result?: WatcherResult }>((resolve, reject) => {
            const onMessage = (m: { kind: string; message?: string; result?: WatcherResult }) => {
              if (m.kind === 'error') reject(new Error(m.message));
              else if (m.kind === kind) resolve(m);
              else return;
              watcher.off('message', onMessage);
            };
            watcher.on('message', onMessage);
            watcher.once('error', reject);
          });
        await fromWatcher('ready');
        const specs = req.terminals.map((t) => ({ phone: t.phone, plate: t.plate, authCode: AUTH_CODE }));
        const stopProfile = await profilePhase('ingest-client');
        const cpu = process.cpuUsage();
        // The terminals' event-loop delay: an ACK that arrives while this loop is busy (sending, a GC) is read late,
        // and its measured latency includes the wait.
        const loopDelay = monitorEventLoopDelay({ resolution: 10 });
        loopDelay.enable();
        const stats = await runSimulation({
          host: req.host,
          port: req.port,
          ports: req.ports,
          terminals: specs,
          ratePerTerminal: req.rate,
          durationS: req.duration,
          warmupS: req.warmup,
          // The measured time starts: the watcher sets its warm-up latencies aside, the server process starts its meters.
          onMeasure: () => {
            watcher.postMessage('measure');
            send({ kind: 'measuring' });
          },
          batchSize: req.batch,
          maxInFlight: req.window,
          route: SIMULATOR_ROUTES.demo,
          connectConcurrency: 200,
          progressIntervalMs: req.report * 1000,
          onProgress: (p: {
            phase: string;
            elapsedS: number;
            online: number;
            acked: number;
            failed: number;
            inFlight: number;
            windowPositionsPerSecond: number;
            latencyMs: { p99: number };
            windowLatencyMs: { p99: number; max: number };
          }) =>
            log(
              `client ${p.phase} ${p.elapsedS}s: online ${p.online}, acked ${p.acked}, failed ${p.failed}, in flight ${p.inFlight}, ` +
                `${p.windowPositionsPerSecond}/s, ACK p99 ${p.windowLatencyMs.p99} ms (max ${p.windowLatencyMs.max}) in the window, ${p.latencyMs.p99} ms so far`,
            ),
          onTerminal: (terminal: { sendLocation: (p: { time: Date }) => Promise<unknown>; sendBatch: (type: number, ps: { time: Date }[]) => Promise<unknown> }, spec: { phone: string }) => {
            const v = vehicleIndex.get(vehicleOf.get(spec.phone)!)!;
            const sendLocation = terminal.sendLocation.bind(terminal);
            const sendBatch = terminal.sendBatch.bind(terminal);
            terminal.sendLocation = (p) => {
              sentTimes.sent(v, Math.floor(p.time.getTime() / 1000), Date.now());
              return sendLocation(p);
            };
            terminal.sendBatch = (type, ps) => {
              const now = Date.now();
              for (const p of ps) sentTimes.sent(v, Math.floor(p.time.getTime() / 1000), now);
              return sendBatch(type, ps);
            };
          },
        });
        // Let the last live flushes arrive.
        await new Promise((r) => setTimeout(r, 1500));
        const done = fromWatcher('done');
        watcher.postMessage('stop');
        const watched = (await done).result!;
        await watcher.terminate();
        loopDelay.disable();
        const c = process.cpuUsage(cpu);
        const profileFile = await stopProfile();
        if (profileFile) log(`client profile: ${profileFile}`);
        const { authCodes: _codes, ...rest } = stats;
        send({
          kind: 'ingestDone',
          stats: rest,
          watcher: watched,
          clientCpuSeconds: (c.user + c.system) / 1e6,
          clientLoopDelayMs: { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
        });
      } catch (e) {
        send({ kind: 'error', message: (e as Error).stack ?? String(e) });
      }
    });
    send({ kind: 'ready' });
  }

  // ------------------------------------------------------------------------------------------- the server process

  // p50/p99 (upper bucket bounds, in the histogram's unit) and mean of a Prometheus histogram summed over the
  // processes' scrapes; `keep` picks its label sets.
  function histogramSummary(scrapes: Map<string, number>[], name: string, keep: (key: string) => boolean = () => true) {
    const byLe = new Map<number, number>();
    let sum = 0;
    for (const m of scrapes) {
      for (const [k, v] of m) {
        if (k.startsWith(`${name}_sum`) && keep(k)) sum += v;
        if (!k.startsWith(`${name}_bucket{`) || !keep(k)) continue;
        const le = /le="([^"]+)"/.exec(k)![1]!;
        const at = le === '+Inf' ? Infinity : Number(le);
        byLe.set(at, (byLe.get(at) ?? 0) + v);
      }
    }
    const buckets = [...byLe].map(([le, n]) => ({ le, n })).sort((a, b) => a.le - b.le);
    const count = buckets.length ? buckets[buckets.length - 1]!.n : 0;
    const q = (p: number) => buckets.find((x) => x.n >= p * count)?.le ?? NaN;
    return { count, mean: count ? sum / count : NaN, p50: q(0.5), p99: q(0.99), max: q(1) };
  }
  // Every `seconds` while measuring, what the server did in that window: its slowest event-loop turn (this process,
  // the server in single-process mode), this process's GC pauses, the position batch writes and the runs of the
  // monitoring rules (all processes).
  function serverReports(metricsUrls: string[], seconds: number) {
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    let gc = { n: 0, ms: 0, max: 0 };
    const gcObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        gc = { n: gc.n + 1, ms: gc.ms + e.duration, max: Math.max(gc.max, e.duration) };
      }
    });
    gcObserver.observe({ entryTypes: ['gc'] });
    const started = performance.now();
    let previous: Promise<Map<string, number>[]> = Promise.all(metricsUrls.map((u) => scrapeMetrics(u)));
    const timer = setInterval(() => {
      const loopMaxMs = loop.max / 1e6;
      loop.reset();
      const g = gc;
      gc = { n: 0, ms: 0, max: 0 };
      const before = previous;
      previous = Promise.all(metricsUrls.map((u) => scrapeMetrics(u)));
      void Promise.all([before, previous])
        .then(([a, b]) => {
          const window = b.map((m, i) => new Map([...m].map(([k, v]) => [k, v - (a[i]!.get(k) ?? 0)])));
          const w = histogramSummary(window, 'hazway_positions_write_seconds');
          // Monitoring runs on the same thread: how long its longest runs of rule evaluation held the loop.
          const rules = histogramSummary(window, 'hazway_monitor_batch_evaluation_seconds');
          log(
            `server ${fmt((performance.now() - started) / 1000, 1)}s: loop max ${fmt(loopMaxMs, 0)} ms; GC ${g.n} pauses, ${fmt(g.ms, 0)} ms, max ${fmt(g.max, 0)} ms; ` +
              `${w.count} batch writes, mean ${fmt(w.mean * 1000, 1)} ms, p99 ≤ ${fmt(w.p99 * 1000, 0)} ms; ` +
              `${rules.count} runs of the monitoring rules, mean ${fmt(rules.mean * 1000, 1)} ms, p99 ≤ ${fmt(rules.p99 * 1000, 0)} ms, max ≤ ${fmt(rules.max * 1000, 0)} ms`,
          );
        })
        .catch(() => undefined);
    }, seconds * 1000);
    return () => {
      clearInterval(timer);
      loop.disable();
      gcObserver.disconnect();
    };
  }

  // The servers' own hazway_jt808_ack_seconds for reports, 0x0200 and 0x0704 (read off the socket → reply written).
  const ackSummary = (scrapes: Map<string, number>[]) =>
    histogramSummary(scrapes, 'hazway_jt808_ack_seconds', (k) => k.includes('message_id="0x0200"') || k.includes('message_id="0x0704"'));

  // CPU seconds (user + system) of another process so far.
  function procCpuSeconds(pid: number): number {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  }

  function rssOf(pid: number | 'self'): number {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  }

  function openFilesLimit(): string {
    try {
      const line = readFileSync('/proc/self/limits', 'utf8')
        .split('\n')
        .find((l) => l.startsWith('Max open files'));
      const [soft, hard] = line!.replace('Max open files', '').trim().split(/\s+/);
      return `${soft} soft / ${hard} hard`;
    } catch {
      return 'unknown';
    }
  }
  const softOpenFiles = () => Number(openFilesLimit().split(' ')[0]) || 1024;

  const mib = (bytes: number) => `${fmt(bytes / 2 ** 20, 1)} MiB`;

  function ask<T>(child: ChildProcess, req: Request, answer: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: { kind: string; message?: string }) => {
        if (m.kind === 'error') {
          child.off('message', onMessage);
          reject(new Error(`client: ${m.message}`));
        } else if (m.kind === answer) {
          child.off('message', onMessage);
          resolve(m as T);
        }
      };
      child.on('message', onMessage);
      child.send(req);
    });
  }

  async function serverMain(flags: Flags) {
    const rules = rulesMode(process.argv);
    const multi = flags.processes > 1;
    if (multi && !process.env.REDIS_URL) throw new Error('--processes needs REDIS_URL: the socket.io adapter carries live positions from the ingest processes to the watcher');
    const extraEnv = { ...rulesEnv(rules), ...(multi ? { ROLES: 'api,worker' } : {}) };
    await withBenchApp(async (b) => {
      const { hashAuthCode } = await fromDist('tracking/terminal/terminal-directory.js');
      const facts = machineFacts(b);
      const limit = openFilesLimit();
      const ingestApps: AppProcess[] = [];
      try {
      let ports: number[];
      if (multi) {
        // Each ingest process gets the same settings as the in-process app would (same database, queue prefix).
        const env = {
          DATABASE_URL: b.databaseUrl,
          REDIS_URL: process.env.REDIS_URL,
          ADMIN_PASSWORD: b.adminPassword,
          QUEUE_PREFIX: String(b.env.QUEUE_PREFIX),
          ROLES: 'api,ingest',
          DATABASE_POOL_SIZE: '4',
          POSITIONS_ADMISSION_MS: process.env.POSITIONS_ADMISSION_MS,
          ...extraEnv,
        };
        env.ROLES = 'api,ingest';
        ingestApps.push(...(await Promise.all(Array.from({ length: flags.processes }, (_, i) => startApp(`ingest-${i + 1}`, env, { echoErrors: true })))));
        ports = ingestApps.map((a) => a.terminalPort);
        log(`${flags.processes} ingest processes: ${ingestApps.map((a) => `pid ${a.child.pid} jt808 ${a.terminalPort}`).join(', ')}; open files ${limit}`);
      } else {
        const { TerminalServer } = await fromDist('tracking/terminal/terminal.server.js');
        const port = b.app.get(TerminalServer).port as number;
        if (!port) throw new Error('the JT/T 808 server is not listening (ROLES without ingest?)');
        ports = [port];
        log(`JT/T 808 server on port ${port}; open files ${limit}`);
      }
      const metricsUrls = multi ? ingestApps.map((a) => a.url) : [b.url];
      const rss = () => (multi ? ingestApps.reduce((n, a) => n + a.rss(), 0) : process.memoryUsage().rss);

      // ---- set-up
      const http = new HttpClient(b.url, 4);
      const admin = (await http.ok('POST', '/auth/login', { username: 'admin', password: b.adminPassword })).accessToken as string;
      const carrier = await http.ok('POST', '/organisations', { kind: 'carrier', name: '压测运输公司', regionCode: CARRIER_REGION }, admin);
      const authority = await http.ok('POST', '/organisations', { kind: 'authority', name: '压测监管部门', regionCode: WATCH_REGION }, admin);
      const password = `Bench-${Date.now()}-pw!`;
      await http.ok('POST', `/organisations/${authority.id}/users`, { username: 'bench-authority', displayName: '压测监管员', roles: ['authority'], password }, admin);
      const watcherToken = (await http.ok('POST', '/auth/login', { username: 'bench-authority', password })).accessToken as string;
      http.close();

      // Idle connections (opened after the ingest terminals have disconnected): each side holds one descriptor per
      // connection (plus database pool, listeners and the like) within its process's open-files limit. The load side
      // forks as many processes as it needs; the server side has one process, or --processes of them.
      const idlePerProcess = Math.max(0, softOpenFiles() - 600);
      const idleTarget = Math.min(flags.idle, idlePerProcess * (multi ? flags.processes : 1));
      if (idleTarget < flags.idle) {
        log(`idle connections capped at ${idleTarget} by the open-files limit (${limit}) of ${multi ? `each of ${flags.processes}` : 'the one'} server process${multi ? 'es' : ''}: --processes 2 holds more`);
      }
      const total = flags.terminals + idleTarget;
      const db = new pg.Client({ connectionString: b.databaseUrl, application_name: 'hazway-bench' });
      await db.connect();
      const t0 = Date.now();
      await db.query(
        `INSERT INTO vehicles (organisation_id, plate_number, plate_colour, kind, model)
         SELECT $1, '蒙Z' || lpad(i::text, 5, '0'), 'yellow', 'truck', '压测车辆' FROM generate_series(1, $2::int) i`,
        [carrier.id, total],
      );
      await db.query(
        `INSERT INTO terminals (organisation_id, protocol, phone, protocol_version, vehicle_id, auth_code)
         SELECT $1, 'jt808', '0138' || lpad(substr(v.plate_number, 3), 8, '0'), '2013', v.id, $2 FROM vehicles v WHERE v.organisation_id = $1`,
        [carrier.id, hashAuthCode(AUTH_CODE)],
      );
      const vehicles = (await db.query(`SELECT id, plate_number FROM vehicles WHERE organisation_id = $1`, [carrier.id])).rows as { id: string; plate_number: string }[];
      const byPlate = new Map(vehicles.map((v) => [v.plate_number, v.id]));
      log(`set-up: ${total} vehicles + terminals inserted in ${fmt((Date.now() - t0) / 1000, 1)} s`);
      const ingestTerminals = Array.from({ length: flags.terminals }, (_, k) => ({ phone: phone(k + 1), plate: plate(k + 1), vehicleId: byPlate.get(plate(k + 1))! }));
      const ingestVehicleIds = ingestTerminals.map((t) => t.vehicleId);
      if (rules) await prepareTrips(db, b.app, carrier.id, ingestVehicleIds);

      // A first scrape now: its one-time costs (loading fetch's HTTP client) are paid here, not in the middle of the run
      // at the warm-up's end, where a first one stalled the server's loop long enough to back its writes up for 2 s.
      await Promise.all(metricsUrls.map((u) => scrapeMetrics(u)));

      // ---- the client process
      const child = fork(fileURLToPath(import.meta.url), ['--client'], { stdio: 'inherit' });
      await new Promise<void>((resolve, reject) => {
        child.once('message', () => resolve());
        child.once('exit', (code) => reject(new Error(`client exited with ${code}`)));
      });

      // ---- ingest
      log(`ingest: ${flags.terminals} terminals × ${flags.rate}/s for ${flags.warmup} s of warm-up, then ${flags.duration} s measured (target ${fmt(flags.terminals * flags.rate)} positions/s)`);
      const measuring = new Promise<void>((resolve) => {
        const onMessage = (m: { kind: string }) => {
          if (m.kind !== 'measuring') return;
          child.off('message', onMessage);
          resolve();
        };
        child.on('message', onMessage);
      });
      const ingestDone = ask<{
        stats: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        watcher: WatcherResult;
        clientCpuSeconds: number;
        clientLoopDelayMs: { p99: number; max: number };
      }>(
        child,
        { kind: 'ingest', url: b.url, host: '127.0.0.1', port: ports[0]!, ports, token: watcherToken, terminals: ingestTerminals, rate: flags.rate, duration: flags.duration, warmup: flags.warmup, batch: flags.batch, window: flags.window, report: flags.report },
        'ingestDone',
      );
      // Everything below is measured from the warm-up's end (an ingest that fails sooner rejects here).
      await Promise.race([measuring, ingestDone]);
      if (flags.warmup > 0) log(`warm-up over: measuring for ${flags.duration} s`);
      const stopProfile = await profilePhase('ingest-server');
      const serverCpu = cpuMeter();
      // This process's main thread: the whole server in single-process mode (sockets, decoding, the writer's
      // protocol work, ACKs, live fan-out). Its CPU, how busy its event loop was, and how late its turns ran.
      const mainThreadCpu = threadCpuMeter([process.pid]);
      const elu0 = performance.eventLoopUtilization();
      const serverLoop = monitorEventLoopDelay({ resolution: 10 });
      serverLoop.enable();
      const ingestCpuAt = ingestApps.map((a) => procCpuSeconds(a.child.pid!));
      const pgCpu = postgresCpuMeter();
      // The servers' counters and histograms at the start of the measured time, subtracted at its end.
      const metricsAtStart = await Promise.all(metricsUrls.map((u) => scrapeMetrics(u)));
      const stopServerReports = serverReports(metricsUrls, flags.report);
      const ingest = await ingestDone;
      stopServerReports();
      const cpuServer = serverCpu();
      serverLoop.disable();
      const [mainThreadSeconds] = mainThreadCpu();
      const mainThread = {
        cpuShare: mainThreadSeconds == null ? null : mainThreadSeconds / cpuServer.wallSeconds,
        eventLoopBusy: performance.eventLoopUtilization(elu0).utilization,
        loopDelayMs: { p50: serverLoop.percentile(50) / 1e6, p99: serverLoop.percentile(99) / 1e6, max: serverLoop.max / 1e6 },
      };
      const ingestCpu = ingestApps.map((a, i) => procCpuSeconds(a.child.pid!) - ingestCpuAt[i]!);
      const serverMetrics = await Promise.all(metricsUrls.map((u) => scrapeMetrics(u)));
      // Counters and histograms of the measured time only (gauges such as the admission limit are read as they are).
      const measured = serverMetrics.map((m, i) => new Map([...m].map(([k, v]) => [k, v - (metricsAtStart[i]!.get(k) ?? 0)])));
      const serverAck = ackSummary(measured);
      const batchWrite = histogramSummary(measured, 'hazway_positions_write_seconds');
      const batchRows = histogramSummary(measured, 'hazway_positions_batch_rows');
      const pauses = measured.reduce((n, m) => n + sumMetric(m, 'hazway_jt808_reading_pauses_total'), 0);
      const admission = serverMetrics.map((m) => `${fmt(sumMetric(m, 'hazway_positions_admission_limit_rows'))} rows / ${fmt(sumMetric(m, 'hazway_positions_drain_rows_per_second'))} rows/s`).join('; ');
      const cpuPg = pgCpu();
      const profileFile = await stopProfile();
      if (profileFile) log(`server profile: ${profileFile}`);
      if (rules) await rulesReport(db, b.app, rules, flags.warmup + flags.duration);
      const s = ingest.stats;

      // Every acknowledged position stored exactly once: positions has PRIMARY KEY (vehicle_id, fix_time), so a row
      // cannot be stored twice; count the rows of the run's vehicles and compare with what was acknowledged.
      const stored = (await db.query(`SELECT count(*)::int AS rows, count(DISTINCT (vehicle_id, fix_time))::int AS distinct_keys, count(*) FILTER (WHERE quality <> 0)::int AS flagged FROM positions WHERE vehicle_id = ANY($1::uuid[])`, [ingestVehicleIds])).rows[0] as {
        rows: number;
        distinct_keys: number;
        flagged: number;
      };

      // ---- raw COPY in the same database
      const copy = flags.copyRows > 0 ? await copyRate(b.databaseUrl, flags.copyRows, 3) : null;

      // ---- idle connections
      const gc = (globalThis as { gc?: () => void }).gc;
      const settle = async () => {
        gc?.();
        await new Promise((r) => setTimeout(r, 1000));
        gc?.();
      };
      let idleRows: [string, string][] = [];
      if (idleTarget > 0) {
        await settle();
        const rssBefore = rss();
        const heapBefore = process.memoryUsage().heapUsed;
        // The load child holds up to idlePerProcess of them; more load processes (forked like it) hold the rest.
        const loaders = [child];
        while (loaders.length * idlePerProcess < idleTarget) loaders.push(fork(fileURLToPath(import.meta.url), ['--client'], { stdio: 'inherit' }));
        const specs = Array.from({ length: idleTarget }, (_, k) => ({ phone: phone(flags.terminals + k + 1), plate: plate(flags.terminals + k + 1) }));
        const share = Math.ceil(idleTarget / loaders.length);
        const ups = await Promise.all(
          loaders.map((l, i) =>
            ask<{ ok: number; failures: Record<string, number>; seconds: number }>(l, { kind: 'idle', host: '127.0.0.1', ports, terminals: specs.slice(i * share, (i + 1) * share) }, 'idleUp'),
          ),
        );
        const up = {
          ok: ups.reduce((n, u) => n + u.ok, 0),
          seconds: Math.max(...ups.map((u) => u.seconds)),
          failures: ups.reduce<Record<string, number>>((all, u) => {
            for (const [k, n] of Object.entries(u.failures)) all[k] = (all[k] ?? 0) + n;
            return all;
          }, {}),
        };
        log(`idle: ${up.ok} terminals authenticated in ${fmt(up.seconds, 1)} s by ${loaders.length} load process${loaders.length > 1 ? 'es' : ''}; holding ${flags.idleHoldS} s`);
        await new Promise((r) => setTimeout(r, flags.idleHoldS * 1000));
        await settle();
        const rssAfter = rss();
        const heapAfter = process.memoryUsage().heapUsed;
        const counts = await Promise.all(metricsUrls.map((u) => scrapeMetrics(u)));
        const held = counts.reduce((n, m) => n + sumMetric(m, 'hazway_jt808_connections'), 0);
        const authed = counts.reduce((n, m) => n + sumMetric(m, 'hazway_jt808_sessions_authenticated'), 0);
        await Promise.all(loaders.map((l) => ask(l, { kind: 'closeIdle' }, 'closedIdle')));
        for (const l of loaders.slice(1)) l.send({ kind: 'exit' });
        // Per connection still held: on a slow machine the first ones may have reached TERMINAL_IDLE_SECONDS already.
        const perConn = held > 0 ? (rssAfter - rssBefore) / held : NaN;
        idleRows = [
          ['idle connections asked / authenticated', `${fmt(idleTarget)} / ${fmt(up.ok)}${Object.keys(up.failures).length ? `  failures ${JSON.stringify(up.failures)}` : ''}`],
          ['held by the server (connections / authenticated)', `${fmt(held)} / ${fmt(authed)} (after ${flags.idleHoldS} s)`],
          ['server RSS before / after', `${mib(rssBefore)} / ${mib(rssAfter)} (+${mib(rssAfter - rssBefore)}, ${fmt(perConn / 1024, 1)} KiB per connection)`],
          ['server heap used before / after', `${mib(heapBefore)} / ${mib(heapAfter)}${gc ? '' : ' (no --expose-gc: not collected first)'}`],
          ['RSS extrapolated to 20,000 idle', held > 0 ? `${mib(rssBefore + perConn * 20_000)} (target < 1.5 GB)` : 'n/a'],
        ];
      }
      child.send({ kind: 'exit' });
      await db.end();
      for (const a of ingestApps.splice(0)) await a.kill('SIGTERM');

      // ---- report
      const target = flags.terminals * flags.rate;
      const ack = s.latencyMs as Record<string, number>;
      const w = ingest.watcher.latencyMs;
      const lost = s.acked - stored.rows;
      const acked = s.acked as number;
      console.log('\nMachine');
      table(Object.entries({ ...facts, 'open files': limit, processes: multi ? `${flags.processes} ingest processes (node dist/main.js, ROLES=api,ingest), api + watcher fan-out in the bench process, load generator in a forked child` : 'app in the bench process (in-process createApp); load generator in a forked child' }).map(([k, v]) => [k, String(v)] as const));
      console.log(
        `\nIngest: ${fmt(flags.terminals)} JT/T 808 terminals × ${flags.rate} positions/s × ${flags.duration} s measured after ${flags.warmup} s of warm-up${flags.batch > 1 ? `, 0x0704 batches of ${flags.batch}` : ', one 0x0200 each'}`,
      );
      const warm = s.warmup as { durationS: number; acked: number; latencyMs: Record<string, number> } | null;
      const ww = ingest.watcher.warmupLatencyMs;
      // The CPU is metered over the measured time only, so it is divided by what was acknowledged in it.
      const measuredAcked = acked - (warm?.acked ?? 0);
      table([
        ['set-up (authenticate)', `${s.setupS} s, online ${s.terminals - Object.values(s.setupFailures as Record<string, number>).reduce((a, n) => a + n, 0)}/${s.terminals}${Object.keys(s.setupFailures).length ? ` failures ${JSON.stringify(s.setupFailures)}` : ''}`],
        ['offered (target)', `${fmt(target)} positions/s`],
        [
          'warm-up (not in the figures below, except sent, failures and stored)',
          warm ? `${warm.durationS} s: ${fmt(warm.acked)} acked; ACK p50 / p99 ${warm.latencyMs.p50} / ${warm.latencyMs.p99} ms; watcher p50 / p99 ${ww ? `${ww.p50} / ${ww.p99}` : 'n/a'} ms` : 'none (--warmup 0)',
        ],
        ['sent (whole run)', `${fmt(s.sent)} (${fmt(s.sentPerSecond)}/s); missed ${fmt(s.missed)}, throttled ${fmt(s.throttled)} (client fell behind / back-pressure)`],
        ['acked (whole run); sustained in the measured time', `${fmt(acked)}; ${fmt(s.positionsPerSecond)} positions/s`],
        ['failures', `${fmt(s.failed)} (nacked ${s.nacked}, timed out ${s.timedOut}, aborted ${s.aborted}); disconnects ${s.disconnects}, reconnects ${s.reconnects}`],
        ['ACK latency p50 / p95 / p99 / max', `${ack.p50} / ${ack.p95} / ${ack.p99} / ${ack.max} ms`],
        ['server: report read → ACK written (p50 / p99, histogram buckets)', `≤ ${serverAck.p50} / ≤ ${serverAck.p99} s of ${fmt(serverAck.count)} replies`],
        ['server: position batch writes (commit included)', `${fmt(batchWrite.count)} batches of ${fmt(batchRows.mean, 0)} rows on average; write time mean ${fmt(batchWrite.mean * 1000, 1)} ms, p50 ≤ ${batchWrite.p50 * 1000} ms, p99 ≤ ${batchWrite.p99 * 1000} ms`],
        ['server: reading paused (admission control)', `${pauses} times; admission limit / drain rate at the end: ${admission} (POSITIONS_ADMISSION_MS=${process.env.POSITIONS_ADMISSION_MS ?? 'default'})`],
        ['watcher (region 150000)', `${fmt(ingest.watcher.received)} positions received in ${fmt(ingest.watcher.events)} events; ${fmt(acked - ingest.watcher.received)} acked not received, ${ingest.watcher.unmatched} unmatched`],
        ['watcher latency p50 / p95 / p99 / max', `${w.p50} / ${w.p95} / ${w.p99} / ${w.max} ms  (client send → watcher receipt)`],
        ['stored rows / distinct keys / acked', `${fmt(stored.rows)} / ${fmt(stored.distinct_keys)} / ${fmt(acked)}  →  ${lost === 0 ? 'every acked position stored exactly once' : lost > 0 ? `${fmt(lost)} ACKED POSITIONS MISSING` : `${fmt(-lost)} more rows than acks (stored but the ACK not counted: timeouts/aborts)`}; ${fmt(stored.flagged)} flagged by plausibility`],
        ...(multi
          ? ([
              ['ingest processes CPU', `${ingestCpu.map((c) => fmt(c, 1)).join(' + ')} s = ${fmt((ingestCpu.reduce((a, c) => a + c, 0) / cpuServer.wallSeconds) * 100)} % of one core; ${fmt((ingestCpu.reduce((a, c) => a + c, 0) * 1e6) / Math.max(1, measuredAcked), 1)} µs per position acked in the measured time`],
              ['api process CPU (bench process: watcher fan-out)', `${fmt(cpuServer.cpuSeconds, 1)} s = ${fmt(cpuServer.coreShare * 100)} % of one core`],
            ] as [string, string][])
          : ([
              ['server process CPU', `${fmt(cpuServer.cpuSeconds, 1)} s = ${fmt(cpuServer.coreShare * 100)} % of one core; ${fmt((cpuServer.cpuSeconds * 1e6) / Math.max(1, measuredAcked), 1)} µs per position acked in the measured time`],
              [
                'server main thread: CPU, event loop busy, loop delay p50 / p99 / max',
                `${mainThread.cpuShare == null ? 'n/a' : `${fmt(mainThread.cpuShare * 100)} % of one core`}; ${fmt(mainThread.eventLoopBusy * 100)} % busy; ${fmt(mainThread.loopDelayMs.p50, 1)} / ${fmt(mainThread.loopDelayMs.p99, 1)} / ${fmt(mainThread.loopDelayMs.max, 1)} ms`,
              ],
            ] as [string, string][])),
        ['PostgreSQL CPU', cpuPg ? `${fmt(cpuPg.cpuSeconds, 1)} s = ${fmt(cpuPg.coreShare * 100)} % of one core` : 'n/a (not local)'],
        ['client process CPU', `${fmt(ingest.clientCpuSeconds, 1)} s = ${fmt((ingest.clientCpuSeconds / cpuServer.wallSeconds) * 100)} % of one core`],
        ['client event-loop delay p99 / max', `${fmt(ingest.clientLoopDelayMs.p99, 1)} / ${fmt(ingest.clientLoopDelayMs.max, 1)} ms (the simulated terminals' loop: part of every ACK latency above; the watcher has its own)`],
        ['raw COPY (7 columns, scratch table)', copy ? `${fmt(copy.rowsPerSecond)} rows/s (median of ${copy.runs.map((r) => fmt(r)).join(', ')})` : 'skipped'],
        ['ratio acked/s ÷ COPY rows/s', copy ? fmt(s.positionsPerSecond / copy.rowsPerSecond, 3) : 'n/a'],
      ]);
      if (idleRows.length) {
        console.log('\nIdle connections (authenticated JT/T 808 terminals, silent)');
        table(idleRows);
      }
      const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
      console.log('\nTargets (issue, 2-core machine)');
      table([
        ['≥ 20,000 positions/s, zero loss', `${met(s.positionsPerSecond >= 20_000 && lost <= 0 && s.failed === 0)}: ${fmt(s.positionsPerSecond)}/s, loss ${Math.max(0, lost)}, failures ${s.failed}`],
        ['ACK p99 ≤ 100 ms', `${met(ack.p99 <= 100)}: ${ack.p99} ms`],
        ['watcher p99 ≤ 250 ms', `${met(w.p99 <= 250 && w.count > 0)}: ${w.p99} ms`],
      ]);
      console.log(`\n${JSON.stringify({ ingestBench: { flags, warmup: warm, ack, watcher: ingest.watcher, stored, acked, sustained: s.positionsPerSecond, copy: copy?.rowsPerSecond, cores: os.cpus().length, serverMainThread: multi ? null : mainThread } })}`);
      return lost > 0 ? 1 : 0;
    } finally {
      for (const a of ingestApps) await a.kill('SIGKILL');
    }
  }, () => startBenchApp(extraEnv));
}

if (process.argv.includes('--client')) await clientMain();
else await serverMain(parseFlags(process.argv.slice(2)));
