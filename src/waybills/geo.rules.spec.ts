import { haversineMeters, insideGeofence, pointInPolygon, polygonProblem, validPolygon } from './geo.rules.js';
import type { GeoPolygon } from './place.entity.js';

// A loading site in Baotou, roughly 200 m × 220 m.
const site: GeoPolygon = {
  type: 'Polygon',
  coordinates: [
    [
      [109.84, 40.65],
      [109.842, 40.65],
      [109.842, 40.652],
      [109.84, 40.652],
      [109.84, 40.65],
    ],
  ],
};

// The same square with a hole in the middle (an office compound outside the site).
const withHole: GeoPolygon = {
  type: 'Polygon',
  coordinates: [
    site.coordinates[0]!,
    [
      [109.8405, 40.6505],
      [109.8405, 40.6515],
      [109.8415, 40.6515],
      [109.8415, 40.6505],
      [109.8405, 40.6505],
    ],
  ],
};

// A U shape: the notch between the arms is outside.
const uShape: GeoPolygon = {
  type: 'Polygon',
  coordinates: [
    [
      [0, 0],
      [3, 0],
      [3, 3],
      [2, 3],
      [2, 1],
      [1, 1],
      [1, 3],
      [0, 3],
      [0, 0],
    ],
  ],
};

describe('pointInPolygon', () => {
  it('should find a point inside a square and not one outside', () => {
    expect(pointInPolygon([109.841, 40.651], site)).toBe(true);
    expect(pointInPolygon([109.843, 40.651], site)).toBe(false);
    expect(pointInPolygon([109.841, 40.653], site)).toBe(false);
  });

  it('should accept { lat, lon } as well as [lon, lat]', () => {
    expect(pointInPolygon({ lat: 40.651, lon: 109.841 }, site)).toBe(true);
    // Swapped order is a different point entirely.
    expect(pointInPolygon([40.651, 109.841], site)).toBe(false);
  });

  it('should treat a point in a hole as outside, and the ring around the hole as inside', () => {
    expect(pointInPolygon([109.841, 40.651], withHole)).toBe(false);
    expect(pointInPolygon([109.8402, 40.6502], withHole)).toBe(true);
    expect(pointInPolygon([109.8418, 40.6518], withHole)).toBe(true);
  });

  it('should handle concave polygons', () => {
    expect(pointInPolygon([0.5, 2], uShape)).toBe(true);
    expect(pointInPolygon([2.5, 2], uShape)).toBe(true);
    expect(pointInPolygon([1.5, 2], uShape)).toBe(false);
    expect(pointInPolygon([1.5, 0.5], uShape)).toBe(true);
  });

  it('should not be fooled by a ray passing exactly through a vertex', () => {
    const diamond: GeoPolygon = { type: 'Polygon', coordinates: [[[0, -1], [1, 0], [0, 1], [-1, 0], [0, -1]]] };
    expect(pointInPolygon([-2, 0], diamond)).toBe(false);
    expect(pointInPolygon([0, 0], diamond)).toBe(true);
    expect(pointInPolygon([2, 0], diamond)).toBe(false);
  });

  it('should find nothing inside a polygon without rings', () => {
    expect(pointInPolygon([0, 0], { type: 'Polygon', coordinates: [] })).toBe(false);
  });
});

describe('haversineMeters', () => {
  it('should be zero between a point and itself', () => {
    expect(haversineMeters([109.84, 40.65], [109.84, 40.65])).toBe(0);
  });

  it('should measure one degree of latitude as about 111.195 km', () => {
    expect(haversineMeters([110, 40], [110, 41])).toBeCloseTo(111_194.9, 0);
  });

  it('should shrink a degree of longitude by cos(latitude)', () => {
    const atEquator = haversineMeters([0, 0], [1, 0]);
    const at60 = haversineMeters([0, 60], [1, 60]);
    expect(at60 / atEquator).toBeCloseTo(0.5, 3);
  });

  it('should put Beijing and Shanghai about 1,068 km apart, either way round and in either notation', () => {
    const beijing = { lat: 39.9042, lon: 116.4074 };
    const shanghai: [number, number] = [121.4737, 31.2304];
    const d = haversineMeters(beijing, shanghai);
    expect(d / 1000).toBeGreaterThan(1_060);
    expect(d / 1000).toBeLessThan(1_075);
    expect(haversineMeters(shanghai, beijing)).toBeCloseTo(d, 6);
  });

  it('should stay finite for antipodal points', () => {
    expect(haversineMeters([0, 0], [180, 0])).toBeCloseTo(Math.PI * 6_371_008.8, 0);
  });
});

describe('insideGeofence', () => {
  const centre = { lat: 40.651, lon: 109.841 };

  it('should use the polygon when there is one, even if a radius is also set', () => {
    const place = { ...centre, geofence: site, radiusM: 5_000 };
    expect(insideGeofence([109.841, 40.651], place)).toBe(true);
    // 1 km east: inside the radius but outside the drawn polygon.
    expect(insideGeofence([109.853, 40.651], place)).toBe(false);
  });

  it('should use a circle of radiusM around the place when no polygon is drawn', () => {
    const place = { ...centre, geofence: null, radiusM: 500 };
    // ~0.0045° of latitude ≈ 500 m.
    expect(insideGeofence({ lat: 40.6549, lon: 109.841 }, place)).toBe(true);
    expect(insideGeofence({ lat: 40.6556, lon: 109.841 }, place)).toBe(false);
  });

  it('should count the circle edge as inside', () => {
    const target = { lat: 40.655, lon: 109.841 };
    const place = { ...centre, geofence: null, radiusM: haversineMeters(centre, target) };
    expect(insideGeofence(target, place)).toBe(true);
  });

  it('should be outside when the place has no geofence at all', () => {
    expect(insideGeofence([centre.lon, centre.lat], { ...centre, geofence: null, radiusM: null })).toBe(false);
    expect(insideGeofence([centre.lon, centre.lat], { ...centre, geofence: null, radiusM: 0 })).toBe(false);
  });
});

describe('polygonProblem / validPolygon', () => {
  it('should accept a closed square and a polygon with a hole', () => {
    expect(polygonProblem(site)).toBeNull();
    expect(validPolygon(withHole)).toBe(true);
  });

  it('should accept positions with an altitude', () => {
    expect(validPolygon({ type: 'Polygon', coordinates: [[[0, 0, 1000], [1, 0, 1000], [1, 1, 1000], [0, 0, 1000]]] })).toBe(true);
  });

  it.each([
    ['null', null, { problem: 'NOT_A_POLYGON' }],
    ['a Point', { type: 'Point', coordinates: [0, 0] }, { problem: 'NOT_A_POLYGON' }],
    ['no rings', { type: 'Polygon', coordinates: [] }, { problem: 'NO_RINGS' }],
    ['a ring that is not an array', { type: 'Polygon', coordinates: ['x'] }, { problem: 'NOT_A_POLYGON', ring: 0 }],
    ['a triangle of 3 positions', { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [0, 0]]] }, { problem: 'TOO_FEW_POSITIONS', ring: 0 }],
    ['an unclosed ring', { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1]]] }, { problem: 'NOT_CLOSED', ring: 0 }],
    ['NaN', { type: 'Polygon', coordinates: [[[0, 0], [NaN, 0], [1, 1], [0, 0]]] }, { problem: 'BAD_POSITION', ring: 0, position: 1 }],
    ['Infinity', { type: 'Polygon', coordinates: [[[0, 0], [1, Infinity], [1, 1], [0, 0]]] }, { problem: 'BAD_POSITION', ring: 0, position: 1 }],
    ['a string coordinate', { type: 'Polygon', coordinates: [[[0, 0], ['1', 0], [1, 1], [0, 0]]] }, { problem: 'BAD_POSITION', ring: 0, position: 1 }],
    ['a one-number position', { type: 'Polygon', coordinates: [[[0, 0], [1], [1, 1], [0, 0]]] }, { problem: 'BAD_POSITION', ring: 0, position: 1 }],
    ['longitude 181', { type: 'Polygon', coordinates: [[[0, 0], [181, 0], [1, 1], [0, 0]]] }, { problem: 'OUT_OF_RANGE', ring: 0, position: 1 }],
    ['latitude -91', { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, -91], [0, 0]]] }, { problem: 'OUT_OF_RANGE', ring: 0, position: 2 }],
    ['all points on a line', { type: 'Polygon', coordinates: [[[0, 0], [1, 1], [2, 2], [0, 0]]] }, { problem: 'DEGENERATE', ring: 0 }],
    ['a bad hole', { type: 'Polygon', coordinates: [site.coordinates[0], [[0, 0], [1, 0], [1, 1], [0, 1]]] }, { problem: 'NOT_CLOSED', ring: 1 }],
  ])('should refuse %s', (_what, polygon, expected) => {
    expect(polygonProblem(polygon)).toEqual(expected);
    expect(validPolygon(polygon)).toBe(false);
  });

  it('should accept the range limits', () => {
    expect(validPolygon({ type: 'Polygon', coordinates: [[[-180, -90], [180, -90], [180, 90], [-180, -90]]] })).toBe(true);
  });
});
