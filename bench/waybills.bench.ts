// Waybill issue benchmark: `npm run bench:waybills` (see bench/README.md). Starts the real app in this process on a
// fresh database, builds a world of shippers, carriers (licensed, with vehicles, trailers, tanks, drivers and
// escorts), consignees and loading sites through the HTTP API, then measures at BENCH_CONCURRENCY clients:
//   1. create + dispatch of BENCH_WAYBILLS + BENCH_ISSUE_WARMUP drafts (the warm-up),
//   2. issue of BENCH_ISSUE_WARMUP of them unmeasured, then of the other BENCH_WAYBILLS (the figure the target is about),
//   3. the whole create -> dispatch -> issue flow on BENCH_FLOWS more waybills,
//   4. QR verification over HTTP (POST /public/verify) and in-process (verifyWaybillQr),
//   5. the raw PostgreSQL COPY rate on the same database, before and after, for the machine-independent ratio.
// Prints its figures; asserts nothing about speed. Exits 1 only when a request failed or an answer was wrong.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { startLoadClient, type JobResult, type Step } from './load-client.js';
import {
  copyRate,
  cpuMeter,
  profilePhase,
  threadCpuMeter,
  postgresCpuMeter,
  backendCpuMeter,
  envInt,
  fmt,
  fromDist,
  HttpClient,
  log,
  machineFacts,
  percentiles,
  runPool,
  sqlCounter,
  table,
  withBenchApp,
  type BenchApp,
  type CopyResult,
} from './harness.js';

const CONFIG = {
  waybills: envInt('BENCH_WAYBILLS', 3000),
  issueWarmup: envInt('BENCH_ISSUE_WARMUP', 200, 0), // issued first and not measured (JIT warm-up of the issue path)
  flows: envInt('BENCH_FLOWS', 1000),
  concurrency: envInt('BENCH_CONCURRENCY', 50),
  shippers: envInt('BENCH_SHIPPERS', 4),
  carriers: envInt('BENCH_CARRIERS', 4),
  consignees: envInt('BENCH_CONSIGNEES', 4),
  loadingSites: envInt('BENCH_LOADING_SITES', 4),
  unitsPerCarrier: envInt('BENCH_UNITS_PER_CARRIER', 10), // tractor + trailer + tank + driver + escort each
  copyRows: envInt('BENCH_COPY_ROWS', 200_000),
  verifySeconds: envInt('BENCH_VERIFY_SECONDS', 2),
};
const TARGET_ISSUED_PER_SECOND = 300;

type Party = { id: string; token: string };
type Unit = { vehicleId: string; trailerId: string; tankId: string; driverId: string; escortId: string };
type World = {
  shippers: Party[];
  carriers: (Party & { units: Unit[] })[];
  consignees: Party[];
  loaders: (Party & { originId: string })[];
  destinations: string[]; // one unloading site per consignee
};

// GB 11643 resident ID number: 17 digits + ISO 7064 MOD 11-2 check character.
function idNumber(first17: string) {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * weights[i]!, 0);
  return first17 + '10X98765432'[sum % 11];
}

const birthDate = (k: number) => new Date(Date.UTC(1975, 0, 1) + k * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');

// ------------------------------------------------------------------------------------------- the world

async function buildWorld(b: BenchApp, http: HttpClient): Promise<World> {
  const admin = (await http.ok('POST', '/auth/login', { username: 'admin', password: b.adminPassword })).accessToken as string;
  const password = 'bench correct horse battery';
  let orgSeq = 0;
  const org = async (kind: string, name: string, regionCode: string): Promise<Party> => {
    const n = ++orgSeq;
    const o = await http.ok('POST', '/organisations', { kind, name, regionCode }, admin);
    const username = `bench_${kind.replace('_', '')}_${n}`;
    await http.ok('POST', `/organisations/${o.id}/users`, { username, displayName: `${name} 值班员`, roles: ['org_admin', kind === 'loading_site' ? 'loader' : kind], password }, admin);
    const token = (await http.ok('POST', '/auth/login', { username, password })).accessToken as string;
    return { id: o.id, token };
  };
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  const inParallel = async <T>(n: number, fn: (i: number) => Promise<T>, concurrency = 8): Promise<T[]> => {
    const out: T[] = new Array(n);
    await runPool(range(n), concurrency, async (i) => {
      out[i] = await fn(i);
    });
    return out;
  };

  const shippers = await inParallel(CONFIG.shippers, (i) => org('shipper', `托运化工${i + 1} 有限公司`, '150602'));
  const consignees = await inParallel(CONFIG.consignees, (i) => org('consignee', `收货化工${i + 1} 有限公司`, '150105'));
  const loaderParties = await inParallel(CONFIG.loadingSites, (i) => org('loading_site', `装车站${i + 1} 有限公司`, '150627'));
  const carrierParties = await inParallel(CONFIG.carriers, (i) => org('carrier', `危运物流${i + 1} 有限公司`, '150203'));

  const place = (token: string, kind: string, name: string, lat: number, lon: number, regionCode: string) =>
    http.ok('POST', '/places', { kind, name, address: `${name}地址`, regionCode, lat, lon, radiusM: 500 }, token).then((p) => p.id as string);
  const loaders = await inParallel(loaderParties.length, async (i) => ({
    ...loaderParties[i]!,
    originId: await place(loaderParties[i]!.token, 'loading_site', `装车站${i + 1}`, 39.6 + i * 0.01, 109.8, '150627'),
  }));
  const destinations = await inParallel(consignees.length, (i) => place(consignees[i]!.token, 'unloading_site', `卸货点${i + 1}`, 40.8 + i * 0.01, 111.7, '150105'));

  const scope = ['1', '2', '3', '4', '5', '6.1', '8', '9'];
  const carriers = await inParallel(carrierParties.length, async (c) => {
    const carrier = carrierParties[c]!;
    await http.ok('PUT', `/organisations/${carrier.id}/carrier-licence`, { number: `蒙交危${150203000 + c}`, validUntil: '2030-01-01', scope, highlyToxic: true }, carrier.token);
    const vehicle = (plateNumber: string, kind: string) => ({
      plateNumber,
      plateColour: 'yellow',
      kind,
      transportScope: scope,
      drivingLicenceValidUntil: '2030-01-01',
      transportCertValidUntil: '2030-01-01',
      insuranceValidUntil: '2030-01-01',
      ratedLoadKg: 32000,
      totalMassKg: 49000,
    });
    const person = (name: string, k: number, categories: string[]) => ({
      name,
      idNumber: idNumber(`150203${birthDate(k)}${categories[0] === 'driver' ? '101' : '202'}`),
      categories,
      drivingLicenceClass: 'A2',
      drivingLicenceValidUntil: '2030-01-01',
      qualificationValidUntil: '2030-01-01',
      endorsements: ['highly_toxic', 'explosives'],
    });
    const units = await inParallel(CONFIG.unitsPerCarrier, async (u): Promise<Unit> => {
      const k = c * 1000 + u;
      const serial = String(k).padStart(4, '0');
      const [v, t, tank, driver, escort] = await Promise.all([
        http.ok('POST', '/vehicles', vehicle(`蒙B${serial}1`, 'tractor'), carrier.token),
        http.ok('POST', '/vehicles', vehicle(`蒙B${serial}挂`, 'trailer'), carrier.token),
        http.ok(
          'POST',
          '/tanks',
          { number: `T-${c + 1}-${u + 1}`, kind: 'atmospheric', volumeL: 30000, tankCode: 'LGBF', media: [{ unNumber: '1203' }, { unNumber: '1230' }], nextInspectionDate: '2030-01-01' },
          carrier.token,
        ),
        http.ok('POST', '/people', person(`司机${c + 1}-${u + 1}`, k, ['driver']), carrier.token),
        http.ok('POST', '/people', person(`押运${c + 1}-${u + 1}`, k, ['escort']), carrier.token),
      ]);
      return { vehicleId: v.id, trailerId: t.id, tankId: tank.id, driverId: driver.id, escortId: escort.id };
    }, 1);
    return { ...carrier, units };
  }, 2);
  return { shippers, carriers, consignees, loaders, destinations };
}

// The i-th waybill: who ships, carries, receives and loads it, and which vehicle and crew go.
function assignment(w: World, i: number) {
  const shipper = w.shippers[i % w.shippers.length]!;
  const carrier = w.carriers[i % w.carriers.length]!;
  const unit = carrier.units[Math.floor(i / w.carriers.length) % carrier.units.length]!;
  const c = i % w.consignees.length;
  const loader = w.loaders[i % w.loaders.length]!;
  const departure = new Date(Date.now() + (2 + (i % 20)) * 86_400_000);
  const draft = {
    consigneeId: w.consignees[c]!.id,
    carrierId: carrier.id,
    loadingSiteId: loader.id,
    originPlaceId: loader.originId,
    destinationPlaceId: w.destinations[c]!,
    plannedDepartureAt: departure.toISOString(),
    plannedArrivalAt: new Date(departure.getTime() + 8 * 3_600_000).toISOString(),
    plannedRoute: '_p~iF~ps|U_ulLnnqC_mqNvxq`@',
    emergencyContactName: '应急值班室',
    emergencyContactPhone: '0477-1234567',
    lines: [
      i % 2 === 0
        ? { unNumber: 'UN1203', declaredQuantity: 18 + (i % 5), unit: 't', packagingType: '罐车' }
        : { unNumber: 'UN1230', declaredQuantity: 15 + (i % 7), unit: 't', packagingType: '罐车' },
    ],
  };
  return { shipper, carrier, draft, dispatch: unit };
}

// ------------------------------------------------------------------------------------------- phases

type Failure = { phase: string; what: string };

// The issue answer must be the stored waybill: compared with GET /waybills/:id, key order aside.
const sortedKeys = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(sortedKeys)
    : v && typeof v === 'object'
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, sortedKeys(x)]))
      : v;

async function main(b: BenchApp): Promise<number> {
  const http = new HttpClient(b.url, 8); // world building and checks, on this thread
  const load = await startLoadClient(b.url, CONFIG.concurrency);
  const failures: Failure[] = [];
  const fail = (phase: string, what: string) => {
    failures.push({ phase, what });
    if (failures.length <= 5) log(`FAILURE in ${phase}: ${what}`);
  };
  const failed = (phase: string, results: JobResult[]) => {
    for (const r of results) {
      if (!r.ok) {
        const s = r.steps[r.steps.length - 1]!;
        fail(phase, `${s.status} ${s.error ?? ''}`);
      }
    }
    return results.filter((r) => !r.ok).length;
  };

  console.log('\nHazway waybill benchmark');
  console.log('\nMachine');
  table(Object.entries(machineFacts(b)).map(([k, v]) => [k, String(v)] as const));
  console.log('\nConfig');
  table([
    ['waybills issued (N)', `${fmt(CONFIG.waybills)} measured, after ${fmt(CONFIG.issueWarmup)} issued as warm-up`],
    ['create+dispatch+issue flows', fmt(CONFIG.flows)],
    ['concurrent clients', `${CONFIG.concurrency}, node:http keep-alive agent with ${CONFIG.concurrency} sockets, in a ${load.where} of this process`],
    ['world', `${CONFIG.shippers} shippers, ${CONFIG.carriers} carriers x ${CONFIG.unitsPerCarrier} units (tractor, trailer, tank, driver, escort), ${CONFIG.consignees} consignees, ${CONFIG.loadingSites} loading sites`],
    ['app', `in-process, ROLES=${(b.env.ROLES as string[]).join(',')}, DATABASE_POOL_SIZE=${b.env.DATABASE_POOL_SIZE}, LOG_LEVEL=${b.env.LOG_LEVEL}, queues/live on ${b.env.REDIS_URL ? 'Redis' : 'PostgreSQL / in-memory'}`],
    ['database', `${b.database} (fresh, dropped at the end)`],
    ['COPY rows per run', `${fmt(CONFIG.copyRows)} (3 runs before the HTTP phases, 3 after)`],
  ]);

  // Raw COPY rate first (and again at the end), while the app is idle.
  log('COPY rate (before)...');
  const copyBefore = await copyRate(b.databaseUrl, CONFIG.copyRows);

  log('building the world through the API...');
  const tWorld = performance.now();
  const world = await buildWorld(b, http);
  const worldSeconds = (performance.now() - tWorld) / 1000;
  const units = world.carriers.reduce((s, c) => s + c.units.length, 0);

  const sql = sqlCounter();
  const createJob = (i: number): Step[] => {
    const a = assignment(world, i);
    return [
      { method: 'POST', path: '/waybills', body: a.draft, token: a.shipper.token, expect: 201 },
      { method: 'POST', path: '/waybills/{0.id}/dispatch', body: a.dispatch, token: a.carrier.token, expect: 200 },
    ];
  };

  // 1. create + dispatch N + warm-up drafts (the warm-up of the app)
  const draftCount = CONFIG.waybills + CONFIG.issueWarmup;
  log(`create + dispatch ${draftCount} drafts...`);
  let q0 = sql.count;
  const created = await load.run(Array.from({ length: draftCount }, (_, i) => createJob(i)), CONFIG.concurrency);
  const createSql = sql.count - q0;
  const createFailures = failed('create+dispatch', created.results);
  const allDrafts = created.results
    .map((r, i) => (r.ok ? { id: r.steps[0]!.id!, token: assignment(world, i).shipper.token } : null))
    .filter((d): d is { id: string; token: string } => !!d);
  const draftsMade = allDrafts.length;

  // 2a. issue the warm-up drafts, unmeasured
  const warmup = allDrafts.splice(0, CONFIG.issueWarmup);
  if (warmup.length) {
    log(`issue ${warmup.length} drafts as warm-up...`);
    const w = await load.run(warmup.map((d) => [{ method: 'POST', path: `/waybills/${d.id}/issue`, token: d.token, expect: 200 }]), CONFIG.concurrency);
    failed('issue (warm-up)', w.results);
  }
  const drafts = allDrafts;

  // 2b. issue the others, measured
  log(`issue ${drafts.length} drafts at ${CONFIG.concurrency} clients...`);
  // Only this database's backends (open now: the app's pool is warm): other work on a shared server does not count.
  // (Before the statement count starts: finding them is a statement of its own.)
  const dbIssue = await backendCpuMeter(b.databaseUrl);
  if (process.env.BENCH_SQL_LOG) sql.record();
  q0 = sql.count;
  const cpuIssue = cpuMeter();
  const threadsIssue = threadCpuMeter([process.pid, load.tid]);
  const pgIssue = postgresCpuMeter();
  const elu0 = performance.eventLoopUtilization();
  const stopProfile = await profilePhase('issue');
  const issuedRun = await load.run(
    drafts.map((d, i) => [{ method: 'POST', path: `/waybills/${d.id}/issue`, token: d.token, expect: 200, keepBody: i < 25 }]),
    CONFIG.concurrency,
  );
  const profileFile = await stopProfile();
  const appElu = performance.eventLoopUtilization(elu0);
  const issueCpu = cpuIssue();
  const [appThreadCpu, clientThreadCpu] = threadsIssue();
  const issuePgCpu = pgIssue();
  const issueDbCpu = dbIssue();
  const issueSql = sql.count - q0;
  if (profileFile) log(`profile of the issue phase: ${profileFile}`);
  if (process.env.BENCH_SQL_LOG) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(process.env.BENCH_SQL_LOG, sql.recorded().map(([text, n]) => `${n}\t${text}`).join('\n') + '\n');
    log(`SQL statements of the issue phase, with counts: ${process.env.BENCH_SQL_LOG}`);
  }
  let issueFailures = failed('issue', issuedRun.results);
  const qrs: string[] = [];
  issuedRun.results.forEach((r) => {
    const s = r.steps[0]!;
    if (!r.ok) return;
    if (s.state !== 'issued' || !s.qr) {
      issueFailures++;
      return fail('issue', `answer without status issued and a QR: ${JSON.stringify(s).slice(0, 300)}`);
    }
    qrs.push(s.qr);
  });
  const issued = qrs.length;
  const issueSeconds = issuedRun.seconds;
  const issueRate = issued / issueSeconds;
  const issueMs = issuedRun.results.map((r) => r.steps[0]!.ms);
  for (const [i, r] of issuedRun.results.slice(0, 25).entries()) {
    const answer = r.steps[0]!.body;
    if (!r.ok || !answer) continue;
    const got = await http.request('GET', `/waybills/${drafts[i]!.id}`, undefined, drafts[i]!.token);
    const { yourRoles: _roles, ...stored } = (got.body ?? {}) as Record<string, unknown>;
    if (got.status !== 200 || JSON.stringify(sortedKeys(stored)) !== JSON.stringify(sortedKeys(answer))) {
      fail('issue answer', `the answer to issue differs from GET /waybills/${drafts[i]!.id}`);
    }
  }

  // 3. the whole flow
  log(`create -> dispatch -> issue ${CONFIG.flows} waybills at ${CONFIG.concurrency} clients...`);
  q0 = sql.count;
  const flowRun = await load.run(
    Array.from({ length: CONFIG.flows }, (_, k) => {
      const i = draftCount + k;
      return [...createJob(i), { method: 'POST', path: '/waybills/{0.id}/issue', token: assignment(world, i).shipper.token, expect: 200 }];
    }),
    CONFIG.concurrency,
  );
  const flowSql = sql.count - q0;
  const flowFailures = failed('flow', flowRun.results);
  const flowsDone = flowRun.results.filter((r) => r.ok).length;
  for (const r of flowRun.results) if (r.ok && r.steps[2]!.qr) qrs.push(r.steps[2]!.qr);
  const flowSeconds = flowRun.seconds;
  const flowMs = flowRun.results.filter((r) => r.ok).map((r) => r.ms);

  // 4. QR verification, over HTTP and in-process
  log(`verify ${qrs.length} QR codes over HTTP at ${CONFIG.concurrency} clients...`);
  q0 = sql.count;
  const verifyRun = await load.run(qrs.map((qr) => [{ method: 'POST', path: '/public/verify', body: { qr }, expect: 200 }]), CONFIG.concurrency);
  const verifySql = sql.count - q0;
  failed('verify', verifyRun.results);
  for (const r of verifyRun.results) {
    const v = r.steps[0]!.verdict;
    if (r.ok && !(v?.genuine && v.known && v.current)) fail('verify', `not genuine, known and current: ${JSON.stringify(v)}`);
  }
  const verifySeconds = verifyRun.seconds;
  const verifyMs = verifyRun.results.map((r) => r.steps[0]!.ms);
  sql.restore();
  await load.close();

  const { verifyWaybillQr } = await fromDist('waybills/qr.js');
  const { publicKeyPem } = await http.ok('GET', '/public/waybill-key');
  let pureCount = 0;
  let pureBad = 0;
  const tPure = performance.now();
  const pureUntil = tPure + CONFIG.verifySeconds * 1000;
  while (performance.now() < pureUntil) {
    for (let k = 0; k < 200; k++) {
      const res = verifyWaybillQr(qrs[pureCount % qrs.length]!, publicKeyPem);
      if (!res.ok) pureBad++;
      pureCount++;
    }
  }
  const pureRate = pureCount / ((performance.now() - tPure) / 1000);
  if (pureBad) fail('verifyWaybillQr', `${pureBad} of ${pureCount} in-process verifications failed`);

  // 5. COPY again, with the database now holding the run's waybills
  log('COPY rate (after)...');
  const copyAfter = await copyRate(b.databaseUrl, CONFIG.copyRows);
  http.close();

  // ------------------------------------------------------------------ report
  const copyMean = (copyBefore.rowsPerSecond + copyAfter.rowsPerSecond) / 2;
  const lat = (ms: number[]) => {
    const p = percentiles(ms);
    return `p50 ${fmt(p.p50!, 1)} ms, p95 ${fmt(p.p95!, 1)} ms, p99 ${fmt(p.p99!, 1)} ms, max ${fmt(p.max!, 1)} ms`;
  };
  const perIssue = (cpuSeconds: number | null) => (cpuSeconds === null ? 'n/a' : `${fmt((cpuSeconds * 1000) / Math.max(1, issued), 2)} ms`);
  const copyLine = (c: CopyResult) => `${fmt(c.rowsPerSecond)} rows/s (median of ${c.runs.length} runs of ${fmt(c.rows)} rows: ${c.runs.map((r) => fmt(r)).join(', ')})`;
  const stepMs = (k: number) => created.results.filter((r) => r.steps[k]).map((r) => r.steps[k]!.ms);
  console.log('\nResults');
  table([
    ['world (through the API)', `${fmt(worldSeconds, 1)} s: ${CONFIG.shippers + CONFIG.carriers + CONFIG.consignees + CONFIG.loadingSites} organisations, ${units} vehicle units`],
    ['create+dispatch (warm-up)', `${fmt(draftsMade / created.seconds, 1)} drafts/s (${fmt(draftsMade)} in ${fmt(created.seconds, 2)} s, 2 requests each), ${createFailures} failures`],
    ['  create latency', lat(stepMs(0))],
    ['  dispatch latency', lat(stepMs(1))],
    ['  SQL statements / draft', fmt(createSql / Math.max(1, draftsMade), 1)],
    ['ISSUE', `${fmt(issueRate, 1)} waybills/s (${fmt(issued)} in ${fmt(issueSeconds, 2)} s)`],
    ['  issue latency', lat(issueMs)],
    ['  issue failures', String(issueFailures)],
    ['  SQL statements / issue', `${fmt(issueSql / Math.max(1, issued), 1)} (every pg query of this process, auth and background work included)`],
    [
      '  CPU while issuing',
      `app thread ${appThreadCpu === null ? 'n/a' : `${fmt((appThreadCpu / issueSeconds) * 100)} %`} of a core (its event loop busy ${fmt(appElu.utilization * 100)} % of the time); whole process ${fmt(issueCpu.coreShare * 100)} %; PostgreSQL processes ${issuePgCpu ? `${fmt(issuePgCpu.coreShare * 100)} %` : 'n/a (not local)'}; ${fmt(os.cpus().length * 100)} % available`,
    ],
    [
      '  CPU ms per issue',
      [
        `app thread ${perIssue(appThreadCpu)}`,
        `client thread ${load.where === 'main thread' ? '(in the app thread)' : perIssue(clientThreadCpu)}`,
        `rest of the process (GC, crypto and I/O helper threads) ${perIssue(appThreadCpu === null || clientThreadCpu === null ? null : issueCpu.cpuSeconds - appThreadCpu - (load.where === 'main thread' ? 0 : clientThreadCpu))}`,
        `this database's PostgreSQL backends ${perIssue(issueDbCpu?.cpuSeconds ?? null)}`,
        `process + backends ${perIssue(issueDbCpu ? issueCpu.cpuSeconds + issueDbCpu.cpuSeconds : null)}`,
        `every postgres process on the machine ${perIssue(issuePgCpu?.cpuSeconds ?? null)}`,
      ].join('; '),
    ],
    ['create+dispatch+issue flow', `${fmt(flowsDone / flowSeconds, 1)} waybills/s (${fmt(flowsDone)} in ${fmt(flowSeconds, 2)} s, 3 requests each)`],
    ['  flow latency', lat(flowMs)],
    ['  flow failures', String(flowFailures)],
    ['  SQL statements / flow', fmt(flowSql / Math.max(1, flowsDone), 1)],
    ['QR verify over HTTP', `${fmt(verifyRun.results.length / verifySeconds, 1)} verifications/s (${fmt(verifyRun.results.length)} in ${fmt(verifySeconds, 2)} s)`],
    ['  verify latency', lat(verifyMs)],
    ['  SQL statements / verify', fmt(verifySql / Math.max(1, verifyRun.results.length), 1)],
    ['verifyWaybillQr in-process', `${fmt(pureRate)} verifications/s (${fmt(pureCount)} in ${CONFIG.verifySeconds} s, one thread)`],
    ['COPY FROM STDIN (before)', copyLine(copyBefore)],
    ['COPY FROM STDIN (after)', copyLine(copyAfter)],
    ['ratio issue/s / COPY rows/s', `${(issueRate / copyMean).toExponential(3)}  (= ${fmt((issueRate / copyMean) * 100_000, 1)} waybills issued per 100,000 COPY rows)`],
    ['ratio flow/s / COPY rows/s', `${(flowsDone / flowSeconds / copyMean).toExponential(3)}`],
    ['target', `${TARGET_ISSUED_PER_SECOND} waybills issued/s: ${issueRate >= TARGET_ISSUED_PER_SECOND ? 'met' : 'NOT met'} (${fmt(issueRate, 1)}/s)`],
    ['failures (all phases)', String(failures.length)],
  ]);
  console.log('');
  return failures.length ? 1 : 0;
}

await withBenchApp(main);
