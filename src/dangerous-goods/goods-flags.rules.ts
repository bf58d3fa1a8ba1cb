import { normaliseUnNumber, readTable } from './catalogue.js';

// Which special regimes goods fall under (DOMAIN.md 1.6 permits, pre-loading checks PL-19, PL-20, PL-29;
// ADR 1.10.3.1.2 high-consequence dangerous goods; 3.1(a) zero-tolerance reconciliation).

export type PermitType = 'highly_toxic_pass' | 'explosives' | 'fireworks' | 'radioactive' | 'hazardous_waste_manifest';

export const PERMIT_NAMES_ZH: Record<PermitType, string> = {
  highly_toxic_pass: '剧毒化学品道路运输通行证', // 591 art. 50; MPS Order 77
  explosives: '民用爆炸物品运输许可证', // 《民用爆炸物品安全管理条例》
  fireworks: '烟花爆竹道路运输许可证', // 《烟花爆竹安全管理条例》 arts 22-25
  radioactive: '放射性物品道路运输许可', // 《放射性物品运输安全管理条例》
  hazardous_waste_manifest: '危险废物转移联单', // MEE electronic manifest
};

// Fireworks (烟花爆竹): UN0333 1.1G, 0334 1.2G, 0335 1.3G, 0336 1.4G, 0337 1.4S.
export const FIREWORKS = new Set(['0333', '0334', '0335', '0336', '0337']);

const un = (u: string) => normaliseUnNumber(u) ?? u.trim();
const isClass1 = (hazardClass: string, classificationCode?: string) => /^1(\.|$)/.test(hazardClass.trim()) || /^1\.[1-6][A-S]$/.test(classificationCode?.trim() ?? '');

export type PermitLine = {
  unNumber: string;
  hazardClass: string; // '1.1D', '2.3', '3', '7'
  classificationCode?: string;
  flags: { highlyToxic?: boolean; hazardousWaste?: boolean };
};

// Order 29 art. 15; DOMAIN 1.6: 剧毒 → 通行证; class 1 → 民爆 permit except fireworks → 烟花爆竹 permit; class 7 →
// radioactive; hazardous waste → 转移联单. A line may need more than one (e.g. highly toxic hazardous waste).
export function requiredPermitTypes(line: PermitLine): PermitType[] {
  const out: PermitType[] = [];
  if (line.flags.highlyToxic) out.push('highly_toxic_pass');
  if (isClass1(line.hazardClass, line.classificationCode)) out.push(FIREWORKS.has(un(line.unNumber)) ? 'fireworks' : 'explosives');
  if (/^7(\.|$)/.test(line.hazardClass.trim())) out.push('radioactive');
  if (line.flags.hazardousWaste) out.push('hazardous_waste_manifest');
  return out;
}

// ---- ADR 1.10.3.1.2 high-consequence dangerous goods (classes other than 7) ----

type Threshold = number | 'n/a' | 'never';
type HcdgRow = { class: string; division?: string; goods: string; tank_l: Threshold; bulk_kg: Threshold; packages_kg: Threshold };
export const HIGH_CONSEQUENCE_TABLE = JSON.parse(readTable('adr-1.10.3.1.2-high-consequence.json')) as { rows: HcdgRow[] };

export type HighConsequenceLine = {
  unNumber: string;
  hazardClass: string;
  classificationCode?: string;
  packingGroup?: string | null; // 'I' | 'II' | 'III'
  quantity: number; // per transport unit
  unit: 'kg' | 'L' | 't' | 'm3';
  carriage: 'tank' | 'bulk' | 'packages';
  densityKgPerL?: number; // to compare a mass with a litre threshold (or the reverse)
};

// Ammonium nitrate (1942, 2067, 2426, 3375) and inorganic perchlorates of class 5.1 (by 49 CFR names).
export const AMMONIUM_NITRATE_AND_PERCHLORATES = new Set([
  '1942', '2067', '2426', '3375', '1442', '1447', '1455', '1470', '1475', '1481', '1489', '1502', '1508', '3211', '3406', '3408',
]);

const pgOf = (pg?: string | null) => ({ '1': 'I', '2': 'II', '3': 'III' })[pg?.trim() ?? ''] ?? (pg?.trim().toUpperCase() || null);
const unsIn = (text: string) => new Set(text.match(/\b\d{4}\b/g) ?? []);

type Goods = { un: string; cls: string; division: string | null; group: string | null; code: string; pg: string | null };

function goodsOf(line: HighConsequenceLine): Goods {
  const hc = line.hazardClass.trim().toUpperCase();
  const code = line.classificationCode?.trim().toUpperCase() ?? '';
  const c1 = /^1\.([1-6])([A-S])$/.exec(code) ?? /^1\.([1-6])([A-S])?$/.exec(hc);
  const cls = /^1(\.|$)/.test(hc) ? '1' : /^2(\.|$)/.test(hc) ? '2' : hc;
  const division = cls === '1' ? (c1 ? `1.${c1[1]}` : null) : cls === '2' && /^2\.[123]$/.test(hc) ? hc : null;
  return { un: un(line.unNumber), cls, division, group: c1?.[2] ?? null, code, pg: pgOf(line.packingGroup) };
}

// A missing packing group or classification code is read as matching (fail-safe), except for the
// "desensitized explosives" rows, which need the code (D/DT) to be told apart from ordinary class 3 / 4.1.
const pgIs = (g: Goods, ...pgs: string[]) => g.pg === null || pgs.includes(g.pg);
export const HIGH_CONSEQUENCE_MATCHERS: { cls: string; division?: string; goods: string; test: (g: Goods, row: HcdgRow) => boolean }[] = [
  // class 1: a line without a known division is read as 1.1
  { cls: '1', division: '1.1', goods: 'explosives', test: (g) => g.division === '1.1' || g.division === null },
  { cls: '1', division: '1.2', goods: 'explosives', test: (g) => g.division === '1.2' },
  { cls: '1', division: '1.3', goods: 'compatibility group c', test: (g) => g.division === '1.3' && g.group === 'C' },
  { cls: '1', division: '1.4', goods: 'un ', test: (g, row) => g.division === '1.4' && unsIn(row.goods).has(g.un) },
  { cls: '1', division: '1.5', goods: 'explosives', test: (g) => g.division === '1.5' },
  { cls: '1', division: '1.6', goods: 'explosives', test: (g) => g.division === '1.6' },
  { cls: '2', goods: 'flammable', test: (g) => (g.code ? /^\d(F|FC)$/.test(g.code) : g.division === '2.1') },
  {
    cls: '2',
    goods: 'toxic gases (codes t',
    test: (g) => g.un !== '1950' && (g.code ? /^\d(T|TF|TC|TO|TFC|TOC)$/.test(g.code) : g.division === '2.3'),
  },
  { cls: '3', goods: 'flammable liquids', test: (g) => pgIs(g, 'I', 'II') },
  { cls: '3', goods: 'desensitized', test: (g) => g.code === 'D' || g.code === 'DT' },
  { cls: '4.1', goods: 'desensitized', test: (g) => g.code === 'D' || g.code === 'DT' },
  { cls: '4.2', goods: 'pg i', test: (g) => pgIs(g, 'I') },
  { cls: '4.3', goods: 'pg i', test: (g) => pgIs(g, 'I') },
  // liquid oxidizers: codes O1, OT1, OC1 (OTC may be either)
  { cls: '5.1', goods: 'oxidizing liquids', test: (g) => pgIs(g, 'I') && (!g.code || ['O1', 'OT1', 'OC1', 'OTC'].includes(g.code)) },
  { cls: '5.1', goods: 'ammonium nitrate', test: (g) => AMMONIUM_NITRATE_AND_PERCHLORATES.has(g.un) },
  { cls: '6.1', goods: 'pg i', test: (g) => pgIs(g, 'I') },
  // category A: UN2814, 2900 (animal material cannot be told apart: included), 3549
  { cls: '6.2', goods: 'category a', test: (g, row) => unsIn(row.goods).has(g.un) },
  { cls: '8', goods: 'pg i', test: (g) => pgIs(g, 'I') },
];

// Which matcher describes a row of the table (its class, division and a word of its goods text).
export const matchesRow = (m: (typeof HIGH_CONSEQUENCE_MATCHERS)[number], row: HcdgRow) =>
  m.cls === row.class && m.division === row.division && row.goods.toLowerCase().includes(m.goods);
const matcherFor = (row: HcdgRow) => HIGH_CONSEQUENCE_MATCHERS.find((m) => matchesRow(m, row));

// The rows of Table 1.10.3.1.2 that describe these goods, whatever the quantity.
export function highConsequenceRows(line: Pick<HighConsequenceLine, 'unNumber' | 'hazardClass' | 'classificationCode' | 'packingGroup'>): HcdgRow[] {
  const g = goodsOf({ ...line, quantity: 0, unit: 'kg', carriage: 'packages' });
  return HIGH_CONSEQUENCE_TABLE.rows.filter((row) => row.class === g.cls && !!matcherFor(row)?.test(g, row));
}

// Quantity in the row's unit (L for tanks, kg for bulk and packages); null when it needs a density we lack.
function quantityIn(line: HighConsequenceLine, target: 'L' | 'kg'): number | null {
  const kg = line.unit === 'kg' ? line.quantity : line.unit === 't' ? line.quantity * 1000 : null;
  const l = line.unit === 'L' ? line.quantity : line.unit === 'm3' ? line.quantity * 1000 : null;
  if (target === 'kg') return kg ?? (l !== null && line.densityKgPerL ? l * line.densityKgPerL : null);
  return l ?? (kg !== null && line.densityKgPerL ? kg / line.densityKgPerL : null);
}

// ADR 1.10.3.1.2: high-consequence when carried in quantities GREATER than the threshold for the mode of
// carriage; 'never' (1.10.3 does not apply) and 'n/a' (mode not relevant for these goods) never trigger.
// A mass compared with a litre threshold (or the reverse) without a density is read as exceeding it
// (fail-safe). Class 7 (1.10.3.1.3, by activity) is not covered here; nor is the 1.10.4 small-load exemption.
export function isHighConsequence(line: HighConsequenceLine): boolean {
  if (!(line.quantity > 0)) return false;
  const column = line.carriage === 'tank' ? 'tank_l' : line.carriage === 'bulk' ? 'bulk_kg' : 'packages_kg';
  return highConsequenceRows(line).some((row) => {
    const threshold = row[column];
    if (typeof threshold !== 'number') return false;
    const q = quantityIn(line, column === 'tank_l' ? 'L' : 'kg');
    return q === null || q > threshold;
  });
}

// ---- The plan's high-hazard chemicals under whole-lifecycle control (PL-29) ----

export type HighHazardChemical = 'ammonium_nitrate' | 'nitrocellulose' | 'sodium_cyanide';
const HIGH_HAZARD: Record<string, HighHazardChemical> = {
  // 硝酸铵: UN0222 (1.1D), 1942, 2067 (AN fertiliser 5.1), 2071 (AN fertiliser 9), 2426 (liquid), 3375 (emulsion)
  ...Object.fromEntries(['0222', '1942', '2067', '2071', '2426', '3375'].map((u) => [u, 'ammonium_nitrate' as const])),
  // 硝化棉: UN0340, 0341 (1.1D), 0342, 0343 (1.3C), 2059 (solution, 3), 2555, 2556, 2557 (4.1)
  ...Object.fromEntries(['0340', '0341', '0342', '0343', '2059', '2555', '2556', '2557'].map((u) => [u, 'nitrocellulose' as const])),
  // 氰化钠: UN1689 (solid), 3414 (solution)
  '1689': 'sodium_cyanide',
  '3414': 'sodium_cyanide',
};
export function highHazardChemical(unNumber: string): HighHazardChemical | null {
  return HIGH_HAZARD[un(unNumber)] ?? null;
}

// ---- Reconciliation (DOMAIN 3.1(a)): zero tolerance on 剧毒 / 易制爆 / 民爆 / HCDG lines ----

export type ZeroToleranceFlags = {
  highlyToxic?: boolean; // 剧毒
  explosivePrecursor?: boolean; // 易制爆
  civilExplosive?: boolean; // 民爆 (class 1 other than fireworks)
  highConsequence?: boolean; // ADR 1.10.3.1.2
  highHazard?: boolean; // the plan's list (硝酸铵, 硝化棉, 氰化钠)
};
export function zeroToleranceLine(flags: ZeroToleranceFlags): boolean {
  return !!(flags.highlyToxic || flags.explosivePrecursor || flags.civilExplosive || flags.highConsequence || flags.highHazard);
}
