// The one table of CSV columns a fleet import understands, and how each cell becomes an API field value.
// English headers are the API field names (as in POST /vehicles, /tanks, /people); the Chinese aliases are the
// column titles carriers' own spreadsheets and the provincial platforms' export templates use. Values then go
// through the same zod schema as the API (fleet.dto.ts), so this file only converts; it never validates rules.

export const IMPORT_KINDS = ['vehicles', 'tanks', 'people'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export type RowError = { field: string; column?: string; code: string; message: string };

type Converted = { value: unknown } | { error: { code: string; message: string } };
type Convert = (raw: string) => Converted;

export type ImportColumn = {
  field: string;
  aliases: readonly string[];
  required?: boolean;
  convert: Convert;
};

// ---- cell converters (raw is already trimmed and non-empty)

const fold = (s: string) => s.normalize('NFKC').trim().toLowerCase();

const text: Convert = (raw) => ({ value: raw });

const int: Convert = (raw) => {
  // 30,000 / 30 000 / 30000.0 as Excel may write them; units belong in the header, not the cell.
  const n = Number(raw.normalize('NFKC').replace(/[\s,]/g, ''));
  return Number.isFinite(n) ? { value: n } : { error: { code: 'INVALID_NUMBER', message: `"${raw}" is not a number` } };
};

// Dates as Excel and people write them (2027/6/30, 2027.06.30, 2027年6月30日, 20270630, "2027/6/30 0:00") become
// YYYY-MM-DD; anything else is passed on for the schema to refuse with its own message.
const date: Convert = (raw) => {
  const s = raw.normalize('NFKC').replace(/\s+0{1,2}:00(:00)?$/, '');
  const m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(s) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  return { value: m ? `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}` : s };
};

const YES = new Set(['是', '有', '已清洗', 'true', 'yes', 'y', '1']);
const NO = new Set(['否', '无', '未清洗', 'false', 'no', 'n', '0']);
const bool: Convert = (raw) => {
  const v = fold(raw);
  if (YES.has(v)) return { value: true };
  if (NO.has(v)) return { value: false };
  return { error: { code: 'INVALID_VALUE', message: `"${raw}" is not 是/否 (true/false)` } };
};

// A closed set of API values, with the Chinese labels that name them. API values are accepted in any case.
const oneOf =
  (labels: Record<string, string>, values: readonly string[]): Convert =>
  (raw) => {
    const v = fold(raw);
    const hit = labels[v] ?? values.find((x) => x.toLowerCase() === v);
    if (hit) return { value: hit };
    // Each value with the first (shortest) label that names it: "yellow (黄), blue (蓝), …".
    const named = values.map((x) => {
      const label = Object.keys(labels).find((l) => labels[l] === x);
      return label ? `${x} (${label})` : x;
    });
    return { error: { code: 'INVALID_VALUE', message: `"${raw}" is not one of ${named.join(', ')}` } };
  };

// Lists in one cell: 2.1;3;8 / 2.1、3、8 / "2.1, 3" (a quoted cell) / one per line inside the cell.
const LIST_SEPARATORS = /[;；、,，|\n]/;
const splitList = (raw: string) =>
  raw
    .split(LIST_SEPARATORS)
    .map((s) => s.trim())
    .filter(Boolean);

const listOf =
  (item: Convert): Convert =>
  (raw) => {
    const values: unknown[] = [];
    for (const part of splitList(raw)) {
      const r = item(part);
      if ('error' in r) return r;
      values.push(r.value);
    }
    return { value: values };
  };

// 第3类 / 3类 / 2.1项 → 3 / 2.1, as licences print them.
const hazardClassItem: Convert = (raw) => ({ value: raw.normalize('NFKC').replace(/^第/, '').replace(/[类項项]$/, '') });

// UN1203 / 1203 / 1789(36%) → { unNumber, concentration? }.
const mediumItem: Convert = (raw) => {
  const m = /^(.*?)\s*\((.+)\)$/.exec(raw.normalize('NFKC'));
  return { value: m ? { unNumber: m[1], concentration: m[2]!.trim() } : { unNumber: raw } };
};

const PLATE_COLOURS: Record<string, string> = {
  黄: 'yellow',
  黄色: 'yellow',
  蓝: 'blue',
  蓝色: 'blue',
  绿: 'green',
  绿色: 'green',
  渐变绿: 'green',
  渐变绿色: 'green',
  黄绿: 'yellow_green',
  黄绿色: 'yellow_green',
  黄绿双拼: 'yellow_green',
  黄绿双拼色: 'yellow_green',
  黑: 'black',
  黑色: 'black',
  白: 'white',
  白色: 'white',
};
const VEHICLE_KIND_LABELS: Record<string, string> = {
  牵引车: 'tractor',
  半挂牵引车: 'tractor',
  重型半挂牵引车: 'tractor',
  货车: 'truck',
  载货汽车: 'truck',
  罐式货车: 'truck',
  厢式货车: 'truck',
  挂车: 'trailer',
  半挂车: 'trailer',
  罐式半挂车: 'trailer',
};
const TANK_KIND_LABELS: Record<string, string> = {
  常压罐体: 'atmospheric',
  常压罐: 'atmospheric',
  移动式压力容器: 'pressure_vessel',
  压力罐: 'pressure_vessel',
  可移动罐柜: 'portable',
  罐式集装箱: 'tank_container',
  罐箱: 'tank_container',
};
const CATEGORY_LABELS: Record<string, string> = {
  驾驶员: 'driver',
  驾驶人员: 'driver',
  押运员: 'escort',
  押运人员: 'escort',
  装卸管理人员: 'loading_manager',
  装卸人员: 'loading_manager',
};
const ENDORSEMENT_LABELS: Record<string, string> = {
  剧毒: 'highly_toxic',
  剧毒化学品: 'highly_toxic',
  爆炸品: 'explosives',
  爆炸: 'explosives',
};

const column = (field: string, aliases: string[], convert: Convert, required = false): ImportColumn => ({ field, aliases, convert, required });

// The values lists mirror the entity constants; the spec checks every field against the API schema.
export const IMPORT_COLUMNS: Record<ImportKind, readonly ImportColumn[]> = {
  vehicles: [
    column('plateNumber', ['车牌号', '车牌号码', '号牌号码'], text, true),
    column('plateColour', ['车牌颜色', '号牌颜色'], oneOf(PLATE_COLOURS, ['yellow', 'blue', 'green', 'yellow_green', 'black', 'white']), true),
    column('kind', ['车辆类型'], oneOf(VEHICLE_KIND_LABELS, ['truck', 'tractor', 'trailer']), true),
    column('model', ['车辆型号', '厂牌型号', '品牌型号'], text),
    column('drivingLicenceValidUntil', ['行驶证有效期至', '行驶证有效期'], date),
    column('nextSafetyInspection', ['检验有效期至', '安全技术检验有效期至', '下次安全检验日期'], date),
    column('transportCertNumber', ['道路运输证号', '道路运输证编号'], text),
    column('transportCertValidUntil', ['道路运输证有效期至', '道路运输证审验有效期至'], date),
    column('transportScope', ['经营范围'], listOf(hazardClassItem)),
    column('ratedLoadKg', ['核定载质量(kg)', '核定载质量(千克)', '核定载质量'], int),
    column('totalMassKg', ['总质量(kg)', '总质量(千克)', '总质量'], int),
    column('insurancePolicy', ['承运人责任险保单号', '保单号'], text),
    column('insuranceValidUntil', ['承运人责任险有效期至', '保险有效期至'], date),
    column('adrType', ['ADR车辆类型'], text),
    column('usualTrailerId', [], text),
    column('usualTankId', [], text),
    column('usualDriverId', [], text),
    column('usualEscortId', [], text),
  ],
  tanks: [
    column('number', ['罐体编号'], text, true),
    column('kind', ['罐体类型'], oneOf(TANK_KIND_LABELS, ['atmospheric', 'pressure_vessel', 'portable', 'tank_container']), true),
    column('volumeL', ['容积(L)', '罐体容积(L)', '容积(升)', '容积'], int),
    column('compartments', ['仓数', '分仓数'], int),
    column('tankCode', ['罐体代码'], text),
    column('media', ['适装介质'], listOf(mediumItem)),
    column('inspectionReportNo', ['检验报告编号', '检验报告号'], text),
    column('nextInspectionDate', ['下次检验日期', '检验有效期至'], date),
    column('pressureRegistrationNo', ['使用登记证号', '使用登记证编号'], text),
    column('lastCargoUn', ['上次装运介质', '上次装运介质UN号'], text),
    column('cleaned', ['已清洗', '是否已清洗'], bool),
    column('vehicleId', [], text),
  ],
  people: [
    column('name', ['姓名'], text, true),
    column('idNumber', ['身份证号', '身份证号码', '公民身份号码'], text, true),
    column('phone', ['手机号', '手机号码', '联系电话'], text),
    column('categories', ['从业资格类别', '人员类别'], listOf(oneOf(CATEGORY_LABELS, ['driver', 'escort', 'loading_manager'])), true),
    column('drivingLicenceClass', ['准驾车型'], text),
    column('drivingLicenceValidUntil', ['驾驶证有效期至'], date),
    column('qualificationCertNumber', ['从业资格证号'], text),
    column('qualificationValidUntil', ['从业资格证有效期至'], date),
    column('endorsements', ['特殊资格', '附加资格'], listOf(oneOf(ENDORSEMENT_LABELS, ['highly_toxic', 'explosives']))),
  ],
};

// Header cells compare after NFKC (full-width （kg） → (kg)), without blanks, a required-marker * and case.
export const normaliseHeader = (h: string) =>
  h
    .normalize('NFKC')
    .replace(/[\s*\u200b\ufeff]/g, '')
    .toLowerCase();

export type ColumnBinding = { column: ImportColumn; header: string } | null; // null: an ignored (blank) header

export type HeaderMatch = {
  bindings: ColumnBinding[]; // one per header cell, in file order
  unknown: string[];
  missing: string[]; // required fields with no column
  duplicate: string[]; // headers naming a field another header names already
};

export function matchHeader(kind: ImportKind, headers: string[]): HeaderMatch {
  const byName = new Map<string, ImportColumn>();
  for (const c of IMPORT_COLUMNS[kind]) for (const name of [c.field, ...c.aliases]) byName.set(normaliseHeader(name), c);
  const seen = new Set<string>();
  const result: HeaderMatch = { bindings: [], unknown: [], missing: [], duplicate: [] };
  for (const header of headers) {
    const key = normaliseHeader(header);
    const c = key ? byName.get(key) : undefined;
    if (!key) result.bindings.push(null);
    else if (!c) {
      result.unknown.push(header.trim());
      result.bindings.push(null);
    } else if (seen.has(c.field)) {
      result.duplicate.push(header.trim());
      result.bindings.push(null);
    } else {
      seen.add(c.field);
      result.bindings.push({ column: c, header: header.trim() });
    }
  }
  result.missing = IMPORT_COLUMNS[kind].filter((c) => c.required && !seen.has(c.field)).map((c) => c.field);
  return result;
}

// One data row → the API input (empty cells omitted) and the errors found converting it. A field that failed
// here is left out of `values` and listed in `failedFields`: callers drop the schema's issues for those fields,
// which would only repeat the problem (e.g. "expected string, received undefined" for an empty 车牌号).
export function convertRow(bindings: ColumnBinding[], cells: string[]): { values: Record<string, unknown>; errors: RowError[]; failedFields: Set<string> } {
  const values: Record<string, unknown> = {};
  const errors: RowError[] = [];
  const failedFields = new Set<string>();
  cells.forEach((cell, i) => {
    const raw = cell.trim();
    if (!raw) return;
    const b = bindings[i];
    if (!b) {
      errors.push({ field: '(row)', code: 'CELL_WITHOUT_COLUMN', message: `cell ${i + 1} ("${raw.slice(0, 40)}") is under no known column` });
      return;
    }
    const r = b.column.convert(raw);
    if ('error' in r) {
      errors.push({ field: b.column.field, column: b.header, ...r.error });
      failedFields.add(b.column.field);
    } else values[b.column.field] = r.value;
  });
  for (const b of bindings) {
    if (b?.column.required && values[b.column.field] === undefined && !failedFields.has(b.column.field)) {
      errors.push({ field: b.column.field, column: b.header, code: 'REQUIRED', message: `${b.header} is empty` });
      failedFields.add(b.column.field);
    }
  }
  return { values, errors, failedFields };
}
