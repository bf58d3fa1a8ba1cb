// After loading (DOMAIN.md 3.1(b)): PL-22 mass and filling, PL-32 closures. Pure; the service records the outcome.
// PL-22: Σ loaded mass ≤ the rated load (核定载质量) of the trailer, or of the vehicle without one (Order 29 art. 23);
// for a tank, the filling ratio ≤ the permitted degree of filling (ADR 4.3.2.2 allows up to 95-97 % for most liquids
// depending on temperature: 95 % is the default here, configurable per call), and never beyond its capacity. The
// ratio is worked out from the loaded volume where every line is in volume units and the tank's capacity is known,
// otherwise it comes from the gauge (fillingRatioPct); a tank load with neither is not decided, so it is refused
// (no data is never a pass). Order 29 art. 23 also wants the loading record to say what was loaded: every line of
// the waybill, and the package count of packaged lines.

export type LoadedLine = { lineNo: number; unit: 'kg' | 't' | 'L' | 'm3'; loadedQuantity: number };
export type LoadingProblem = { ruleId: 'PL-22' | 'PL-32'; code: string; messageZh: string; messageEn: string; evidence: Record<string, unknown> };

export const DEFAULT_MAX_FILLING_PCT = 95;

// The lines a loading record gives against the waybill's lines: each line once, none unknown, none left out, and
// the packages of a line declared in packages.
export function loadedLinesProblems(
  declared: readonly { lineNo: number; packageCount: number | null }[],
  reported: readonly { lineNo: number; loadedPackages?: number }[],
): LoadingProblem[] {
  const problems: LoadingProblem[] = [];
  const known = new Map(declared.map((l) => [l.lineNo, l] as const));
  const seen = new Set<number>();
  const problem = (code: string, lineNo: number, messageZh: string, messageEn: string) =>
    problems.push({ ruleId: 'PL-22', code, messageZh, messageEn, evidence: { lineNo } });
  for (const r of reported) {
    const line = known.get(r.lineNo);
    if (!line) problem('LINE_UNKNOWN', r.lineNo, `运单没有第 ${r.lineNo} 行货物`, `The waybill has no line ${r.lineNo}`);
    else if (seen.has(r.lineNo)) problem('LINE_REPEATED', r.lineNo, `第 ${r.lineNo} 行货物重复填写`, `Line ${r.lineNo} is given more than once`);
    else if (line.packageCount !== null && r.loadedPackages === undefined) {
      problem('PACKAGES_MISSING', r.lineNo, `第 ${r.lineNo} 行货物按件申报（${line.packageCount} 件）：须填写装货件数`, `Line ${r.lineNo} is declared in packages (${line.packageCount}): give the packages loaded`);
    }
    seen.add(r.lineNo);
  }
  for (const l of declared) {
    if (!seen.has(l.lineNo)) problem('LINE_MISSING', l.lineNo, `第 ${l.lineNo} 行货物未填写装货数量（未装请填 0）`, `Line ${l.lineNo} has no loaded quantity (give 0 if none was loaded)`);
  }
  return problems;
}

export function loadingProblems(input: {
  lines: LoadedLine[];
  ratedLoadKg: number | null;
  // The waybill's tank, null when the goods are not carried in one.
  tank: { volumeL: number | null } | null;
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
  const maxFilling = input.maxFillingPct ?? DEFAULT_MAX_FILLING_PCT;
  const capacityL = input.tank?.volumeL ?? null;
  const allVolume = input.lines.length > 0 && input.lines.every((l) => l.unit === 'L' || l.unit === 'm3');
  // The ratio from the loaded volume (to 0.1 %), where it can be worked out.
  const computedPct = input.tank && allVolume && capacityL ? Math.round((volumeL / capacityL) * 1000) / 10 : undefined;
  if (capacityL !== null && volumeL > capacityL) {
    problems.push({
      ruleId: 'PL-22',
      code: 'TANK_OVERFILLED',
      messageZh: `装载体积 ${volumeL} L 超过罐体容积 ${capacityL} L`,
      messageEn: `Loaded volume ${volumeL} L exceeds the tank's ${capacityL} L`,
      evidence: { volumeL, tankVolumeL: capacityL },
    });
  } else {
    // The higher of the computed and the gauged ratio is judged.
    const gauge = input.fillingRatioPct;
    const judged =
      computedPct !== undefined && (gauge === undefined || computedPct >= gauge)
        ? { pct: computedPct, source: 'volume' }
        : gauge !== undefined
          ? { pct: gauge, source: 'gauge' }
          : undefined;
    if (judged && judged.pct > maxFilling) {
      problems.push({
        ruleId: 'PL-22',
        code: 'FILLING_RATIO_EXCEEDED',
        messageZh: `充装率 ${judged.pct}% 超过允许的 ${maxFilling}%`,
        messageEn: `Filling ratio ${judged.pct}% exceeds the permitted ${maxFilling}%`,
        evidence: { fillingRatioPct: judged.pct, source: judged.source, maxFillingPct: maxFilling, ...(judged.source === 'volume' ? { volumeL, tankVolumeL: capacityL } : {}) },
      });
    } else if (!judged && input.tank) {
      problems.push({
        ruleId: 'PL-22',
        code: 'FILLING_RATIO_REQUIRED',
        messageZh: '罐车装货须填写充装率（液位计读数），货物按质量申报时无法由数量算出',
        messageEn: 'A tank load needs its filling ratio (the gauge reading): it cannot be worked out from quantities given by mass',
        evidence: { tankVolumeL: capacityL, maxFillingPct: maxFilling },
      });
    }
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
