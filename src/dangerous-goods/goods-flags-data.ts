import { parse } from 'csv-parse/sync';
import { normaliseUnNumber, readTable, type CatalogueEntry, type CatalogueVariant } from './catalogue.js';
import { FIREWORKS, highConsequenceRows, highHazardChemical, type HighHazardChemical } from './goods-flags.rules.js';

// Flags on catalogue entries that decide permits, zero-tolerance reconciliation and security plans
// (DOMAIN.md 3.1(a) `Goods`): where each one comes from, as data plus the small functions that apply it.
//   highlyToxic         剧毒: tables/cn-highly-toxic.csv (curated subset; 危险化学品目录(2015版) is not available as data)
//   explosivePrecursor  易制爆: CAS numbers of tables/cn-explosive-precursors-2017.csv (易制爆危险化学品名录(2017年版))
//   highHazard          高危: the plan's ammonium nitrate, nitrocellulose and sodium cyanide (goods-flags.rules.ts)
//   hazardousWaste      危险废物: administrator additions only (it belongs to a consignment more than to a UN number)
//   highConsequenceCandidate  ADR 1.10.3.1.2: some quantity of these goods is high-consequence (the quantity test
//                       itself is isHighConsequence in goods-flags.rules.ts)
//   explosive / fireworks / radioactive: class 1 / UN 0333-0337 / class 7, for the permit types of Order 29.
// Administrators add any of the first four for a UN number (dangerous_goods_additions, kind 'flag').

export const GOODS_FLAGS = ['highly_toxic', 'explosive_precursor', 'high_hazard', 'hazardous_waste'] as const;
export type GoodsFlag = (typeof GOODS_FLAGS)[number];

export type GoodsFlags = {
  highlyToxic: boolean;
  explosivePrecursor: boolean;
  highHazard: boolean;
  hazardousWaste: boolean;
  highConsequenceCandidate: boolean;
  explosive: boolean;
  fireworks: boolean;
  radioactive: boolean;
};

export type FlagSource = { flag: keyof GoodsFlags; source: string };

const FLAG_KEYS: Record<GoodsFlag, keyof GoodsFlags> = {
  highly_toxic: 'highlyToxic',
  explosive_precursor: 'explosivePrecursor',
  high_hazard: 'highHazard',
  hazardous_waste: 'hazardousWaste',
};

export type HighlyToxicRow = { unNumber: string | null; cas: string | null; nameZh: string; source: string };
export type PrecursorRow = { seq: string; category: string; nameZh: string; cas: string | null };

// CAS Registry Number: up to 7 digits, 2 digits, a check digit = sum of the other digits weighted 1, 2, 3, ...
// from the right, mod 10.
export function isValidCas(cas: string): boolean {
  if (!/^\d{2,7}-\d{2}-\d$/.test(cas)) return false;
  const digits = cas.replace(/-/g, '');
  const body = digits.slice(0, -1).split('').reverse();
  return body.reduce((sum, d, i) => sum + (i + 1) * Number(d), 0) % 10 === Number(digits.at(-1));
}

export const parseCuratedCsv = <T>(csv: string) =>
  parse(csv, { columns: true, skip_empty_lines: true, trim: true, comment: '#', comment_no_infix: true }) as T[];

export function parseHighlyToxic(csv: string): HighlyToxicRow[] {
  return parseCuratedCsv<{ un_number: string; cas: string; name_zh: string; source: string }>(csv).map((r, i) => {
    const unNumber = r.un_number ? normaliseUnNumber(r.un_number) : null;
    const cas = r.cas || null;
    if ((r.un_number && !unNumber) || (cas && !isValidCas(cas)) || (!unNumber && !cas) || !r.name_zh || !r.source) {
      throw new Error(`cn-highly-toxic.csv row ${i + 1}: needs a UN number or a valid CAS number, a name and a source`);
    }
    return { unNumber, cas, nameZh: r.name_zh, source: r.source };
  });
}

export function parseExplosivePrecursors(csv: string): PrecursorRow[] {
  type Row = { seq: string; category: string; name_cn: string; cas: string };
  const rows = parse(csv, { columns: true, skip_empty_lines: true, trim: true }) as Row[];
  return rows.map((r) => ({ seq: r.seq, category: r.category, nameZh: r.name_cn, cas: r.cas || null }));
}

// 内蒙古自治区危险化学品安全综合治理方案 (内政办发电〔2017〕7号) 二.6: 硝酸铵、硝化棉、氰化钠等高危化学品 全过程管控.
// The UN numbers under which they travel are in goods-flags.rules.ts (highHazardChemical).
export const HIGH_HAZARD_SOURCE = '内政办发电〔2017〕7号 二.6 高危化学品';
const HIGH_HAZARD_ZH: Record<HighHazardChemical, string> = { ammonium_nitrate: '硝酸铵', nitrocellulose: '硝化棉', sodium_cyanide: '氰化钠' };

export type FlagTables = { highlyToxic: readonly HighlyToxicRow[]; precursors: readonly PrecursorRow[] };

export function loadFlagTables(): FlagTables {
  return {
    highlyToxic: parseHighlyToxic(readTable('cn-highly-toxic.csv')),
    precursors: parseExplosivePrecursors(readTable('cn-explosive-precursors-2017.csv')),
  };
}

const tankAllowed = (v: CatalogueVariant) => Boolean(v.tankCode || v.portableTankInstructions);

// ADR 1.10.3.1.2: could some quantity of this entry be high-consequence? The rows that describe the goods come
// from goods-flags.rules.ts (which also decides for a given quantity); a row whose only threshold is for tanks
// counts only when tank carriage is allowed (Table A col 10 or 12, the table's footnote c).
export function highConsequenceCandidate(e: CatalogueEntry): boolean {
  return e.variants.some((v) =>
    highConsequenceRows({ unNumber: e.unNumber, hazardClass: e.hazardClass, classificationCode: v.classificationCode, packingGroup: v.packingGroup }).some(
      (row) => typeof row.packages_kg === 'number' || typeof row.bulk_kg === 'number' || (typeof row.tank_l === 'number' && tankAllowed(v)),
    ),
  );
}

export type FlagAddition = { value: string; source: string };

// The flags of one entry, with why each is set. `cas` is every CAS number the entry carries (curated + added).
export function deriveFlags(e: CatalogueEntry, cas: readonly string[], additions: readonly FlagAddition[], t: FlagTables) {
  const sources: FlagSource[] = [];
  for (const r of t.highlyToxic) {
    if (r.unNumber === e.unNumber || (r.cas && cas.includes(r.cas))) {
      sources.push({ flag: 'highlyToxic', source: `${r.source}: ${r.nameZh}${r.cas ? ` (CAS ${r.cas})` : ''}` });
    }
  }
  const seen = new Set<string>();
  for (const r of t.precursors) {
    if (!r.cas || !cas.includes(r.cas) || seen.has(r.seq)) continue;
    seen.add(r.seq);
    // One line per numbered entry, named without the [qualifier] of whichever of its rows matched first.
    sources.push({ flag: 'explosivePrecursor', source: `易制爆危险化学品名录（2017年版） ${r.seq} ${r.nameZh.replace(/\[.*\]$/, '')} (CAS ${r.cas})` });
  }
  const highHazard = highHazardChemical(e.unNumber);
  if (highHazard) sources.push({ flag: 'highHazard', source: `${HIGH_HAZARD_SOURCE}: ${HIGH_HAZARD_ZH[highHazard]}` });
  for (const a of additions) {
    const flag = FLAG_KEYS[a.value as GoodsFlag];
    if (flag) sources.push({ flag, source: `administrator: ${a.source}` });
  }
  const cls = e.hazardClass;
  const flags: GoodsFlags = {
    highlyToxic: false,
    explosivePrecursor: false,
    highHazard: false,
    hazardousWaste: false,
    highConsequenceCandidate: highConsequenceCandidate(e),
    explosive: cls === '1' || cls.startsWith('1.'),
    fireworks: FIREWORKS.has(e.unNumber),
    radioactive: cls === '7',
  };
  for (const s of sources) flags[s.flag] = true;
  return { flags, sources };
}
