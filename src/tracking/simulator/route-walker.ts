import { statusWord } from '../terminal/jt808/jt808.constants.js';

// Simulated vehicles driving along a polyline: where a vehicle is at each report, at what speed and heading.
// Pure (no clock, no I/O): time is the walker's own fix time, randomness comes from a seeded PRNG, so the same
// options always give the same track. Used by the terminal simulator, the demo and the monitoring tests.
//
// Geometry is spherical (great-circle segments between the polyline's points, radius as in waybills/geo.rules.ts),
// which at the scale of a road corridor is well inside GNSS error.

export type LatLon = readonly [lat: number, lon: number];

const EARTH_RADIUS_M = 6_371_008.8;
const RAD = Math.PI / 180;
const DEG = 180 / Math.PI;

export function distanceM(a: LatLon, b: LatLon): number {
  const dLat = (b[0] - a[0]) * RAD;
  const dLon = (b[1] - a[1]) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[0] * RAD) * Math.cos(b[0] * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

// Initial great-circle bearing from a to b, degrees clockwise from north in [0, 360).
export function bearingDeg(a: LatLon, b: LatLon): number {
  const φ1 = a[0] * RAD;
  const φ2 = b[0] * RAD;
  const Δλ = (b[1] - a[1]) * RAD;
  const y = Math.sin(Δλ) * Math.cos(φ2);
  const x = Math.cos(φ1) * Math.sin(φ2) - Math.sin(φ1) * Math.cos(φ2) * Math.cos(Δλ);
  return (Math.atan2(y, x) * DEG + 360) % 360;
}

// The point `metres` away from p on the given bearing.
export function destination(p: LatLon, bearing: number, metres: number): [number, number] {
  const δ = metres / EARTH_RADIUS_M;
  const θ = bearing * RAD;
  const φ1 = p[0] * RAD;
  const λ1 = p[1] * RAD;
  const φ2 = Math.asin(Math.sin(φ1) * Math.cos(δ) + Math.cos(φ1) * Math.sin(δ) * Math.cos(θ));
  const λ2 = λ1 + Math.atan2(Math.sin(θ) * Math.sin(δ) * Math.cos(φ1), Math.cos(δ) - Math.sin(φ1) * Math.sin(φ2));
  return [φ2 * DEG, ((λ2 * DEG + 540) % 360) - 180];
}

// The point at fraction f (0..1) of the great circle from a to b.
export function interpolate(a: LatLon, b: LatLon, f: number): [number, number] {
  if (f <= 0) return [a[0], a[1]];
  if (f >= 1) return [b[0], b[1]];
  const δ = distanceM(a, b) / EARTH_RADIUS_M;
  if (δ < 1e-12) return [a[0], a[1]];
  const φ1 = a[0] * RAD;
  const λ1 = a[1] * RAD;
  const φ2 = b[0] * RAD;
  const λ2 = b[1] * RAD;
  const A = Math.sin((1 - f) * δ) / Math.sin(δ);
  const B = Math.sin(f * δ) / Math.sin(δ);
  const x = A * Math.cos(φ1) * Math.cos(λ1) + B * Math.cos(φ2) * Math.cos(λ2);
  const y = A * Math.cos(φ1) * Math.sin(λ1) + B * Math.cos(φ2) * Math.sin(λ2);
  const z = A * Math.sin(φ1) + B * Math.sin(φ2);
  return [Math.atan2(z, Math.sqrt(x * x + y * y)) * DEG, Math.atan2(y, x) * DEG];
}

// A polyline with its cumulative lengths, computed once and shared by every walker on it.
export type PreparedRoute = {
  points: readonly LatLon[];
  cumulativeM: Float64Array; // cumulativeM[i] = distance along the route from points[0] to points[i]
  lengthM: number;
};

export function prepareRoute(polyline: readonly LatLon[]): PreparedRoute {
  const points: LatLon[] = [];
  for (const p of polyline) {
    if (!Array.isArray(p) || !Number.isFinite(p[0]) || !Number.isFinite(p[1]) || Math.abs(p[0]) > 90 || Math.abs(p[1]) > 180) {
      throw new RangeError(`route point ${JSON.stringify(p)} is not [lat, lon]`);
    }
    // Repeated points would make zero-length segments with no bearing.
    if (points.length === 0 || distanceM(points[points.length - 1]!, p) > 0.01) points.push([p[0], p[1]]);
  }
  if (points.length < 2) throw new RangeError('a route needs at least two distinct points');
  const cumulativeM = new Float64Array(points.length);
  for (let i = 1; i < points.length; i++) cumulativeM[i] = cumulativeM[i - 1]! + distanceM(points[i - 1]!, points[i]!);
  return { points, cumulativeM, lengthM: cumulativeM[points.length - 1]! };
}

// Index of the segment holding distance s (points[i] → points[i + 1]), starting the search from a hint.
function segmentAt(route: PreparedRoute, s: number, hint = 0): number {
  const c = route.cumulativeM;
  const last = c.length - 2;
  let i = Math.min(Math.max(hint, 0), last);
  while (i > 0 && s < c[i]!) i--;
  while (i < last && s >= c[i + 1]!) i++;
  return i;
}

// The point at distance s along the route (clamped to its ends) and the heading of travel there.
export function pointAlong(route: PreparedRoute, s: number, hint = 0): { lat: number; lon: number; bearing: number; segment: number } {
  const d = Math.min(Math.max(s, 0), route.lengthM);
  const i = segmentAt(route, d, hint);
  const a = route.points[i]!;
  const b = route.points[i + 1]!;
  const length = route.cumulativeM[i + 1]! - route.cumulativeM[i]!;
  const f = (d - route.cumulativeM[i]!) / length;
  const [lat, lon] = interpolate(a, b, f);
  // Along a great circle the heading changes; take it at the point itself (towards the segment end, or away
  // from its start when at the end).
  const bearing = length - (d - route.cumulativeM[i]!) > 1 ? bearingDeg([lat, lon], b) : (bearingDeg(b, a) + 180) % 360;
  return { lat, lon, bearing, segment: i };
}

// Shortest distance from a point to the route, in metres (cross-track distance to the nearest segment, or the
// distance to a vertex when the foot of the perpendicular falls outside every segment).
export function distanceToRouteM(route: PreparedRoute, lat: number, lon: number): number {
  const p: LatLon = [lat, lon];
  let best = Infinity;
  for (let i = 0; i < route.points.length - 1; i++) {
    const a = route.points[i]!;
    const b = route.points[i + 1]!;
    const δ13 = distanceM(a, p) / EARTH_RADIUS_M;
    const θ = (bearingDeg(a, p) - bearingDeg(a, b)) * RAD;
    const xt = Math.asin(Math.sin(δ13) * Math.sin(θ));
    const along = Math.acos(Math.min(1, Math.cos(δ13) / Math.cos(xt))) * EARTH_RADIUS_M;
    const length = route.cumulativeM[i + 1]! - route.cumulativeM[i]!;
    const d = Math.cos(θ) > 0 && along <= length ? Math.abs(xt) * EARTH_RADIUS_M : Math.min(distanceM(a, p), distanceM(b, p));
    if (d < best) best = d;
  }
  return best;
}

// mulberry32: a tiny seeded PRNG, uniform in [0, 1). Good enough for speed noise, not for anything secret.
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// A per-vehicle seed from a run seed and the vehicle's index (so vehicles differ but runs repeat).
export const seedFor = (seed: number, index: number): number => (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(index + 1, 0xc2b2ae35)) >>> 0;

export type SpeedProfile = {
  cruiseKmh: number; // the vehicle's usual speed
  noiseKmh: number; // uniform noise ± this much on every fix
};

// Dangerous-goods vehicles may do at most 80 km/h on expressways (DOMAIN.md, Order 29 art. 46) and monitoring
// pre-warns at 75: a law-abiding tanker cruises a little below that.
export const DEFAULT_SPEED: SpeedProfile = { cruiseKmh: 70, noiseKmh: 2 };

// A behaviour applies from atS for durationS seconds of the walker's fix time (forever without durationS).
export type BehaviourWindow = { atS: number; durationS?: number };

type OneOrMore<T> = T | readonly T[];

export type WalkerBehaviours = {
  // Periods at `kmh` (default 95; TR-01 fires above 80 sustained for 10 s).
  overspeed?: OneOrMore<BehaviourWindow & { kmh?: number }>;
  // Leave the route sideways by `km` (ramping out over rampS, default at ≈ 40 km/h sideways), and come back
  // the same way before the window ends. `side`: of the direction of travel, default right.
  deviate?: BehaviourWindow & { km: number; rampS?: number; side?: 'left' | 'right' };
  // Stand still (speed 0, same place), still reporting.
  stop?: OneOrMore<BehaviourWindow>;
  // Report nothing (next() returns null); the vehicle keeps driving meanwhile.
  silent?: OneOrMore<BehaviourWindow>;
};

export type RouteWalkerOptions = {
  stepS: number; // fix time between two consecutive fixes
  startTime: Date | number; // fix time of the first fix
  speed?: Partial<SpeedProfile>;
  seed?: number;
  // Where on the route the vehicle starts: an explicit distance, or its place among `count` vehicles spread
  // evenly over the route (over the way there and back with atEnd 'reverse', so half of them drive back).
  startOffsetM?: number;
  spread?: { index: number; count: number };
  // At the end of the route: drive back (default), jump to the start (closed routes only: elsewhere that is a
  // teleport the plausibility filter flags), or park there.
  atEnd?: 'reverse' | 'loop' | 'stop';
  behaviours?: WalkerBehaviours;
  altitudeM?: number; // default 1100 (the Ordos plateau around Baotou and Hohhot lies at ~1,000-1,400 m)
  // Set JT/T 808 alarm bit 1 (overspeed) while faster than overspeedLimitKmh, as a terminal configured with a
  // limit does. Off by default: the platform's monitoring decides on overspeed from the reported speed.
  terminalAlarms?: boolean;
  overspeedLimitKmh?: number; // default 80
};

// A fix, in the shape the JT/T 808 encoder takes for 0x0200 (Jt808PositionInput), plus where it came from.
export type SimulatedFix = {
  latitude: number;
  longitude: number;
  altitude: number;
  speedKmh: number; // rounded to 0.1 km/h, as sent
  direction: number; // integer degrees 0-359
  time: Date;
  alarm: number;
  status: number;
  extras: { mileageKm: number; satellites: number };
  elapsedS: number; // fix time since the walker's first fix
  alongM: number; // distance along the route of the on-route point (before any deviation)
  offRouteM: number; // sideways offset of a deviation, 0 on the route
};

// ACC on + positioned (JT/T 808 table 25 bits 0 and 1).
export const DRIVING_STATUS = statusWord({ accOn: true, positioned: true });
const OVERSPEED_ALARM = 1 << 1;

const inWindow = (w: BehaviourWindow, t: number) => t >= w.atS && (w.durationS === undefined || t < w.atS + w.durationS);

// The window active at t, if any.
function active<W extends BehaviourWindow>(w: OneOrMore<W> | undefined, t: number): W | undefined {
  if (w === undefined) return undefined;
  if (!Array.isArray(w)) return inWindow(w as W, t) ? (w as W) : undefined;
  return (w as readonly W[]).find((x) => inWindow(x, t));
}

export class RouteWalker {
  private readonly route: PreparedRoute;
  private readonly stepS: number;
  private readonly startMs: number;
  private readonly speed: SpeedProfile;
  private readonly rng: () => number;
  private readonly atEnd: 'reverse' | 'loop' | 'stop';
  private readonly cycleM: number;
  private readonly behaviours: WalkerBehaviours;
  private readonly altitudeM: number;
  private readonly terminalAlarms: boolean;
  private readonly overspeedLimitKmh: number;
  private readonly deviationRampS: number;
  private position: number; // distance in cycle space: [0, 2L) for 'reverse', [0, L] otherwise
  private step = 0;
  private odometerM: number;
  private hint = 0;
  private lastOffsetM = 0;

  constructor(route: PreparedRoute, options: RouteWalkerOptions) {
    if (!(options.stepS > 0)) throw new RangeError('stepS must be positive');
    this.route = route;
    this.stepS = options.stepS;
    this.startMs = typeof options.startTime === 'number' ? options.startTime : options.startTime.getTime();
    this.speed = { ...DEFAULT_SPEED, ...options.speed };
    this.rng = mulberry32(options.seed ?? 1);
    this.atEnd = options.atEnd ?? 'reverse';
    this.cycleM = this.atEnd === 'reverse' ? 2 * route.lengthM : route.lengthM;
    this.behaviours = options.behaviours ?? {};
    this.altitudeM = options.altitudeM ?? 1100;
    this.terminalAlarms = options.terminalAlarms ?? false;
    this.overspeedLimitKmh = options.overspeedLimitKmh ?? 80;
    const deviate = this.behaviours.deviate;
    // About 40 km/h sideways: a vehicle turning off onto another road, not a GNSS jump.
    this.deviationRampS = deviate ? (deviate.rampS ?? Math.max(30, (deviate.km * 1000) / (40 / 3.6))) : 0;
    const offset = options.startOffsetM ?? (options.spread ? (this.cycleM * options.spread.index) / Math.max(1, options.spread.count) : 0);
    this.position = this.atEnd === 'reverse' ? ((offset % this.cycleM) + this.cycleM) % this.cycleM : Math.min(Math.max(offset, 0), this.cycleM);
    // An odometer that does not start at zero, as on a vehicle in service.
    this.odometerM = Math.floor(20_000_000 + this.rng() * 200_000_000);
  }

  get routeLengthM(): number {
    return this.route.lengthM;
  }

  // The next fix (the first call gives the start), or null while the terminal is silent.
  next(): SimulatedFix | null {
    const k = this.step++;
    const t = k * this.stepS;
    const b = this.behaviours;
    const stopped = active(b.stop, t) !== undefined || (this.atEnd === 'stop' && this.position >= this.cycleM);
    let kmh = 0;
    const noise = (this.rng() * 2 - 1) * this.speed.noiseKmh;
    if (!stopped) {
      const overspeed = active(b.overspeed, t);
      const base = overspeed ? (overspeed.kmh ?? 95) : this.speed.cruiseKmh;
      kmh = Math.max(0, Math.round((base + noise) * 10) / 10);
    }
    const satellites = 10 + Math.floor(this.rng() * 9);
    // The first fix is where the vehicle starts; each later one is reached at its own reported speed.
    if (k > 0) this.advance((kmh / 3.6) * this.stepS);

    const { lat, lon, bearing, alongM } = this.onRoute();
    const offsetM = this.deviationOffsetM(t);
    let latitude = lat;
    let longitude = lon;
    let course = bearing;
    let groundKmh = kmh;
    if (offsetM > 0) {
      const side = b.deviate!.side === 'left' ? -90 : 90;
      [latitude, longitude] = destination([lat, lon], bearing + side, offsetM);
      // Heading and speed over the ground while moving sideways.
      const sidewaysMps = k > 0 ? (offsetM - this.lastOffsetM) / this.stepS : 0;
      const alongMps = kmh / 3.6;
      if (sidewaysMps !== 0) {
        course = bearing + (side > 0 ? 1 : -1) * Math.atan2(sidewaysMps, alongMps) * DEG;
        groundKmh = Math.round(Math.hypot(alongMps, sidewaysMps) * 3.6 * 10) / 10;
      }
    } else if (this.lastOffsetM > 0 && k > 0) {
      // Back on the route this step.
      const side = b.deviate!.side === 'left' ? -90 : 90;
      const sidewaysMps = -this.lastOffsetM / this.stepS;
      const alongMps = kmh / 3.6;
      course = bearing + (side > 0 ? 1 : -1) * Math.atan2(sidewaysMps, alongMps) * DEG;
      groundKmh = Math.round(Math.hypot(alongMps, sidewaysMps) * 3.6 * 10) / 10;
    }
    this.lastOffsetM = offsetM;
    if (active(b.silent, t)) return null;

    const direction = ((Math.round(course) % 360) + 360) % 360;
    return {
      latitude,
      longitude,
      altitude: this.altitudeM,
      speedKmh: groundKmh,
      direction,
      time: new Date(this.startMs + Math.round(t * 1000)),
      alarm: this.terminalAlarms && groundKmh > this.overspeedLimitKmh ? OVERSPEED_ALARM : 0,
      status: DRIVING_STATUS,
      extras: { mileageKm: Math.floor(this.odometerM / 100) / 10, satellites },
      elapsedS: t,
      alongM,
      offRouteM: offsetM,
    };
  }

  private advance(metres: number): void {
    this.odometerM += metres;
    const next = this.position + metres;
    if (this.atEnd === 'reverse') this.position = next % this.cycleM;
    else if (this.atEnd === 'loop') this.position = next >= this.cycleM ? next % this.cycleM : next;
    else this.position = Math.min(next, this.cycleM);
  }

  private onRoute(): { lat: number; lon: number; bearing: number; alongM: number } {
    const L = this.route.lengthM;
    const back = this.atEnd === 'reverse' && this.position > L;
    const alongM = back ? 2 * L - this.position : this.position;
    const p = pointAlong(this.route, alongM, this.hint);
    this.hint = p.segment;
    if (!back) return { lat: p.lat, lon: p.lon, bearing: p.bearing, alongM };
    // On the way back the heading is towards the previous vertex.
    const a = this.route.points[p.segment]!;
    const fromStart = alongM - this.route.cumulativeM[p.segment]!;
    const bearing = fromStart > 1 ? bearingDeg([p.lat, p.lon], a) : (p.bearing + 180) % 360;
    return { lat: p.lat, lon: p.lon, bearing, alongM };
  }

  private deviationOffsetM(t: number): number {
    const d = this.behaviours.deviate;
    if (!d || !inWindow(d, t)) return 0;
    const out = (t - d.atS) / this.deviationRampS;
    const back = d.durationS === undefined ? Infinity : (d.atS + d.durationS - t) / this.deviationRampS;
    return d.km * 1000 * Math.max(0, Math.min(1, out, back));
  }
}
