import { loadingProblems } from './loading.rules.js';

describe('loadingProblems', () => {
  const base = { lines: [{ lineNo: 1, unit: 't' as const, loadedQuantity: 30 }], ratedLoadKg: 30_000, tankVolumeL: 40_000, closuresOk: true };

  it('should pass a load exactly at the rated load', () => {
    expect(loadingProblems(base)).toEqual([]);
  });

  it('should refuse a load 1 kg over the rated load (PL-22)', () => {
    expect(loadingProblems({ ...base, lines: [{ lineNo: 1, unit: 'kg', loadedQuantity: 30_001 }] }).map((p) => p.code)).toEqual(['OVERLOADED']);
  });

  it('should add lines of mass units and check volumes against the tank', () => {
    const lines = [
      { lineNo: 1, unit: 't' as const, loadedQuantity: 10 },
      { lineNo: 2, unit: 'kg' as const, loadedQuantity: 20_500 },
      { lineNo: 3, unit: 'm3' as const, loadedQuantity: 40.5 },
    ];
    expect(loadingProblems({ ...base, lines }).map((p) => p.code)).toEqual(['OVERLOADED', 'TANK_OVERFILLED']);
  });

  it('should refuse a filling ratio above the permitted degree, at the boundary', () => {
    expect(loadingProblems({ ...base, fillingRatioPct: 95 })).toEqual([]);
    expect(loadingProblems({ ...base, fillingRatioPct: 95.1 }).map((p) => p.code)).toEqual(['FILLING_RATIO_EXCEEDED']);
    expect(loadingProblems({ ...base, fillingRatioPct: 96, maxFillingPct: 97 })).toEqual([]);
  });

  it('should refuse open closures (PL-32) and skip limits it has no data for', () => {
    expect(loadingProblems({ ...base, ratedLoadKg: null, tankVolumeL: null, closuresOk: false }).map((p) => p.ruleId)).toEqual(['PL-32']);
  });
});
