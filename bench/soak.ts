// Soak: `npm run soak -- --minutes 30 --rate 5000 --watchers 100 [--terminals 1000] [--sample 10] [--json]
//        [--heap-snapshots 120,480 [--snapshot-dir /tmp/soak-heap]]`
//
// The server as an operator runs it (`node dist/main.js`, a child process, on a PostgreSQL of this script's own, or
// on a fresh database at DATABASE_URL when set), JT/T 808 terminals from the simulator (runSimulation, in this
// process) sending `rate` positions/s in all, and `watchers` socket.io watchers on /watch: a tenth of them watch the
// whole region (authority desks, every position), the others one vehicle each (dispatchers). Every `sample` seconds
// it reads the server's /metrics: RSS, V8 heap used (a sawtooth: shown, not judged) and heap used just after the
// last full collection (the live set: judged), event-loop delay (prom-client's nodejs_eventloop_lag_*, which is
// perf_hooks.monitorEventLoopDelay, reset at each scrape, so each sample covers the last interval), BullMQ queue
// depths (waiting + delayed + active, all queues), positions accepted but not yet committed, positions waiting for
// the monitoring rules (and those dropped because it fell too far behind); and counts the server's error-level log
// lines. At the end: start / end / peak of each, and a verdict per series: flat or growing (see verdict() for how
// each kind of series is judged; warm-up excluded). The run is "stable" when nothing grows, no error line, no
// failed position, no position left unevaluated by the rules, and the server acknowledged at least 95 % of the
// offered rate (else it is saturated); when the load generator itself fell behind (`missed`), the rate was not
// really offered and the summary says so.
//
// --heap-snapshots S1,S2,...: the server runs with --heapsnapshot-signal=SIGUSR2 and is sent SIGUSR2 at those
// seconds of the run; each snapshot (a full GC first, then the heap written out: the server stops for seconds,
// which shows in that sample's event-loop delay and ACK latency) goes to --snapshot-dir. Compare two with
// `node dist/bench/heap-diff.js <earlier> <later>`.
//
// "All rules on": prepareMonitoring() gives every simulated vehicle a waybill in transit on a planned route of
// realistic length (as `bench:ingest -- --rules on` does), so that every rule evaluates every position.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { dropQueueKeys, fromDist } from './harness.js';
import { insertTripsInTransit } from './monitoring-rules.js';
import { dbUrl, mib, onCleanup, ownPostgres, runMain, say, scrapeMetrics, setUpFleet, sleep, sql, startApp, sumMetric, WATCH_REGION, AUTH_CODE, type Fleet } from './fault-kit.js';

type Flags = { minutes: number; rate: number; watchers: number; terminals: number; batch: number; window: number; sampleS: number; json: boolean; heapSnapshots: number[]; snapshotDir: string };

function parseFlags(argv: string[]): Flags {
  const num = (name: string, fallback: number) => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return fallback;
    const n = Number(argv[i + 1]);
    if (!(n >= 0) || !Number.isFinite(n)) throw new Error(`--${name} must be a non-negative number`);
    return n;
  };
  const rate = num('rate', 5000);
  const str = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i < 0 ? undefined : argv[i + 1];
  };
  const heapSnapshots = (str('heap-snapshots') ?? '')
    .split(',')
    .filter(Boolean)
    .map((x) => {
      const n = Number(x);
      if (!(n >= 0)) throw new Error('--heap-snapshots takes seconds separated by commas, e.g. 120,480');
      return n;
    });
  return {
    minutes: num('minutes', 30),
    rate,
    watchers: num('watchers', 100),
    terminals: num('terminals', Math.max(1, Math.min(2000, Math.round(rate / 5)))),
    // > 1: each terminal sends 0x0704 batches of this many fixes (as bench:ingest --batch); 1: one 0x0200 per fix
    batch: num('batch', 1),
    // reports a terminal may have unanswered (1: stop-and-wait, as many real terminals do)
    window: num('window', 256),
    sampleS: num('sample', 10),
    json: argv.includes('--json'),
    heapSnapshots,
    snapshotDir: str('snapshot-dir') ?? path.join(os.tmpdir(), `hazway-soak-heap-${Date.now().toString(36)}`),
  };
}

const ADMIN_PASSWORD = 'soak-admin-password-808';

// User + system CPU seconds of a process so far (/proc/<pid>/stat fields 14 and 15, in clock ticks of 1/100 s).
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

// The monitoring module's hook. Returns what was done, for the report.
async function prepareMonitoring(databaseUrl: string, fleet: Fleet): Promise<string> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await insertTripsInTransit(db, fleet.carrierId, fleet.terminals.map((t) => t.vehicleId));
  } finally {
    await db.end();
  }
  await sleep(6_000); // the app reloads its vehicle -> waybill links every 5 s
  return `all rules on: ${fleet.terminals.length} waybills in transit on the demo route`;
}

type Sample = {
  t: number;
  rss: number;
  heap: number;
  liveHeap: number; // heap used after the last full GC
  majorGcs: number;
  eldP99: number;
  eldMax: number;
  queue: number;
  pending: number;
  monitorBacklog: number;
  monitorDropped: number;
  acked: number;
  watcherPositions: number;
  errors: number;
};

// How a series is judged "growing" (warm-up excluded), by what it is:
// - peak: RSS. V8 keeps the memory it has grown into, so RSS rises to a plateau; growing means the last quarter
//   reaches 10 % above the highest value of the first half.
// - mean: the live heap (heap used after a full GC), event-loop delay, queue depth, pending rows, the rules
//   backlog: the mean of the last quarter against the second quarter's, above `factor` times (default 1.1) and by
//   more than `noise`.
// - shown: heap used at the sample's moment, error lines. Heap used is a sawtooth (young allocation, then
//   collection; at 1,000 positions/s it swings by 200 MiB within a minute or two) and a sample every 10 s lands
//   on its floor only by chance: the lowest sample of a quarter is not the floor, and comparing two of them was
//   noise (an earlier run called the heap "GROWING" from 125 -> 146 MiB that way). The live heap tells growth.
type Series = { name: string; unit: (x: number) => string; pick: (s: Sample) => number; rule: 'peak' | 'mean' | 'shown'; factor?: number; noise?: number };

// Start, end and peak over the whole run; the verdict over the samples after warm-up.
function verdict(all: Sample[], samples: Sample[], s: Series) {
  const whole = all.map(s.pick).filter(Number.isFinite);
  const v = samples.map(s.pick).filter(Number.isFinite);
  const start = whole[0] ?? NaN;
  const end = whole.at(-1) ?? NaN;
  const peak = Math.max(...whole);
  const q = Math.max(1, Math.floor(v.length / 4));
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / Math.max(1, a.length);
  const firstHalf = v.slice(0, 2 * q);
  const second = v.slice(q, 2 * q);
  const last = v.slice(v.length - q);
  let before: number;
  let after: number;
  let growing: boolean;
  if (s.rule === 'peak') {
    before = Math.max(...firstHalf);
    after = Math.max(...last);
    growing = after > before * 1.1;
  } else if (s.rule === 'shown') {
    before = Math.min(...second);
    after = Math.min(...last);
    growing = false;
  } else {
    before = mean(second);
    after = mean(last);
    growing = after > before * (s.factor ?? 1.1) && after - before > (s.noise ?? 0);
  }
  const basis = s.rule === 'peak' ? 'first-half max → last-quarter max' : s.rule === 'shown' ? '2nd-quarter min → last-quarter min' : '2nd-quarter mean → last-quarter mean';
  const judged = s.rule === 'shown' ? 'not judged' : v.length < 8 ? 'too short to tell' : growing ? 'GROWING' : 'flat';
  return { name: s.name, start: s.unit(start), end: s.unit(end), peak: s.unit(peak), basis: `${basis} ${s.unit(before)} → ${s.unit(after)}`, verdict: judged };
}

async function main(flags: Flags): Promise<number> {
  // ---- database and server
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const pg = await ownPostgres();
    onCleanup(() => pg.close());
    serverUrl = pg.url;
  }
  const database = `hz_soak_${Date.now().toString(36)}`;
  await sql(serverUrl, `CREATE DATABASE "${database}"`);
  const databaseUrl = dbUrl(serverUrl, database);
  if (process.env.DATABASE_URL) onCleanup(() => sql(serverUrl!, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
  const nodeArgs: string[] = [];
  if (flags.heapSnapshots.length) {
    mkdirSync(flags.snapshotDir, { recursive: true });
    nodeArgs.push('--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${flags.snapshotDir}`);
  }
  const settings = { DATABASE_URL: databaseUrl, ADMIN_PASSWORD, REDIS_URL: process.env.REDIS_URL, QUEUE_PREFIX: database.replace(/^hz_/, 's_') };
  // The run's queue keys go with it, once the server is gone (cleanups run last registered first).
  onCleanup(() => dropQueueKeys(settings));
  const app = await startApp('server', settings, { nodeArgs });
  onCleanup(() => app.kill('SIGKILL'));
  const fleet = await setUpFleet(app.url, databaseUrl, ADMIN_PASSWORD, flags.terminals);
  const monitoring = await prepareMonitoring(databaseUrl, fleet);
  say(`server pid ${app.child.pid}; ${flags.terminals} terminals × ${(flags.rate / flags.terminals).toFixed(2)}/s = ${flags.rate} positions/s${flags.batch > 1 ? ` in 0x0704 batches of ${flags.batch}` : ''}, window ${flags.window}, for ${flags.minutes} min; ${monitoring}`);

  // ---- watchers
  const regionWatchers = Math.ceil(flags.watchers / 10);
  const sockets: Socket[] = [];
  let watcherPositions = 0;
  for (let i = 0; i < flags.watchers; i++) {
    const s = io(`${app.url}/watch`, { auth: { token: fleet.watcherToken }, transports: ['websocket'], reconnection: true });
    sockets.push(s);
    await new Promise<void>((resolve, reject) => {
      s.once('connect', () => resolve());
      s.once('connect_error', (e: Error) => reject(new Error(`watcher ${i}: ${e.message}`)));
    });
    s.on('positions', (items: unknown[]) => (watcherPositions += items.length));
    const subject = i < regionWatchers ? { region: WATCH_REGION } : { vehicleId: fleet.terminals[i % fleet.terminals.length]!.vehicleId };
    const ack = (await s.timeout(10_000).emitWithAck('subscribe', subject)) as { ok: boolean };
    if (!ack.ok) throw new Error(`watcher ${i}: subscribe ${JSON.stringify(subject)} refused: ${JSON.stringify(ack)}`);
  }
  onCleanup(() => sockets.forEach((s) => s.close()));
  say(`${flags.watchers} watchers: ${regionWatchers} on region ${WATCH_REGION}, ${flags.watchers - regionWatchers} on one vehicle each`);

  // ---- load
  const { runSimulation } = await fromDist('tracking/simulator/simulator.js');
  const { SIMULATOR_ROUTES } = await fromDist('tracking/simulator/simulator.routes.js');
  let acked = 0;
  const durationS = flags.minutes * 60;
  const cpuAtStart = cpuSeconds(app.child.pid!);
  const loadStarted = Date.now();
  const simulation = runSimulation({
    host: '127.0.0.1',
    port: app.terminalPort,
    terminals: fleet.terminals.map((t) => ({ phone: t.phone, plate: t.plate, authCode: AUTH_CODE })),
    ratePerTerminal: flags.rate / flags.terminals,
    durationS,
    route: SIMULATOR_ROUTES.demo,
    connectConcurrency: 200,
    batchSize: flags.batch,
    maxInFlight: flags.window,
    progressIntervalMs: 1_000,
    onProgress: (p: { acked: number }) => (acked = p.acked),
  });

  // ---- samples
  const samples: Sample[] = [];
  const t0 = Date.now();
  let lastAcked = 0;
  let sampling = false;
  const sample = async () => {
    // A late timer on a busy machine fires several times at once: one scrape at a time (each resets the
    // event-loop histogram, so a second one right after would read an empty interval).
    if (sampling) return;
    sampling = true;
    try {
      await takeSample();
    } finally {
      sampling = false;
    }
  };
  const takeSample = async () => {
    const m = await scrapeMetrics(app.url).catch(() => new Map<string, number>());
    let queue = 0;
    for (const [k, v] of m) if (k.startsWith('hazway_queue_jobs{') && /state="(waiting|wait|delayed|active|prioritized)"/.test(k)) queue += v;
    const s: Sample = {
      t: Math.round((Date.now() - t0) / 1000),
      rss: app.rss(),
      heap: sumMetric(m, 'hazway_nodejs_heap_size_used_bytes'),
      liveHeap: m.get('hazway_nodejs_heap_used_after_major_gc_bytes') ?? NaN,
      majorGcs: sumMetric(m, 'hazway_nodejs_major_gc_total'),
      eldP99: sumMetric(m, 'hazway_nodejs_eventloop_lag_p99_seconds') * 1000,
      eldMax: sumMetric(m, 'hazway_nodejs_eventloop_lag_max_seconds') * 1000,
      queue,
      pending: sumMetric(m, 'hazway_positions_pending_rows'),
      monitorBacklog: sumMetric(m, 'hazway_monitor_pending_positions'),
      monitorDropped: sumMetric(m, 'hazway_monitor_positions_dropped_total'),
      acked,
      watcherPositions,
      errors: app.errorLines.length,
    };
    samples.push(s);
    const rate = Math.round((acked - lastAcked) / flags.sampleS);
    lastAcked = acked;
    say(
      `t=${s.t}s RSS ${mib(s.rss)}, heap ${mib(s.heap)} (after full GC ${mib(s.liveHeap)}, ${s.majorGcs} full GCs), event-loop delay p99 ${s.eldP99.toFixed(1)} ms (max ${s.eldMax.toFixed(1)}), ` +
        `queues ${s.queue}, pending rows ${s.pending}, rules backlog ${s.monitorBacklog} (dropped ${s.monitorDropped}), acked ${s.acked} (${rate}/s), watchers got ${s.watcherPositions}, error lines ${s.errors}`,
    );
  };
  await sample();
  const timer = setInterval(() => void sample(), flags.sampleS * 1000);
  onCleanup(() => clearInterval(timer));
  const snapshotTimers = flags.heapSnapshots.map((atS) =>
    setTimeout(() => {
      say(`t=${atS}s heap snapshot requested (SIGUSR2) into ${flags.snapshotDir}`);
      app.child.kill('SIGUSR2');
    }, atS * 1000),
  );
  onCleanup(() => snapshotTimers.forEach(clearTimeout));
  const stats = await simulation;
  const serverCpuS = cpuSeconds(app.child.pid!) - cpuAtStart;
  const loadS = (Date.now() - loadStarted) / 1000;
  clearInterval(timer);
  snapshotTimers.forEach(clearTimeout);
  await sleep(1_000);
  await sample();

  // ---- report
  const series: Series[] = [
    { name: 'RSS', unit: mib, pick: (s) => s.rss, rule: 'peak' },
    { name: 'heap used (sampled)', unit: mib, pick: (s) => s.heap, rule: 'shown' },
    { name: 'heap after full GC (live)', unit: mib, pick: (s) => s.liveHeap, rule: 'mean', noise: 5 * 2 ** 20 },
    { name: 'event-loop delay p99 (ms)', unit: (x) => x.toFixed(1), pick: (s) => s.eldP99, rule: 'mean', factor: 1.5, noise: 50 },
    { name: 'queue depth (jobs)', unit: (x) => String(Math.round(x)), pick: (s) => s.queue, rule: 'mean', noise: 100 },
    { name: 'pending rows', unit: (x) => String(Math.round(x)), pick: (s) => s.pending, rule: 'mean', noise: 1000 },
    { name: 'rules backlog (positions)', unit: (x) => String(Math.round(x)), pick: (s) => s.monitorBacklog, rule: 'mean', noise: 1000 },
    { name: 'error-level log lines', unit: (x) => String(Math.round(x)), pick: (s) => s.errors, rule: 'shown' },
  ];
  // Warm-up (the heap grows to its steady size: the first quarter of the run, at most 5 minutes) is left out of
  // the verdicts; a run under 10 minutes is too short for them to mean much, and says so.
  const warm = samples.filter((s) => s.t >= Math.min(300, durationS / 4));
  const indicative = durationS < 600 ? ' (run under 10 min: indicative only)' : '';
  const verdicts = series.map((s) => verdict(samples, warm, s));
  const errors = app.errorLines.length;
  console.log('\nSoak summary');
  console.log(`  load: ${flags.terminals} terminals, ${flags.rate} positions/s offered${flags.batch > 1 ? ` (0x0704 batches of ${flags.batch})` : ' (one 0x0200 each)'}, window ${flags.window}, for ${flags.minutes} min, ${flags.watchers} watchers; ${monitoring}`);
  console.log(
    `  simulator: sent ${stats.sent}, acknowledged ${stats.acked} (${stats.positionsPerSecond}/s sustained), failed ${stats.failed}, missed ${stats.missed}, throttled ${stats.throttled}, ` +
      `ACK latency p50 ${stats.latencyMs.p50} / p99 ${stats.latencyMs.p99} ms; disconnects ${stats.disconnects}`,
  );
  console.log(`  watchers received ${watcherPositions} positions`);
  // CPU time is less disturbed by other processes than rates are: the figure to compare across runs.
  const cpuMsPerPosition = (1000 * serverCpuS) / Math.max(1, stats.acked);
  console.log(
    `  server process CPU: ${serverCpuS.toFixed(1)} s in ${loadS.toFixed(0)} s of load (${((100 * serverCpuS) / loadS).toFixed(0)} % of a core), ` +
      `${cpuMsPerPosition.toFixed(3)} ms per acknowledged position (all its threads: main, GC helpers, libuv; PostgreSQL not included)`,
  );
  for (const v of verdicts) console.log(`  ${v.name.padEnd(26)} start ${v.start.padStart(10)}  end ${v.end.padStart(10)}  peak ${v.peak.padStart(10)}  (${v.basis}): ${v.verdict}${indicative}`);
  console.log(`  error-level log lines: ${errors}${errors ? `; first: ${app.errorLines[0]!.slice(0, 300)}` : ''}`);
  const growing = verdicts.filter((v) => v.verdict === 'GROWING').map((v) => v.name);
  const dropped = samples.at(-1)?.monitorDropped ?? 0;
  // The server kept up when it acknowledged (nearly) what was offered; the simulator drops slots it could not
  // send in time (`missed`: the load generator's own lag) and those held back by unanswered ones (`throttled`:
  // the server's).
  const offered = flags.rate * durationS;
  const keptUp = stats.acked >= 0.95 * offered;
  const problems = [
    growing.length ? `growing: ${growing.join(', ')}` : '',
    errors ? `${errors} error lines` : '',
    stats.failed ? `${stats.failed} failed positions` : '',
    dropped ? `${dropped} positions not evaluated by the rules (too far behind)` : '',
    keptUp ? '' : `saturated: acknowledged ${stats.acked} of ${offered} offered (${((100 * stats.acked) / offered).toFixed(1)} %)`,
  ].filter(Boolean);
  const ok = problems.length === 0;
  if (stats.missed > 0.01 * offered) console.log(`  note: the load generator fell behind (${stats.missed} slots missed): less than the offered rate was sent`);
  console.log(`  verdict: ${ok ? 'stable: flat, no errors, kept up' : problems.join('; ')}`);
  if (flags.heapSnapshots.length) {
    const files = readdirSync(flags.snapshotDir).filter((f) => f.endsWith('.heapsnapshot')).sort();
    console.log(`  heap snapshots in ${flags.snapshotDir}: ${files.join(', ') || 'none written'}; compare: node dist/bench/heap-diff.js <earlier> <later>`);
    console.log('  note: each snapshot stopped the server for a while: latency, event-loop delay and RSS around them are not the steady state');
  }
  if (flags.json) console.log(JSON.stringify({ soak: { flags, monitoring, stats: { ...stats, authCodes: undefined }, watcherPositions, serverCpuS, loadS, cpuMsPerPosition, verdicts, errors, dropped, keptUp, ok, samples } }));
  await app.kill('SIGTERM');
  return ok ? 0 : 1;
}

await runMain(() => main(parseFlags(process.argv.slice(2))));
