import polyline from '@googlemaps/polyline-codec';
import { haversineMeters } from '../waybills/geo.rules.js';
import { CSV_COLUMNS, simplifyIndices, simplifyTrack, toCsvTrack, toGeoJsonTrack, toPolylineTrack, type TrackFix } from './track.rules.js';

// Ordos, Inner Mongolia; 0.001 degree of latitude is about 111 m.
const fix = (i: number, over: Partial<TrackFix> = {}): TrackFix => ({
  fixTime: new Date(Date.UTC(2026, 10, 29, 8, 0, i * 10)),
  lat: 39.6 + i * 0.001,
  lon: 109.8,
  speedKmh: 40,
  course: 0,
  altitudeM: 1250,
  alarmBits: 0,
  statusBits: 3,
  mileageKm: 1000 + i * 0.1,
  waybillId: null,
  quality: 0,
  ...over,
});

// Distance from p to the polyline through `line`, in metres, by sampling each segment finely.
function distanceToLine(p: { lat: number; lon: number }, line: { lat: number; lon: number }[]): number {
  let best = Infinity;
  for (let s = 0; s + 1 < line.length; s++) {
    const a = line[s]!;
    const b = line[s + 1]!;
    for (let k = 0; k <= 200; k++) {
      const t = k / 200;
      best = Math.min(best, haversineMeters(p, { lat: a.lat + (b.lat - a.lat) * t, lon: a.lon + (b.lon - a.lon) * t }));
    }
  }
  return best;
}

describe('simplifyIndices', () => {
  it('should keep only the ends of a straight line', () => {
    const line = Array.from({ length: 50 }, (_, i) => fix(i));
    expect(simplifyIndices(line, 5)).toEqual([0, 49]);
  });

  it('should keep every point when the tolerance is 0 or missing, and short tracks as they are', () => {
    const line = Array.from({ length: 5 }, (_, i) => fix(i));
    expect(simplifyIndices(line, 0)).toEqual([0, 1, 2, 3, 4]);
    expect(simplifyIndices(line, Number.NaN)).toEqual([0, 1, 2, 3, 4]);
    expect(simplifyIndices(line.slice(0, 2), 100)).toEqual([0, 1]);
    expect(simplifyIndices([], 100)).toEqual([]);
  });

  it('should keep a corner farther than the tolerance and drop one closer', () => {
    // North 1.1 km, then east 1.1 km (0.0129 degree of longitude at 39.6 N is about 1.1 km).
    const corner = [fix(0), fix(5), fix(10), fix(11, { lat: 39.61, lon: 109.8065 }), fix(12, { lat: 39.61, lon: 109.8129 })];
    expect(simplifyIndices(corner, 50)).toEqual([0, 2, 4]);
    // A 30 m wobble in a straight road is noise at 50 m and a feature at 10 m.
    const wobble = [fix(0), fix(1, { lon: 109.80035 }), fix(2)];
    expect(simplifyIndices(wobble, 50)).toEqual([0, 2]);
    expect(simplifyIndices(wobble, 10)).toEqual([0, 1, 2]);
  });

  it('should keep the turning point of an out-and-back trip (distance to the segment, not the line)', () => {
    const outAndBack = [fix(0), fix(5), fix(10), fix(15, { lat: 39.605 }), fix(20, { lat: 39.6 })];
    expect(simplifyIndices(outAndBack, 50)).toEqual([0, 2, 4]);
  });

  it('should leave no dropped point farther from the result than the tolerance', () => {
    // A winding road: a sine wave of 300 m amplitude over 20 km, one fix every 50 m.
    const road = Array.from({ length: 400 }, (_, i) => fix(i, { lat: 39.6 + i * 0.00045, lon: 109.8 + 0.0035 * Math.sin(i / 15) }));
    const kept = simplifyIndices(road, 20);
    expect(kept.length).toBeLessThan(road.length / 3);
    const line = kept.map((i) => road[i]!);
    const keptSet = new Set(kept);
    const worst = Math.max(...road.filter((_, i) => !keptSet.has(i)).map((p) => distanceToLine(p, line)));
    expect(worst).toBeLessThanOrEqual(20.5);
  });

  it('should simplify 100,000 points without overflowing the stack', () => {
    const long = Array.from({ length: 100_000 }, (_, i) => ({ lat: 39.6 + i * 0.0001, lon: 109.8 + (i % 2) * 0.00001 }));
    expect(simplifyIndices(long, 5)).toEqual([0, 99_999]);
  });
});

describe('simplifyTrack', () => {
  it('should return whole points, in order', () => {
    const line = [fix(0), fix(1), fix(2)];
    expect(simplifyTrack(line, 10)).toEqual([line[0], line[2]]);
    expect(simplifyTrack(line, undefined)).toEqual(line);
  });
});

describe('toPolylineTrack', () => {
  it('should encode the coordinates and keep times and speeds at the same index', () => {
    const points = [fix(0, { speedKmh: 0 }), fix(1, { speedKmh: 35.5 }), fix(2, { lat: 39.60234, lon: 109.80111, speedKmh: 41 })];
    const track = toPolylineTrack(points);
    expect(track.points).toBe(3);
    expect(track.times).toEqual(['2026-11-29T08:00:00.000Z', '2026-11-29T08:00:10.000Z', '2026-11-29T08:00:20.000Z']);
    expect(track.speeds).toEqual([0, 35.5, 41]);
    expect(polyline.decode(track.polyline, 5)).toEqual([
      [39.6, 109.8],
      [39.601, 109.8],
      [39.60234, 109.80111],
    ]);
  });

  it('should encode an empty track as an empty polyline', () => {
    expect(toPolylineTrack([])).toEqual({ polyline: '', precision: 5, times: [], speeds: [], points: 0 });
  });
});

describe('toGeoJsonTrack', () => {
  it('should give a LineString in [lon, lat] order and one Point per fix', () => {
    const geo = toGeoJsonTrack([fix(0), fix(1, { waybillId: 'w1', alarmBits: 2 })], { vehicleId: 'v1' });
    expect(geo.type).toBe('FeatureCollection');
    expect(geo.features[0]).toEqual({
      type: 'Feature',
      geometry: { type: 'LineString', coordinates: [[109.8, 39.6], [109.8, 39.601]] },
      properties: { vehicleId: 'v1', from: '2026-11-29T08:00:00.000Z', to: '2026-11-29T08:00:10.000Z', points: 2 },
    });
    expect(geo.features.slice(1).map((f) => f.geometry.type)).toEqual(['Point', 'Point']);
    expect(geo.features[2]!.properties).toMatchObject({ time: '2026-11-29T08:00:10.000Z', waybillId: 'w1', alarmBits: 2, speedKmh: 40 });
  });

  it('should leave out the LineString of a single fix (RFC 7946 needs two positions)', () => {
    expect(toGeoJsonTrack([fix(0)]).features.map((f) => f.geometry.type)).toEqual(['Point']);
    expect(toGeoJsonTrack([]).features).toEqual([]);
  });
});

describe('toCsvTrack', () => {
  it('should start with a UTF-8 BOM and a header, one CRLF-terminated row per fix', () => {
    const csv = toCsvTrack([fix(0), fix(1, { mileageKm: null, waybillId: 'w1' })]);
    expect(csv.startsWith('\uFEFF')).toBe(true);
    const lines = csv.slice(1).split('\r\n');
    expect(lines).toEqual([
      CSV_COLUMNS.join(','),
      '2026-11-29T08:00:00.000Z,39.6,109.8,40,0,1250,0,3,1000,,0',
      '2026-11-29T08:00:10.000Z,39.601,109.8,40,0,1250,0,3,,w1,0',
      '',
    ]);
  });
});
