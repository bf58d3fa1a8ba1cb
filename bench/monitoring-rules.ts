import polyline from '@googlemaps/polyline-codec';
import type pg from 'pg';
import { fmt, fromDist, log, table } from './harness.js';

// `npm run bench:ingest -- --rules on|off` (additive to ingest.bench.ts): every simulated vehicle gets a waybill in
// transit whose planned route is the simulator's route densified to a point every ~200 m (a realistic planned
// route: ~1,500 points for the ~300 km demo corridor), so that every monitoring rule is active on every position.
// 'off' starts the app with MONITOR_ENABLED=false (nothing evaluated) for the baseline of the same set-up.
export type RulesMode = 'on' | 'off' | null;

export function rulesMode(argv: string[]): RulesMode {
  const i = argv.indexOf('--rules');
  const raw = i >= 0 ? argv[i + 1] : process.env.BENCH_RULES;
  if (raw === undefined || raw === '') return null;
  if (raw !== 'on' && raw !== 'off') throw new Error('--rules must be on or off');
  return raw;
}

export const rulesEnv = (mode: RulesMode): Record<string, string> => (mode === 'off' ? { MONITOR_ENABLED: 'false' } : {});

function densify(route: readonly (readonly [number, number])[], stepM: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < route.length - 1; i++) {
    const [aLat, aLon] = route[i]!;
    const [bLat, bLon] = route[i + 1]!;
    const dy = (bLat - aLat) * 111_320;
    const dx = (bLon - aLon) * 111_320 * Math.cos((aLat * Math.PI) / 180);
    const n = Math.max(1, Math.round(Math.hypot(dx, dy) / stepM));
    for (let k = 0; k < n; k++) out.push([aLat + ((bLat - aLat) * k) / n, aLon + ((bLon - aLon) * k) / n]);
  }
  out.push([...route.at(-1)!] as [number, number]);
  return out;
}

// Waybills in transit (with one class 3 goods line) for these vehicles, with SQL in bulk; an app in this process
// is told to reload its vehicle -> waybill links at once (an app in another process reloads them within 5 s).
export async function prepareTrips(db: pg.Client, app: { get: (t: unknown) => unknown }, carrierId: string, vehicleIds: readonly string[]): Promise<void> {
  await insertTripsInTransit(db, carrierId, vehicleIds);
  const { PositionsService } = await fromDist('tracking/positions/positions.service.js');
  await (app.get(PositionsService) as { refreshWaybillLinks: () => Promise<void> }).refreshWaybillLinks();
}

export async function insertTripsInTransit(db: pg.Client, carrierId: string, vehicleIds: readonly string[]): Promise<void> {
  const { SIMULATOR_ROUTES } = await fromDist('tracking/simulator/simulator.routes.js');
  const route = densify(SIMULATOR_ROUTES.demo, 200);
  const encoded = polyline.encode(route, 5);
  const t0 = Date.now();
  await db.query(
    `INSERT INTO waybills (number, status, shipper_id, carrier_id, vehicle_id, planned_route, planned_departure_at, planned_arrival_at, dispatched_at, row_version)
     SELECT 'YDB' || lpad(n::text, 9, '0'), 'in_transit', $1, $1, v, $3, now(), now() + interval '8 hours', now() - interval '1 hour', 1
       FROM unnest($2::uuid[]) WITH ORDINALITY AS u(v, n)`,
    [carrierId, vehicleIds, encoded],
  );
  await db.query(
    `INSERT INTO waybill_lines (waybill_id, line_no, un_number, name, hazard_class, declared_quantity, unit)
     SELECT id, 1, '1203', '汽油', '3', 20, 't' FROM waybills WHERE carrier_id = $1`,
    [carrierId],
  );
  log(`rules: ${vehicleIds.length} waybills in transit, planned route of ${route.length} points (${encoded.length} characters), in ${fmt((Date.now() - t0) / 1000, 1)} s`);
}

// What the rules cost during the run: positions evaluated, time in the rules per position, alarms raised.
export async function rulesReport(db: pg.Client, app: { get: (t: unknown) => unknown }, mode: RulesMode, ingestSeconds: number): Promise<Record<string, unknown>> {
  const { MonitoringService } = await fromDist('monitoring/monitoring.service.js');
  const monitoring = app.get(MonitoringService) as { settle: () => Promise<void>; stats: { evaluated: number; evalNs: bigint; signals: number } };
  const t0 = Date.now();
  await monitoring.settle();
  const lagS = (Date.now() - t0) / 1000;
  const { evaluated, evalNs, signals } = monitoring.stats;
  const byRule = (await db.query(`SELECT rule_id, count(*)::int AS n FROM alarms GROUP BY rule_id ORDER BY rule_id`)).rows as { rule_id: string; n: number }[];
  const perPositionUs = evaluated ? Number(evalNs) / evaluated / 1000 : NaN;
  console.log(`\nMonitoring rules: ${mode}`);
  table([
    ['positions evaluated', fmt(evaluated)],
    ['rule evaluation time per position (mean, in the rules only)', evaluated ? `${fmt(perPositionUs, 2)} µs` : 'n/a'],
    ['rule CPU share of the ingest window', evaluated ? `${fmt((Number(evalNs) / 1e9 / ingestSeconds) * 100, 1)} %` : 'n/a'],
    ['signals / alarm episodes', `${fmt(signals)} / ${fmt(byRule.reduce((s, r) => s + r.n, 0))} (${byRule.map((r) => `${r.rule_id} ${r.n}`).join(', ') || 'none'})`],
    ['evaluation still queued after the ingest', `${fmt(lagS, 2)} s to settle`],
  ]);
  return { mode, evaluated, perPositionUs, signals, alarmsByRule: Object.fromEntries(byRule.map((r) => [r.rule_id, r.n])), settleSeconds: lagS };
}
