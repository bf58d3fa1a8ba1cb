import { LatestQuerySchema, SubscribeSchema, TrackQuerySchema } from './tracking.dto.js';

const V1 = 'c1a8d7b2-3e4f-4a5b-8c6d-7e8f9a0b1c2d';
const V2 = '5f0c1c52-8f0e-4f3b-9a55-0d1f7f0e2a11';

describe('SubscribeSchema', () => {
  it.each([[{ vehicleId: V1 }], [{ waybillId: V1 }], [{ region: '150102' }]])('should take %p', (body) => {
    expect(SubscribeSchema.safeParse(body).success).toBe(true);
  });

  it.each([[{}], [{ vehicleId: V1, waybillId: V2 }], [{ region: '15' }], [{ region: '990000' }], [{ region: '150002' }], ['vehicle']])('should refuse %p', (body) => {
    expect(SubscribeSchema.safeParse(body).success).toBe(false);
  });
});

describe('TrackQuerySchema', () => {
  const q = (over: Record<string, unknown>) => TrackQuerySchema.safeParse({ vehicleId: V1, from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00+08:00', ...over });

  it('should parse times, the format default and the simplification tolerance', () => {
    const r = q({ simplify: '25' });
    expect(r.success && r.data).toMatchObject({ from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-11-01T16:00:00Z'), format: 'polyline', simplify: 25 });
  });

  it('should take a range of 31 days and refuse one longer', () => {
    expect(q({ to: '2026-12-02T00:00:00Z' }).success).toBe(true);
    expect(q({ to: '2026-12-02T00:00:01Z' }).success).toBe(false);
  });

  it('should refuse an empty or reversed range, both subjects, or none', () => {
    expect(q({ to: '2026-11-01T00:00:00Z' }).success).toBe(false);
    expect(q({ waybillId: V2 }).success).toBe(false);
    expect(q({ vehicleId: undefined }).success).toBe(false);
    expect(q({ format: 'kml' }).success).toBe(false);
  });

  // Found by the HTTP fuzz run (npm run fuzz:http): the range check ran on the string of a `to` that did not parse
  // and threw, answering 500.
  it('should refuse, not throw on, a `to` or `from` that is not a date-time', () => {
    for (const over of [{ to: 'ab' }, { to: 'a\u0000b' }, { from: 'x' }, { from: 'x', to: 'y' }, { to: '' }]) {
      expect(q(over).success).toBe(false);
    }
  });
});

describe('LatestQuerySchema', () => {
  it('should take ids comma-separated or repeated', () => {
    expect(LatestQuerySchema.parse({ vehicleIds: `${V1}, ${V2}` }).vehicleIds).toEqual([V1, V2]);
    expect(LatestQuerySchema.parse({ vehicleIds: [V1, V2] }).vehicleIds).toEqual([V1, V2]);
    expect(LatestQuerySchema.safeParse({ vehicleIds: 'x' }).success).toBe(false);
    expect(LatestQuerySchema.safeParse({}).success).toBe(false);
  });
});
