import type { TunnelCategory } from '../../dangerous-goods/tunnel.rules.js';
// The contract between the pure monitoring rules (src/monitoring/rules/, DOMAIN.md 3.1(c) TR-01..TR-18) and the
// Nest side that feeds them positions and stores what they find (src/monitoring/). Everything here is plain data:
// the per-vehicle state is JSON-serialisable so that it survives a restart, and the same inputs in the same order
// always give the same signals (deterministic replay).
import type { GeoPolygon } from '../../waybills/place.entity.js';

export const MONITOR_RULE_IDS = [
  'TR-01', 'TR-02', 'TR-03', 'TR-04', 'TR-05', 'TR-06', 'TR-07', 'TR-08', 'TR-09',
  'TR-10', 'TR-11', 'TR-12', 'TR-13', 'TR-14', 'TR-15', 'TR-16', 'TR-17', 'TR-18',
] as const;
export type MonitorRuleId = (typeof MONITOR_RULE_IDS)[number];

export const ALARM_SEVERITIES = ['info', 'warn', 'alarm', 'critical'] as const;
export type AlarmSeverity = (typeof ALARM_SEVERITIES)[number];

// One position as the rules see it (a subset of tracking's PositionRow).
export type MonitorPosition = {
  fixTime: Date;
  receivedAt: Date;
  lat: number;
  lon: number;
  speedKmh: number;
  course: number;
  alarmBits: number; // JT/T 808 table 24, unsigned
  statusBits: number;
  quality: number; // plausibility flags; 0 = clean
  backfill: boolean;
};

// A time window in China time (Asia/Shanghai). days: ISO weekdays 1 (Mon) .. 7 (Sun); absent = every day.
// from > to wraps midnight ('22:00'..'06:00').
export type TimeWindow = { days?: number[]; from: string; to: string };

export const ZONE_KINDS = ['restricted', 'populated', 'parking', 'tunnel'] as const;
export type ZoneKind = (typeof ZONE_KINDS)[number];

export type MonitorZone = {
  id: string;
  name: string;
  kind: ZoneKind;
  polygon: GeoPolygon; // GeoJSON Polygon, [lon, lat]
  // restricted: banned for these ADR classes ('2.1', '3', '6.1', ...; a class prefix like '1' bans all of class 1);
  // empty = banned for every dangerous good
  bannedClasses: string[];
  // restricted: banned only during these windows (TR-08); empty = always banned (TR-07)
  windows: TimeWindow[];
  speedLimitKmh: number | null; // a lower posted limit inside the zone (TR-01/02)
  // tunnel: its ADR 1.9.5.2.2 category (A-E) as the authority set it (TR-09); absent/null for other kinds
  tunnelCategory?: TunnelCategory | null;
};

// What is known about the vehicle's current trip, loaded and cached by the Nest side.
export type TripContext = {
  vehicleId: string;
  waybillId: string | null; // null: the vehicle carries no waybill now (only terminal-level rules apply)
  waybillStatus: string | null; // 'loaded' | 'in_transit' | 'arrived' | ...
  plannedRoute: [lat: number, lon: number][] | null; // decoded polyline
  permitGoods: boolean; // highly toxic / explosives / other permit goods: tighter corridor, immediate deviation (TR-06)
  stopSensitiveGoods: boolean; // 剧毒 / 易制爆: any stop needs an escort check-in (TR-10)
  goodsClasses: string[]; // ADR classes on board
  plannedDeparture: Date | null;
  plannedArrival: Date | null;
  departedAt: Date | null;
  permitWindows: { permitId: string; number: string; validFrom: Date; validTo: Date }[];
  // certificates of vehicle, trailer, tank, driver, escort, permits and carrier licence that matter en route (TR-12)
  expiries: { kind: string; subject: string; expiresOn: string /* YYYY-MM-DD, China day */ }[];
  loadingSite: GeofenceRef | null;
  destination: GeofenceRef | null;
  plannedStops: GeofenceRef[];
  // Additive (rules side, optional so existing callers compile). Feed them when known:
  // - driverId: the driver on the waybill (or the signed-in IC card); TR-05 daily driving restarts when it changes.
  // - speedLimitKmh: the limit for roads without a zone limit on this trip (Order 29 art. 46: 80 expressway,
  //   60 other roads); absent: MonitorConfig.speed.defaultLimitKmh.
  // - approvedZoneIds: restricted zones this trip has police approval to enter (TR-07/08 skip them).
  driverId?: string | null;
  speedLimitKmh?: number | null;
  approvedZoneIds?: string[];
  // - tunnelProhibited: tunnel categories this load may not enter (ADR 8.6.4, dangerous-goods/tunnel.rules.ts; TR-09).
  tunnelProhibited?: TunnelCategory[];
  // - crew: the waybill's driver and escort, whom a driver IC card must match (TR-16).
  crew?: CrewMember[];
};

export type CrewMember = { role: 'driver' | 'escort'; personId: string; name: string; qualificationCertNumber: string | null; idNumber: string | null };

export type GeofenceRef = { placeId: string; name: string; lat: number; lon: number; geofence: GeoPolygon | null; radiusM: number | null };

// Per-vehicle rule state: plain JSON (numbers are epoch milliseconds), owned by the rules.
export type VehicleRuleState = { version: 1; [key: string]: unknown };

// What a rule reports. The Nest side keeps one alarm episode per (vehicle, ruleId, key):
// 'open' starts one (or updates it if open), 'update' changes its severity / evidence, 'close' ends it.
export type AlarmSignal = {
  ruleId: MonitorRuleId;
  key: string; // distinguishes episodes of one rule: a zone id, 'prewarn', '' ...
  action: 'open' | 'update' | 'close';
  severity: AlarmSeverity;
  at: Date; // the fix time (or clock time) the signal is about
  message: { zh: string; en: string };
  evidence: Record<string, unknown>; // thresholds used, measured values, the position(s)
  // Additive (rules side): true on signals found while evaluating out-of-order or back-filled positions "for the
  // record" (mode 'record', backfill = true, or fixTime <= the last live fix). Store them as history (their own
  // episodes, keyed like live ones but never merged with a live episode), do not notify, do not escalate.
  historical?: boolean;
};

// Trip progress found from the track (TR-18 and departure).
export type TripEvent = { kind: 'departed' | 'arrived'; at: Date; placeId: string };

export type EvaluationResult = { state: VehicleRuleState; signals: AlarmSignal[]; trip: TripEvent[] };
