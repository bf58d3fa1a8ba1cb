import {
  checkPlausibility,
  DEFAULT_PLAUSIBILITY,
  impliedSpeedKmh,
  QUALITY,
  qualityFlags,
  staticFindings,
  type PlausibilityInput,
  type PlausibilityState,
} from './plausibility.rules.js';
import { STATUS_POSITIONED } from './position.js';

const now = new Date('2026-11-29T08:00:00Z');
const at = (secondsFromNow: number) => new Date(now.getTime() + secondsFromNow * 1000);
// Ordos, Inner Mongolia; 0.001 degree of latitude is about 111 m.
const fix = (over: Partial<PlausibilityInput> = {}): PlausibilityInput => ({
  lat: 39.6,
  lon: 109.8,
  fixTime: at(0),
  statusBits: STATUS_POSITIONED | 1, // positioned, ACC on
  speedKmh: 60,
  ...over,
});

// Runs a vehicle's fixes through the rule in order, as PositionsService does, and returns their quality values.
function run(fixes: PlausibilityInput[], config = DEFAULT_PLAUSIBILITY): number[] {
  let state: PlausibilityState = {};
  return fixes.map((p) => {
    const r = checkPlausibility(p, state, now, config);
    state = r.state;
    return r.quality;
  });
}

describe('staticFindings', () => {
  it('should find nothing wrong with a positioned fix in range, now, at road speed', () => {
    expect(staticFindings(fix(), now)).toBe(0);
  });

  it('should flag an invalid fix when status bit 1 (positioned) is off', () => {
    expect(staticFindings(fix({ statusBits: 1 }), now)).toBe(QUALITY.INVALID_FIX);
  });

  it.each([
    [91, 109.8],
    [-90.5, 109.8],
    [39.6, 180.1],
    [39.6, -181],
    [0, 0],
    [Number.NaN, 109.8],
  ])('should flag out-of-range coordinates (%p, %p)', (lat, lon) => {
    expect(staticFindings(fix({ lat, lon }), now)).toBe(QUALITY.OUT_OF_RANGE);
  });

  it.each([
    [90, 180],
    [-90, -180],
  ])('should accept the extreme valid coordinates (%p, %p)', (lat, lon) => {
    expect(staticFindings(fix({ lat, lon }), now)).toBe(0);
  });

  it('should flag a fix more than 10 minutes in the future, and not one just inside', () => {
    expect(staticFindings(fix({ fixTime: at(10 * 60) }), now)).toBe(0);
    expect(staticFindings(fix({ fixTime: at(10 * 60 + 1) }), now)).toBe(QUALITY.FUTURE_TIME);
    // The classic time-zone slip: China time read as UTC puts the fix 8 hours ahead.
    expect(staticFindings(fix({ fixTime: at(8 * 3600) }), now)).toBe(QUALITY.FUTURE_TIME);
  });

  it('should flag a fix older than 30 days (RTC reset, GNSS week rollover) and keep a days-old backlog clean', () => {
    expect(staticFindings(fix({ fixTime: at(-3 * 86400) }), now)).toBe(0);
    expect(staticFindings(fix({ fixTime: at(-31 * 86400) }), now)).toBe(QUALITY.TOO_OLD);
    expect(staticFindings(fix({ fixTime: new Date('2000-01-01T00:00:00Z') }), now)).toBe(QUALITY.TOO_OLD);
  });

  it('should flag a reported speed no lorry reaches, or a negative one', () => {
    expect(staticFindings(fix({ speedKmh: 300 }), now)).toBe(0);
    expect(staticFindings(fix({ speedKmh: 6553.5 }), now)).toBe(QUALITY.SPEED_OUT_OF_RANGE);
    expect(staticFindings(fix({ speedKmh: -1 }), now)).toBe(QUALITY.SPEED_OUT_OF_RANGE);
  });

  it('should combine findings as bits', () => {
    const q = staticFindings(fix({ statusBits: 0, lat: 0, lon: 0, fixTime: at(86400) }), now);
    expect(qualityFlags(q)).toEqual(['INVALID_FIX', 'OUT_OF_RANGE', 'FUTURE_TIME']);
  });
});

describe('impliedSpeedKmh', () => {
  it('should compute distance over time in km/h', () => {
    // 0.01 degree of latitude (1.112 km) in 60 s: about 66.7 km/h.
    expect(impliedSpeedKmh(fix(), fix({ lat: 39.61, fixTime: at(60) }), 200)).toBeCloseTo(66.7, 0);
  });

  it('should ignore movements below the jitter distance, however short the time', () => {
    expect(impliedSpeedKmh(fix(), fix({ lat: 39.6015, fixTime: at(0) }), 200)).toBe(0);
  });

  it('should treat fixes stamped with the same second as one second apart, in either order', () => {
    const a = fix();
    const b = fix({ lat: 39.61 });
    expect(impliedSpeedKmh(a, b, 200)).toBeCloseTo(1112 * 3.6, -1);
    expect(impliedSpeedKmh(b, a, 200)).toBe(impliedSpeedKmh(a, b, 200));
  });
});

describe('checkPlausibility', () => {
  it('should accept a vehicle driving at 80 km/h with one fix every 10 s', () => {
    // 80 km/h = 222 m per 10 s = 0.002 degree of latitude.
    const drive = Array.from({ length: 10 }, (_, i) => fix({ lat: 39.6 + i * 0.002, fixTime: at(i * 10) }));
    expect(run(drive)).toEqual(new Array(10).fill(0));
  });

  it('should flag a single spike and keep measuring from the fix before it', () => {
    const qualities = run([
      fix({ fixTime: at(0) }),
      fix({ lat: 40.6, fixTime: at(10) }), // 111 km in 10 s
      fix({ lat: 39.602, fixTime: at(20) }),
    ]);
    expect(qualities).toEqual([0, QUALITY.IMPOSSIBLE_JUMP, 0]);
  });

  it('should re-anchor when two fixes in a row agree with each other but not with the anchor', () => {
    // The first fix after start-up was the outlier (or the vehicle crossed by ferry with the terminal off).
    const qualities = run([
      fix({ lat: 10, lon: 10, fixTime: at(0) }),
      fix({ fixTime: at(10) }),
      fix({ lat: 39.602, fixTime: at(20) }),
      fix({ lat: 39.604, fixTime: at(30) }),
    ]);
    expect(qualities).toEqual([0, QUALITY.IMPOSSIBLE_JUMP, 0, 0]);
  });

  it('should respect the configured limit at the boundary', () => {
    // 0.01 degree of latitude = 1112 m; in 16 s that is 250.2 km/h, in 17 s 235.5 km/h.
    expect(run([fix(), fix({ lat: 39.61, fixTime: at(17) })])).toEqual([0, 0]);
    expect(run([fix(), fix({ lat: 39.61, fixTime: at(16) })])).toEqual([0, QUALITY.IMPOSSIBLE_JUMP]);
    expect(run([fix(), fix({ lat: 39.61, fixTime: at(16) })], { ...DEFAULT_PLAUSIBILITY, maxImpliedSpeedKmh: 300 })).toEqual([0, 0]);
  });

  it('should check a back-filled fix against the time between it and the anchor, and keep the newer anchor', () => {
    let state: PlausibilityState = {};
    state = checkPlausibility(fix({ fixTime: at(0) }), state, now).state;
    // An hour earlier and 60 km away: 60 km/h, plausible.
    const old = checkPlausibility(fix({ lat: 39.06, fixTime: at(-3600) }), state, now);
    expect(old.quality).toBe(0);
    expect(old.state.anchor?.fixTime).toEqual(at(0));
    // Ten seconds before the anchor and 11 km away: impossible.
    expect(checkPlausibility(fix({ lat: 39.7, fixTime: at(-10) }), state, now).quality).toBe(QUALITY.IMPOSSIBLE_JUMP);
  });

  it('should not anchor on, or measure jumps from, a fix that is invalid, out of range or out of time', () => {
    const qualities = run([
      fix({ fixTime: at(0) }),
      fix({ lat: 0, lon: 0, fixTime: at(5) }),
      fix({ statusBits: 0, lat: 45, fixTime: at(10) }),
      fix({ lat: 45, fixTime: at(3 * 3600) }),
      fix({ lat: 39.601, fixTime: at(20) }),
    ]);
    expect(qualities).toEqual([0, QUALITY.OUT_OF_RANGE, QUALITY.INVALID_FIX, QUALITY.FUTURE_TIME, 0]);
  });

  it('should flag nothing when disabled', () => {
    expect(run([fix(), fix({ lat: 0, lon: 0, statusBits: 0, fixTime: at(86400) })], { ...DEFAULT_PLAUSIBILITY, enabled: false })).toEqual([0, 0]);
  });
});
