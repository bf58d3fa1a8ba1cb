// Pre-loading check benchmark: `npm run bench:checks` (see bench/README.md). Starts the real app in this process on
// a fresh database, builds one shipper, carrier (licensed, vehicles with terminals reporting, tanks, crews),
// consignee and loading site with its loading manager through the HTTP API, issues BENCH_CHECKS waybills of three
// goods lines each, then runs the full rule evaluation (POST /loading-checks) on them at BENCH_CONCURRENCY clients.
// Prints checks/s and latency percentiles, and the raw COPY rate measured in the same run for the ratio.
// Asserts nothing about speed; exits 1 only when a check did not come back as the expected pass.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { copyRate, envInt, fmt, fromDist, HttpClient, log, machineFacts, percentiles, runPool, table, withBenchApp, type BenchApp } from './harness.js';

const CONFIG = {
  checks: envInt('BENCH_CHECKS', 2000),
  concurrency: envInt('BENCH_CONCURRENCY', 50),
  vehicles: envInt('BENCH_VEHICLES', 20),
};

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

async function world(http: HttpClient, b: BenchApp) {
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
  return { shipper, carrier, consignee, site, dispatches, origin, destination, operatorId: operator.id as string };
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

async function main(b: BenchApp): Promise<number> {
  const http = new HttpClient(b.url, CONFIG.concurrency);
  log(`building the world: ${CONFIG.vehicles} vehicles with crews and terminals`);
  const w = await world(http, b);
  const stopFresh = await keepTerminalsFresh(b.databaseUrl);

  log(`issuing ${CONFIG.checks} waybills of ${LINES.length} lines`);
  const numbers: string[] = [];
  await runPool(
    Array.from({ length: CONFIG.checks }, (_, i) => i),
    CONFIG.concurrency,
    async (i) => {
      const draft = await http.ok(
        'POST',
        '/waybills',
        {
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
        w.shipper.token,
      );
      await http.ok('POST', `/waybills/${draft.id}/dispatch`, w.dispatches[i % w.dispatches.length], w.carrier.token);
      numbers.push((await http.ok('POST', `/waybills/${draft.id}/issue`, undefined, w.shipper.token)).number);
    },
  );

  const copyBefore = await copyRate(b.databaseUrl);
  log(`checking ${numbers.length} waybills at ${CONFIG.concurrency} concurrent clients`);
  const latencies: number[] = [];
  let failures = 0;
  const seconds = await runPool(numbers, CONFIG.concurrency, async (waybillNumber) => {
    const r = await http.request('POST', '/loading-checks', { waybillNumber, operatorId: w.operatorId, checklist: CHECKLIST }, w.site.token);
    latencies.push(r.ms);
    if (r.status !== 201 || r.body?.outcome !== 'pass') {
      failures++;
      if (failures <= 3) log(`unexpected answer: ${r.status} ${JSON.stringify(r.body).slice(0, 400)}`);
    }
  });
  const copyAfter = await copyRate(b.databaseUrl);
  await stopFresh();
  http.close();

  const rate = numbers.length / seconds;
  const p = percentiles(latencies, [50, 95, 99]);
  const copy = (copyBefore.rowsPerSecond + copyAfter.rowsPerSecond) / 2;
  console.log('\nPre-loading checks (full rule evaluation, 3 goods lines, gate checklist answered)');
  table([
    ...Object.entries(machineFacts(b)).map(([k, v]) => [k, String(v)] as [string, string]),
    ['checks', fmt(numbers.length)],
    ['concurrent clients', fmt(CONFIG.concurrency)],
    ['checks/s', fmt(rate, 1)],
    ['latency p50 / p95 / p99 (ms)', `${fmt(p.p50!, 1)} / ${fmt(p.p95!, 1)} / ${fmt(p.p99!, 1)}`],
    ['failures', fmt(failures)],
    ['raw COPY rows/s (same database, before/after)', `${fmt(copyBefore.rowsPerSecond)} / ${fmt(copyAfter.rowsPerSecond)}`],
    ['checks/s ÷ COPY rows/s', (rate / copy).toExponential(3)],
    ['target (2 cores)', '≥ 300 checks/s, p99 ≤ 50 ms'],
  ]);
  console.log(JSON.stringify({ bench: 'checks', checks: numbers.length, concurrency: CONFIG.concurrency, checksPerSecond: rate, latencyMs: p, failures, copyRowsPerSecond: copy }));
  return failures ? 1 : 0;
}

await withBenchApp(main);
