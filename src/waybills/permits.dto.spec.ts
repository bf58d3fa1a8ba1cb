import polylineCodec from '@googlemaps/polyline-codec';
import { CreatePermitSchema } from './permits.dto.js';

const { encode } = polylineCodec;

const body = (over: Record<string, unknown> = {}) => ({
  type: 'highly_toxic_pass',
  number: ' JD-2026-0001 ',
  issuer: '公安局',
  validFrom: '2026-03-01T00:00:00+08:00',
  validUntil: '2026-03-03T00:00:00+08:00',
  vehiclePlates: ['蒙B·12345'],
  goods: [{ unNumber: 'UN1689', maxQuantity: 10, unit: 't' }],
  ...over,
});
const paths = (r: ReturnType<typeof CreatePermitSchema.safeParse>) => (r.success ? [] : r.error.issues.map((i) => i.path.join('.')));

describe('CreatePermitSchema', () => {
  it('should normalise and default what it can', () => {
    const r = CreatePermitSchema.parse(body());
    expect(r).toMatchObject({ number: 'JD-2026-0001', singleUse: true, personIds: [], vehiclePlates: ['蒙B12345'], goods: [{ unNumber: '1689' }] });
    expect(r.validFrom).toEqual(new Date('2026-02-28T16:00:00Z'));
  });

  it('should accept an encoded route of two points or more', () => {
    expect(CreatePermitSchema.safeParse(body({ route: encode([[40.84, 111.75], [40.65, 109.84]]) })).success).toBe(true);
  });

  it.each([
    ['route', 'hello world'],
    ['route', encode([[40.84, 111.75]])],
    ['validFrom', '2026-03-01'],
    ['validFrom', '2026-03-01T00:00:00'],
    ['type', 'pass'],
    ['number', ''],
    ['vehiclePlates', []],
    ['vehiclePlates.1', ['蒙B12345', '蒙B·12345']],
    ['personIds.0', ['x']],
    ['goods', []],
    ['goods.0.maxQuantity', [{ unNumber: '1689', maxQuantity: 0, unit: 't' }]],
    ['goods.0.unit', [{ unNumber: '1689', maxQuantity: 1, unit: 'lb' }]],
    ['goods.0.unNumber', [{ unNumber: '16890', maxQuantity: 1, unit: 't' }]],
    ['goods.1', [{ unNumber: '1689', maxQuantity: 1, unit: 't' }, { unNumber: 'UN1689', maxQuantity: 2, unit: 'kg' }]],
  ])('should refuse %s = %j', (path, value) => {
    const field = path.split('.')[0]!;
    expect(paths(CreatePermitSchema.safeParse(body({ [field]: value })))).toEqual([path]);
  });

  it('should refuse a window that ends before or as it starts', () => {
    expect(paths(CreatePermitSchema.safeParse(body({ validUntil: '2026-03-01T00:00:00+08:00' })))).toEqual(['validUntil']);
    expect(paths(CreatePermitSchema.safeParse(body({ validUntil: '2026-02-28T16:00:00Z' })))).toEqual(['validUntil']);
  });
});
