// Closed-loop reconciliation (全流程闭环, DOMAIN.md 3.1(a) "Closed-loop reconciliation" (1)): per goods line, the
// declared quantity (托运清单/运单) vs the loaded quantity (loader's weighbridge or flow meter) vs the received quantity
// (consignee's weighbridge), and the same for package counts. Any issue sends a delivered waybill to DISCREPANCY
// instead of CLOSED (waybill-status.rules.ts); the service also notifies the safety manager.
//
// - Each stage is compared with the nearest earlier stage that has a value: loaded with declared, received with
//   loaded (or with declared when loaded is missing, which is itself an issue). The earlier value is the reference.
// - Quantities may differ by allowed = max(percent/100 × reference, absolute), in the line's unit; the tolerance is
//   configured per product and measuring method (DOMAIN.md proposal for liquids in tanks: ±0.5 % or ±50 kg,
//   whichever larger). A gain is flagged like a loss: both mean a measurement or the goods are not what they seem.
// - Zero tolerance on package counts always, and on the quantity of any 剧毒/易制爆/民爆/HCDG line (DOMAIN.md;
//   isZeroToleranceLine below).
// - A missing measurement is an issue, never a pass: an unreconciled line must not close the loop.
// Rules return data and never throw (STYLE.md 3.4).

export type Tolerance = { percent: number; absolute: number };

// DOMAIN.md 3.1(a) [proposal]: liquids in tanks ±0.5 % or ±50 kg, whichever larger (the crossover is 10 t).
export const LIQUID_IN_TANK_TOLERANCE_KG: Tolerance = { percent: 0.5, absolute: 50 };

export type ReconcileLineInput = {
  unit: string; // kg, t, L, m3: the unit of declared, loaded, received and tolerance.absolute alike
  declared: number;
  loaded?: number | null;
  received?: number | null;
  packagesDeclared?: number | null;
  packagesLoaded?: number | null;
  packagesReceived?: number | null;
  zeroTolerance: boolean;
  tolerance: Tolerance;
};

export type ReconciliationField =
  | 'declared'
  | 'loaded'
  | 'received'
  | 'packagesDeclared'
  | 'packagesLoaded'
  | 'packagesReceived'
  | 'tolerance';

export type ReconciliationIssueCode =
  | 'QUANTITY_OUT_OF_TOLERANCE'
  | 'PACKAGE_COUNT_MISMATCH'
  | 'MISSING_LOADED'
  | 'MISSING_RECEIVED'
  | 'MISSING_PACKAGE_COUNT'
  | 'INVALID_VALUE'
  | 'NO_LINES';

export type ReconciliationIssue = {
  code: ReconciliationIssueCode;
  field: ReconciliationField | null; // the value that is off, missing or invalid (null only for NO_LINES)
  expected: number | null; // the reference value it was compared with, null when there is none
  actual: number | null; // the value found, null when missing or invalid
  difference: number | null; // actual - expected (negative = loss), null when not compared
  allowed: number | null; // largest tolerated |difference|, 0 under zero tolerance, null when not compared
  message: string;
};

export type LineReconciliation = { ok: boolean; issues: ReconciliationIssue[] };

// Measurements carry at most a few decimals (numeric(14,3) columns), so a slack of a billionth of the reference keeps
// binary floating point (0.1 + 0.2) from failing a difference that is exactly at the limit, and is far below any
// real measuring resolution, also under zero tolerance.
const RELATIVE_SLACK = 1e-9;

const STAGES = ['declared', 'loaded', 'received'] as const;
const PACKAGE_FIELDS = { declared: 'packagesDeclared', loaded: 'packagesLoaded', received: 'packagesReceived' } as const;

const round6 = (x: number) => Math.round(x * 1e6) / 1e6 + 0; // + 0 turns -0 into 0
const fmt = (x: number) => String(round6(x));
const signed = (x: number) => (x > 0 ? `+${fmt(x)}` : fmt(x));

const isQuantity = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;
const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
const isTolerance = (t: Tolerance | null | undefined): boolean =>
  !!t && isQuantity(t.percent) && isQuantity(t.absolute);

export function allowedDifference(reference: number, zeroTolerance: boolean, tolerance: Tolerance): number {
  if (zeroTolerance) return 0;
  return Math.max((tolerance.percent / 100) * Math.abs(reference), tolerance.absolute);
}

export function reconcileLine(line: ReconcileLineInput): LineReconciliation {
  const issues: ReconciliationIssue[] = [];
  const invalid = (field: ReconciliationField, value: unknown, what: string) =>
    issues.push({
      code: 'INVALID_VALUE',
      field,
      expected: null,
      actual: null,
      difference: null,
      allowed: null,
      message: `${field} ${String(value)} is not ${what}`,
    });

  // Quantities ---------------------------------------------------------------------------------------------------
  const toleranceUsable = line.zeroTolerance || isTolerance(line.tolerance);
  if (!toleranceUsable) invalid('tolerance', JSON.stringify(line.tolerance), 'a tolerance with percent and absolute >= 0');

  let reference: { stage: (typeof STAGES)[number]; value: number } | null = null;
  for (const stage of STAGES) {
    const value = line[stage];
    const present = value !== undefined && value !== null;
    if (present && !isQuantity(value)) {
      invalid(stage, value, 'a quantity (a finite number >= 0)');
      continue;
    }
    if (!present) {
      if (stage === 'loaded' || stage === 'received') {
        issues.push({
          code: stage === 'loaded' ? 'MISSING_LOADED' : 'MISSING_RECEIVED',
          field: stage,
          expected: reference?.value ?? null,
          actual: null,
          difference: null,
          allowed: null,
          message: `no ${stage} quantity recorded`,
        });
      } else {
        invalid(stage, value, 'a quantity (a finite number >= 0)');
      }
      continue;
    }
    if (reference && toleranceUsable) {
      const difference = value - reference.value;
      const allowed = allowedDifference(reference.value, line.zeroTolerance, line.tolerance);
      if (Math.abs(difference) > allowed + RELATIVE_SLACK * Math.max(1, Math.abs(reference.value))) {
        const limit = line.zeroTolerance ? 'zero tolerance' : `the allowed ±${fmt(allowed)} ${line.unit}`;
        issues.push({
          code: 'QUANTITY_OUT_OF_TOLERANCE',
          field: stage,
          expected: reference.value,
          actual: value,
          difference: round6(difference),
          allowed: round6(allowed),
          message:
            `${stage} ${fmt(value)} ${line.unit} vs ${reference.stage} ${fmt(reference.value)} ${line.unit}: ` +
            `${signed(difference)} ${line.unit} exceeds ${limit}`,
        });
      }
    }
    reference = { stage, value };
  }

  // Package counts: always zero tolerance. A line with no count at any stage is bulk (tank, bulk solid) and has none
  // to check; once any stage counts packages, every stage must.
  const counts = STAGES.map((stage) => line[PACKAGE_FIELDS[stage]]);
  if (counts.some((c) => c !== undefined && c !== null)) {
    let previous: { stage: (typeof STAGES)[number]; value: number } | null = null;
    for (const stage of STAGES) {
      const field = PACKAGE_FIELDS[stage];
      const value = line[field];
      if (value === undefined || value === null) {
        issues.push({
          code: 'MISSING_PACKAGE_COUNT',
          field,
          expected: previous?.value ?? null,
          actual: null,
          difference: null,
          allowed: null,
          message: `no ${stage} package count recorded`,
        });
        continue;
      }
      if (!isCount(value)) {
        invalid(field, value, 'a package count (a whole number >= 0)');
        continue;
      }
      if (previous && value !== previous.value) {
        issues.push({
          code: 'PACKAGE_COUNT_MISMATCH',
          field,
          expected: previous.value,
          actual: value,
          difference: value - previous.value,
          allowed: 0,
          message: `${stage} ${value} packages vs ${previous.stage} ${previous.value}: ${signed(value - previous.value)}`,
        });
      }
      previous = { stage, value };
    }
  }

  return { ok: issues.length === 0, issues };
}

export type WaybillReconciliation = {
  ok: boolean;
  lines: (LineReconciliation & { line: number })[];
  issues: (ReconciliationIssue & { line: number | null })[]; // every line's issues, flat, in line order
};

// `line` is the input's lineNo when given (waybill_lines.line_no), else its 1-based position. A waybill without lines
// cannot be reconciled and fails closed (NO_LINES).
export function reconcileWaybill(lines: readonly (ReconcileLineInput & { lineNo?: number })[]): WaybillReconciliation {
  const results = lines.map((input, i) => ({ line: input.lineNo ?? i + 1, ...reconcileLine(input) }));
  const issues: WaybillReconciliation['issues'] = results.flatMap((r) => r.issues.map((issue) => ({ ...issue, line: r.line })));
  if (lines.length === 0) {
    issues.push({
      code: 'NO_LINES',
      field: null,
      line: null,
      expected: null,
      actual: null,
      difference: null,
      allowed: null,
      message: 'the waybill has no goods lines to reconcile',
    });
  }
  return { ok: issues.length === 0, lines: results, issues };
}

// Lines reconciled with zero tolerance on quantity (DOMAIN.md 3.1(a)): 剧毒 (highly toxic), 易制爆 (explosive
// precursors), 民爆 (civil explosives: class 1, which also takes in fireworks), ADR 1.10.3.1.2 high-consequence
// dangerous goods, and the plan's lifecycle-controlled list (ammonium nitrate, nitrocellulose, sodium cyanide), whose
// members are 易制爆 or 剧毒 anyway.
export function isZeroToleranceLine(line: {
  hazardClass: string;
  flags?: { highlyToxic?: boolean; explosivePrecursor?: boolean; highHazard?: boolean; highConsequence?: boolean } | null;
}): boolean {
  const f = line.flags ?? {};
  return (
    /^1(\.|$)/.test(line.hazardClass.trim()) ||
    !!f.highlyToxic ||
    !!f.explosivePrecursor ||
    !!f.highHazard ||
    !!f.highConsequence
  );
}
