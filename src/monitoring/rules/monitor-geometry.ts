import { insideGeofence, pointInPolygon, type GeofencedPlace } from '../../waybills/geo.rules.js';
import type { GeoPolygon } from '../../waybills/place.entity.js';
import type { MonitorZone } from './monitoring.types.js';

// Geometry for the monitoring hot path (thousands of vehicles, one evaluation per position): distance to a
// planned route (TR-06) and zone membership (TR-01/02, 07, 08, 10). Prepared structures are cached by the
// identity of the input object (WeakMap), so the Nest side must keep passing the SAME route array / zone polygon
// object while it caches a trip context; a new object only costs one preparation.

const EARTH_RADIUS_M = 6_371_008.8; // as waybills/geo.rules.ts
const M_PER_DEG = (Math.PI / 180) * EARTH_RADIUS_M;

// A planned route as flat typed arrays. Distances use a plane tangent at each segment's mid-latitude: metres-exact
// at corridor scale (hundreds of metres), and no trigonometry per position.
export type RouteIndex = {
  lat: Float64Array;
  lon: Float64Array;
  kx: Float64Array; // metres per degree of longitude, per segment
  minLat: Float64Array; // per segment, for pruning the full scan
  maxLat: Float64Array;
  segments: number;
};

const routeCache = new WeakMap<object, RouteIndex | null>();

// null for a route with fewer than two points.
export function routeIndex(route: readonly (readonly [number, number])[]): RouteIndex | null {
  let ix = routeCache.get(route);
  if (ix !== undefined) return ix;
  ix = null;
  if (route.length >= 2) {
    const n = route.length;
    const lat = new Float64Array(n);
    const lon = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      lat[i] = route[i]![0];
      lon[i] = route[i]![1];
    }
    const kx = new Float64Array(n - 1);
    const minLat = new Float64Array(n - 1);
    const maxLat = new Float64Array(n - 1);
    for (let i = 0; i < n - 1; i++) {
      kx[i] = M_PER_DEG * Math.cos((((lat[i]! + lat[i + 1]!) / 2) * Math.PI) / 180);
      minLat[i] = Math.min(lat[i]!, lat[i + 1]!);
      maxLat[i] = Math.max(lat[i]!, lat[i + 1]!);
    }
    ix = { lat, lon, kx, minLat, maxLat, segments: n - 1 };
  }
  routeCache.set(route, ix);
  return ix;
}

// Distance in metres from (lat, lon) to segment i.
export function segmentDistanceM(ix: RouteIndex, i: number, lat: number, lon: number): number {
  const kx = ix.kx[i]!;
  const ax = ix.lon[i]!;
  const ay = ix.lat[i]!;
  const bx = (ix.lon[i + 1]! - ax) * kx;
  const by = (ix.lat[i + 1]! - ay) * M_PER_DEG;
  const px = (lon - ax) * kx;
  const py = (lat - ay) * M_PER_DEG;
  const len2 = bx * bx + by * by;
  const f = len2 === 0 ? 0 : Math.max(0, Math.min(1, (px * bx + py * by) / len2));
  const dx = px - f * bx;
  const dy = py - f * by;
  return Math.sqrt(dx * dx + dy * dy);
}

// The result of the last routeMatch call (a reused object: read it before the next call).
export const ROUTE_MATCH = { distanceM: 0, segment: 0, fullScan: false };

// Nearest segment: first within `window` segments either side of `hint` (the vehicle's last matched segment);
// when nothing there is within acceptM, a full scan (pruned by latitude) gives the true nearest. So the distance
// is exact whenever it exceeds acceptM, and at most acceptM otherwise: enough to decide "inside the corridor".
export function routeMatch(ix: RouteIndex, lat: number, lon: number, hint: number, window: number, acceptM: number): typeof ROUTE_MATCH {
  const last = ix.segments - 1;
  const h = hint >= 0 && hint <= last ? hint : 0;
  let best = Infinity;
  let bestI = h;
  const lo = Math.max(0, h - window);
  const hi = Math.min(last, h + window);
  for (let i = lo; i <= hi; i++) {
    const d = segmentDistanceM(ix, i, lat, lon);
    if (d < best) {
      best = d;
      bestI = i;
    }
  }
  ROUTE_MATCH.fullScan = false;
  if (best > acceptM && (lo > 0 || hi < last)) {
    ROUTE_MATCH.fullScan = true;
    for (let i = 0; i <= last; i++) {
      // Latitude alone bounds the distance from below: skip segments that cannot beat the best so far.
      const dLat = lat > ix.maxLat[i]! ? lat - ix.maxLat[i]! : lat < ix.minLat[i]! ? ix.minLat[i]! - lat : 0;
      if (dLat * M_PER_DEG >= best) continue;
      const d = segmentDistanceM(ix, i, lat, lon);
      if (d < best) {
        best = d;
        bestI = i;
      }
    }
  }
  ROUTE_MATCH.distanceM = best;
  ROUTE_MATCH.segment = bestI;
  return ROUTE_MATCH;
}

// Zone membership with a cached bounding box in front of the polygon test.
type Bbox = { minLon: number; minLat: number; maxLon: number; maxLat: number };
const bboxCache = new WeakMap<GeoPolygon, Bbox>();

function bbox(polygon: GeoPolygon): Bbox {
  let b = bboxCache.get(polygon);
  if (!b) {
    b = { minLon: Infinity, minLat: Infinity, maxLon: -Infinity, maxLat: -Infinity };
    for (const [x, y] of polygon.coordinates[0] ?? []) {
      if (x < b.minLon) b.minLon = x;
      if (x > b.maxLon) b.maxLon = x;
      if (y < b.minLat) b.minLat = y;
      if (y > b.maxLat) b.maxLat = y;
    }
    bboxCache.set(polygon, b);
  }
  return b;
}

export function insidePolygon(polygon: GeoPolygon, lat: number, lon: number): boolean {
  const b = bbox(polygon);
  if (lon < b.minLon || lon > b.maxLon || lat < b.minLat || lat > b.maxLat) return false;
  return pointInPolygon([lon, lat], polygon);
}

export const insideZone = (zone: MonitorZone, lat: number, lon: number): boolean => insidePolygon(zone.polygon, lat, lon);

// A place's geofence (drawn polygon, else a circle of radiusM), with the polygon's bbox cached.
export function insidePlace(place: GeofencedPlace, lat: number, lon: number): boolean {
  if (place.geofence) return insidePolygon(place.geofence, lat, lon);
  return insideGeofence({ lat, lon }, place);
}
