import { normaliseUnNumber, readTable } from './catalogue.js';

// Mixed-loading prohibitions (DOMAIN.md 2.6, pre-loading check PL-21): ADR 7.5.2.1 (table by danger label),
// ADR 7.5.2.2 (class 1 with class 1, by compatibility group) and China Order 29 art. 20 (limited-quantity
// packages may travel with any goods except explosives). Tables in ./tables (copied from shared/data, verify
// against the UNECE English text before relying on them).

type Cell = string; // 'ALLOWED' | 'PROHIBITED' | 'SEE_7.5.2.2' | 'CONDITIONAL:n[,n]'
type Table = { footnotes: Record<string, string>; matrix: Record<string, Record<string, Cell>> };

export const MIXED_LOADING_TABLE = JSON.parse(readTable('adr-7.5.2.1-mixed-loading.json')) as Table & { labels: string[] };
export const CLASS1_COMPATIBILITY_TABLE = JSON.parse(readTable('adr-7.5.2.2-class1-compatibility.json')) as Table & { groups: string[] };

export type MixedLoadingItem = {
  ref: string; // waybill line or goods already on the vehicle, e.g. 'line 2'
  unNumber: string; // '1203' or 'UN1203'
  labels: string[]; // as in the catalogue: primary first, e.g. ['2.3', '5.1', '8'], ['4.1', '1'], ['1.4'], ['7X']
  classificationCode?: string; // '1.1D' for class 1 (compatibility group = last letter)
  limitedQuantity?: boolean; // packed in limited quantities (ADR 3.4)
};

// 'order-29-art-20': limited-quantity packages with explosives (China; ADR 7.5.2.4 is the ADR counterpart).
export type MixedLoadingRule = '7.5.2.1' | '7.5.2.2' | 'order-29-art-20';

export type MixedLoadingFinding = {
  a: string; // refs, in input order
  b: string;
  labels: [string, string]; // the labels (class 1: classification code) that decided, as shown on the packages
  rule: MixedLoadingRule;
  footnote?: string; // '4', or '1,2,3' when none of several footnotes is met
  message: string;
  messageZh: string;
};

// ADR 7.5.2.1 footnotes: what each allows, English and Chinese.
const FOOTNOTES_7521: Record<string, [string, string]> = {
  '1': ['only division 1.4 compatibility group S may be loaded with other classes', '仅1.4S项爆炸品可与其他类别混装'],
  '2': ['class 1 only with class 9 life-saving appliances UN2990, UN3072, UN3268', '爆炸品仅可与第9类救生设备（UN2990、UN3072、UN3268）混装'],
  '3': ['UN0503 safety devices only with UN3268 safety devices', 'UN0503仅可与UN3268安全装置混装'],
  '4': [
    'blasting explosives (except UN0083) only with ammonium nitrate UN1942/2067/3375 or alkali/alkaline-earth metal nitrates, the whole load treated as class 1',
    '爆破用炸药（UN0083除外）仅可与硝酸铵UN1942/2067/3375或碱金属、碱土金属硝酸盐混装，整车按第1类处理',
  ],
};

// ADR 7.5.2.2 footnotes.
const FOOTNOTES_7522: Record<string, [string, string]> = {
  '1': ['group B with group D only if effectively separated by an approved method, which cannot be verified here', 'B组与D组须以经认可的方式有效隔离，此处无法核实'],
  '2': ['different 1.6N articles only if tests show no risk of sympathetic detonation', '不同的1.6N物品须经试验证明无殉爆风险'],
  '3': ['group N with C, D or E: N is treated as group D', 'N组与C、D、E组混装时，N组按D组处理'],
  '4': ['group L only with the same substance (same UN number)', 'L组仅可与同一物质（同一UN编号）混装'],
};

// 7.5.2.1 footnote 2: life-saving appliances of class 9.
export const LIFE_SAVING_APPLIANCES = new Set(['2990', '3072', '3268']);
// 7.5.2.1 footnote 4: blasting explosives (UN0081/0082/0084/0241 1.1D, UN0331/0332 1.5D; UN0083 excluded) ...
export const BLASTING_EXPLOSIVES = new Set(['0081', '0082', '0084', '0241', '0331', '0332']);
// ... with ammonium nitrate (UN1942, 2067, 3375) and alkali-metal (Li 2722, Na 1498, K 1486, Cs 1451, Na+K 1499)
// and alkaline-earth-metal nitrates (Be 2464, Mg 1474, Ca 1454, Sr 1507, Ba 1446), by the 49 CFR names.
export const NITRATES_WITH_BLASTING_EXPLOSIVES = new Set([
  '1942', '2067', '3375', '2722', '1498', '1486', '1451', '1499', '2464', '1474', '1454', '1507', '1446',
]);

const CLASS1_LABEL = /^1(?:\.([1-6])([A-HJ-LNS])?)?$/; // '1', '1.1', '1.4', '1.4S', '1.1D'
const CLASS1_CODE = /^1\.([1-6])([A-HJ-LNS])$/; // classification code '1.1D'

// A catalogue label → its row/column in the 7.5.2.1 table (null when it is not a danger label, e.g. a stray
// word from the source table). 4.1+1 and 5.2+1 depend on the whole package; see matrixLabels.
export function matrixLabel(label: string): string | null {
  const l = label.trim().toUpperCase().replace(/\s+/g, '');
  const c1 = CLASS1_LABEL.exec(l);
  if (c1) return c1[1] === '4' ? '1.4' : c1[1] === '5' ? '1.5' : c1[1] === '6' ? '1.6' : '1';
  if (/^2(\.[123])?$/.test(l)) return '2'; // labels 2.1, 2.2, 2.3
  if (/^7[ABCXE]?$/.test(l)) return '7'; // 7A/7B/7C (Table A: 7X = category by package; 7E fissile)
  if (/^9A?$/.test(l)) return '9'; // 9A: lithium batteries
  if (l === '4.1+1' || l === '5.2+1') return l;
  return ['3', '4.1', '4.2', '4.3', '5.1', '5.2', '6.1', '6.2', '8'].includes(l) ? l : null;
}

type Analysed = {
  item: MixedLoadingItem;
  un: string;
  explosive: boolean; // class 1 goods
  group: string | null; // compatibility group (class 1)
  labels: { matrix: string; shown: string }[];
};

// A package is judged by all its labels: primary and subsidiary. 4.1 or 5.2 with a subsidiary 1 label is the
// single table label '4.1+1' / '5.2+1'.
export function matrixLabels(item: Pick<MixedLoadingItem, 'labels' | 'classificationCode'>): { labels: string[]; unknown: string[] } {
  const a = analyse({ ref: '', unNumber: '', ...item });
  return { labels: a.labels.map((l) => l.matrix), unknown: item.labels.filter((l) => l.trim() && !matrixLabel(l)) };
}

function analyse(item: MixedLoadingItem): Analysed {
  const raw = item.labels.map((l) => l.trim()).filter(Boolean);
  const code = item.classificationCode?.trim().toUpperCase() ?? '';
  const primary = raw[0] ? matrixLabel(raw[0]) : null;
  const codeMatch = CLASS1_CODE.exec(code);
  const explosive = !!codeMatch || ['1', '1.4', '1.5', '1.6'].includes(primary ?? '');
  const labelGroup = raw.map((l) => CLASS1_LABEL.exec(l.toUpperCase())?.[2]).find(Boolean);
  const group = codeMatch?.[2] ?? labelGroup ?? null;
  const withSubsidiary1 = (primary === '4.1' || primary === '5.2') && raw.slice(1).some((l) => matrixLabel(l)?.startsWith('1'));
  const labels: Analysed['labels'] = [];
  raw.forEach((l, i) => {
    let m = matrixLabel(l);
    if (!m) return;
    if (withSubsidiary1) {
      if (i > 0 && m.startsWith('1')) return; // folded into 4.1+1 / 5.2+1
      if (i === 0) m = `${m}+1`;
    }
    const shown = withSubsidiary1 && i === 0 ? m : explosive && m.startsWith('1') && codeMatch ? code : l;
    if (!labels.some((x) => x.matrix === m)) labels.push({ matrix: m, shown });
  });
  // Class 1 goods without a class 1 label in the input still bear one (label from the division).
  if (codeMatch && !labels.some((x) => x.matrix.startsWith('1'))) labels.unshift({ matrix: matrixLabel(code)!, shown: code });
  return { item, un: normaliseUnNumber(item.unNumber) ?? item.unNumber.trim(), explosive, group, labels };
}

const display = (x: Analysed, shown: string) => `UN${x.un} (${shown})`;

type Verdict = { prohibited: true; finding: MixedLoadingFinding } | { prohibited: false; conditions: MixedLoadingFinding[] };

function finding(
  x: Analysed,
  y: Analysed,
  shown: [string, string],
  rule: MixedLoadingRule,
  kind: 'prohibited' | 'unmet' | 'met',
  footnote?: string,
  detail?: [string, string],
): MixedLoadingFinding {
  const [da, db] = [display(x, shown[0]), display(y, shown[1])];
  const clause = rule === 'order-29-art-20' ? 'Order 29 art. 20' : `ADR ${rule}`;
  const clauseZh = rule === 'order-29-art-20' ? '《危险货物道路运输安全管理办法》第二十条' : `ADR ${rule}`;
  let message = `${da} and ${db} must not be loaded together (${clause})`;
  let messageZh = `${da} 与 ${db} 不得混装（${clauseZh}）`;
  if (kind === 'unmet') {
    message += `: allowed only under footnote ${footnote} (${detail![0]}); condition not met`;
    messageZh += `：仅在脚注${footnote}条件下允许（${detail![1]}），本次不满足`;
  } else if (kind === 'met') {
    message = `${da} and ${db} may be loaded together under ${clause} footnote ${footnote}: ${detail![0]}`;
    messageZh = `${da} 与 ${db} 依${clauseZh}脚注${footnote}可以混装：${detail![1]}`;
  } else if (detail) {
    message += `: ${detail[0]}`;
    messageZh += `：${detail[1]}`;
  }
  return { a: x.item.ref, b: y.item.ref, labels: shown, rule, ...(footnote ? { footnote } : {}), message, messageZh };
}

const footnotesOf = (cell: Cell) => cell.slice('CONDITIONAL:'.length).split(',').map((s) => s.trim());

// 7.5.2.2: class 1 with class 1, whatever other labels they bear (7.5.2.1 NOTE 2).
function judgeClass1(x: Analysed, y: Analysed): Verdict {
  const shown: [string, string] = [x.item.classificationCode?.trim() || x.labels[0]?.shown || '1', y.item.classificationCode?.trim() || y.labels[0]?.shown || '1'];
  if (!x.group || !y.group) {
    const missing = [x, y].filter((z) => !z.group).map((z) => `UN${z.un}`).join(', ');
    return { prohibited: true, finding: finding(x, y, shown, '7.5.2.2', 'prohibited', undefined, [`compatibility group of ${missing} unknown`, `${missing} 配装组未知`]) };
  }
  const cell = CLASS1_COMPATIBILITY_TABLE.matrix[x.group]?.[y.group] ?? 'PROHIBITED';
  if (cell === 'ALLOWED') return { prohibited: false, conditions: [] };
  if (!cell.startsWith('CONDITIONAL:')) return { prohibited: true, finding: finding(x, y, shown, '7.5.2.2', 'prohibited') };
  const notes = footnotesOf(cell);
  const groups = [x.group, y.group];
  const met = notes.find((n) => {
    if (n === '2') return x.group === 'N' && y.group === 'N' && x.un === y.un;
    if (n === '3') return groups.includes('N') && groups.some((g) => ['C', 'D', 'E'].includes(g));
    if (n === '4') return x.group === 'L' && y.group === 'L' && x.un === y.un;
    return false; // footnote 1 (B with D effectively separated) cannot be decided from the goods
  });
  if (met) return { prohibited: false, conditions: [finding(x, y, shown, '7.5.2.2', 'met', met, FOOTNOTES_7522[met])] };
  const detail = notes.map((n) => FOOTNOTES_7522[n] ?? [`footnote ${n}`, `脚注${n}`]);
  return {
    prohibited: true,
    finding: finding(x, y, shown, '7.5.2.2', 'unmet', notes.join(','), [detail.map((d) => d[0]).join('; '), detail.map((d) => d[1]).join('；')]),
  };
}

// Is 7.5.2.1 footnote n met by these two packages (decidable from UN numbers and compatibility groups)?
function footnote7521Met(n: string, x: Analysed, lx: string, y: Analysed, ly: string): boolean {
  const side = (label: string) => (lx === label ? x : ly === label ? y : null);
  const other = (z: Analysed) => (z === x ? y : x);
  switch (n) {
    case '1': {
      const z = side('1.4');
      return !!z && z.group === 'S';
    }
    case '2': {
      const z = side('9');
      return !!z && LIFE_SAVING_APPLIANCES.has(z.un) && other(z).explosive;
    }
    case '3': {
      const [e, nine] = [side('1.4'), side('9')];
      return !!e && !!nine && e.un === '0503' && nine.un === '3268';
    }
    case '4': {
      const [e, ox] = [side('1'), side('5.1')];
      return !!e && !!ox && BLASTING_EXPLOSIVES.has(e.un) && NITRATES_WITH_BLASTING_EXPLOSIVES.has(ox.un);
    }
    default:
      return false;
  }
}

function judge(x: Analysed, y: Analysed): Verdict {
  // Order 29 art. 20: LQ packages may be loaded with any goods except explosives (ADR 3.4.1, 7.5.2.4).
  if (x.item.limitedQuantity || y.item.limitedQuantity) {
    const [lq, e] = x.item.limitedQuantity && y.explosive ? [x, y] : y.item.limitedQuantity && x.explosive ? [y, x] : [null, null];
    if (!lq || !e) return { prohibited: false, conditions: [] };
    const shown: [string, string] = [x.labels[0]?.shown ?? '-', y.labels[0]?.shown ?? '-'];
    return {
      prohibited: true,
      finding: finding(x, y, shown, 'order-29-art-20', 'prohibited', undefined, [
        `UN${lq.un} is packed in limited quantities and UN${e.un} is an explosive (cf. ADR 7.5.2.4)`,
        `有限数量危险货物包件不得与爆炸品混合装载`,
      ]),
    };
  }
  if (x.explosive && y.explosive) return judgeClass1(x, y);
  const conditions: MixedLoadingFinding[] = [];
  for (const lx of x.labels) {
    for (const ly of y.labels) {
      if (lx.matrix === ly.matrix && !lx.matrix.startsWith('1')) continue; // same label
      const cell = MIXED_LOADING_TABLE.matrix[lx.matrix]?.[ly.matrix] ?? 'PROHIBITED';
      const shown: [string, string] = [lx.shown, ly.shown];
      if (cell === 'ALLOWED') continue;
      if (cell === 'SEE_7.5.2.2') {
        const v = judgeClass1(x, y);
        if (v.prohibited) return v;
        conditions.push(...v.conditions);
        continue;
      }
      if (!cell.startsWith('CONDITIONAL:')) return { prohibited: true, finding: finding(x, y, shown, '7.5.2.1', 'prohibited') };
      const notes = footnotesOf(cell);
      const met = notes.find((n) => footnote7521Met(n, x, lx.matrix, y, ly.matrix));
      if (met) {
        conditions.push(finding(x, y, shown, '7.5.2.1', 'met', met, FOOTNOTES_7521[met]));
        continue;
      }
      const detail = notes.map((n) => FOOTNOTES_7521[n] ?? [`footnote ${n}`, `脚注${n}`]);
      return {
        prohibited: true,
        finding: finding(x, y, shown, '7.5.2.1', 'unmet', notes.join(','), [detail.map((d) => d[0]).join('; '), detail.map((d) => d[1]).join('；')]),
      };
    }
  }
  return { prohibited: false, conditions };
}

const pairs = (items: MixedLoadingItem[]) => {
  const analysed = items.map(analyse);
  const out: Verdict[] = [];
  for (let i = 0; i < analysed.length; i++) for (let j = i + 1; j < analysed.length; j++) out.push(judge(analysed[i]!, analysed[j]!));
  return out;
};

// Every pair of packages (waybill lines plus goods already on the vehicle, ADR 1.4.3.1.1) that must not be
// loaded together: one finding per pair, the first prohibited label combination (primary labels first).
// Conditional cells count as allowed only when the footnote can be confirmed from UN numbers / groups.
export function mixedLoadingConflicts(items: MixedLoadingItem[]): MixedLoadingFinding[] {
  return pairs(items).flatMap((v) => (v.prohibited ? [v.finding] : []));
}

// Pairs allowed only by a footnote (e.g. 7.5.2.1 note 4: blasting explosives with ammonium nitrate, the whole
// load treated as class 1), for the loading staff to see.
export function mixedLoadingConditions(items: MixedLoadingItem[]): MixedLoadingFinding[] {
  return pairs(items).flatMap((v) => (v.prohibited ? [] : v.conditions));
}

export function mixedLoadingAllowed(a: MixedLoadingItem, b: MixedLoadingItem): boolean {
  return mixedLoadingConflicts([a, b]).length === 0;
}
