import { normaliseUnNumber, type CatalogueEntry, type CatalogueVariant } from './catalogue.js';
import { deriveFlags, isValidCas, parseCuratedCsv, type FlagSource, type FlagTables, type GoodsFlags } from './goods-flags-data.js';

// Chinese names, aliases and CAS numbers for catalogue entries (tables/cn-names.csv plus administrator additions),
// the enriched view of an entry that the API shows, and search over it by UN number, CAS number or name.

export type GoodsNameRow = { unNumber: string; nameZh: string; aliasesZh: string[]; cas: string[]; source: string };

const splitList = (v: string | undefined) =>
  (v ?? '')
    .split('|')
    .map((s) => s.trim())
    .filter(Boolean);

// Throws on a malformed row so that a bad edit of the table stops the boot instead of hiding names.
export function parseGoodsNames(csv: string): GoodsNameRow[] {
  type Row = { un_number: string; name_zh: string; aliases_zh: string; cas: string; source: string };
  return parseCuratedCsv<Row>(csv).map((r, i) => {
    const unNumber = normaliseUnNumber(r.un_number);
    const cas = splitList(r.cas);
    const bad = cas.filter((c) => !isValidCas(c));
    if (!unNumber || !r.name_zh || !r.source || bad.length) {
      throw new Error(`cn-names.csv row ${i + 1} (${r.un_number}): needs a UN number, a name and a source; bad CAS: ${bad.join(' ')}`);
    }
    return { unNumber, nameZh: r.name_zh, aliasesZh: splitList(r.aliases_zh), cas, source: r.source };
  });
}

// What administrators added (dangerous_goods_additions), as far as the view needs it.
export type AdditionRow = { id: string; unNumber: string; kind: 'name_zh' | 'alias' | 'cas' | 'flag'; value: string; source: string; createdAt: Date };

export type GoodsDescription = {
  unNumber: string;
  names: string[]; // English proper shipping names (49 CFR)
  nameZh: string | null;
  aliasesZh: string[];
  cas: string[];
  hazardClass: string;
  subsidiaryRisks: string[];
  variants: CatalogueVariant[];
  flags: GoodsFlags;
  flagSources: FlagSource[];
  nameSource: string | null;
  additions: Omit<AdditionRow, 'unNumber'>[];
};

const pushNew = (list: string[], ...values: (string | null | undefined)[]) => {
  for (const v of values) if (v && !list.includes(v)) list.push(v);
};

export function describeGoods(
  e: CatalogueEntry,
  curated: GoodsNameRow | undefined,
  additions: readonly AdditionRow[],
  tables: FlagTables,
): GoodsDescription {
  const sorted = [...additions].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  // The latest name added by an administrator replaces the curated one, which stays findable as an alias.
  const addedNames = sorted.filter((a) => a.kind === 'name_zh');
  const latest = addedNames.at(-1);
  const nameZh = latest?.value ?? curated?.nameZh ?? null;
  const aliasesZh: string[] = [];
  pushNew(aliasesZh, ...(curated?.aliasesZh ?? []), ...sorted.filter((a) => a.kind === 'alias').map((a) => a.value));
  pushNew(aliasesZh, curated?.nameZh, ...addedNames.map((a) => a.value));
  const cas: string[] = [];
  pushNew(cas, ...(curated?.cas ?? []), ...sorted.filter((a) => a.kind === 'cas').map((a) => a.value));
  const { flags, sources } = deriveFlags(e, cas, sorted.filter((a) => a.kind === 'flag'), tables);
  return {
    unNumber: e.unNumber,
    names: e.names,
    nameZh,
    aliasesZh: aliasesZh.filter((a) => a !== nameZh),
    cas,
    hazardClass: e.hazardClass,
    subsidiaryRisks: e.subsidiaryRisks,
    variants: e.variants,
    flags,
    flagSources: sources,
    nameSource: latest ? `administrator: ${latest.source}` : (curated?.source ?? null),
    additions: sorted.map(({ id, kind, value, source, createdAt }) => ({ id, kind, value, source, createdAt })),
  };
}

// Every catalogue entry described, keyed by UN number. Names and additions for numbers outside the catalogue are
// left out (the names table is checked against the catalogue by its spec; additions are checked when made).
export function describeAll(
  catalogue: ReadonlyMap<string, CatalogueEntry>,
  names: readonly GoodsNameRow[],
  additions: readonly AdditionRow[],
  tables: FlagTables,
): Map<string, GoodsDescription> {
  const namesByUn = new Map(names.map((n) => [n.unNumber, n]));
  const additionsByUn = new Map<string, AdditionRow[]>();
  for (const a of additions) additionsByUn.set(a.unNumber, [...(additionsByUn.get(a.unNumber) ?? []), a]);
  const out = new Map<string, GoodsDescription>();
  for (const [un, e] of catalogue) out.set(un, describeGoods(e, namesByUn.get(un), additionsByUn.get(un) ?? [], tables));
  return out;
}

export type SearchField = 'un' | 'cas' | 'name_zh' | 'alias_zh' | 'name_en';
export type MatchRank = 'exact' | 'prefix' | 'substring';
export type SearchHit<T> = { item: T; match: { field: SearchField; value: string; rank: MatchRank } };
export type Searchable = Pick<GoodsDescription, 'unNumber' | 'names' | 'nameZh' | 'aliasesZh' | 'cas'>;

const RANKS: readonly MatchRank[] = ['exact', 'prefix', 'substring'];
const FIELDS: readonly SearchField[] = ['un', 'cas', 'name_zh', 'alias_zh', 'name_en'];

// Full-width letters, digits and punctuation (ＵＮ１２０３, ，) as their ASCII forms, case and spacing folded.
export const foldForSearch = (s: string) => s.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();

type Key = { field: SearchField; value: string; folded: string };

// Search by UN number ('1203', 'UN1203', 'un 120' as a prefix), CAS number, Chinese name or alias, English name
// (case-insensitive). Ranked: exact matches first, then prefixes, then substrings; within a rank UN before CAS before
// Chinese name, alias and English name; then the shorter matched text; then the UN number.
export class GoodsSearchIndex<T extends Searchable> {
  private readonly keys: { item: T; keys: Key[] }[];

  constructor(items: Iterable<T>) {
    this.keys = [...items].map((item) => {
      const keys: Key[] = [];
      const add = (field: SearchField, value: string) => keys.push({ field, value, folded: foldForSearch(value) });
      item.cas.forEach((c) => add('cas', c));
      if (item.nameZh) add('name_zh', item.nameZh);
      item.aliasesZh.forEach((a) => add('alias_zh', a));
      item.names.forEach((n) => add('name_en', n));
      return { item, keys };
    });
  }

  search(query: string, limit = 20): SearchHit<T>[] {
    const q = foldForSearch(query);
    if (!q) return [];
    const unExact = normaliseUnNumber(q);
    const unPrefix = /^(?:un\s*)?(\d{1,3})$/.exec(q)?.[1];
    const scored: { hit: SearchHit<T>; score: number }[] = [];
    for (const { item, keys } of this.keys) {
      let best: { score: number; match: SearchHit<T>['match'] } | undefined;
      const consider = (field: SearchField, value: string, rank: MatchRank) => {
        const score = RANKS.indexOf(rank) * FIELDS.length + FIELDS.indexOf(field);
        if (!best || score < best.score || (score === best.score && value.length < best.match.value.length)) {
          best = { score, match: { field, value, rank } };
        }
      };
      if (unExact === item.unNumber) consider('un', item.unNumber, 'exact');
      else if (unPrefix && item.unNumber.startsWith(unPrefix)) consider('un', item.unNumber, 'prefix');
      for (const k of keys) {
        if (k.folded === q) consider(k.field, k.value, 'exact');
        else if (k.folded.startsWith(q)) consider(k.field, k.value, 'prefix');
        else if (k.folded.includes(q)) consider(k.field, k.value, 'substring');
      }
      if (best) scored.push({ hit: { item, match: best.match }, score: best.score });
    }
    scored.sort(
      (a, b) =>
        a.score - b.score ||
        a.hit.match.value.length - b.hit.match.value.length ||
        a.hit.item.unNumber.localeCompare(b.hit.item.unNumber),
    );
    return scored.slice(0, limit).map((s) => s.hit);
  }
}
