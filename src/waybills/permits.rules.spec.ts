import polylineCodec from '@googlemaps/polyline-codec';
import { convertQuantity, permitMatches, returnDueBy, routeProblem, type PermitForMatch, type TripForPermit } from './permits.rules.js';

const { encode } = polylineCodec;

const DRIVER = '6f1c1e43-9a2b-4c59-8a63-0c1b2d3e4f50';
const ESCORT = '7a2d2f54-ab3c-4d6a-9b74-1d2c3e4f5061';

const permit = (over: Partial<PermitForMatch> = {}): PermitForMatch => ({
  status: 'valid',
  validFrom: new Date('2026-03-01T00:00:00+08:00'),
  validUntil: new Date('2026-03-03T23:59:59+08:00'),
  vehiclePlates: ['蒙B12345', '蒙B6789挂'],
  personIds: [DRIVER, ESCORT],
  goods: [
    { unNumber: '1689', maxQuantity: 10, unit: 't' }, // sodium cyanide
    { unNumber: '1830', maxQuantity: 20, unit: 'm3' }, // sulphuric acid
  ],
  ...over,
});

const trip = (over: Partial<TripForPermit> = {}): TripForPermit => ({
  at: new Date('2026-03-02T08:00:00+08:00'),
  plates: ['蒙B12345', '蒙B6789挂'],
  personIds: [DRIVER, ESCORT],
  lines: [{ unNumber: 'UN1689', quantity: 8000, unit: 'kg' }],
  ...over,
});

const codes = (m: ReturnType<typeof permitMatches>) => m.problems.map((p) => p.code);

describe('permitMatches', () => {
  it('should pass a trip within the window, with listed vehicles, people and goods under the caps', () => {
    expect(permitMatches(permit(), trip())).toEqual({ ok: true, problems: [] });
  });

  it.each(['used', 'returned', 'revoked'] as const)('should refuse a %s permit', (status) => {
    const m = permitMatches(permit({ status }), trip());
    expect(m.ok).toBe(false);
    expect(m.problems).toEqual([expect.objectContaining({ code: 'PERMIT_NOT_VALID', status })]);
  });

  describe('validity window', () => {
    it.each([
      ['at the first instant', '2026-03-01T00:00:00+08:00', true],
      ['at the last instant', '2026-03-03T23:59:59+08:00', true],
      ['a millisecond before', '2026-02-28T15:59:59.999Z', false],
      ['a second after', '2026-03-04T00:00:00+08:00', false],
      ['a year later', '2027-03-02T08:00:00+08:00', false],
    ])('should judge a trip %s', (_what, at, ok) => {
      const m = permitMatches(permit(), trip({ at: new Date(at) }));
      expect(m.ok).toBe(ok);
      if (!ok) expect(codes(m)).toEqual(['PERMIT_OUTSIDE_WINDOW']);
    });
  });

  describe('vehicles', () => {
    it('should name a vehicle that is not on the permit', () => {
      const m = permitMatches(permit(), trip({ plates: ['蒙B12345', '蒙B99999'] }));
      expect(m.problems).toEqual([expect.objectContaining({ code: 'PERMIT_VEHICLE_NOT_LISTED', plate: '蒙B99999' })]);
    });

    it('should compare plates after normalisation', () => {
      expect(permitMatches(permit({ vehiclePlates: ['蒙B·12345'] }), trip({ plates: [' 蒙b 12345 '] })).ok).toBe(true);
    });

    it('should accept a trip using only some of the listed vehicles', () => {
      expect(permitMatches(permit(), trip({ plates: ['蒙B12345'] })).ok).toBe(true);
    });

    it('should report a repeated unlisted plate once', () => {
      expect(codes(permitMatches(permit(), trip({ plates: ['蒙B99999', '蒙B·99999'] })))).toEqual(['PERMIT_VEHICLE_NOT_LISTED']);
    });

    it('should not restrict vehicles when the permit lists none', () => {
      expect(permitMatches(permit({ vehiclePlates: [] }), trip({ plates: ['蒙B99999'] })).ok).toBe(true);
    });
  });

  describe('people', () => {
    it('should name a person who is not on the permit', () => {
      const stranger = '00000000-0000-4000-8000-000000000001';
      const m = permitMatches(permit(), trip({ personIds: [DRIVER, stranger] }));
      expect(m.problems).toEqual([expect.objectContaining({ code: 'PERMIT_PERSON_NOT_LISTED', personId: stranger })]);
    });

    it('should compare ids without regard to case', () => {
      expect(permitMatches(permit(), trip({ personIds: [DRIVER.toUpperCase()] })).ok).toBe(true);
    });

    it('should not restrict people when the permit lists none', () => {
      expect(permitMatches(permit({ personIds: [] }), trip({ personIds: [DRIVER] })).ok).toBe(true);
    });
  });

  describe('goods and quantities', () => {
    it('should name goods that are not on the permit', () => {
      const m = permitMatches(permit(), trip({ lines: [{ unNumber: '1203', quantity: 1, unit: 't' }] }));
      expect(m.problems).toEqual([expect.objectContaining({ code: 'PERMIT_GOODS_NOT_LISTED', unNumber: '1203' })]);
    });

    it('should match UN numbers written with or without the UN prefix', () => {
      const m = permitMatches(permit({ goods: [{ unNumber: 'UN1689', maxQuantity: 10, unit: 't' }] }), trip({ lines: [{ unNumber: 'un 1689', quantity: 1, unit: 't' }] }));
      expect(m.ok).toBe(true);
    });

    it.each([
      ['kg under a t cap', [{ quantity: 10_000, unit: 'kg' }], true],
      ['kg just over a t cap', [{ quantity: 10_000.001, unit: 'kg' }], false],
      ['t exactly at the cap', [{ quantity: 10, unit: 't' }], true],
      ['two lines summed over the cap', [{ quantity: 6, unit: 't' }, { quantity: 4_001, unit: 'kg' }], false],
      ['two lines summed to the cap', [{ quantity: 6, unit: 't' }, { quantity: 4_000, unit: 'kg' }], true],
    ] as const)('should compare mass: %s', (_what, lines, ok) => {
      const m = permitMatches(permit(), trip({ lines: lines.map((l) => ({ unNumber: '1689', ...l })) }));
      expect(m.ok).toBe(ok);
      if (!ok) expect(codes(m)).toEqual(['PERMIT_QUANTITY_EXCEEDED']);
    });

    it('should convert a kg cap to t for the comparison', () => {
      const p = permit({ goods: [{ unNumber: '1689', maxQuantity: 500, unit: 'kg' }] });
      expect(permitMatches(p, trip({ lines: [{ unNumber: '1689', quantity: 0.5, unit: 't' }] })).ok).toBe(true);
      const over = permitMatches(p, trip({ lines: [{ unNumber: '1689', quantity: 0.6, unit: 't' }] }));
      expect(over.problems).toEqual([
        expect.objectContaining({ code: 'PERMIT_QUANTITY_EXCEEDED', unNumber: '1689', quantity: 600, maxQuantity: 500, unit: 'kg' }),
      ]);
    });

    it('should not be tripped by floating-point sums (0.1 t + 0.2 t against 0.3 t)', () => {
      const p = permit({ goods: [{ unNumber: '1689', maxQuantity: 0.3, unit: 't' }] });
      const lines = [
        { unNumber: '1689', quantity: 0.1, unit: 't' as const },
        { unNumber: '1689', quantity: 0.2, unit: 't' as const },
      ];
      expect(permitMatches(p, trip({ lines })).ok).toBe(true);
    });

    it.each([
      ['L under an m3 cap', 20_000, 'L', true],
      ['L over an m3 cap', 20_001, 'L', false],
      ['m3 at the cap', 20, 'm3', true],
    ] as const)('should compare volume: %s', (_what, quantity, unit, ok) => {
      const m = permitMatches(permit(), trip({ lines: [{ unNumber: '1830', quantity, unit }] }));
      expect(m.ok).toBe(ok);
    });

    it('should refuse a mass against a volume cap as not comparable, and the other way round', () => {
      const massOnVolume = permitMatches(permit(), trip({ lines: [{ unNumber: '1830', quantity: 1, unit: 'kg' }] }));
      expect(massOnVolume.problems).toEqual([
        expect.objectContaining({ code: 'PERMIT_QUANTITY_EXCEEDED', unNumber: '1830', quantity: 1, unit: 'kg', maxQuantity: 20, maxUnit: 'm3' }),
      ]);
      expect(massOnVolume.problems[0]!.message).toMatch(/cannot be checked/);
      const volumeOnMass = permitMatches(permit(), trip({ lines: [{ unNumber: '1689', quantity: 1, unit: 'L' }] }));
      expect(codes(volumeOnMass)).toEqual(['PERMIT_QUANTITY_EXCEEDED']);
    });

    it('should keep mass and volume lines of one UN number apart', () => {
      const m = permitMatches(
        permit(),
        trip({
          lines: [
            { unNumber: '1689', quantity: 5, unit: 't' },
            { unNumber: '1689', quantity: 100, unit: 'L' },
          ],
        }),
      );
      expect(m.problems).toEqual([expect.objectContaining({ code: 'PERMIT_QUANTITY_EXCEEDED', unit: 'L', maxUnit: 't' })]);
    });

    it('should compare a unit it does not know only with itself', () => {
      const p = permit({ goods: [{ unNumber: '0336', maxQuantity: 100, unit: 'boxes' }] });
      expect(permitMatches(p, trip({ lines: [{ unNumber: '0336', quantity: 100, unit: 'boxes' }] })).ok).toBe(true);
      expect(codes(permitMatches(p, trip({ lines: [{ unNumber: '0336', quantity: 101, unit: 'boxes' }] })))).toEqual(['PERMIT_QUANTITY_EXCEEDED']);
      const other = permitMatches(p, trip({ lines: [{ unNumber: '0336', quantity: 1, unit: 'kg' }] }));
      expect(other.problems).toEqual([expect.objectContaining({ code: 'PERMIT_QUANTITY_EXCEEDED', unit: 'kg', maxUnit: 'boxes' })]);
    });

    it('should accept quantities as numeric strings (from numeric columns)', () => {
      expect(permitMatches(permit(), trip({ lines: [{ unNumber: '1689', quantity: '9999.999', unit: 'kg' }] })).ok).toBe(true);
      expect(permitMatches(permit(), trip({ lines: [{ unNumber: '1689', quantity: '10000.001', unit: 'kg' }] })).ok).toBe(false);
    });
  });

  it('should list every problem at once, in a stable order', () => {
    const m = permitMatches(
      permit({ status: 'revoked' }),
      trip({
        at: new Date('2027-01-01T00:00:00Z'),
        plates: ['京A00001'],
        personIds: ['00000000-0000-4000-8000-000000000002'],
        lines: [
          { unNumber: '1203', quantity: 1, unit: 't' },
          { unNumber: '1689', quantity: 11, unit: 't' },
        ],
      }),
    );
    expect(codes(m)).toEqual([
      'PERMIT_NOT_VALID',
      'PERMIT_OUTSIDE_WINDOW',
      'PERMIT_VEHICLE_NOT_LISTED',
      'PERMIT_PERSON_NOT_LISTED',
      'PERMIT_GOODS_NOT_LISTED',
      'PERMIT_QUANTITY_EXCEEDED',
    ]);
    expect(m.problems.every((p) => p.message.length > 0)).toBe(true);
  });
});

describe('convertQuantity', () => {
  it.each([
    [1, 't', 'kg', 1000],
    [250, 'kg', 't', 0.25],
    [1, 'm3', 'L', 1000],
    [1500, 'L', 'm3', 1.5],
    [7, 'kg', 'kg', 7],
    [1, 'kg', 'L', null],
    [1, 'm3', 't', null],
  ] as const)('should convert %d %s to %s', (q, from, to, expected) => {
    expect(convertQuantity(q, from, to)).toBe(expected);
  });
});

describe('routeProblem', () => {
  // Baotou → Hohhot → Beijing, roughly.
  const route = encode([
    [40.65, 109.84],
    [40.84, 111.75],
    [39.9, 116.4],
  ]);

  it('should accept a route encoded at precision 5', () => {
    expect(routeProblem(route)).toBeNull();
    expect(routeProblem('_p~iF~ps|U_ulLnnqC_mqNvxq`@')).toBeNull();
  });

  it.each([
    ['an empty string', '', 'EMPTY'],
    ['characters outside ?..~', 'abc def', 'CHARACTERS'],
    ['a non-ASCII character', '_p~iF~ps|U蒙', 'CHARACTERS'],
    ['a string cut in the middle of a number', route.slice(0, -1), 'TRUNCATED'],
    ['a latitude without its longitude', '_p~iF', 'TRUNCATED'],
    ['a single point', encode([[40.65, 109.84]]), 'TOO_FEW_POINTS'],
    ['a latitude beyond 90°', encode([[95, 0], [96, 0]]), 'OUT_OF_RANGE'],
    ['a longitude beyond 180°', encode([[40, 179], [40, 181]]), 'OUT_OF_RANGE'],
  ])('should refuse %s', (_what, encoded, problem) => {
    expect(routeProblem(encoded)).toEqual(expect.objectContaining({ problem }));
  });

  it('should refuse a route that wanders out of range through its deltas', () => {
    // Each point is a delta on the one before: '_ibE?' is +1° latitude, +0° longitude.
    expect(routeProblem('_ibE?'.repeat(90))).toBeNull();
    expect(routeProblem('_ibE?'.repeat(91))).toEqual({ problem: 'OUT_OF_RANGE', points: 91 });
  });
});

describe('returnDueBy', () => {
  const arrived = new Date('2026-03-02T10:00:00+08:00');

  it('should give a fireworks permit three days from arrival', () => {
    expect(returnDueBy('fireworks', arrived)).toEqual(new Date('2026-03-05T10:00:00+08:00'));
  });

  it('should give no deadline before arrival or for other permits', () => {
    expect(returnDueBy('fireworks', null)).toBeNull();
    expect(returnDueBy('highly_toxic_pass', arrived)).toBeNull();
  });
});
