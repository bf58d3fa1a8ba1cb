import polyline from '@googlemaps/polyline-codec';
import { toCsv } from '../common/csv.js';
import type { TrackPoint } from './positions/positions.service.js';

// Track replay: simplification and the three output formats (polyline, GeoJSON, CSV). Pure functions over the
// points PositionsService.track returns, in time order.

// A stored point as PositionsService.track returns it (only what replay needs).
export type TrackFix = Omit<TrackPoint, 'vehicleId' | 'backfill' | 'receivedAt'>;

// Encoded polyline precision: 5 decimals (about 1.1 m), the Google default and what the waybill planned routes use.
export const POLYLINE_PRECISION = 5;

// Mean Earth radius (IUGG), metres.
const EARTH_RADIUS_M = 6_371_008.8;
const M_PER_DEG = (Math.PI / 180) * EARTH_RADIUS_M;

// Distance in metres from p to the segment a-b, in a plane tangent at the segment's mid latitude: exact to well
// under a metre over the few kilometres a simplification tolerance spans.
function segmentDistanceM(p: { lat: number; lon: number }, a: { lat: number; lon: number }, b: { lat: number; lon: number }, kx: number): number {
  const bx = (b.lon - a.lon) * kx;
  const by = (b.lat - a.lat) * M_PER_DEG;
  const px = (p.lon - a.lon) * kx;
  const py = (p.lat - a.lat) * M_PER_DEG;
  const len2 = bx * bx + by * by;
  // Distance to the segment rather than to the infinite line: a vehicle that drives out and back along the same
  // road must keep its turning point.
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, (px * bx + py * by) / len2));
  const dx = px - t * bx;
  const dy = py - t * by;
  return Math.sqrt(dx * dx + dy * dy);
}

// Douglas-Peucker: the indices of the points to keep so that no dropped point lies farther than toleranceM from
// the simplified line. First and last are always kept; a tolerance of 0 (or less, or NaN) keeps everything.
// Iterative, so that a 100,000-point track cannot overflow the stack. Returns indices (not points) so that times
// and speeds stay aligned with the coordinates.
export function simplifyIndices(points: readonly { lat: number; lon: number }[], toleranceM: number): number[] {
  const n = points.length;
  if (n <= 2 || !(toleranceM > 0)) return Array.from({ length: n }, (_, i) => i);
  const keep = new Uint8Array(n);
  keep[0] = 1;
  keep[n - 1] = 1;
  const stack: [number, number][] = [[0, n - 1]];
  while (stack.length > 0) {
    const [first, last] = stack.pop()!;
    if (last - first < 2) continue;
    const a = points[first]!;
    const b = points[last]!;
    const kx = M_PER_DEG * Math.cos((((a.lat + b.lat) / 2) * Math.PI) / 180);
    let worst = -1;
    let worstDistance = 0;
    for (let i = first + 1; i < last; i++) {
      const d = segmentDistanceM(points[i]!, a, b, kx);
      if (d > worstDistance) {
        worstDistance = d;
        worst = i;
      }
    }
    if (worst >= 0 && worstDistance > toleranceM) {
      keep[worst] = 1;
      stack.push([first, worst], [worst, last]);
    }
  }
  const kept: number[] = [];
  for (let i = 0; i < n; i++) if (keep[i]) kept.push(i);
  return kept;
}

export function simplifyTrack<T extends { lat: number; lon: number }>(points: readonly T[], toleranceM: number | undefined): T[] {
  if (!toleranceM) return [...points];
  return simplifyIndices(points, toleranceM).map((i) => points[i]!);
}

// ---------------------------------------------------------------------------------------------- formats

export type PolylineTrack = {
  polyline: string;
  precision: number;
  times: string[];
  speeds: number[];
  points: number;
};

// The track as one encoded polyline, with the time and speed of each of its points at the same index.
export function toPolylineTrack(points: readonly TrackFix[]): PolylineTrack {
  return {
    polyline: polyline.encode(
      points.map((p) => [p.lat, p.lon] as [number, number]),
      POLYLINE_PRECISION,
    ),
    precision: POLYLINE_PRECISION,
    times: points.map((p) => p.fixTime.toISOString()),
    speeds: points.map((p) => p.speedKmh),
    points: points.length,
  };
}

type Position = [number, number];
export type GeoJsonFeature =
  | { type: 'Feature'; geometry: { type: 'LineString'; coordinates: Position[] }; properties: Record<string, unknown> }
  | { type: 'Feature'; geometry: { type: 'Point'; coordinates: Position }; properties: Record<string, unknown> };
export type GeoJsonTrack = { type: 'FeatureCollection'; features: GeoJsonFeature[] };

// RFC 7946: a LineString of the whole track (only when there are two points or more: a LineString needs two),
// then one Point per fix with its time, speed, course, altitude, bits and mileage. Coordinates are [lon, lat].
export function toGeoJsonTrack(points: readonly TrackFix[], trackProperties: Record<string, unknown> = {}): GeoJsonTrack {
  const features: GeoJsonFeature[] = [];
  if (points.length >= 2) {
    features.push({
      type: 'Feature',
      geometry: { type: 'LineString', coordinates: points.map((p) => [p.lon, p.lat]) },
      properties: {
        ...trackProperties,
        from: points[0]!.fixTime.toISOString(),
        to: points[points.length - 1]!.fixTime.toISOString(),
        points: points.length,
      },
    });
  }
  for (const p of points) {
    features.push({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [p.lon, p.lat] },
      properties: {
        time: p.fixTime.toISOString(),
        speedKmh: p.speedKmh,
        course: p.course,
        altitudeM: p.altitudeM,
        alarmBits: p.alarmBits,
        statusBits: p.statusBits,
        mileageKm: p.mileageKm,
        waybillId: p.waybillId,
        quality: p.quality,
      },
    });
  }
  return { type: 'FeatureCollection', features };
}

export const CSV_COLUMNS = [
  'time',
  'lat',
  'lon',
  'speed_kmh',
  'course',
  'altitude_m',
  'alarm_bits',
  'status_bits',
  'mileage_km',
  'waybill_id',
  'quality',
] as const;

// Times in UTC ISO 8601; the file as common/csv.ts writes it (RFC 4180, BOM, text cells safe from formulas).
export function toCsvTrack(points: readonly TrackFix[]): string {
  return toCsv([
    CSV_COLUMNS,
    ...points.map((p) => [
      p.fixTime.toISOString(),
      p.lat,
      p.lon,
      p.speedKmh,
      p.course,
      p.altitudeM,
      p.alarmBits,
      p.statusBits,
      p.mileageKm,
      p.waybillId,
      p.quality,
    ]),
  ]);
}
