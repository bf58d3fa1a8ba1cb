import type { GeoPolygon } from './place.entity.js';

// Plane geometry on WGS-84 coordinates for geofences: loading / unloading sites (DOMAIN.md 3.1(a)
// origin/destination geofence), departure and arrival detection in tracking. Sites are a few hundred metres
// across, so treating longitude/latitude as plane coordinates inside a polygon is exact enough; distances
// use the haversine formula. Nothing here crosses the antimeridian (China lies between 73°E and 135°E).

// A point as GeoJSON writes it, [longitude, latitude], or as positions and places store it.
export type LonLat = readonly [lon: number, lat: number];
export type GeoPoint = LonLat | { lat: number; lon: number };

const lonLat = (p: GeoPoint): LonLat => ('lat' in p ? [p.lon, p.lat] : p);

// Mean Earth radius (IUGG), metres.
const EARTH_RADIUS_M = 6_371_008.8;
const rad = (deg: number) => (deg * Math.PI) / 180;

// Great-circle distance in metres. Reads the coordinates without building [lon, lat] pairs: monitoring calls it for
// every position, and those pairs were 2 % of what the ingest server allocated.
export function haversineMeters(a: GeoPoint, b: GeoPoint): number {
  const lon1 = 'lat' in a ? a.lon : a[0];
  const lat1 = 'lat' in a ? a.lat : a[1];
  const lon2 = 'lat' in b ? b.lon : b[0];
  const lat2 = 'lat' in b ? b.lat : b[1];
  const dLat = rad(lat2 - lat1);
  const dLon = rad(lon2 - lon1);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

// Even-odd ray casting against one ring (closed or not: the edge from last to first is included either way).
function inRing([x, y]: LonLat, ring: readonly (readonly number[])[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const xi = ring[i]![0]!;
    const yi = ring[i]![1]!;
    const xj = ring[j]![0]!;
    const yj = ring[j]![1]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

// Inside the exterior ring and outside every hole (GeoJSON RFC 7946 3.1.6: the first ring is the exterior,
// the others are holes). A point exactly on an edge may fall either way; a GNSS fix is never that precise.
export function pointInPolygon(point: GeoPoint, polygon: GeoPolygon): boolean {
  const p = lonLat(point);
  const [exterior, ...holes] = polygon.coordinates;
  if (!exterior || !inRing(p, exterior)) return false;
  return !holes.some((hole) => inRing(p, hole));
}

export type GeofencedPlace = { lat: number; lon: number; geofence: GeoPolygon | null; radiusM: number | null };

// The drawn polygon when there is one, else a circle of radiusM around the place, else no geofence at all.
export function insideGeofence(point: GeoPoint, place: GeofencedPlace): boolean {
  if (place.geofence) return pointInPolygon(point, place.geofence);
  if (place.radiusM != null && place.radiusM > 0) return haversineMeters(point, { lat: place.lat, lon: place.lon }) <= place.radiusM;
  return false;
}

export type PolygonProblem =
  | 'NOT_A_POLYGON' // not { type: 'Polygon', coordinates: [...] }
  | 'NO_RINGS'
  | 'TOO_FEW_POSITIONS' // a ring needs at least 4 positions (RFC 7946 3.1.6)
  | 'BAD_POSITION' // not [lon, lat] (an optional altitude is allowed) of finite numbers
  | 'OUT_OF_RANGE' // longitude outside -180..180 or latitude outside -90..90
  | 'NOT_CLOSED' // first and last positions differ
  | 'DEGENERATE'; // the ring encloses no area (all positions on one line or the same point)

export type PolygonCheck = { problem: PolygonProblem; ring?: number; position?: number } | null;

// Twice the signed area of a ring in degrees² (shoelace); zero means the ring encloses nothing.
function ringArea2(ring: readonly (readonly number[])[]): number {
  let sum = 0;
  for (let i = 0; i < ring.length - 1; i++) sum += ring[i]![0]! * ring[i + 1]![1]! - ring[i + 1]![0]! * ring[i]![1]!;
  return sum;
}

// What is wrong with a GeoJSON Polygon (checked defensively: the input may come straight from JSON), or null.
export function polygonProblem(polygon: unknown): PolygonCheck {
  const g = polygon as { type?: unknown; coordinates?: unknown } | null;
  if (!g || typeof g !== 'object' || g.type !== 'Polygon' || !Array.isArray(g.coordinates)) return { problem: 'NOT_A_POLYGON' };
  if (g.coordinates.length === 0) return { problem: 'NO_RINGS' };
  for (const [r, ring] of (g.coordinates as unknown[]).entries()) {
    if (!Array.isArray(ring)) return { problem: 'NOT_A_POLYGON', ring: r };
    if (ring.length < 4) return { problem: 'TOO_FEW_POSITIONS', ring: r };
    for (const [i, pos] of (ring as unknown[]).entries()) {
      if (!Array.isArray(pos) || pos.length < 2 || pos.length > 3 || !pos.every((n) => typeof n === 'number' && Number.isFinite(n))) {
        return { problem: 'BAD_POSITION', ring: r, position: i };
      }
      const [lon, lat] = pos as number[];
      if (lon! < -180 || lon! > 180 || lat! < -90 || lat! > 90) return { problem: 'OUT_OF_RANGE', ring: r, position: i };
    }
    const first = ring[0] as number[];
    const last = ring[ring.length - 1] as number[];
    if (first[0] !== last[0] || first[1] !== last[1]) return { problem: 'NOT_CLOSED', ring: r };
    if (ringArea2(ring as number[][]) === 0) return { problem: 'DEGENERATE', ring: r };
  }
  return null;
}

// Closed rings of at least 4 positions, coordinates in range, no NaN or Infinity, some area.
export function validPolygon(polygon: unknown): polygon is GeoPolygon {
  return polygonProblem(polygon) === null;
}
