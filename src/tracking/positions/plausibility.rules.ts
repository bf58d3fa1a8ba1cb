import { haversineMeters } from '../../waybills/geo.rules.js';
import { STATUS_POSITIONED, type PositionRecord } from './position.js';

// Plausibility filters on incoming positions (on by default). A flagged position is still stored, with its
// findings in `positions.quality`, so that nothing a terminal sent is lost and an investigator can see it; but it
// is counted, kept out of vehicle_latest_positions, out of live monitoring (no alarm fires on a GNSS spike) and out
// of the default track replay.
export const QUALITY = {
  // JT/T 808-2019 table 24, status bit 1 off: the terminal itself says it has no fix (coordinates are the last
  // known ones or zeros).
  INVALID_FIX: 1 << 0,
  // Latitude outside [-90, 90], longitude outside [-180, 180], or exactly (0, 0): terminals without a fix that still
  // claim one report zeros, and no road vehicle is in the Gulf of Guinea.
  OUT_OF_RANGE: 1 << 1,
  // Fix time later than now + maxFutureMs.
  FUTURE_TIME: 1 << 2,
  // Fix time earlier than now - maxAgeMs.
  TOO_OLD: 1 << 3,
  // The implied speed from the vehicle's previous plausible fix exceeds maxImpliedSpeedKmh.
  IMPOSSIBLE_JUMP: 1 << 4,
  // The terminal reports a speed no road tanker reaches.
  SPEED_OUT_OF_RANGE: 1 << 5,
} as const;
export type QualityFlag = keyof typeof QUALITY;

export type PlausibilityConfig = {
  enabled: boolean;
  maxFutureMs: number;
  maxAgeMs: number;
  maxImpliedSpeedKmh: number;
  // Below this distance two fixes never count as a jump, whatever the time between them: GNSS scatter of a
  // standing vehicle (tens of metres, more in urban canyons) over one second would otherwise "move" at 100+ km/h.
  minJumpDistanceM: number;
  maxReportedSpeedKmh: number;
};

// Defaults, and why:
// - maxFutureMs 10 min. JT/T 808 sends the fix time as BCD in GMT+8 (JT/T 808-2019 table 23, "time ... GMT+8"),
//   taken from GNSS, so it is right to the second once positioned. Large future offsets are time-zone slips and
//   come in whole hours; a few minutes cover a terminal RTC drifting before its first fix. (STYLE.md 3.7's
//   decoder sanity bound of now + 25 h only rejects garbage; a fix even one hour ahead would be wrong here,
//   because it would stay "the latest" position for that hour.)
// - maxAgeMs 30 days. Real blind-area backlogs (0x0704) are hours or days; much older times come from an RTC
//   reset (2000-01-01) or a GNSS week-number rollover (1024 weeks, about 19.6 years back).
// - maxImpliedSpeedKmh 250. Dangerous-goods vehicles may do at most 80 km/h on expressways (Order 29 art. 46,
//   DOMAIN.md) and no loaded lorry does 250; the margin absorbs two fixes taken close together with GNSS error
//   on both. Overspeed itself is a monitoring rule (TR-01), not a plausibility finding.
// - minJumpDistanceM 200: above GNSS scatter, below any real teleport.
// - maxReportedSpeedKmh 300: JT/T 808 speed is a WORD in 1/10 km/h (up to 6553.5), so garbage is representable.
export const DEFAULT_PLAUSIBILITY: PlausibilityConfig = {
  enabled: true,
  maxFutureMs: 10 * 60_000,
  maxAgeMs: 30 * 24 * 3600_000,
  maxImpliedSpeedKmh: 250,
  minJumpDistanceM: 200,
  maxReportedSpeedKmh: 300,
};

export type PlausibilityInput = Pick<PositionRecord, 'lat' | 'lon' | 'fixTime' | 'statusBits' | 'speedKmh'>;
export type Fix = { lat: number; lon: number; fixTime: Date };

// Per vehicle: the newest plausible fix (the anchor jumps are measured from) and the last fix flagged as a jump
// (a suspect). Two consecutive fixes that agree with each other but not with the anchor mean the anchor was the
// outlier (or the vehicle was carried, e.g. by ferry, while the terminal was off): the second one re-anchors.
export type PlausibilityState = { anchor?: Fix; suspect?: Fix };

export type PlausibilityResult = { quality: number; state: PlausibilityState };

// Implied speed between two fixes, in km/h, or 0 when they are closer than minJumpDistanceM. Order does not matter:
// a back-filled fix from before the anchor is checked against the distance the vehicle could have covered since.
export function impliedSpeedKmh(a: Fix, b: Fix, minJumpDistanceM: number): number {
  const metres = haversineMeters(a, b);
  if (metres < minJumpDistanceM) return 0;
  // One second at least: two fixes stamped with the same second are still at most a second apart.
  const seconds = Math.max(1, Math.abs(a.fixTime.getTime() - b.fixTime.getTime()) / 1000);
  return (metres / seconds) * 3.6;
}

// The checks that need only the position itself.
export function staticFindings(p: PlausibilityInput, now: Date, config: PlausibilityConfig = DEFAULT_PLAUSIBILITY): number {
  let q = 0;
  if ((p.statusBits & STATUS_POSITIONED) === 0) q |= QUALITY.INVALID_FIX;
  if (!(p.lat >= -90 && p.lat <= 90 && p.lon >= -180 && p.lon <= 180) || (p.lat === 0 && p.lon === 0)) q |= QUALITY.OUT_OF_RANGE;
  const t = p.fixTime.getTime();
  if (t > now.getTime() + config.maxFutureMs) q |= QUALITY.FUTURE_TIME;
  if (t < now.getTime() - config.maxAgeMs) q |= QUALITY.TOO_OLD;
  if (!(p.speedKmh >= 0 && p.speedKmh <= config.maxReportedSpeedKmh)) q |= QUALITY.SPEED_OUT_OF_RANGE;
  return q;
}

// Quality flags of one position of a vehicle, given that vehicle's state, and the vehicle's next state.
// Pure: the caller keeps the state per vehicle and passes `now` explicitly.
export function checkPlausibility(
  p: PlausibilityInput,
  state: PlausibilityState,
  now: Date,
  config: PlausibilityConfig = DEFAULT_PLAUSIBILITY,
): PlausibilityResult {
  if (!config.enabled) return { quality: 0, state };
  const quality = staticFindings(p, now, config);
  // Without a usable place and time there is nothing to measure a jump with, and nothing to anchor to.
  if (quality & (QUALITY.INVALID_FIX | QUALITY.OUT_OF_RANGE | QUALITY.FUTURE_TIME | QUALITY.TOO_OLD)) return { quality, state };
  const fix: Fix = { lat: p.lat, lon: p.lon, fixTime: p.fixTime };
  const { anchor, suspect } = state;
  if (!anchor) return { quality, state: { anchor: fix } };

  if (impliedSpeedKmh(anchor, fix, config.minJumpDistanceM) <= config.maxImpliedSpeedKmh) {
    // Plausible. A newer fix becomes the anchor; an older one (back-filled) leaves the anchor where it is.
    const newer = fix.fixTime.getTime() >= anchor.fixTime.getTime();
    return { quality, state: newer ? { anchor: fix } : state };
  }
  if (suspect && impliedSpeedKmh(suspect, fix, config.minJumpDistanceM) <= config.maxImpliedSpeedKmh) {
    // Agrees with the previous suspect rather than with the anchor: re-anchor here.
    return { quality, state: { anchor: fix } };
  }
  return { quality: quality | QUALITY.IMPOSSIBLE_JUMP, state: { anchor, suspect: fix } };
}

// Names of the flags set in a quality value, for logs and metrics labels.
export function qualityFlags(quality: number): QualityFlag[] {
  return (Object.keys(QUALITY) as QualityFlag[]).filter((k) => (quality & QUALITY[k]) !== 0);
}
