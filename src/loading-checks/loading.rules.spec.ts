import { loadedLinesProblems, loadingProblems } from './loading.rules.js';

describe('loadingProblems', () => {
  // Packaged goods on a flatbed: no tank.
  const base = { lines: [{ lineNo: 1, unit: 't' as const, loadedQuantity: 30 }], ratedLoadKg: 30_000, tank: null, closuresOk: true };
  const tank = { volumeL: 40_000 };
  const codes = (input: Parameters<typeof loadingProblems>[0]) => loadingProblems(input).map((p) => p.code);

  it('should pass a load exactly at the rated load', () => {
    expect(loadingProblems(base)).toEqual([]);
  });

  it('should refuse a load 1 kg over the rated load (PL-22)', () => {
    expect(codes({ ...base, lines: [{ lineNo: 1, unit: 'kg', loadedQuantity: 30_001 }] })).toEqual(['OVERLOADED']);
  });

  it('should add lines of mass units and check volumes against the tank', () => {
    const lines = [
      { lineNo: 1, unit: 't' as const, loadedQuantity: 10 },
      { lineNo: 2, unit: 'kg' as const, loadedQuantity: 20_500 },
      { lineNo: 3, unit: 'm3' as const, loadedQuantity: 40.5 },
    ];
    expect(codes({ ...base, tank, lines })).toEqual(['OVERLOADED', 'TANK_OVERFILLED']);
  });

  it('should refuse a gauged filling ratio above the permitted degree, at the boundary', () => {
    expect(loadingProblems({ ...base, tank, fillingRatioPct: 95 })).toEqual([]);
    expect(codes({ ...base, tank, fillingRatioPct: 95.1 })).toEqual(['FILLING_RATIO_EXCEEDED']);
    expect(loadingProblems({ ...base, tank, fillingRatioPct: 96, maxFillingPct: 97 })).toEqual([]);
  });

  it('should work the filling ratio out from a load in volume units, at the boundary', () => {
    const litres = (l: number) => ({ ...base, tank, lines: [{ lineNo: 1, unit: 'L' as const, loadedQuantity: l }] });
    expect(loadingProblems(litres(38_000))).toEqual([]); // 95.0 %
    const over = loadingProblems(litres(38_040)); // 95.1 %
    expect(over).toEqual([
      expect.objectContaining({ code: 'FILLING_RATIO_EXCEEDED', evidence: { fillingRatioPct: 95.1, source: 'volume', maxFillingPct: 95, volumeL: 38_040, tankVolumeL: 40_000 } }),
    ]);
    // m3 and L add up; the gauge may not talk a computed excess down, nor the computed ratio a gauged one
    expect(codes({ ...litres(30_000), lines: [{ lineNo: 1, unit: 'm3', loadedQuantity: 30 }, { lineNo: 2, unit: 'L', loadedQuantity: 8_500 }], fillingRatioPct: 90 })).toEqual([
      'FILLING_RATIO_EXCEEDED',
    ]);
    expect(codes({ ...litres(30_000), fillingRatioPct: 96 })).toEqual(['FILLING_RATIO_EXCEEDED']);
  });

  it('should refuse a tank load whose filling ratio it cannot decide, and take the gauge when quantities are by mass', () => {
    expect(codes({ ...base, tank })).toEqual(['FILLING_RATIO_REQUIRED']);
    // a tank of unknown capacity: the volume gives no ratio either
    expect(codes({ ...base, tank: { volumeL: null }, lines: [{ lineNo: 1, unit: 'L', loadedQuantity: 20_000 }] })).toEqual(['FILLING_RATIO_REQUIRED']);
    // mass and volume lines in one tank: the volume alone is not the filling, so the gauge decides
    expect(codes({ ...base, tank, lines: [{ lineNo: 1, unit: 't', loadedQuantity: 5 }, { lineNo: 2, unit: 'L', loadedQuantity: 1_000 }] })).toEqual([
      'FILLING_RATIO_REQUIRED',
    ]);
    expect(loadingProblems({ ...base, tank, fillingRatioPct: 88 })).toEqual([]);
    // not a tank: nothing to fill
    expect(loadingProblems(base)).toEqual([]);
  });

  it('should refuse open closures (PL-32) and skip limits it has no data for', () => {
    expect(loadingProblems({ ...base, ratedLoadKg: null, closuresOk: false }).map((p) => p.ruleId)).toEqual(['PL-32']);
  });
});

describe('loadedLinesProblems', () => {
  const declared = [
    { lineNo: 1, packageCount: null },
    { lineNo: 2, packageCount: 40 },
  ];

  it('should accept every line once, with the packages of a packaged line (0 included)', () => {
    expect(loadedLinesProblems(declared, [{ lineNo: 2, loadedPackages: 0 }, { lineNo: 1 }])).toEqual([]);
  });

  it('should name each line that is unknown, repeated, left out or without its packages', () => {
    const problems = loadedLinesProblems(declared, [{ lineNo: 1 }, { lineNo: 1 }, { lineNo: 3 }]);
    expect(problems.map((p) => [p.code, p.evidence.lineNo])).toEqual([
      ['LINE_REPEATED', 1],
      ['LINE_UNKNOWN', 3],
      ['LINE_MISSING', 2],
    ]);
    expect(problems.every((p) => p.ruleId === 'PL-22' && p.messageZh && p.messageEn)).toBe(true);
    expect(loadedLinesProblems(declared, [{ lineNo: 1 }, { lineNo: 2 }]).map((p) => p.code)).toEqual(['PACKAGES_MISSING']);
  });
});
