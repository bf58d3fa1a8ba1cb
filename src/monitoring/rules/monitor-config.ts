import type { AlarmSeverity } from './monitoring.types.js';

// Every threshold of the in-transit rules (DOMAIN.md 3.1(c) TR-01..TR-18), with the DOMAIN.md defaults. Durations
// are milliseconds, distances metres, speeds km/h. Plain data: the Nest side may keep it in settings and pass it in.
export type MonitorConfig = {
  // A fix at or above this speed is "moving"; below it the vehicle stands (JT/T 808 terminals report 0-3 km/h of
  // GNSS noise for a parked vehicle).
  movingKmh: number;
  // Two fixes further apart than this are a gap: "sustained" conditions restart, and driving time over the gap is
  // judged from the displacement (implied speed >= movingKmh: driven; otherwise stood).
  maxGapMs: number;
  // Waybill statuses in which the trip rules (TR-06, 10, 11, 12, 13, 17, 18) apply.
  inTransitStatuses: string[];
  // TR-01/02, Order 29 art. 46. The rules cannot see the road class: a trip's TripContext.speedLimitKmh, else
  // defaultLimitKmh, is the limit on open road (default 80, the expressway limit, so that nothing fires falsely on
  // expressways); lower limits come from zones (MonitorZone.speedLimitKmh, e.g. towns and national roads drawn
  // with 60). An applicable limit >= expresswayLimitKmh is reported as TR-01, a lower one as TR-02.
  speed: {
    expresswayLimitKmh: number;
    otherRoadsLimitKmh: number; // documentation of the legal value; set speedLimitKmh/zone limits to use it
    defaultLimitKmh: number;
    preWarnMarginKmh: number; // pre-warning at limit - margin (80 - 5 = 75)
    sustainMs: number; // the condition must hold this long (first to last fix of a run) to open or escalate
    closeAfterMs: number; // below the pre-warning speed this long closes the episode
  };
  // TR-03/04/05 (道交法实施条例 art. 62(7); 动态监督管理办法).
  driving: {
    continuousLimitMs: number; // >= 4 h without a qualifying rest: alarm
    continuousPreWarnMs: number; // >= 3 h 45: pre-warning
    restMs: number; // a stop of at least 20 min resets continuous (and night) driving
    nightFrom: string; // China time HH:MM
    nightTo: string;
    nightLimitMs: number; // > 2 h continuous driving inside the night window: warn
    dailyLimitMs: number; // > 8 h driven in the rolling window: alarm
    dailyWindowMs: number; // 24 h
    dailyBucketMs: number; // resolution of the rolling window (driving older than the window by < one bucket counts)
  };
  // TR-06 (Order 29 art. 48).
  corridor: {
    widthM: number; // 500
    maxOffMs: number; // open when outside for > 2 min ...
    maxOffTravelM: number; // ... or after > 1 km driven outside the corridor, whichever first
    closeMarginM: number; // hysteresis: back inside only at <= widthM - closeMarginM
    permitWidthM: number; // permit goods: 200 m, opens at the first fix outside, CRITICAL
    permitCloseMarginM: number;
    searchWindow: number; // segments either side of the last matched one searched before a full scan
  };
  // TR-10 (591 art. 48; JT/T 808 bit 19).
  stops: {
    radiusM: number; // a stop ends when the vehicle moves or drifts further than this from where it stopped
    outsideMs: number; // > 20 min outside planned stops / parking: warn
    zoneMs: number; // > 5 min inside populated or restricted zones: alarm
    sensitiveMs: number; // stop-sensitive goods: any stop longer than this needs an escort check-in: alarm
  };
  // TR-11: a trip moving outside its permit's validity is critical; standing still this long closes the episode.
  permit: { stoppedCloseMs: number };
  // TR-13 (Order 29 art. 45): silence while in transit, measured from the last position received.
  offline: { steps: { afterMs: number; severity: AlarmSeverity; action: string }[] };
  // TR-14: JT/T 808 table 24 alarm bits that open an episode while set.
  terminalBits: { bit: number; severity: AlarmSeverity; zh: string; en: string }[];
  // TR-15: implied speed between consecutive clean fixes; upstream quality flags count too.
  plausibility: { maxImpliedKmh: number; minJumpDistanceM: number; closeAfterCleanFixes: number };
  // TR-17: elapsed > planned duration * (1 + overrun).
  eta: { overrun: number };
  // Out-of-order / back-filled positions form a "record" stream evaluated on its own state. The stream restarts
  // (closing its open episodes) after a gap this long or a jump back in time, and evaluateClock closes it when no
  // record position was received for idleCloseMs.
  record: { maxGapMs: number; idleCloseMs: number };
  // Restricted zones (TR-07/08) apply only while a waybill is on the vehicle, unless this is true (e.g. to keep
  // uncleaned empty tankers out of water-source zones).
  zonesWithoutWaybill: boolean;
};

const MIN = 60_000;
const HOUR = 60 * MIN;

export const DEFAULT_MONITOR_CONFIG: MonitorConfig = {
  movingKmh: 5,
  maxGapMs: 5 * MIN,
  inTransitStatuses: ['loaded', 'in_transit'],
  speed: { expresswayLimitKmh: 80, otherRoadsLimitKmh: 60, defaultLimitKmh: 80, preWarnMarginKmh: 5, sustainMs: 10_000, closeAfterMs: 10_000 },
  driving: {
    continuousLimitMs: 4 * HOUR,
    continuousPreWarnMs: 3 * HOUR + 45 * MIN,
    restMs: 20 * MIN,
    nightFrom: '22:00',
    nightTo: '06:00',
    nightLimitMs: 2 * HOUR,
    dailyLimitMs: 8 * HOUR,
    dailyWindowMs: 24 * HOUR,
    dailyBucketMs: 15 * MIN,
  },
  corridor: { widthM: 500, maxOffMs: 2 * MIN, maxOffTravelM: 1000, closeMarginM: 100, permitWidthM: 200, permitCloseMarginM: 50, searchWindow: 8 },
  stops: { radiusM: 150, outsideMs: 20 * MIN, zoneMs: 5 * MIN, sensitiveMs: 2 * MIN },
  permit: { stoppedCloseMs: 5 * MIN },
  offline: {
    steps: [
      { afterMs: 5 * MIN, severity: 'warn', action: 'watch' },
      { afterMs: 20 * MIN, severity: 'alarm', action: 'call-driver' },
      { afterMs: 60 * MIN, severity: 'critical', action: 'escalate-safety-manager' },
    ],
  },
  terminalBits: [
    { bit: 0, severity: 'critical', zh: '紧急报警', en: 'Emergency button' },
    { bit: 4, severity: 'alarm', zh: 'GNSS模块故障', en: 'GNSS module fault' },
    { bit: 5, severity: 'alarm', zh: 'GNSS天线未接或被剪断', en: 'GNSS antenna cut' },
    { bit: 6, severity: 'alarm', zh: 'GNSS天线短路', en: 'GNSS antenna short circuit' },
    { bit: 8, severity: 'alarm', zh: '终端主电源掉电', en: 'Main power cut' },
  ],
  plausibility: { maxImpliedKmh: 150, minJumpDistanceM: 200, closeAfterCleanFixes: 3 },
  eta: { overrun: 0.3 },
  record: { maxGapMs: 10 * MIN, idleCloseMs: 2 * MIN },
  zonesWithoutWaybill: false,
};

type DeepPartial<T> = { [K in keyof T]?: T[K] extends unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

// The defaults with some values replaced (one level of nesting; arrays are replaced whole).
export function monitorConfig(overrides: DeepPartial<MonitorConfig> = {}): MonitorConfig {
  const out = { ...DEFAULT_MONITOR_CONFIG } as Record<string, unknown>;
  for (const [k, v] of Object.entries(overrides)) {
    const base = (DEFAULT_MONITOR_CONFIG as Record<string, unknown>)[k];
    out[k] = v !== null && typeof v === 'object' && !Array.isArray(v) && base && typeof base === 'object' ? { ...base, ...v } : v;
  }
  return out as MonitorConfig;
}
