import polylineCodec from '@googlemaps/polyline-codec';
import { haversineMeters, insideGeofence, pointInPolygon } from '../waybills/geo.rules.js';
import type { MonitorRules } from './monitor-rules.js';
import type { AlarmSignal, EvaluationResult, MonitorPosition, MonitorZone, TripContext, TripEvent, VehicleRuleState } from './rules/monitoring.types.js';

// A small stand-in for the full TR-01..18 rule set (src/monitoring/rules/, written separately), so that the
// pipeline, storage, workflow and tests of the Nest side run end to end: TR-01 overspeed, TR-06 corridor,
// TR-07 restricted zone, TR-13 offline, TR-14 emergency button, departure and TR-18 arrival. Same contract, same
// determinism (state is plain JSON, time comes only from the positions and `now`).
export type InterimConfig = {
  speedLimitKmh: number; // DOMAIN.md TR-01: 80 km/h
  overspeedSustainS: number; // TR-01: >= 10 s
  corridorM: number; // TR-06: 500 m
  permitCorridorM: number; // TR-06: 200 m for permit goods
  offlineMin: [warn: number, alarm: number, critical: number]; // TR-13: 5 / 20 / 60 min
};

export const INTERIM_CONFIG: InterimConfig = { speedLimitKmh: 80, overspeedSustainS: 10, corridorM: 500, permitCorridorM: 200, offlineMin: [5, 20, 60] };

type S = VehicleRuleState & {
  lastFix?: number;
  overSince?: number | null;
  open?: Record<string, string>; // `${ruleId}|${key}` -> severity
  waybillId?: string | null;
};

const { decode } = polylineCodec;
export const decodeRoute = (encoded: string): [number, number][] => decode(encoded, 5) as [number, number][];

// Shortest distance in metres from a point to a polyline ([lat, lon] points), on a local plane.
export function distanceToRouteM(lat: number, lon: number, route: readonly (readonly [number, number])[]): number {
  if (route.length === 0) return Infinity;
  if (route.length === 1) return haversineMeters({ lat, lon }, { lat: route[0]![0], lon: route[0]![1] });
  const kx = 111_320 * Math.cos((lat * Math.PI) / 180);
  const ky = 110_540;
  let best = Infinity;
  for (let i = 0; i < route.length - 1; i++) {
    const ax = (route[i]![1] - lon) * kx;
    const ay = (route[i]![0] - lat) * ky;
    const bx = (route[i + 1]![1] - lon) * kx;
    const by = (route[i + 1]![0] - lat) * ky;
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2));
    const px = ax + t * dx;
    const py = ay + t * dy;
    const d = px * px + py * py;
    if (d < best) best = d;
  }
  return Math.sqrt(best);
}

function banned(zone: MonitorZone, classes: readonly string[]): boolean {
  if (zone.kind !== 'restricted') return false;
  if (zone.bannedClasses.length === 0) return classes.length > 0;
  return classes.some((c) => zone.bannedClasses.some((b) => c === b || c.startsWith(`${b}.`)));
}

class Signals {
  readonly list: AlarmSignal[] = [];
  constructor(private readonly s: S) {}
  set(on: boolean, ruleId: AlarmSignal['ruleId'], key: string, severity: AlarmSignal['severity'], at: Date, message: AlarmSignal['message'], evidence: Record<string, unknown>) {
    const open = (this.s.open ??= {});
    const id = `${ruleId}|${key}`;
    if (on) {
      const was = open[id];
      open[id] = severity;
      this.list.push({ ruleId, key, action: was ? 'update' : 'open', severity, at, message, evidence });
    } else if (open[id]) {
      this.list.push({ ruleId, key, action: 'close', severity: open[id] as AlarmSignal['severity'], at, message, evidence });
      delete open[id];
    }
  }
  isOpen(ruleId: string, key: string) {
    return !!this.s.open?.[`${ruleId}|${key}`];
  }
}

function evaluatePosition(state: VehicleRuleState, p: MonitorPosition, ctx: TripContext, zones: readonly MonitorZone[], c: InterimConfig, mode: 'live' | 'record'): EvaluationResult {
  const s: S = structuredClone(state) as S;
  const t = p.fixTime.getTime();
  const sig = new Signals(s);
  const trip: TripEvent[] = [];
  if (mode === 'record') {
    // For the record: what this point alone shows, without touching the live state.
    const rec = new Signals({ version: 1 });
    if (p.speedKmh > c.speedLimitKmh) rec.set(true, 'TR-01', '', 'alarm', p.fixTime, msgSpeed(p.speedKmh, c.speedLimitKmh), { speedKmh: p.speedKmh, limitKmh: c.speedLimitKmh, at: p.fixTime.toISOString(), lat: p.lat, lon: p.lon });
    return { state, signals: rec.list, trip: [] };
  }
  if (s.lastFix !== undefined && t <= s.lastFix) return { state, signals: [], trip: [] };
  // TR-13: a position ends an offline episode.
  for (const key of ['']) sig.set(false, 'TR-13', key, 'warn', p.fixTime, { zh: '终端恢复上报', en: 'Terminal reporting again' }, { at: p.fixTime.toISOString() });
  s.lastFix = t;
  const where = { at: p.fixTime.toISOString(), lat: p.lat, lon: p.lon, speedKmh: p.speedKmh };

  // TR-01 / TR-02: over the limit (or a lower zone limit) for overspeedSustainS.
  const zoneLimit = zones.filter((z) => z.speedLimitKmh != null && pointInPolygon({ lat: p.lat, lon: p.lon }, z.polygon)).map((z) => z.speedLimitKmh!);
  const limit = Math.min(c.speedLimitKmh, ...zoneLimit);
  if (p.speedKmh > limit) {
    s.overSince ??= t;
    if (t - s.overSince >= c.overspeedSustainS * 1000) sig.set(true, 'TR-01', '', 'alarm', p.fixTime, msgSpeed(p.speedKmh, limit), { ...where, limitKmh: limit, since: new Date(s.overSince).toISOString() });
  } else {
    s.overSince = null;
    sig.set(false, 'TR-01', '', 'alarm', p.fixTime, msgSpeed(p.speedKmh, limit), { ...where, limitKmh: limit });
  }

  // TR-06: outside the planned corridor.
  if (ctx.waybillId && ctx.plannedRoute && ctx.waybillStatus === 'in_transit') {
    const corridor = ctx.permitGoods ? c.permitCorridorM : c.corridorM;
    const d = distanceToRouteM(p.lat, p.lon, ctx.plannedRoute);
    const severity = ctx.permitGoods ? 'critical' : 'alarm';
    sig.set(d > corridor, 'TR-06', '', severity, p.fixTime, { zh: `偏离规划路线 ${Math.round(d)} 米（走廊 ${corridor} 米）`, en: `Off the planned route by ${Math.round(d)} m (corridor ${corridor} m)` }, { ...where, distanceM: Math.round(d), corridorM: corridor });
  } else sig.set(false, 'TR-06', '', 'alarm', p.fixTime, { zh: '', en: '' }, where);

  // TR-07: inside a restricted zone banned for the goods on board.
  const inside = new Set<string>();
  if (ctx.waybillId) {
    for (const z of zones) {
      if (banned(z, ctx.goodsClasses) && z.windows.length === 0 && pointInPolygon({ lat: p.lat, lon: p.lon }, z.polygon)) inside.add(z.id);
    }
  }
  for (const z of zones) {
    if (inside.has(z.id)) sig.set(true, 'TR-07', z.id, 'critical', p.fixTime, { zh: `驶入限制通行区域：${z.name}`, en: `Entered restricted zone: ${z.name}` }, { ...where, zoneId: z.id, zone: z.name });
  }
  for (const id of Object.keys(s.open ?? {})) {
    const [rule, key] = id.split('|') as [string, string];
    if (rule === 'TR-07' && !inside.has(key)) sig.set(false, 'TR-07', key, 'critical', p.fixTime, { zh: '驶离限制通行区域', en: 'Left the restricted zone' }, { ...where, zoneId: key });
  }

  // TR-14: emergency button (JT/T 808 table 24 bit 0).
  sig.set((p.alarmBits & 1) === 1, 'TR-14', 'emergency', 'critical', p.fixTime, { zh: '紧急报警按钮', en: 'Emergency button pressed' }, { ...where, alarmBits: p.alarmBits });

  // Departure (leaving the loading site) and arrival (TR-18, entering the destination).
  if (ctx.waybillId && ctx.waybillStatus === 'loaded' && ctx.loadingSite && !insideGeofence({ lat: p.lat, lon: p.lon }, ctx.loadingSite)) {
    trip.push({ kind: 'departed', at: p.fixTime, placeId: ctx.loadingSite.placeId });
  }
  if (ctx.waybillId && ctx.waybillStatus === 'in_transit' && ctx.destination && insideGeofence({ lat: p.lat, lon: p.lon }, ctx.destination)) {
    trip.push({ kind: 'arrived', at: p.fixTime, placeId: ctx.destination.placeId });
    sig.set(true, 'TR-18', ctx.waybillId, 'info', p.fixTime, { zh: `到达目的地：${ctx.destination.name}`, en: `Arrived at ${ctx.destination.name}` }, { ...where, placeId: ctx.destination.placeId });
    sig.set(false, 'TR-18', ctx.waybillId, 'info', p.fixTime, { zh: '', en: '' }, where);
  }
  s.waybillId = ctx.waybillId;
  return { state: s, signals: sig.list, trip };
}

function evaluateClock(state: VehicleRuleState, now: Date, ctx: TripContext, c: InterimConfig): EvaluationResult {
  const s: S = structuredClone(state) as S;
  const sig = new Signals(s);
  if (ctx.waybillStatus === 'in_transit' && s.lastFix !== undefined) {
    const silentMin = (now.getTime() - s.lastFix) / 60_000;
    const level = c.offlineMin.filter((m) => silentMin > m).length;
    if (level > 0) {
      const severity = (['warn', 'alarm', 'critical'] as const)[level - 1]!;
      const was = s.open?.['TR-13|'];
      if (was !== severity) {
        sig.set(true, 'TR-13', '', severity, now, { zh: `终端 ${Math.floor(silentMin)} 分钟未上报位置`, en: `No position for ${Math.floor(silentMin)} min` }, { lastFix: new Date(s.lastFix).toISOString(), silentMin: Math.floor(silentMin), thresholdsMin: c.offlineMin });
      }
    }
  }
  return { state: s, signals: sig.list, trip: [] };
}

const msgSpeed = (speed: number, limit: number) => ({ zh: `超速：${Math.round(speed)} km/h（限速 ${limit} km/h）`, en: `Speeding: ${Math.round(speed)} km/h (limit ${limit} km/h)` });

export const interimRules = (config: Partial<InterimConfig> = {}): MonitorRules<InterimConfig> => ({
  name: 'interim',
  config: { ...INTERIM_CONFIG, ...config },
  evaluatePosition,
  evaluateClock,
});
