// After loading (DOMAIN.md 3.1(b)): PL-22 mass and filling, PL-32 closures. Pure; the service records the outcome.
// PL-22: Σ loaded mass ≤ the rated load (核定载质量) of the trailer, or of the vehicle without one (Order 29 art. 23);
// loaded volume ≤ the tank's capacity; the filling ratio ≤ the permitted degree of filling (ADR 4.3.2.2 allows up
// to 95-97 % for most liquids depending on temperature: 95 % is the default here, configurable per call).

export type LoadedLine = { lineNo: number; unit: 'kg' | 't' | 'L' | 'm3'; loadedQuantity: number };
export type LoadingProblem = { ruleId: 'PL-22' | 'PL-32'; code: string; messageZh: string; messageEn: string; evidence: Record<string, unknown> };

export function loadingProblems(input: {
  lines: LoadedLine[];
  ratedLoadKg: number | null;
  tankVolumeL: number | null;
  fillingRatioPct?: number;
  maxFillingPct?: number;
  closuresOk: boolean;
}): LoadingProblem[] {
  const problems: LoadingProblem[] = [];
  const massKg = input.lines.reduce((s, l) => s + (l.unit === 't' ? l.loadedQuantity * 1000 : l.unit === 'kg' ? l.loadedQuantity : 0), 0);
  const volumeL = input.lines.reduce((s, l) => s + (l.unit === 'm3' ? l.loadedQuantity * 1000 : l.unit === 'L' ? l.loadedQuantity : 0), 0);
  if (input.ratedLoadKg !== null && massKg > input.ratedLoadKg) {
    problems.push({
      ruleId: 'PL-22',
      code: 'OVERLOADED',
      messageZh: `装载质量 ${massKg} kg 超过核定载质量 ${input.ratedLoadKg} kg`,
      messageEn: `Loaded mass ${massKg} kg exceeds the rated load of ${input.ratedLoadKg} kg`,
      evidence: { massKg, ratedLoadKg: input.ratedLoadKg },
    });
  }
  if (input.tankVolumeL !== null && volumeL > input.tankVolumeL) {
    problems.push({
      ruleId: 'PL-22',
      code: 'TANK_OVERFILLED',
      messageZh: `装载体积 ${volumeL} L 超过罐体容积 ${input.tankVolumeL} L`,
      messageEn: `Loaded volume ${volumeL} L exceeds the tank's ${input.tankVolumeL} L`,
      evidence: { volumeL, tankVolumeL: input.tankVolumeL },
    });
  }
  const maxFilling = input.maxFillingPct ?? 95;
  if (input.fillingRatioPct !== undefined && input.fillingRatioPct > maxFilling) {
    problems.push({
      ruleId: 'PL-22',
      code: 'FILLING_RATIO_EXCEEDED',
      messageZh: `充装率 ${input.fillingRatioPct}% 超过允许的 ${maxFilling}%`,
      messageEn: `Filling ratio ${input.fillingRatioPct}% exceeds the permitted ${maxFilling}%`,
      evidence: { fillingRatioPct: input.fillingRatioPct, maxFillingPct: maxFilling },
    });
  }
  if (!input.closuresOk) {
    problems.push({
      ruleId: 'PL-32',
      code: 'CLOSURES_NOT_OK',
      messageZh: '装货后封口/阀门未关闭或有泄漏、外部残留',
      messageEn: 'After loading, closures are not closed, or there is a leak or residue on the outside',
      evidence: {},
    });
  }
  return problems;
}
