import { requiredPermitTypes } from '../dangerous-goods/goods-flags.rules.js';
import { mixedLoadingConflicts } from '../dangerous-goods/mixed-loading.rules.js';
import { permitMatches } from './permits.rules.js';
import type { PermitType } from './permit.entity.js';
import type { FilledLine, IssueProblem } from './waybill-goods.rules.js';

// Everything issue-time validation looks at, gathered by WaybillsService (DOMAIN.md 3.1(a) ISSUED guard:
// catalogue, carrier scope, permits present, mixed loading of lines, blacklist; Order 29 arts. 9, 15, 20, 22, 44).
export type IssueSnapshot = {
  at: Date;
  today: string; // YYYY-MM-DD, China time
  lines: FilledLine[];
  consigneeId: string | null;
  carrier: { id: string; name: string } | null;
  licence: { number: string; validUntil: string; scope: string[]; highlyToxic: boolean } | null;
  vehicle: { id: string; plateNumber: string; kind: string; transportScope: string[]; status: string } | null;
  trailer: { id: string; plateNumber: string; kind: string; transportScope: string[]; status: string } | null;
  tank: { id: string; number: string; status: string } | null;
  driver: { id: string; name: string; categories: string[]; endorsements: string[]; status: string } | null;
  escort: { id: string; name: string; categories: string[]; endorsements: string[]; status: string } | null;
  blacklisted: { subjectType: string; subjectId: string; label: string; reason: string }[];
  permits: {
    id: string;
    type: PermitType;
    number: string;
    status: string;
    validFrom: Date;
    validUntil: Date;
    vehiclePlates: string[];
    personIds: string[];
    goods: { unNumber: string; maxQuantity: number; unit: string }[];
  }[];
};

const PERMIT_NAMES: Record<PermitType, [string, string]> = {
  highly_toxic_pass: ['highly toxic chemicals road transport pass', '剧毒化学品道路运输通行证'],
  explosives: ['civil explosives transport permit', '民用爆炸物品运输许可证'],
  fireworks: ['fireworks road transport permit', '烟花爆竹道路运输许可证'],
  radioactive: ['radioactive material transport approval', '放射性物品道路运输许可'],
  hazardous_waste_manifest: ['hazardous waste transfer manifest', '危险废物转移联单'],
};

// A licence or certificate scope covers a class when it lists the class itself or the division ("2" covers
// 2.1-2.3; "1.1" covers 1.1D).
export const scopeCovers = (scope: readonly string[], hazardClass: string) => {
  const division = hazardClass.replace(/[A-S]$/, '');
  return scope.some((s) => s === division || s === hazardClass || division.startsWith(`${s}.`));
};

const p = (code: string, message: string, messageZh: string, details?: Record<string, unknown>, lineNo?: number): IssueProblem => ({
  code,
  message,
  messageZh,
  ...(lineNo ? { lineNo } : {}),
  ...(details ? { details } : {}),
});

// Every reason to refuse issuing, all at once (never only the first).
export function validateIssue(s: IssueSnapshot): IssueProblem[] {
  const problems: IssueProblem[] = [];
  if (!s.consigneeId) problems.push(p('CONSIGNEE_MISSING', 'A consignee is required', '须填写收货人'));

  // Dispatch: vehicle and driver always; an escort for every dangerous-goods vehicle (Order 29 art. 44, PL-10).
  if (!s.carrier) problems.push(p('CARRIER_MISSING', 'A carrier is required', '须指定承运人'));
  if (!s.vehicle) problems.push(p('VEHICLE_NOT_DISPATCHED', 'The carrier has not dispatched a vehicle', '承运人尚未调派车辆'));
  if (!s.driver) problems.push(p('DRIVER_NOT_DISPATCHED', 'The carrier has not dispatched a driver', '承运人尚未调派驾驶员'));
  if (!s.escort) problems.push(p('ESCORT_MISSING', 'An escort (押运员) is required for dangerous goods', '运输危险货物须配备押运员'));
  for (const [who, rec, zh] of [
    ['vehicle', s.vehicle, '车辆'],
    ['trailer', s.trailer, '挂车'],
    ['tank', s.tank, '罐体'],
    ['driver', s.driver, '驾驶员'],
    ['escort', s.escort, '押运员'],
  ] as const) {
    if (rec && rec.status !== 'active') problems.push(p('DISPATCHED_RECORD_RETIRED', `The dispatched ${who} is retired`, `所派${zh}已注销`, { [who]: rec.id }));
  }
  if (s.driver && !s.driver.categories.includes('driver')) {
    problems.push(p('DRIVER_NOT_QUALIFIED', `${s.driver.name} is not a dangerous-goods driver`, `${s.driver.name} 不具备危险货物运输驾驶员从业资格类别`, { personId: s.driver.id }));
  }
  if (s.escort && !s.escort.categories.includes('escort')) {
    problems.push(p('ESCORT_NOT_QUALIFIED', `${s.escort.name} is not an escort`, `${s.escort.name} 不具备押运员从业资格类别`, { personId: s.escort.id }));
  }

  // Carrier licence and its scope (Order 29 arts. 9, 22; PL-05), vehicle transport certificate scope (PL-04).
  const classes = [...new Set(s.lines.map((l) => l.hazardClass))];
  if (s.carrier && !s.licence) {
    problems.push(p('CARRIER_LICENCE_MISSING', `${s.carrier.name} has no road dangerous-goods transport licence on record`, `${s.carrier.name} 无道路危险货物运输经营许可证记录`));
  }
  if (s.licence) {
    if (s.licence.validUntil < s.today) {
      problems.push(p('CARRIER_LICENCE_EXPIRED', `Carrier licence ${s.licence.number} expired on ${s.licence.validUntil}`, `承运人经营许可证 ${s.licence.number} 已于 ${s.licence.validUntil} 过期`));
    }
    for (const c of classes.filter((c) => !scopeCovers(s.licence!.scope, c))) {
      problems.push(p('CARRIER_SCOPE_MISSING_CLASS', `The carrier's licence does not cover class ${c}`, `承运人经营范围不含第${c}类`, { hazardClass: c }));
    }
    if (s.lines.some((l) => l.flags.highlyToxic) && !s.licence.highlyToxic) {
      problems.push(p('CARRIER_SCOPE_MISSING_HIGHLY_TOXIC', "The carrier's licence does not cover highly toxic chemicals", '承运人经营范围不含剧毒化学品'));
    }
  }
  for (const v of [s.vehicle, s.trailer]) {
    if (!v) continue;
    for (const c of classes.filter((c) => !scopeCovers(v.transportScope, c))) {
      problems.push(p('VEHICLE_SCOPE_MISSING_CLASS', `${v.plateNumber}'s road transport certificate does not cover class ${c}`, `${v.plateNumber} 道路运输证经营范围不含第${c}类`, { vehicleId: v.id, hazardClass: c }));
    }
  }
  // Highly toxic and explosive goods need crew with the matching endorsement (从业资格证 剧毒/爆炸).
  for (const [flag, endorsement, zh] of [
    [s.lines.some((l) => l.flags.highlyToxic), 'highly_toxic', '剧毒'],
    [s.lines.some((l) => l.hazardClass.startsWith('1')), 'explosives', '爆炸品'],
  ] as const) {
    if (!flag) continue;
    for (const person of [s.driver, s.escort]) {
      if (person && !person.endorsements.includes(endorsement)) {
        problems.push(p('CREW_ENDORSEMENT_MISSING', `${person.name} lacks the ${endorsement.replace('_', ' ')} endorsement`, `${person.name} 从业资格证无${zh}类别`, { personId: person.id, endorsement }));
      }
    }
  }

  // Blacklist (IM plan: enterprise and vehicle blacklists).
  for (const b of s.blacklisted) {
    problems.push(p('BLACKLISTED', `${b.label} is blacklisted: ${b.reason}`, `${b.label} 已被列入黑名单：${b.reason}`, { subjectType: b.subjectType, subjectId: b.subjectId }));
  }

  // Mixed loading (ADR 7.5.2; Order 29 art. 20; PL-21).
  problems.push(...goodsProblems(s.lines));

  // Permits the goods need (Order 29 art. 15; PL-19, PL-20), present and matching.
  const needed = new Map<PermitType, FilledLine[]>();
  for (const l of s.lines) {
    for (const t of requiredPermitTypes({ unNumber: l.unNumber, hazardClass: l.hazardClass, classificationCode: l.classificationCode ?? undefined, flags: l.flags })) {
      needed.set(t, [...(needed.get(t) ?? []), l]);
    }
  }
  for (const [type, lines] of needed) {
    const [en, zh] = PERMIT_NAMES[type];
    const candidates = s.permits.filter((x) => x.type === type);
    if (!candidates.length) {
      problems.push(p('PERMIT_MISSING', `A ${en} is required for ${lines.map((l) => `UN${l.unNumber}`).join(', ')}`, `${lines.map((l) => `UN${l.unNumber}`).join('、')} 须办理${zh}`, { permitType: type }));
      continue;
    }
    const check = (permit: (typeof candidates)[number]) =>
      permitMatches(permit, {
        at: s.at,
        plates: [s.vehicle?.plateNumber, s.trailer?.plateNumber].filter((x): x is string => !!x),
        personIds: [s.driver?.id, s.escort?.id].filter((x): x is string => !!x),
        lines: lines.map((l) => ({ unNumber: l.unNumber, quantity: l.declaredQuantity, unit: l.unit })),
      });
    const results = candidates.map((c) => ({ c, r: check(c) }));
    if (!results.some(({ r }) => r.ok)) {
      const { c, r } = results[0]!;
      problems.push(
        p('PERMIT_MISMATCH', `${en} ${c.number} does not match: ${r.problems.map((x) => x.message).join('; ')}`, `${zh} ${c.number} 与运单不符`, {
          permitType: type,
          permitId: c.id,
          problems: r.problems,
        }),
      );
    }
  }
  return problems;
}

// Lines that may not travel together (ADR 7.5.2; Order 29 art. 20; PL-21): issue refuses them, and drafts are
// checked with the same function as the shipper types (POST /waybills/goods-check).
export function goodsProblems(lines: readonly Pick<FilledLine, 'lineNo' | 'unNumber' | 'labels' | 'classificationCode' | 'limitedQuantity'>[]): IssueProblem[] {
  return mixedLoadingConflicts(
    lines.map((l) => ({ ref: `line ${l.lineNo}`, unNumber: l.unNumber, labels: l.labels, classificationCode: l.classificationCode ?? undefined, limitedQuantity: l.limitedQuantity })),
  ).map((c) => ({
    code: 'MIXED_LOADING_PROHIBITED',
    message: c.message,
    messageZh: c.messageZh,
    details: { a: c.a, b: c.b, rule: c.rule, ...(c.footnote ? { footnote: c.footnote } : {}) },
  }));
}
