import { CreatePlaceSchema, UpdatePlaceSchema } from './places.dto.js';

const body = (over: Record<string, unknown> = {}) => ({
  kind: 'unloading_site',
  name: '卸货区',
  address: '包头市昆都仑区',
  regionCode: '150203',
  lat: 40.651,
  lon: 109.841,
  radiusM: 200,
  ...over,
});
const square = [
  [109.84, 40.65],
  [109.842, 40.65],
  [109.842, 40.652],
  [109.84, 40.65],
];
const paths = (r: ReturnType<typeof CreatePlaceSchema.safeParse>) => (r.success ? [] : r.error.issues.map((i) => i.path.join('.')));

describe('CreatePlaceSchema', () => {
  it('should accept a site with a radius and an address with no geofence', () => {
    expect(CreatePlaceSchema.safeParse(body()).success).toBe(true);
    expect(CreatePlaceSchema.safeParse(body({ kind: 'address', radiusM: undefined })).success).toBe(true);
  });

  it('should drop an altitude from polygon positions', () => {
    const r = CreatePlaceSchema.parse(body({ radiusM: null, geofence: { type: 'Polygon', coordinates: [square.map(([x, y]) => [x, y, 1050])] } }));
    expect(r.geofence).toEqual({ type: 'Polygon', coordinates: [square] });
  });

  it('should require a geofence or radius of a site', () => {
    expect(paths(CreatePlaceSchema.safeParse(body({ radiusM: null })))).toEqual(['geofence']);
  });

  it.each([
    ['an unclosed ring', { type: 'Polygon', coordinates: [square.slice(0, 3).concat([[109.84, 40.651]])] }, 'geofence.coordinates.0'],
    ['a latitude of 91', { type: 'Polygon', coordinates: [[...square.slice(0, 2), [109.842, 91], square[0]]] }, 'geofence.coordinates.0.2'],
    ['a Point', { type: 'Point', coordinates: [109.84, 40.65] }, 'geofence.type'],
  ])('should refuse %s with a field path', (_what, geofence, path) => {
    expect(paths(CreatePlaceSchema.safeParse(body({ geofence })))).toContain(path);
  });

  it.each([
    ['radiusM', 9],
    ['radiusM', 20_001],
    ['radiusM', 50.5],
    ['regionCode', '15020'],
    ['regionCode', '990000'],
    ['regionCode', '150012'],
    ['lat', -90.1],
    ['lon', 180.1],
    ['kind', 'warehouse'],
    ['contactPhone', 'call me'],
  ])('should refuse %s = %j', (field, value) => {
    expect(paths(CreatePlaceSchema.safeParse(body({ [field]: value })))).toEqual([field]);
  });
});

describe('UpdatePlaceSchema', () => {
  it('should accept a partial change, leaving the site rule to the service', () => {
    expect(UpdatePlaceSchema.safeParse({ geofence: null }).success).toBe(true);
    expect(UpdatePlaceSchema.safeParse({}).success).toBe(true);
  });
});
