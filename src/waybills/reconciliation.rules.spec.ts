import {
  allowedDifference,
  isZeroToleranceLine,
  LIQUID_IN_TANK_TOLERANCE_KG,
  reconcileLine,
  reconcileWaybill,
  type ReconcileLineInput,
} from './reconciliation.rules.js';

// A tank of liquid in kg under the DOMAIN.md proposal (±0.5 % or ±50 kg, whichever larger).
const tank = (over: Partial<ReconcileLineInput> = {}): ReconcileLineInput => ({
  unit: 'kg',
  declared: 20_000,
  loaded: 20_000,
  received: 20_000,
  zeroTolerance: false,
  tolerance: LIQUID_IN_TANK_TOLERANCE_KG,
  ...over,
});

// Packaged goods: counted at every stage.
const drums = (over: Partial<ReconcileLineInput> = {}): ReconcileLineInput =>
  tank({ declared: 4_000, loaded: 4_000, received: 4_000, packagesDeclared: 20, packagesLoaded: 20, packagesReceived: 20, ...over });

const codes = (line: ReconcileLineInput) => reconcileLine(line).issues.map((i) => [i.code, i.field]);

describe('allowedDifference', () => {
  it.each([
    [20_000, 100], // percent wins above 10 t
    [10_000, 50], // crossover: both give 50
    [5_000, 50], // absolute wins below 10 t
    [0, 50],
  ])('should allow max(0.5 %% of %i, 50) = %i kg', (reference, allowed) => {
    expect(allowedDifference(reference, false, LIQUID_IN_TANK_TOLERANCE_KG)).toBe(allowed);
  });

  it('should allow nothing under zero tolerance whatever the configured tolerance', () => {
    expect(allowedDifference(20_000, true, { percent: 10, absolute: 1_000 })).toBe(0);
  });
});

describe('reconcileLine', () => {
  it('should pass a line that matches at every stage', () => {
    expect(reconcileLine(tank())).toEqual({ ok: true, issues: [] });
    expect(reconcileLine(drums())).toEqual({ ok: true, issues: [] });
  });

  describe('quantity, loaded vs received', () => {
    it.each([
      // [loaded, received, ok]: percent-dominated (20 t → ±100 kg)
      [20_000, 19_900, true],
      [20_000, 20_100, true],
      [20_000, 19_899.999, false],
      [20_000, 20_100.001, false],
      // absolute-dominated (5 t → ±50 kg)
      [5_000, 4_950, true],
      [5_000, 5_050, true],
      [5_000, 4_949.999, false],
      [5_000, 5_050.001, false],
      // crossover (10 t → ±50 kg either way)
      [10_000, 9_950, true],
      [10_000, 9_949.99, false],
      // percent of a value with decimals: 0.5 % of 12 345.6 = 61.728
      [12_345.6, 12_283.872, true],
      [12_345.6, 12_407.328, true],
      [12_345.6, 12_283.871, false],
      [12_345.6, 12_407.329, false],
    ])('should judge loaded %d kg vs received %d kg: ok=%s', (loaded, received, ok) => {
      const result = reconcileLine(tank({ declared: loaded, loaded, received }));
      expect(result.ok).toBe(ok);
      if (!ok) expect(result.issues).toEqual([expect.objectContaining({ code: 'QUANTITY_OUT_OF_TOLERANCE', field: 'received' })]);
    });

    it('should describe the issue fully when just over the limit', () => {
      expect(reconcileLine(tank({ received: 19_899.99 })).issues).toEqual([
        {
          code: 'QUANTITY_OUT_OF_TOLERANCE',
          field: 'received',
          expected: 20_000,
          actual: 19_899.99,
          difference: -100.01,
          allowed: 100,
          message: 'received 19899.99 kg vs loaded 20000 kg: -100.01 kg exceeds the allowed ±100 kg',
        },
      ]);
    });

    it('should flag a gain like a loss', () => {
      expect(reconcileLine(tank({ received: 20_150 })).issues).toEqual([
        expect.objectContaining({ code: 'QUANTITY_OUT_OF_TOLERANCE', difference: 150, allowed: 100 }),
      ]);
    });

    it('should treat a received quantity of 0 as a total loss, not as missing', () => {
      expect(codes(tank({ received: 0 }))).toEqual([['QUANTITY_OUT_OF_TOLERANCE', 'received']]);
    });

    it('should compare received with loaded, not with declared', () => {
      // ±50 kg: loaded is 40 under declared, received 50 under loaded, but 90 under declared
      const line = tank({ declared: 10_000, loaded: 9_960, received: 9_910, tolerance: { percent: 0, absolute: 50 } });
      expect(reconcileLine(line)).toEqual({ ok: true, issues: [] });
    });

    it.each([
      [{ percent: 1, absolute: 0 }, 1_000, 990, true],
      [{ percent: 1, absolute: 0 }, 1_000, 989.99, false],
      [{ percent: 0, absolute: 5 }, 1_000, 995, true],
      [{ percent: 0, absolute: 5 }, 1_000, 994.99, false],
      [{ percent: 0, absolute: 0 }, 1_000, 1_000, true],
      [{ percent: 0, absolute: 0 }, 1_000, 999.999, false],
    ])('should apply tolerance %j to %d vs %d: ok=%s', (tolerance, loaded, received, ok) => {
      expect(reconcileLine(tank({ declared: loaded, loaded, received, tolerance })).ok).toBe(ok);
    });

    it('should not fail a difference exactly at the limit because of binary floating point', () => {
      // 1.3 - 1 is 0.30000000000000004 in binary floating point, a hair over a 0.3 L tolerance
      expect(1.3 - 1).toBeGreaterThan(0.3);
      expect(reconcileLine(tank({ unit: 'L', declared: 1.3, loaded: 1.3, received: 1, tolerance: { percent: 0, absolute: 0.3 } })).ok).toBe(true);
      for (const loaded of [1_000.1, 2_345.67, 9_999.99, 15_000.3, 33_333.333]) {
        const allowed = allowedDifference(loaded, false, LIQUID_IN_TANK_TOLERANCE_KG);
        expect(reconcileLine(tank({ declared: loaded, loaded, received: loaded - allowed })).ok).toBe(true);
        expect(reconcileLine(tank({ declared: loaded, loaded, received: loaded + allowed })).ok).toBe(true);
        expect(reconcileLine(tank({ declared: loaded, loaded, received: loaded - allowed - 0.001 })).ok).toBe(false);
      }
    });

    it('should use the line unit in messages and in the absolute tolerance', () => {
      const [issue] = reconcileLine(tank({ unit: 't', declared: 20, loaded: 20, received: 19.8, tolerance: { percent: 0.5, absolute: 0.05 } })).issues;
      expect(issue).toMatchObject({ allowed: 0.1, difference: -0.2 });
      expect(issue!.message).toBe('received 19.8 t vs loaded 20 t: -0.2 t exceeds the allowed ±0.1 t');
    });
  });

  describe('quantity, declared vs loaded', () => {
    it.each([
      [20_000, 20_100, true],
      [20_000, 19_900, true],
      [20_000, 20_100.01, false],
      [20_000, 19_899.99, false],
      [3_000, 3_050, true],
      [3_000, 3_050.01, false],
    ])('should judge declared %d kg vs loaded %d kg: ok=%s', (declared, loaded, ok) => {
      const result = reconcileLine(tank({ declared, loaded, received: loaded }));
      expect(result.ok).toBe(ok);
      if (!ok) {
        expect(result.issues).toEqual([
          expect.objectContaining({ code: 'QUANTITY_OUT_OF_TOLERANCE', field: 'loaded', expected: declared, actual: loaded }),
        ]);
      }
    });

    it('should report both stages when both are out', () => {
      expect(codes(tank({ declared: 20_000, loaded: 20_500, received: 20_000 }))).toEqual([
        ['QUANTITY_OUT_OF_TOLERANCE', 'loaded'],
        ['QUANTITY_OUT_OF_TOLERANCE', 'received'],
      ]);
    });

    it('should take declared as the reference of the percentage', () => {
      // 0.5 % of 30 000 declared = 150; loaded 29 850 passes although 0.5 % of 29 850 is 149.25
      expect(reconcileLine(tank({ declared: 30_000, loaded: 29_850, received: 29_850 })).ok).toBe(true);
    });
  });

  describe('zero tolerance', () => {
    const toxic = (over: Partial<ReconcileLineInput> = {}) =>
      tank({ declared: 1_000, loaded: 1_000, received: 1_000, zeroTolerance: true, ...over });

    it('should pass exact quantities', () => {
      expect(reconcileLine(toxic())).toEqual({ ok: true, issues: [] });
    });

    it.each([
      ['received', 999.999],
      ['received', 1_000.001],
      ['loaded', 999.999],
    ])('should flag any difference in %s (%d kg of 1000)', (field, value) => {
      const over = field === 'loaded' ? { loaded: value, received: value } : { received: value };
      expect(reconcileLine(toxic(over)).issues).toEqual([
        expect.objectContaining({ code: 'QUANTITY_OUT_OF_TOLERANCE', field, allowed: 0 }),
      ]);
    });

    it('should say zero tolerance in the message', () => {
      expect(reconcileLine(toxic({ received: 999.5 })).issues[0]!.message).toBe(
        'received 999.5 kg vs loaded 1000 kg: -0.5 kg exceeds zero tolerance',
      );
    });

    it('should ignore the configured tolerance, even a generous or broken one', () => {
      expect(reconcileLine(toxic({ received: 999, tolerance: { percent: 10, absolute: 500 } })).ok).toBe(false);
      expect(reconcileLine(toxic({ tolerance: { percent: -1, absolute: NaN } }))).toEqual({ ok: true, issues: [] });
    });

    it('should also flag what a normal line would accept (49 kg on a 5 t line)', () => {
      expect(reconcileLine(tank({ declared: 5_000, loaded: 5_000, received: 4_951 })).ok).toBe(true);
      expect(reconcileLine(toxic({ declared: 5_000, loaded: 5_000, received: 4_951 })).ok).toBe(false);
    });
  });

  describe('package counts', () => {
    it('should flag one package missing at delivery even when the mass is within tolerance', () => {
      expect(reconcileLine(drums({ received: 3_980, packagesReceived: 19 })).issues).toEqual([
        {
          code: 'PACKAGE_COUNT_MISMATCH',
          field: 'packagesReceived',
          expected: 20,
          actual: 19,
          difference: -1,
          allowed: 0,
          message: 'received 19 packages vs loaded 20: -1',
        },
      ]);
    });

    it('should flag an extra package loaded', () => {
      expect(codes(drums({ packagesLoaded: 21, packagesReceived: 21 }))).toEqual([['PACKAGE_COUNT_MISMATCH', 'packagesLoaded']]);
    });

    it('should flag both stages when the count changes twice', () => {
      expect(codes(drums({ packagesLoaded: 21, packagesReceived: 20 }))).toEqual([
        ['PACKAGE_COUNT_MISMATCH', 'packagesLoaded'],
        ['PACKAGE_COUNT_MISMATCH', 'packagesReceived'],
      ]);
    });

    it('should not check packages on a bulk line with no count anywhere', () => {
      expect(reconcileLine(tank({ packagesDeclared: null, packagesLoaded: undefined, packagesReceived: null }))).toEqual({
        ok: true,
        issues: [],
      });
    });

    it('should require every count once one stage counts packages', () => {
      expect(codes(drums({ packagesReceived: null }))).toEqual([['MISSING_PACKAGE_COUNT', 'packagesReceived']]);
      expect(codes(tank({ packagesLoaded: 4 }))).toEqual([
        ['MISSING_PACKAGE_COUNT', 'packagesDeclared'],
        ['MISSING_PACKAGE_COUNT', 'packagesReceived'],
      ]);
    });

    it('should compare received with declared when the loaded count is missing', () => {
      expect(reconcileLine(drums({ packagesLoaded: undefined, packagesReceived: 18 })).issues).toEqual([
        expect.objectContaining({ code: 'MISSING_PACKAGE_COUNT', field: 'packagesLoaded', expected: 20, actual: null }),
        expect.objectContaining({ code: 'PACKAGE_COUNT_MISMATCH', field: 'packagesReceived', expected: 20, actual: 18 }),
      ]);
    });

    it('should check counts under zero tolerance regardless of the line flag', () => {
      expect(reconcileLine(drums({ zeroTolerance: false, packagesReceived: 19 })).ok).toBe(false);
      expect(reconcileLine(drums({ zeroTolerance: true, packagesReceived: 19 })).ok).toBe(false);
    });

    it.each([2.5, -1, NaN, Infinity])('should refuse the package count %d as INVALID_VALUE', (count) => {
      expect(codes(drums({ packagesReceived: count }))).toEqual([['INVALID_VALUE', 'packagesReceived']]);
    });

    it('should accept zero packages at every stage as a count that matches', () => {
      expect(reconcileLine(tank({ packagesDeclared: 0, packagesLoaded: 0, packagesReceived: 0 })).ok).toBe(true);
    });
  });

  describe('missing and invalid values', () => {
    it.each([undefined, null])('should report MISSING_RECEIVED when received is %p', (received) => {
      expect(reconcileLine(tank({ received })).issues).toEqual([
        {
          code: 'MISSING_RECEIVED',
          field: 'received',
          expected: 20_000,
          actual: null,
          difference: null,
          allowed: null,
          message: 'no received quantity recorded',
        },
      ]);
    });

    it('should report MISSING_LOADED and still compare received with declared', () => {
      expect(reconcileLine(tank({ loaded: null, received: 19_000 })).issues).toEqual([
        expect.objectContaining({ code: 'MISSING_LOADED', field: 'loaded', expected: 20_000 }),
        expect.objectContaining({ code: 'QUANTITY_OUT_OF_TOLERANCE', field: 'received', expected: 20_000, actual: 19_000 }),
      ]);
      expect(codes(tank({ loaded: undefined }))).toEqual([['MISSING_LOADED', 'loaded']]);
    });

    it('should report both when nothing was measured', () => {
      expect(codes(tank({ loaded: undefined, received: undefined }))).toEqual([
        ['MISSING_LOADED', 'loaded'],
        ['MISSING_RECEIVED', 'received'],
      ]);
    });

    it('should never pass a line with a missing value, even under zero tolerance', () => {
      expect(reconcileLine(tank({ zeroTolerance: true, received: undefined })).ok).toBe(false);
    });

    it.each([NaN, -1, Infinity, '20000' as unknown as number])('should refuse the received quantity %p as INVALID_VALUE', (received) => {
      expect(reconcileLine(tank({ received })).issues).toEqual([
        expect.objectContaining({ code: 'INVALID_VALUE', field: 'received', actual: null }),
      ]);
    });

    it('should compare received with declared when loaded is invalid', () => {
      expect(codes(tank({ loaded: -5, received: 19_000 }))).toEqual([
        ['INVALID_VALUE', 'loaded'],
        ['QUANTITY_OUT_OF_TOLERANCE', 'received'],
      ]);
    });

    it('should refuse a missing or invalid declared quantity and compare received with loaded', () => {
      expect(codes(tank({ declared: NaN }))).toEqual([['INVALID_VALUE', 'declared']]);
      expect(codes(tank({ declared: undefined as unknown as number, received: 19_000 }))).toEqual([
        ['INVALID_VALUE', 'declared'],
        ['QUANTITY_OUT_OF_TOLERANCE', 'received'],
      ]);
    });

    it.each([
      { percent: -0.5, absolute: 50 },
      { percent: 0.5, absolute: -50 },
      { percent: NaN, absolute: 50 },
      null as unknown as { percent: number; absolute: number },
    ])('should refuse the tolerance %p and compare nothing with it', (tolerance) => {
      expect(codes(tank({ tolerance, received: 10 }))).toEqual([['INVALID_VALUE', 'tolerance']]);
    });
  });
});

describe('reconcileWaybill', () => {
  it('should pass when every line passes', () => {
    expect(reconcileWaybill([tank(), drums()])).toEqual({
      ok: true,
      lines: [
        { line: 1, ok: true, issues: [] },
        { line: 2, ok: true, issues: [] },
      ],
      issues: [],
    });
  });

  it('should fail when one line fails and list its issues with the line number', () => {
    const result = reconcileWaybill([tank(), drums({ packagesReceived: 19 }), tank({ received: undefined })]);
    expect(result.ok).toBe(false);
    expect(result.lines.map((l) => [l.line, l.ok])).toEqual([
      [1, true],
      [2, false],
      [3, false],
    ]);
    expect(result.issues.map((i) => [i.line, i.code])).toEqual([
      [2, 'PACKAGE_COUNT_MISMATCH'],
      [3, 'MISSING_RECEIVED'],
    ]);
  });

  it('should use lineNo when the lines carry one', () => {
    const result = reconcileWaybill([
      { ...tank(), lineNo: 3 },
      { ...tank({ received: 1 }), lineNo: 7 },
    ]);
    expect(result.lines.map((l) => l.line)).toEqual([3, 7]);
    expect(result.issues).toEqual([expect.objectContaining({ line: 7, code: 'QUANTITY_OUT_OF_TOLERANCE' })]);
  });

  it('should apply zero tolerance per line', () => {
    const small = { declared: 1_000, loaded: 1_000, received: 990 };
    const result = reconcileWaybill([tank(small), tank({ ...small, zeroTolerance: true })]);
    expect(result.lines.map((l) => l.ok)).toEqual([true, false]);
  });

  it('should fail closed with NO_LINES when there are no lines', () => {
    expect(reconcileWaybill([])).toEqual({
      ok: false,
      lines: [],
      issues: [
        {
          code: 'NO_LINES',
          field: null,
          line: null,
          expected: null,
          actual: null,
          difference: null,
          allowed: null,
          message: 'the waybill has no goods lines to reconcile',
        },
      ],
    });
  });
});

describe('isZeroToleranceLine', () => {
  it.each([
    ['1.1D', undefined, true], // 民爆
    ['1.4G', undefined, true], // fireworks are class 1 too
    ['1', undefined, true],
    [' 1.5D ', undefined, true],
    ['3', undefined, false],
    ['2.1', {}, false],
    ['9', null, false],
    ['6.1', { highlyToxic: true }, true], // 剧毒, e.g. sodium cyanide UN1689
    ['5.1', { explosivePrecursor: true }, true], // 易制爆, e.g. ammonium nitrate UN1942
    ['4.1', { highHazard: true }, true], // the plan's list, e.g. nitrocellulose
    ['2.3', { highConsequence: true }, true], // ADR 1.10.3.1.2
    ['3', { highlyToxic: false, explosivePrecursor: false, highHazard: false, highConsequence: false }, false],
  ])('should say class %s with flags %j is zero tolerance: %s', (hazardClass, flags, expected) => {
    expect(isZeroToleranceLine({ hazardClass, flags })).toBe(expected);
  });

  it('should not take hazardous waste alone as zero tolerance (DOMAIN.md does not list it)', () => {
    expect(isZeroToleranceLine({ hazardClass: '9', flags: { hazardousWaste: true } as never })).toBe(false);
  });
});
