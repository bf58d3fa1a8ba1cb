// Pre-loading check benchmark: `npm run bench:checks` (see bench/README.md). Starts the real app in this process on
// a fresh database, builds one shipper, carrier (licensed, vehicles with terminals reporting, tanks, crews),
// consignee and loading site with its loading manager through the HTTP API, issues waybills of three goods lines
// each (the carrier's pre-trip inspection of each recorded, for PL-26), then runs the full rule evaluation (POST /loading-checks) on them:
//   1. BENCH_CHECK_WARMUP checks at BENCH_CONCURRENCY clients, unmeasured (JIT warm-up),
//   2. BENCH_CHECKS checks at BENCH_CONCURRENCY clients in a closed loop (each client sends its next check when
//      its last one is answered): checks/s, latency percentiles, CPU and SQL statements per check,
//   3. BENCH_OPEN_CHECKS checks arriving at BENCH_OPEN_RATE per second in an open loop (arrivals do not wait for
//      answers): latency percentiles at that rate, measured from each check's scheduled start.
// Prints its figures and the raw COPY rate measured in the same run for the ratio. Asserts nothing about speed;
// exits 1 only when a check did not come back as the expected pass, or its answer differs from the stored check.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import pg from 'pg';
import { startLoadClient, type Job, type JobResult } from './load-client.js';
import {
  backendCpuMeter,
  copyRate,
  cpuMeter,
  envInt,
  fmt,
  fromDist,
  HttpClient,
  log,
  machineFacts,
  percentiles,
  postgresCpuMeter,
  redisCpuMeter,
  processCpuMeter,
  profilePhase,
  sqlCounter,
  startBenchCluster,
  table,
  threadCpuMeter,
  withBenchApp,
  type BenchApp,
  type BenchCluster,
} from './harness.js';

const CONFIG = {
  checks: envInt('BENCH_CHECKS', 2000),
  warmup: envInt('BENCH_CHECK_WARMUP', 200, 0),
  concurrency: envInt('BENCH_CONCURRENCY', 50),
  openChecks: envInt('BENCH_OPEN_CHECKS', 1500, 0),
  openRate: envInt('BENCH_OPEN_RATE', 300),
  vehicles: envInt('BENCH_VEHICLES', 20),
  // > 1: the app runs as `node dist/main.js` with WORKERS=this (a primary and its workers sharing the port, needs
  // REDIS_URL) instead of in this process; the app's CPU is then read from /proc for those processes, and the
  // in-process figures (app thread, SQL count, event-loop delay, CPU profile) are not available.
  workers: envInt('BENCH_APP_WORKERS', 1),
};
const TARGET = { checksPerSecond: 300, p99Ms: 50 };

// Key order aside, for comparing an answer with the stored record.
const sortedKeys = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(sortedKeys)
    : v && typeof v === 'object'
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, sortedKeys(x)]))
      : v;

const { shanghaiDate } = await fromDist('vehicles/certificate.rules.js');

// Every pre-loading gate checklist item answered yes (the catalogue's own list).
const { GATE_CHECKLIST } = await fromDist('loading-checks/check-rules.catalogue.js');
const CHECKLIST = (GATE_CHECKLIST as { key: string; phase: string }[]).filter((i) => i.phase === 'pre_loading').map((i) => ({ key: i.key, ok: true }));

// Diesel, kerosene and petroleum distillates: three class 3 lines that may travel together in one tank.
const LINES = [
  { unNumber: 'UN1202', packingGroup: 'III', declaredQuantity: 8, unit: 't', sdsRef: 'SDS-1202', labelRef: 'LBL-1202' },
  { unNumber: 'UN1223', packingGroup: 'III', declaredQuantity: 6, unit: 't', sdsRef: 'SDS-1223', labelRef: 'LBL-1223' },
  { unNumber: 'UN1268', packingGroup: 'III', declaredQuantity: 5, unit: 't', sdsRef: 'SDS-1268', labelRef: 'LBL-1268' },
];

const idWithCheck = (first17: string) => {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  return first17 + '10X98765432'[[...first17].reduce((s, d, i) => s + Number(d) * w[i]!, 0) % 11];
};

async function world(http: HttpClient, b: Pick<BenchApp, 'adminPassword'>) {
  const admin = (await http.ok('POST', '/auth/login', { username: 'admin', password: b.adminPassword })).accessToken as string;
  const password = 'bench-password-123';
  const org = async (kind: string, name: string, regionCode: string, roles: string[]) => {
    const o = await http.ok('POST', '/organisations', { kind, name, regionCode }, admin);
    const username = `${kind.replace('_', '')}-${randomBytes(3).toString('hex')}`;
    await http.ok('POST', `/organisations/${o.id}/users`, { username, displayName: name, roles, password }, admin);
    return { id: o.id as string, token: (await http.ok('POST', '/auth/login', { username, password })).accessToken as string };
  };
  const shipper = await org('shipper', '基准托运', '150602', ['org_admin', 'shipper']);
  const carrier = await org('carrier', '基准承运', '150203', ['org_admin', 'carrier']);
  const consignee = await org('consignee', '基准收货', '150105', ['org_admin', 'consignee']);
  const site = await org('loading_site', '基准装车站', '150627', ['org_admin', 'loader']);
  await http.ok('PUT', `/organisations/${carrier.id}/carrier-licence`, { number: 'BENCH-1', validUntil: '2035-01-01', scope: ['3'], highlyToxic: false }, carrier.token);
  const dispatches = [];
  for (let i = 0; i < CONFIG.vehicles; i++) {
    const certs = { drivingLicenceValidUntil: '2035-01-01', nextSafetyInspection: '2035-01-01', transportCertValidUntil: '2035-01-01', insuranceValidUntil: '2035-01-01', transportScope: ['3'] };
    const n = String(10000 + i).slice(1);
    const vehicle = await http.ok('POST', '/vehicles', { plateNumber: `蒙K${n}0`, plateColour: 'yellow', kind: 'tractor', ratedLoadKg: 32000, totalMassKg: 49000, ...certs }, carrier.token);
    const trailer = await http.ok('POST', '/vehicles', { plateNumber: `蒙K${n}挂`, plateColour: 'yellow', kind: 'trailer', ratedLoadKg: 32000, totalMassKg: 40000, ...certs }, carrier.token);
    const tank = await http.ok(
      'POST',
      '/tanks',
      { number: `BT-${n}`, kind: 'atmospheric', volumeL: 30000, tankCode: 'LGBF', media: LINES.map((l) => ({ unNumber: l.unNumber })), nextInspectionDate: '2035-01-01', cleaned: true },
      carrier.token,
    );
    const person = (category: string, k: number) =>
      http.ok(
        'POST',
        '/people',
        {
          name: `${category}${i}`,
          idNumber: idWithCheck(`1502031980${String(1 + (i % 12)).padStart(2, '0')}${String(10 + (i % 18))}${k}${String(i).padStart(2, '0')}`.slice(0, 17)),
          categories: [category],
          drivingLicenceClass: 'A2',
          drivingLicenceValidUntil: '2035-01-01',
          qualificationValidUntil: '2035-01-01',
        },
        carrier.token,
      );
    const driver = await person('driver', 1);
    const escort = await person('escort', 2);
    await http.ok('POST', '/terminals', { phone: `01370000${String(1000 + i)}`, vehicleId: vehicle.id }, carrier.token);
    dispatches.push({ vehicleId: vehicle.id, trailerId: trailer.id, tankId: tank.id, driverId: driver.id, escortId: escort.id });
  }
  // The carrier's safety officer, who makes every pre-trip inspection (Order 29 art. 25, PL-26).
  const inspector = await http.ok(
    'POST',
    '/people',
    { name: '基准安全员', idNumber: idWithCheck('15020319790405135'), categories: ['escort'], qualificationValidUntil: '2035-01-01' },
    carrier.token,
  );
  const place = (token: string, kind: string, lat: number, lon: number, regionCode: string) =>
    http.ok('POST', '/places', { kind, name: `${kind}-bench`, address: 'bench', regionCode, lat, lon, radiusM: 500 }, token);
  const origin = await place(site.token, 'loading_site', 39.6, 109.8, '150627');
  const destination = await place(consignee.token, 'unloading_site', 40.8, 111.7, '150105');
  const operator = await http.ok(
    'POST',
    '/people',
    { name: '基准装卸', idNumber: idWithCheck('15062719790405123'), categories: ['loading_manager'], qualificationValidUntil: '2035-01-01' },
    site.token,
  );
  return { shipper, carrier, consignee, site, dispatches, origin, destination, operatorId: operator.id as string, inspectorId: inspector.id as string };
}

// The terminals report: every vehicle's latest fix is fresh, as the ingest pipeline would leave it (PL-25).
async function keepTerminalsFresh(databaseUrl: string) {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  const touch = () =>
    c.query(
      `INSERT INTO vehicle_latest_positions (vehicle_id, fix_time, lat, lon, speed_kmh, course, alarm_bits, status_bits, received_at)
       SELECT vehicle_id, now(), 39.6, 109.8, 0, 0, 0, 3, now() FROM terminals WHERE vehicle_id IS NOT NULL
       ON CONFLICT (vehicle_id) DO UPDATE SET fix_time = now(), received_at = now()`,
    );
  await touch();
  const timer = setInterval(() => void touch().catch(() => undefined), 30_000);
  return async () => {
    clearInterval(timer);
    await c.end();
  };
}

async function main(b: BenchApp | BenchCluster): Promise<number> {
  const cluster = 'workers' in b ? b : null;
  const http = new HttpClient(b.url, 8);
  const load = await startLoadClient(b.url, CONFIG.concurrency);
  log(`building the world: ${CONFIG.vehicles} vehicles with crews and terminals`);
  const w = await world(http, b);
  const stopFresh = await keepTerminalsFresh(b.databaseUrl);

  const total = CONFIG.warmup + CONFIG.checks + CONFIG.openChecks;
  log(`issuing ${total} waybills of ${LINES.length} lines, each with its pre-trip inspection`);
  // Dated when it is recorded: PL-26 compares the inspection's calendar day in China with the check's (see
  // inspectAgain below).
  const preTrip = (d: (typeof w.dispatches)[number]) => {
    const at = new Date().toISOString();
    return {
      inspectorId: w.inspectorId,
      inspectedAt: at,
      items: ['vehicle', 'tank_container', 'equipment', 'satellite_terminal'].map((key) => ({ key, ok: true })),
      briefing: { personIds: [d.driverId, d.escortId], briefedAt: at },
    };
  };
  const issueJobs: Job[] = Array.from({ length: total }, (_, i) => [
    {
      method: 'POST',
      path: '/waybills',
      token: w.shipper.token,
      expect: 201,
      body: {
        consigneeId: w.consignee.id,
        carrierId: w.carrier.id,
        loadingSiteId: w.site.id,
        originPlaceId: w.origin.id,
        destinationPlaceId: w.destination.id,
        plannedDepartureAt: new Date(Date.now() + 3600_000).toISOString(),
        plannedArrivalAt: new Date(Date.now() + 8 * 3600_000).toISOString(),
        emergencyContactName: '值班室',
        emergencyContactPhone: '0477-1234567',
        lines: LINES,
      },
    },
    { method: 'POST', path: '/waybills/{0.id}/dispatch', body: w.dispatches[i % w.dispatches.length], token: w.carrier.token, expect: 200 },
    { method: 'POST', path: '/waybills/{0.id}/issue', token: w.shipper.token, expect: 200, keepBody: true },
    { method: 'POST', path: '/waybills/{0.id}/pre-trip-inspections', body: preTrip(w.dispatches[i % w.dispatches.length]!), token: w.carrier.token, expect: 201 },
  ]);
  // Set-up, not measured: at 10 clients, so that a loaded machine does not time out the app's pool here.
  const issueStarted = Date.now();
  const issued = await load.run(issueJobs, 10);
  const bad = issued.results.filter((r) => !r.ok);
  if (bad.length) throw new Error(`${bad.length} waybills could not be issued: ${JSON.stringify(bad[0]!.steps.at(-1)).slice(0, 400)}`);
  const numbers = issued.results.map((r) => (r.steps[2]!.body as { number: string }).number);
  // PL-26 wants the pre-trip inspection on the check's calendar day in China. When that day has turned since set-up
  // (16:00 UTC), a phase's waybills get another inspection before the phase starts (unmeasured); a phase that runs
  // across the turn fails PL-26 on the checks after it, and says so.
  const ids = issued.results.map((r) => (r.steps[2]!.body as { id: string }).id);
  const inspectedOn: string = shanghaiDate(new Date(issueStarted));
  const inspectAgain = async (phase: string, from: number, to: number) => {
    const today: string = shanghaiDate(new Date());
    if (today === inspectedOn || from >= to) return;
    log(`the day in China turned since set-up (${inspectedOn} → ${today}): recording the ${phase}'s ${to - from} pre-trip inspections again`);
    const again = await load.run(
      ids.slice(from, to).map((id, k) => [
        { method: 'POST', path: `/waybills/${id}/pre-trip-inspections`, body: preTrip(w.dispatches[(from + k) % w.dispatches.length]!), token: w.carrier.token, expect: 201 },
      ]),
      10,
    );
    if (again.results.some((r) => !r.ok)) throw new Error(`pre-trip inspections could not be recorded again for the ${phase}`);
  };
  const warmupNumbers = numbers.slice(0, CONFIG.warmup);
  const closedNumbers = numbers.slice(CONFIG.warmup, CONFIG.warmup + CONFIG.checks);
  const openNumbers = numbers.slice(CONFIG.warmup + CONFIG.checks);

  const checkJob = (waybillNumber: string, keepBody = false): Job => [
    { method: 'POST', path: '/loading-checks', body: { waybillNumber, operatorId: w.operatorId, checklist: CHECKLIST }, token: w.site.token, expect: 201, keepBody },
  ];
  let failures = 0;
  const expectPass = (phase: string, results: JobResult[]) => {
    for (const r of results) {
      const s = r.steps[0]!;
      if (r.ok && s.outcome === 'pass') continue;
      failures++;
      if (failures <= 3) log(`unexpected answer in ${phase}: ${s.status} ${s.outcome ?? ''} ${s.error ?? ''}`);
      if (failures === 1 && shanghaiDate(new Date()) !== inspectedOn) log('(the day in China turned during the run: PL-26 fails checks after it; run again)');
    }
  };

  const copyBefore = await copyRate(b.databaseUrl);
  if (warmupNumbers.length) {
    await inspectAgain('warm-up', 0, CONFIG.warmup);
    log(`warm-up: ${warmupNumbers.length} checks at ${CONFIG.concurrency} clients, unmeasured`);
    expectPass('warm-up', (await load.run(warmupNumbers.map((n) => checkJob(n)), CONFIG.concurrency)).results);
  }

  await inspectAgain('closed loop', CONFIG.warmup, CONFIG.warmup + CONFIG.checks);
  log(`closed loop: ${closedNumbers.length} checks at ${CONFIG.concurrency} concurrent clients`);
  const sql = sqlCounter();
  if (process.env.BENCH_SQL_LOG) sql.record();
  const cpu = cpuMeter();
  const appCpu = cluster ? processCpuMeter(cluster.pids()) : null;
  const threads = threadCpuMeter([process.pid, load.tid]);
  const pgCpu = postgresCpuMeter();
  const redisCpu = redisCpuMeter();
  const dbCpu = await backendCpuMeter(b.databaseUrl);
  const elu0 = performance.eventLoopUtilization();
  const stopProfile = cluster ? async () => undefined : await profilePhase('checks'); // the app's thread: in this process only
  const closed = await load.run(closedNumbers.map((n, i) => checkJob(n, i < 10)), CONFIG.concurrency);
  const profileFile = await stopProfile();
  const elu = performance.eventLoopUtilization(elu0);
  const closedCpu = cpu();
  const clusterCpu = appCpu?.();
  const [appThread, clientThread] = threads();
  const closedPg = pgCpu();
  const closedRedis = redisCpu();
  const closedDb = dbCpu();
  const closedSql = sql.count;
  sql.restore();
  if (profileFile) log(`profile of the closed-loop phase: ${profileFile}`);
  if (process.env.BENCH_SQL_LOG) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(process.env.BENCH_SQL_LOG, sql.recorded().map(([text, n]) => `${n}\t${text}`).join('\n') + '\n');
    log(`SQL statements of the closed-loop phase, with counts: ${process.env.BENCH_SQL_LOG}`);
  }
  expectPass('closed loop', closed.results);
  // The answer is the stored check: compared with GET /loading-checks/:id (which also shows the snapshot).
  for (const r of closed.results.slice(0, 10)) {
    const answer = r.steps[0]!.body as Record<string, unknown> | undefined;
    if (!answer?.id) continue;
    const stored = await http.request('GET', `/loading-checks/${answer.id}`, undefined, w.site.token);
    const { snapshot, ...rest } = (stored.body ?? {}) as Record<string, unknown>;
    if (stored.status !== 200 || JSON.stringify(sortedKeys(rest)) !== JSON.stringify(sortedKeys(answer)) || !snapshot) {
      failures++;
      log(`the answer to check ${String(answer.id)} differs from GET /loading-checks/${String(answer.id)}`);
    }
  }

  const rate = closedNumbers.length / closed.seconds;
  const p = percentiles(closed.results.map((r) => r.ms), [50, 95, 99]);
  const n = Math.max(1, closedNumbers.length);
  const perCheck = (s: number | null | undefined) => (s === null || s === undefined ? 'n/a' : `${fmt((s * 1000) / n, 2)} ms`);
  const ms = (x: number | undefined) => fmt(x!, 1);
  const helpers = cluster || appThread === null || clientThread === null ? null : closedCpu.cpuSeconds - appThread - (load.where === 'main thread' ? 0 : clientThread);
  console.log('\nPre-loading checks (full rule evaluation, 3 goods lines, gate checklist answered)');
  table([
    ...Object.entries(machineFacts(b)).map(([k, v]) => [k, String(v)] as [string, string]),
    ['clients', `node:http keep-alive agent with ${CONFIG.concurrency} sockets, in a ${load.where} of this process`],
    [
      'app',
      `${cluster ? `node dist/main.js with WORKERS=${cluster.workers} (primary and workers: pids ${cluster.pids().join(', ')})` : 'in-process'}, ROLES=${(b.env.ROLES as string[]).join(',')}, DATABASE_POOL_SIZE=${b.env.DATABASE_POOL_SIZE}${cluster ? ' per worker' : ''}, LOG_LEVEL=${b.env.LOG_LEVEL}`,
    ],
    ['warm-up checks (unmeasured)', fmt(warmupNumbers.length)],
    ['CLOSED LOOP', `${fmt(closedNumbers.length)} checks, ${fmt(CONFIG.concurrency)} concurrent clients`],
    ['  checks/s', fmt(rate, 1)],
    ['  latency p50 / p95 / p99 / max (ms)', `${ms(p.p50)} / ${ms(p.p95)} / ${ms(p.p99)} / ${ms(p.max)}`],
    ['  mean latency (ms) = clients / rate', `${ms(closed.results.reduce((s, r) => s + r.ms, 0) / n)} (Little's law: ${ms((CONFIG.concurrency / rate) * 1000)})`],
    ...(cluster
      ? ([
          [
            '  CPU while checking',
            `app processes ${fmt(clusterCpu!.coreShare * 100)} % of a core; bench process (clients) ${fmt(closedCpu.coreShare * 100)} %; PostgreSQL ${closedPg ? `${fmt(closedPg.coreShare * 100)} %` : 'n/a'}; ${fmt(os.cpus().length * 100)} % available`,
          ],
          [
            '  CPU ms per check',
            `app processes ${perCheck(clusterCpu!.cpuSeconds)}; client thread ${perCheck(clientThread)}; this database's PostgreSQL backends ${perCheck(closedDb?.cpuSeconds)}; app processes + backends ${perCheck(closedDb ? clusterCpu!.cpuSeconds + closedDb.cpuSeconds : null)}; Redis ${perCheck(closedRedis?.cpuSeconds)}`,
          ],
        ] as [string, string][])
      : ([
    ['  SQL statements / check', `${fmt(closedSql / n, 1)} (every pg query of this process)`],
    [
      '  CPU while checking',
      `app thread ${appThread === null ? 'n/a' : `${fmt((appThread / closed.seconds) * 100)} %`} of a core (event loop busy ${fmt(elu.utilization * 100)} %); whole process ${fmt(closedCpu.coreShare * 100)} %; PostgreSQL ${closedPg ? `${fmt(closedPg.coreShare * 100)} %` : 'n/a'}; ${fmt(os.cpus().length * 100)} % available`,
    ],
    [
      '  CPU ms per check',
      `app thread ${perCheck(appThread)}; client thread ${load.where === 'main thread' ? '(in the app thread)' : perCheck(clientThread)}; rest of the process ${perCheck(helpers)}; this database's PostgreSQL backends ${perCheck(closedDb?.cpuSeconds)}; app process + backends ${perCheck(closedDb ? closedCpu.cpuSeconds + closedDb.cpuSeconds : null)}; every postgres process on the machine ${perCheck(closedPg?.cpuSeconds)}; Redis ${perCheck(closedRedis?.cpuSeconds)}`,
    ],
        ] as [string, string][])),
  ]);

  let open: { rate: number; seconds: number; p: Record<string, number>; maxInFlight: number; loopDelayMs: { p99: number; max: number } } | undefined;
  if (openNumbers.length) {
    await inspectAgain('open loop', CONFIG.warmup + CONFIG.checks, total);
    log(`open loop: ${openNumbers.length} checks arriving at ${CONFIG.openRate}/s`);
    // The app's event-loop delay during the open loop: a stall of the app's thread delays every check in flight.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const stopOpenProfile = cluster ? async () => undefined : await profilePhase('checks-open');
    const run = await load.runOpen(openNumbers.map((n) => checkJob(n)), CONFIG.openRate);
    const openProfile = await stopOpenProfile();
    if (openProfile) log(`profile of the open loop: ${openProfile}`);
    loopDelay.disable();
    expectPass('open loop', run.results);
    open = {
      rate: openNumbers.length / run.seconds,
      seconds: run.seconds,
      p: percentiles(run.results.map((r) => r.ms)),
      maxInFlight: run.maxInFlight ?? 0,
      loopDelayMs: { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
    };
  }
  const copyAfter = await copyRate(b.databaseUrl);
  await stopFresh();
  await load.close();
  http.close();

  const copy = (copyBefore.rowsPerSecond + copyAfter.rowsPerSecond) / 2;
  table([
    ...(open
      ? ([
          ['OPEN LOOP', `${fmt(openNumbers.length)} checks arriving at ${fmt(CONFIG.openRate)}/s (achieved ${fmt(open.rate, 1)}/s)`],
          ['  latency p50 / p95 / p99 / max (ms)', `${ms(open.p.p50)} / ${ms(open.p.p95)} / ${ms(open.p.p99)} / ${ms(open.p.max)}  (from each check's scheduled start)`],
          ['  most checks in flight at once', fmt(open.maxInFlight)],
          ...(cluster ? [] : ([['  app event-loop delay p99 / max (ms)', `${ms(open.loopDelayMs.p99)} / ${ms(open.loopDelayMs.max)}`]] as [string, string][])),
        ] as [string, string][])
      : []),
    ['failures', fmt(failures)],
    ['raw COPY rows/s (same database, before/after)', `${fmt(copyBefore.rowsPerSecond)} / ${fmt(copyAfter.rowsPerSecond)}`],
    ['checks/s ÷ COPY rows/s', (rate / copy).toExponential(3)],
    [
      'target (2 cores)',
      `≥ ${TARGET.checksPerSecond} checks/s at ${CONFIG.concurrency} clients: ${rate >= TARGET.checksPerSecond ? 'met' : 'NOT met'}; p99 ≤ ${TARGET.p99Ms} ms: closed loop ${p.p99! <= TARGET.p99Ms ? 'met' : 'NOT met'}${
        open ? `, open loop at ${fmt(CONFIG.openRate)}/s ${open.p.p99! <= TARGET.p99Ms ? 'met' : 'NOT met'}` : ''
      } (see bench/README.md on the pairing)`,
    ],
  ]);
  console.log(
    JSON.stringify({
      bench: 'checks',
      checks: closedNumbers.length,
      concurrency: CONFIG.concurrency,
      checksPerSecond: rate,
      latencyMs: p,
      workers: cluster?.workers ?? 1,
      sqlPerCheck: cluster ? null : closedSql / n,
      cpuMsPerCheck: {
        appThread: cluster || appThread === null ? null : (appThread * 1000) / n,
        process: ((clusterCpu ?? closedCpu).cpuSeconds * 1000) / n,
        backends: closedDb ? (closedDb.cpuSeconds * 1000) / n : null,
        allPostgres: closedPg ? (closedPg.cpuSeconds * 1000) / n : null,
        redis: closedRedis ? (closedRedis.cpuSeconds * 1000) / n : null,
      },
      openLoop: open ? { checks: openNumbers.length, ratePerSecond: CONFIG.openRate, achieved: open.rate, latencyMs: open.p, maxInFlight: open.maxInFlight, appLoopDelayMs: cluster ? null : open.loopDelayMs } : null,
      failures,
      copyRowsPerSecond: copy,
    }),
  );
  return failures ? 1 : 0;
}

await (CONFIG.workers > 1 ? withBenchApp(main, () => startBenchCluster(CONFIG.workers)) : withBenchApp(main));
