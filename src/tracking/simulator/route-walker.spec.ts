import { checkPlausibility, DEFAULT_PLAUSIBILITY, type PlausibilityState } from '../positions/plausibility.rules.js';
import { STATUS_POSITIONED } from '../positions/position.js';
import {
  bearingDeg,
  destination,
  distanceM,
  distanceToRouteM,
  DRIVING_STATUS,
  interpolate,
  mulberry32,
  pointAlong,
  prepareRoute,
  RouteWalker,
  type RouteWalkerOptions,
  type SimulatedFix,
} from './route-walker.js';
import { SIMULATOR_ROUTES } from './simulator.routes.js';

const t0 = Date.parse('2026-11-29T08:00:00Z');
const route = prepareRoute(SIMULATOR_ROUTES.demo!);

const walk = (options: Partial<RouteWalkerOptions>, steps: number): (SimulatedFix | null)[] => {
  const w = new RouteWalker(route, { stepS: 1, startTime: t0, seed: 7, ...options });
  return Array.from({ length: steps }, () => w.next());
};
const fixes = (options: Partial<RouteWalkerOptions>, steps: number) => walk(options, steps) as SimulatedFix[];

describe('route-walker geometry', () => {
  it('should measure the demo corridor Ordos → Hohhot at about 260 km', () => {
    expect(route.lengthM).toBeGreaterThan(255_000);
    expect(route.lengthM).toBeLessThan(270_000);
    expect(route.cumulativeM[0]).toBe(0);
  });

  it('should agree with known distances and bearings', () => {
    // One degree of latitude is ~111.2 km; due east is 90°.
    expect(distanceM([40, 110], [41, 110])).toBeCloseTo(111_195, -1);
    expect(bearingDeg([40, 110], [40, 111])).toBeCloseTo(89.7, 1);
    expect(bearingDeg([40, 110], [39, 110])).toBeCloseTo(180, 6);
    const [lat, lon] = destination([40, 110], 45, 10_000);
    expect(distanceM([40, 110], [lat, lon])).toBeCloseTo(10_000, 3);
    expect(bearingDeg([40, 110], [lat, lon])).toBeCloseTo(45, 6);
  });

  it('should interpolate on the great circle: the midpoint is half way from both ends', () => {
    const a = [39.6048, 109.7829] as const;
    const b = [40.8425, 111.7499] as const;
    const m = interpolate(a, b, 0.5);
    expect(distanceM(a, m)).toBeCloseTo(distanceM(a, b) / 2, 3);
    expect(distanceM(m, b)).toBeCloseTo(distanceM(a, b) / 2, 3);
    expect(distanceToRouteM(prepareRoute([a, b]), m[0], m[1])).toBeLessThan(0.01);
  });

  it('should place points along the route at the right distance from the start', () => {
    for (const s of [0, 1234, 50_000, route.lengthM / 2, route.lengthM - 1, route.lengthM]) {
      const p = pointAlong(route, s);
      expect(distanceToRouteM(route, p.lat, p.lon)).toBeLessThan(0.05);
    }
    expect(pointAlong(route, 0)).toMatchObject({ lat: 39.6048, lon: 109.7829 });
    const end = pointAlong(route, route.lengthM);
    expect(end).toMatchObject({ lat: 40.8425, lon: 111.7499 });
  });

  it('should refuse a route without two distinct points', () => {
    expect(() => prepareRoute([[40, 110]])).toThrow(RangeError);
    expect(() => prepareRoute([[40, 110], [40, 110]])).toThrow(RangeError);
    expect(() => prepareRoute([[95, 110], [40, 110]])).toThrow(RangeError);
  });

  it('should measure the distance of a point off the route', () => {
    const p = pointAlong(route, 100_000);
    const [lat, lon] = destination([p.lat, p.lon], p.bearing + 90, 2_000);
    expect(distanceToRouteM(route, lat, lon)).toBeCloseTo(2_000, -1);
  });
});

describe(RouteWalker.name, () => {
  it('should keep every fix on the route', () => {
    for (const f of fixes({ stepS: 5 }, 2_000)) expect(distanceToRouteM(route, f.latitude, f.longitude)).toBeLessThan(0.5);
  });

  it('should space fixes by the reported speed × the interval', () => {
    const stepS = 10;
    const track = fixes({ stepS }, 500);
    for (let i = 1; i < track.length; i++) {
      const expected = (track[i]!.speedKmh / 3.6) * stepS;
      expect(track[i]!.alongM - track[i - 1]!.alongM).toBeCloseTo(expected, 6);
      // The straight line between two fixes is at most the way along the road, and only shorter at a bend.
      const chord = distanceM([track[i - 1]!.latitude, track[i - 1]!.longitude], [track[i]!.latitude, track[i]!.longitude]);
      expect(chord).toBeLessThanOrEqual(expected + 0.01);
      expect(chord).toBeGreaterThan(expected * 0.9);
    }
  });

  it('should report speed with small noise around the cruise speed, on a 0.1 km/h grid', () => {
    const speeds = fixes({ speed: { cruiseKmh: 70, noiseKmh: 2 } }, 1_000).map((f) => f.speedKmh);
    for (const v of speeds) {
      expect(v).toBeGreaterThanOrEqual(68);
      expect(v).toBeLessThanOrEqual(72);
      expect(Math.round(v * 10) / 10).toBe(v);
    }
    expect(new Set(speeds).size).toBeGreaterThan(10);
    const mean = speeds.reduce((a, b) => a + b, 0) / speeds.length;
    expect(mean).toBeCloseTo(70, 0);
  });

  it('should head along the road: course = bearing of travel', () => {
    const track = fixes({ stepS: 5 }, 300);
    for (let i = 1; i < track.length; i++) {
      const travelled = bearingDeg([track[i - 1]!.latitude, track[i - 1]!.longitude], [track[i]!.latitude, track[i]!.longitude]);
      const diff = Math.abs(((track[i]!.direction - travelled + 540) % 360) - 180);
      // Within rounding, except right after a bend.
      if (track[i]!.alongM - track[i - 1]!.alongM > 0) expect(diff < 1.5 || isAfterBend(track[i - 1]!, track[i]!)).toBe(true);
      expect(Number.isInteger(track[i]!.direction)).toBe(true);
    }
  });

  it('should say ACC on and positioned, with no alarm, and a mileage that grows with distance', () => {
    const track = fixes({}, 100);
    expect(DRIVING_STATUS).toBe(0b11);
    for (const f of track) {
      expect(f.status).toBe(DRIVING_STATUS);
      expect(f.status & STATUS_POSITIONED).toBeTruthy();
      expect(f.alarm).toBe(0);
    }
    const km = track.at(-1)!.extras.mileageKm - track[0]!.extras.mileageKm;
    expect(km).toBeCloseTo((track.at(-1)!.alongM - track[0]!.alongM) / 1000, 0);
  });

  it('should stamp fix k at start + k × step', () => {
    const track = fixes({ stepS: 2.5 }, 10);
    track.forEach((f, k) => expect(f.time.getTime()).toBe(t0 + k * 2500));
    expect(track[3]!.elapsedS).toBe(7.5);
  });

  it('should repeat a track for the same seed and differ for another', () => {
    expect(fixes({ seed: 42 }, 50)).toEqual(fixes({ seed: 42 }, 50));
    expect(fixes({ seed: 43 }, 50).map((f) => f.speedKmh)).not.toEqual(fixes({ seed: 42 }, 50).map((f) => f.speedKmh));
  });

  it('should spread N vehicles evenly over the way there and back', () => {
    const n = 8;
    const first = Array.from({ length: n }, (_, index) => new RouteWalker(route, { stepS: 1, startTime: t0, spread: { index, count: n } }).next()!);
    const L = route.lengthM;
    first.forEach((f, index) => {
      const cycle = (2 * L * index) / n;
      expect(f.alongM).toBeCloseTo(cycle <= L ? cycle : 2 * L - cycle, 3);
    });
    // Those on the way back head the other way.
    const heading = (f: SimulatedFix) => pointAlong(route, f.alongM).bearing;
    const diff = (a: number, b: number) => Math.abs(((a - b + 540) % 360) - 180);
    expect(diff(first[1]!.direction, heading(first[1]!))).toBeLessThan(1);
    expect(diff(first[6]!.direction, heading(first[6]!))).toBeGreaterThan(179);
  });

  it('should turn round at the end of the route and never leave it', () => {
    const track = fixes({ startOffsetM: route.lengthM - 2_000, stepS: 10 }, 60);
    const along = track.map((f) => f.alongM);
    const top = along.indexOf(Math.max(...along));
    expect(along[top]).toBeCloseTo(route.lengthM, -2);
    expect(along.slice(top + 1).every((a, i) => a < along[top + i]!)).toBe(true);
    for (const f of track) expect(distanceToRouteM(route, f.latitude, f.longitude)).toBeLessThan(0.5);
  });

  it('should park at the end with atEnd stop', () => {
    const track = fixes({ startOffsetM: route.lengthM - 500, stepS: 10, atEnd: 'stop' }, 10);
    expect(track.at(-1)!.speedKmh).toBe(0);
    expect(track.at(-1)!.alongM).toBe(route.lengthM);
  });

  it('should drive at 95 km/h during an overspeed period and flag it only when asked', () => {
    const track = fixes({ behaviours: { overspeed: { atS: 100, durationS: 60 } } }, 300);
    for (const f of track) {
      if (f.elapsedS >= 100 && f.elapsedS < 160) expect(f.speedKmh).toBeGreaterThanOrEqual(93);
      else expect(f.speedKmh).toBeLessThanOrEqual(72);
      expect(f.alarm).toBe(0);
    }
    const flagged = fixes({ terminalAlarms: true, behaviours: { overspeed: [{ atS: 10, durationS: 5 }, { atS: 50, durationS: 5, kmh: 110 }] } }, 60);
    expect(flagged.filter((f) => f.alarm === 0b10).map((f) => f.elapsedS)).toEqual([10, 11, 12, 13, 14, 50, 51, 52, 53, 54]);
    expect(flagged[52]!.speedKmh).toBeGreaterThanOrEqual(108);
  });

  it('should stand still during a stop and drive on afterwards', () => {
    const track = fixes({ behaviours: { stop: { atS: 20, durationS: 30 } } }, 80);
    const stopped = track.filter((f) => f.elapsedS >= 20 && f.elapsedS < 50);
    expect(stopped).toHaveLength(30);
    for (const f of stopped) {
      expect(f.speedKmh).toBe(0);
      expect([f.latitude, f.longitude]).toEqual([track[19]!.latitude, track[19]!.longitude]);
      expect(f.status).toBe(DRIVING_STATUS);
    }
    expect(track[50]!.alongM).toBeGreaterThan(track[49]!.alongM);
  });

  it('should report nothing while silent, and resume further along (the vehicle kept driving)', () => {
    const track = walk({ behaviours: { silent: { atS: 30, durationS: 60 } } }, 120);
    expect(track.slice(0, 30).every((f) => f !== null)).toBe(true);
    expect(track.slice(30, 90).every((f) => f === null)).toBe(true);
    const [before, after] = [track[29]!, track[90]!];
    expect(after.alongM - before.alongM).toBeGreaterThan(61 * (66 / 3.6));
    expect(walk({ behaviours: { silent: { atS: 5 } } }, 50).slice(5).every((f) => f === null)).toBe(true);
  });

  it('should leave the route by the given distance, plausibly, and come back', () => {
    const track = fixes({ stepS: 5, behaviours: { deviate: { atS: 300, durationS: 1200, km: 2 } } }, 400);
    const off = track.map((f) => distanceToRouteM(route, f.latitude, f.longitude));
    expect(Math.max(...off)).toBeGreaterThan(1_950);
    expect(Math.max(...off)).toBeLessThan(2_050);
    expect(off.slice(0, 60).every((d) => d < 0.5)).toBe(true);
    expect(off.slice(300).every((d) => d < 0.5)).toBe(true);
    track.forEach((f, i) => expect(off[i]).toBeCloseTo(f.offRouteM, -1));
    // No fix is a GNSS jump for the platform's plausibility filter.
    let state: PlausibilityState = {};
    for (const f of track) {
      const r = checkPlausibility({ lat: f.latitude, lon: f.longitude, fixTime: f.time, statusBits: f.status, speedKmh: f.speedKmh }, state, f.time, DEFAULT_PLAUSIBILITY);
      expect(r.quality).toBe(0);
      state = r.state;
    }
  });
});

describe(mulberry32.name, () => {
  it('should be uniform in [0, 1) and repeatable', () => {
    const a = mulberry32(1);
    const values = Array.from({ length: 10_000 }, a);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(values.reduce((s, v) => s + v, 0) / values.length).toBeCloseTo(0.5, 1);
    expect(mulberry32(1)()).toBe(values[0]);
  });
});

// A fix just past a vertex: the chord from the previous fix cuts the corner.
function isAfterBend(a: SimulatedFix, b: SimulatedFix): boolean {
  return route.cumulativeM.some((c) => c > a.alongM && c <= b.alongM);
}
