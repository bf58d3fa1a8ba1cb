import type { CatalogueVariant } from '../dangerous-goods/catalogue.js';
import type { LineFlags, QuantityUnit } from './waybill-line.entity.js';
import type { WaybillLineInput } from './waybills.dto.js';

// A reason to refuse a waybill, in both languages (DOMAIN.md 3.1(a) "ISSUED: validated ...").
export type IssueProblem = { code: string; message: string; messageZh: string; lineNo?: number; details?: Record<string, unknown> };

// What the catalogue knows of a UN number (DangerousGoodsService.describe()).
export type GoodsDescription = {
  unNumber: string;
  names: string[];
  nameZh?: string | null;
  hazardClass: string;
  subsidiaryRisks: string[];
  variants: CatalogueVariant[];
  flags: { highlyToxic?: boolean; explosivePrecursor?: boolean; highHazard?: boolean };
};

export type FilledLine = {
  lineNo: number;
  unNumber: string;
  name: string;
  hazardClass: string;
  subsidiaryRisks: string[];
  packingGroup: string | null;
  labels: string[];
  classificationCode: string | null;
  tunnelCode: string | null;
  tankCode: string | null;
  packagingType: string | null;
  packageCount: number | null;
  declaredQuantity: number;
  unit: QuantityUnit;
  limitedQuantity: boolean;
  sdsRef: string | null;
  labelRef: string | null;
  flags: LineFlags;
};

// A stated class agrees with the catalogue when equal, or when it names the class of the catalogue's division
// ("2" for 2.1, "1" for 1.1D).
const classAgrees = (stated: string, catalogue: string) => stated === catalogue || catalogue.startsWith(`${stated}.`);

// Fills a goods line from the catalogue and cross-checks what the shipper stated (name is free text: the
// shipper may use a trade name; class and packing group must agree).
export function fillLine(input: WaybillLineInput, lineNo: number, entry: GoodsDescription | undefined): { line?: FilledLine; problems: IssueProblem[] } {
  const un = `UN${input.unNumber}`;
  if (!entry) {
    return {
      problems: [{ code: 'GOODS_UNKNOWN', lineNo, message: `Line ${lineNo}: ${un} is not in the dangerous-goods catalogue`, messageZh: `第${lineNo}行：${un} 不在危险货物品名表中`, details: { unNumber: un } }],
    };
  }
  const problems: IssueProblem[] = [];
  if (input.hazardClass && !classAgrees(input.hazardClass, entry.hazardClass)) {
    problems.push({
      code: 'GOODS_CLASS_MISMATCH',
      lineNo,
      message: `Line ${lineNo}: ${un} is class ${entry.hazardClass}, not ${input.hazardClass}`,
      messageZh: `第${lineNo}行：${un} 属第${entry.hazardClass}类，而非第${input.hazardClass}类`,
      details: { unNumber: un, stated: input.hazardClass, catalogue: entry.hazardClass },
    });
  }
  const groups = [...new Set(entry.variants.map((v) => v.packingGroup).filter((g): g is string => !!g))];
  let packingGroup: string | null = null;
  if (input.packingGroup) {
    if (groups.length === 0 || !groups.includes(input.packingGroup)) {
      problems.push({
        code: 'GOODS_PACKING_GROUP_MISMATCH',
        lineNo,
        message: `Line ${lineNo}: ${un} has packing group ${groups.join('/') || 'none'}, not ${input.packingGroup}`,
        messageZh: `第${lineNo}行：${un} 的包装类别为 ${groups.join('/') || '无'}，而非 ${input.packingGroup}`,
        details: { unNumber: un, stated: input.packingGroup, catalogue: groups },
      });
    } else packingGroup = input.packingGroup;
  } else if (groups.length === 1) {
    packingGroup = groups[0]!;
  } else if (groups.length > 1) {
    problems.push({
      code: 'GOODS_PACKING_GROUP_REQUIRED',
      lineNo,
      message: `Line ${lineNo}: ${un} comes in packing groups ${groups.join('/')}: say which`,
      messageZh: `第${lineNo}行：${un} 有 ${groups.join('/')} 多个包装类别，请注明`,
      details: { unNumber: un, catalogue: groups },
    });
  }
  if (problems.length) return { problems };
  // The ADR variant of this packing group carries labels, tank and tunnel codes.
  const variant =
    entry.variants.find((v) => v.packingGroup === packingGroup && v.classificationCode !== undefined) ??
    entry.variants.find((v) => v.packingGroup === packingGroup) ??
    entry.variants[0];
  const labels = variant?.labels?.length ? variant.labels : [entry.hazardClass, ...entry.subsidiaryRisks];
  return {
    problems,
    line: {
      lineNo,
      unNumber: entry.unNumber,
      name: input.name ?? entry.nameZh ?? entry.names[0] ?? un,
      hazardClass: entry.hazardClass,
      subsidiaryRisks: entry.subsidiaryRisks,
      packingGroup,
      labels,
      classificationCode: variant?.classificationCode ?? null,
      tunnelCode: variant?.tunnelCode ?? null,
      tankCode: variant?.tankCode ?? null,
      packagingType: input.packagingType ?? null,
      packageCount: input.packageCount ?? null,
      declaredQuantity: input.declaredQuantity,
      unit: input.unit,
      limitedQuantity: input.limitedQuantity ?? false,
      sdsRef: input.sdsRef ?? null,
      labelRef: input.labelRef ?? null,
      flags: {
        ...(entry.flags.highlyToxic ? { highlyToxic: true } : {}),
        ...(entry.flags.explosivePrecursor ? { explosivePrecursor: true } : {}),
        ...(entry.flags.highHazard ? { highHazard: true } : {}),
        ...(input.hazardousWaste ? { hazardousWaste: true } : {}),
      },
    },
  };
}
