import polylineCodec from '@googlemaps/polyline-codec';
import type { Organisation } from '../accounts/organisation.entity.js';
import { highHazardChemical, isHighConsequence, PERMIT_NAMES_ZH, requiredPermitTypes, type PermitType } from '../dangerous-goods/goods-flags.rules.js';
import { mixedLoadingAllowed, mixedLoadingConditions, mixedLoadingConflicts, type MixedLoadingItem } from '../dangerous-goods/mixed-loading.rules.js';
import { tankMayCarry } from '../dangerous-goods/tank-code.rules.js';
import type { BlacklistEntry } from '../vehicles/blacklist-entry.entity.js';
import { isInForce } from '../vehicles/blacklist.rules.js';
import type { CarrierLicence } from '../vehicles/carrier-licence.entity.js';
import { certificateStatus, epochDay, shanghaiDate } from '../vehicles/certificate.rules.js';
import type { Person } from '../vehicles/person.entity.js';
import { normalisePlate } from '../vehicles/plate.rules.js';
import type { Tank } from '../vehicles/tank.entity.js';
import type { Vehicle } from '../vehicles/vehicle.entity.js';
import type { Permit } from '../waybills/permit.entity.js';
import type { PreTripInspection } from '../waybills/pre-trip-inspection.entity.js';
import { preTripProblems } from '../waybills/pre-trip-inspection.rules.js';
import { permitMatches, routeProblem, type PermitProblem } from '../waybills/permits.rules.js';
import type { LineFlags, QuantityUnit } from '../waybills/waybill-line.entity.js';
import type { Waybill } from '../waybills/waybill.entity.js';
import { scopeCovers } from '../waybills/waybill-issue.rules.js';
import {
  CHECK_RULES,
  CHECK_RULES_BY_ID,
  resolveSeverities,
  type CheckRule,
  type CheckRuleId,
  type GateChecklistKey,
  type Severity,
} from './check-rules.catalogue.js';

// The pre-loading check (DOMAIN.md 1.4, 3.1(b)) as one pure function of a snapshot: the service gathers the
// snapshot, calls evaluateCheck, stores the results (PL-33) and moves the waybill to checked / check_failed.
//
// Conventions:
// - Certificates are judged by calendar day in Asia/Shanghai and are valid THROUGH their end date
//   (certificate.rules.ts); instants (permits, terminal fix) are compared with `now`.
// - A rule that does not concern this trip (no tank, no permit goods) is 'not_applicable'. Missing data that the
//   rule needs (no vehicle dispatched, no expiry date on record, no terminal data) is a failure, never a pass.
// - Rules only a person can decide are 'manual_pending' until the gate checklist answers them (confirmations).
//   A "no" on a checklist item fails its rule whatever the data said.
// - A failed rule is 'fail' when its severity is block and 'warn' when it is warn; only 'fail' fails the outcome.
//   A rule may also warn whatever its severity, for what Hazway cannot decide but must not pass (PL-06's
//   consignee licence), and may block whatever the configured severity for the goods DOMAIN.md names (PL-28).
//   'manual_pending' does not fail the outcome, but the service must not record check-pass while any is pending
//   (evaluation.manualPending).

const { decode } = polylineCodec;

// ---- the snapshot

export type CheckPerson = Pick<
  Person,
  'id' | 'name' | 'status' | 'categories' | 'drivingLicenceClass' | 'drivingLicenceValidUntil' | 'qualificationCertNumber' | 'qualificationValidUntil' | 'endorsements'
>;

export type CheckVehicle = Pick<
  Vehicle,
  | 'id'
  | 'plateNumber'
  | 'kind'
  | 'status'
  | 'drivingLicenceValidUntil'
  | 'nextSafetyInspection'
  | 'transportCertNumber'
  | 'transportCertValidUntil'
  | 'transportScope'
  | 'ratedLoadKg'
  | 'totalMassKg'
  | 'insurancePolicy'
  | 'insuranceValidUntil'
  | 'adrType'
>;

// lastCargoLabels / lastCargoClassificationCode: the catalogue's labels for lastCargoUn, filled by the service so
// that PL-15 can judge compatibility; without them only "same UN number" counts as compatible.
export type CheckTank = Pick<
  Tank,
  'id' | 'number' | 'kind' | 'status' | 'volumeL' | 'tankCode' | 'media' | 'nextInspectionDate' | 'pressureRegistrationNo' | 'lastCargoUn' | 'cleaned'
> & { lastCargoLabels?: string[]; lastCargoClassificationCode?: string | null };

// A waybill line as stored, plus what the catalogue says of its UN number: tankCode (Table A col 12) and
// tankVehicle (col 14, FL/AT/EX).
export type CheckLine = {
  lineNo: number;
  unNumber: string;
  name: string;
  hazardClass: string;
  packingGroup: string | null;
  labels: string[];
  classificationCode: string | null;
  tunnelCode?: string | null;
  tankCode?: string | null;
  tankVehicle?: string | null;
  declaredQuantity: number | string; // numeric columns arrive as strings
  unit: QuantityUnit;
  limitedQuantity: boolean;
  sdsRef: string | null;
  labelRef: string | null;
  flags: LineFlags;
};

export type CheckPermit = Pick<
  Permit,
  'id' | 'type' | 'number' | 'status' | 'validFrom' | 'validUntil' | 'vehiclePlates' | 'personIds' | 'goods' | 'usedByWaybillId' | 'route'
>;

// Every blacklist entry whose subject is in the snapshot (carrier, shipper, consignee, vehicle, trailer, driver,
// escort, operator): one query on subject_id IN (...); the rules decide which are in force today.
export type CheckBlacklistEntry = Pick<BlacklistEntry, 'subjectType' | 'subjectId' | 'reason' | 'validFrom' | 'validUntil' | 'liftedAt'>;

// From the vehicle's terminal and its latest position (JT/T 808 0x0200). null: no terminal bound or no
// position ever received; until tracking exists that is the normal case, and PL-25 fails on it.
export type TerminalStatus = { lastFixAt: Date | null; alarmBits: number | null; online: boolean };

export type OnVehicleGoods = { ref: string; unNumber: string; labels: string[]; classificationCode?: string | null; limitedQuantity?: boolean };

export type GateConfirmation = { ok: boolean; note?: string };

// The waybill's latest pre-trip inspection and safety briefing by the carrier (PL-26); null when none is recorded.
export type CheckPreTrip = Pick<
  PreTripInspection,
  'id' | 'inspectorId' | 'inspectedAt' | 'items' | 'briefedPersonIds' | 'briefedAt' | 'vehicleId' | 'trailerId' | 'tankId' | 'recordedAt'
>;

// Gathered by the service in a few queries: the waybill with its lines; vehicle, trailer and tank by id; driver,
// escort and the operator's person record; carrier organisation and licence; shipper, consignee and site
// organisations; permits by waybill.permitIds; blacklist entries by subject ids; the terminal's latest position;
// the waybill's latest pre-trip inspection.
export type CheckSnapshot = {
  now: Date;
  today?: string; // YYYY-MM-DD in Asia/Shanghai; derived from `now` when absent
  site: Pick<Organisation, 'id' | 'name'>;
  operator: CheckPerson | null; // the loading manager running the check (PL-31)
  waybill: Pick<Waybill, 'id' | 'number' | 'version' | 'status' | 'loadingSiteId' | 'plannedArrivalAt' | 'plannedRoute'> & {
    // null when the check was opened by number rather than from a scanned QR
    qrValid: boolean | null;
    qrVersion?: number | null;
    lines: CheckLine[];
  };
  scanned?: { plates?: string[] }; // plates read at the gate (PL-02); absent: a person confirms them
  shipper: Pick<Organisation, 'id' | 'name'>;
  consignee: Pick<Organisation, 'id' | 'name'> | null;
  carrier: {
    org: Pick<Organisation, 'id' | 'name' | 'status'> | null;
    licence: Pick<CarrierLicence, 'number' | 'validFrom' | 'validUntil' | 'scope' | 'highlyToxic'> | null;
  };
  vehicle: CheckVehicle | null;
  trailer: CheckVehicle | null;
  tank: CheckTank | null;
  driver: CheckPerson | null;
  escort: CheckPerson | null;
  permits: CheckPermit[];
  blacklist: CheckBlacklistEntry[];
  terminal: TerminalStatus | null;
  preTrip: CheckPreTrip | null;
  goodsOnVehicle?: OnVehicleGoods[];
  confirmations?: Partial<Record<GateChecklistKey, GateConfirmation>>;
};

// ---- the result

export type CheckResultStatus = 'pass' | 'fail' | 'warn' | 'not_applicable' | 'manual_pending';

export type CheckResult = {
  ruleId: CheckRuleId;
  status: CheckResultStatus;
  severity: Severity;
  messageZh: string;
  messageEn: string;
  evidence: Record<string, unknown>;
};

export type CheckEvaluation = {
  outcome: 'pass' | 'fail';
  results: CheckResult[];
  manualPending: CheckRuleId[];
};

// ---- helpers

type Problem = { code: string; zh: string; en: string } & Record<string, unknown>;
type Verdict = {
  // 'warn': a problem flagged as a warning whatever the rule's severity (not decidable from Hazway's data)
  status: 'pass' | 'fail' | 'warn' | 'not_applicable' | 'manual';
  zh: string;
  en: string;
  evidence?: Record<string, unknown>;
  confirm?: boolean; // passes on data, but its checklist item must still be answered
  block?: boolean; // judged at severity block for this trip, whatever the configured severity (PL-28)
};

type Ctx = { s: CheckSnapshot; today: string; classes: string[] };

const pass = (zh: string, en: string, evidence: Record<string, unknown> = {}, confirm = false): Verdict => ({ status: 'pass', zh, en, evidence, confirm });
const notApplicable = (zh: string, en: string, evidence: Record<string, unknown> = {}): Verdict => ({ status: 'not_applicable', zh, en, evidence });
const manual = (zh: string, en: string, evidence: Record<string, unknown> = {}): Verdict => ({ status: 'manual', zh, en, evidence });
const fail = (problems: Problem[], evidence: Record<string, unknown> = {}): Verdict => ({
  status: 'fail',
  zh: problems.map((p) => p.zh).join('；'),
  en: problems.map((p) => p.en).join('; '),
  evidence: { ...evidence, problems: problems.map(({ zh: _zh, en: _en, ...rest }) => rest) },
});
// Missing data is never a pass: what Hazway cannot decide is a warning when a failure would overstate it.
const warning = (problems: Problem[], evidence: Record<string, unknown> = {}): Verdict => ({ ...fail(problems, evidence), status: 'warn' });
const judged = (problems: Problem[], zh: string, en: string, evidence: Record<string, unknown> = {}, confirm = false): Verdict =>
  problems.length ? fail(problems, evidence) : pass(zh, en, evidence, confirm);

const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;
// "2026-11-29 23:59" in China time, for messages.
export const shanghaiTime = (d: Date) => new Date(d.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');

type Who = { zh: string; en: string };
const vehicleWho = (v: CheckVehicle, role: 'vehicle' | 'trailer'): Who =>
  role === 'vehicle' ? { zh: `车辆${v.plateNumber}`, en: `vehicle ${v.plateNumber}` } : { zh: `挂车${v.plateNumber}`, en: `trailer ${v.plateNumber}` };
const personWho = (p: CheckPerson, role: 'driver' | 'escort' | 'operator'): Who =>
  ({
    driver: { zh: `驾驶员${p.name}`, en: `driver ${p.name}` },
    escort: { zh: `押运员${p.name}`, en: `escort ${p.name}` },
    operator: { zh: `装卸管理人员${p.name}`, en: `loading manager ${p.name}` },
  })[role];
const tankWho = (t: CheckTank): Who => ({ zh: `罐体${t.number}`, en: `tank ${t.number}` });

// A certificate that must be valid today: missing or expired is a problem.
function certProblem(who: Who, what: Who, code: string, validUntil: string | null, today: string): Problem | null {
  const status = certificateStatus(validUntil, today, 0);
  if (status === 'missing') {
    return { code: `${code}_MISSING`, zh: `${who.zh}${what.zh}未登记有效期`, en: `${who.en}: no ${what.en} validity date on record` };
  }
  if (status === 'expired') {
    return { code: `${code}_EXPIRED`, validUntil, zh: `${who.zh}${what.zh}有效期至${validUntil}，已过期`, en: `${who.en}: ${what.en} was valid until ${validUntil}` };
  }
  return null;
}

const retiredProblem = (who: Who, status: string): Problem | null =>
  status === 'active' ? null : { code: 'RECORD_RETIRED', zh: `${who.zh}已注销`, en: `${who.en} is retired` };

function blacklistProblems(ctx: Ctx, subjectId: string | undefined, who: Who): Problem[] {
  if (!subjectId) return [];
  return ctx.s.blacklist
    .filter((e) => e.subjectId === subjectId && isInForce(e, ctx.today))
    .map((e) => ({ code: 'BLACKLISTED', reason: e.reason, zh: `${who.zh}已列入黑名单：${e.reason}`, en: `${who.en} is blacklisted: ${e.reason}` }));
}

const compact = <T>(xs: (T | null | undefined)[]): T[] => xs.filter((x): x is T => x !== null && x !== undefined);
const isClass1 = (hazardClass: string) => /^1(\.|$)/.test(hazardClass.trim());
const unOf = (u: string) => u.replace(/^UN/i, '').trim();

// ---- PL-01 waybill

const STATUS_ZH: Record<string, string> = {
  draft: '草稿',
  issued: '已签发',
  check_failed: '查验未通过',
  checked: '已查验',
  loading: '装货中',
  loaded: '已装货',
  in_transit: '运输中',
  arrived: '已到达',
  delivered: '已交付',
  discrepancy: '差异待处理',
  closed: '已关闭',
  cancelled: '已作废',
  aborted: '已中止',
  incident: '事故',
};

// A check may start on an issued waybill, or again on a check_failed one after the carrier substituted a vehicle,
// tank or person (DOMAIN.md 3.1(a): CHECK_FAILED → CHECKED after re-check).
export const CHECKABLE_STATUSES = ['issued', 'check_failed'] as const;

function pl01({ s, today }: Ctx): Verdict {
  const w = s.waybill;
  const problems: Problem[] = [];
  if (!(CHECKABLE_STATUSES as readonly string[]).includes(w.status)) {
    problems.push({
      code: 'WAYBILL_STATUS',
      status: w.status,
      zh: `运单${w.number}状态为${STATUS_ZH[w.status] ?? w.status}，不能进行装货前查验`,
      en: `Waybill ${w.number} is ${w.status}; a pre-loading check needs an issued (or check_failed) waybill`,
    });
  }
  if (w.qrValid === false) problems.push({ code: 'QR_INVALID', zh: `运单${w.number}二维码签名无效`, en: `The QR code of waybill ${w.number} does not verify` });
  if (w.qrValid !== false && w.qrVersion != null && w.qrVersion !== w.version) {
    problems.push({
      code: 'QR_SUPERSEDED',
      qrVersion: w.qrVersion,
      zh: `二维码为运单第${w.qrVersion}版，运单当前为第${w.version}版`,
      en: `The QR code is for version ${w.qrVersion}; waybill ${w.number} is at version ${w.version}`,
    });
  }
  if (w.loadingSiteId && w.loadingSiteId !== s.site.id) {
    problems.push({ code: 'WRONG_LOADING_SITE', zh: `运单${w.number}的装货地不是${s.site.name}`, en: `Waybill ${w.number} does not name ${s.site.name} as its loading site` });
  }
  const arrivalDay = w.plannedArrivalAt ? shanghaiDate(new Date(w.plannedArrivalAt)) : null;
  if (arrivalDay && epochDay(arrivalDay) < epochDay(today)) {
    problems.push({
      code: 'WAYBILL_EXPIRED',
      plannedArrivalDay: arrivalDay,
      zh: `运单${w.number}计划到达日${arrivalDay}已过，运单已过期`,
      en: `Waybill ${w.number} planned arrival day ${arrivalDay} has passed; the waybill has expired`,
    });
  }
  const evidence = { number: w.number, version: w.version, status: w.status, qrValid: w.qrValid, qrVersion: w.qrVersion ?? null, siteId: s.site.id, plannedArrivalDay: arrivalDay };
  const qr = w.qrValid ? ['，二维码签名有效', ', QR signature valid'] : ['', ''];
  return judged(problems, `运单${w.number}第${w.version}版有效（${STATUS_ZH[w.status] ?? w.status}）${qr[0]}`, `Waybill ${w.number} version ${w.version} is valid (${w.status})${qr[1]}`, evidence);
}

// ---- PL-02 plates

function pl02({ s }: Ctx): Verdict {
  if (!s.vehicle) return fail([{ code: 'VEHICLE_NOT_DISPATCHED', zh: '运单未指派车辆', en: 'The waybill names no vehicle' }]);
  const expected = compact([s.vehicle.plateNumber, s.trailer?.plateNumber]);
  const scanned = (s.scanned?.plates ?? []).filter((p) => p.trim());
  if (!scanned.length) {
    return manual(`闸口未识别号牌，待人工核对${expected.join('、')}`, `No plates were read at the gate; confirm ${expected.join(', ')} by hand`, { expected });
  }
  const want = new Set(expected.map(normalisePlate));
  const got = new Set(scanned.map(normalisePlate));
  const problems: Problem[] = [
    ...[...got].filter((p) => !want.has(p)).map((plate) => ({ code: 'PLATE_NOT_ON_WAYBILL', plate, zh: `到场号牌${plate}不在运单上`, en: `Plate ${plate} at the gate is not on the waybill` })),
    ...[...want].filter((p) => !got.has(p)).map((plate) => ({ code: 'PLATE_NOT_SEEN', plate, zh: `运单号牌${plate}未在闸口识别到`, en: `Waybill plate ${plate} was not read at the gate` })),
  ];
  return judged(problems, `到场号牌${[...got].join('、')}与运单一致`, `Plates ${[...got].join(', ')} match the waybill`, { expected: [...want], scanned: [...got] });
}

// ---- PL-03 / PL-04 / PL-27 vehicle certificates

const vehicles = (s: CheckSnapshot) => compact([s.vehicle && ([s.vehicle, 'vehicle'] as const), s.trailer && ([s.trailer, 'trailer'] as const)]);

function pl03({ s, today }: Ctx): Verdict {
  if (!s.vehicle) return fail([{ code: 'VEHICLE_NOT_DISPATCHED', zh: '运单未指派车辆', en: 'The waybill names no vehicle' }]);
  const problems: Problem[] = [];
  for (const [v, role] of vehicles(s)) {
    const who = vehicleWho(v, role);
    problems.push(
      ...compact([
        retiredProblem(who, v.status),
        certProblem(who, { zh: '行驶证', en: 'registration (行驶证)' }, 'DRIVING_LICENCE', v.drivingLicenceValidUntil, today),
        certProblem(who, { zh: '安全技术检验', en: 'safety inspection' }, 'SAFETY_INSPECTION', v.nextSafetyInspection, today),
      ]),
    );
  }
  const plates = vehicles(s).map(([v]) => v.plateNumber);
  return judged(problems, `${plates.join('、')}行驶证、安全技术检验有效`, `${plates.join(', ')}: registration and safety inspection valid`, {
    vehicles: vehicles(s).map(([v]) => ({ plate: v.plateNumber, drivingLicenceValidUntil: v.drivingLicenceValidUntil, nextSafetyInspection: v.nextSafetyInspection })),
  });
}

function pl04(ctx: Ctx): Verdict {
  const { s, today, classes } = ctx;
  if (!s.vehicle) return fail([{ code: 'VEHICLE_NOT_DISPATCHED', zh: '运单未指派车辆', en: 'The waybill names no vehicle' }]);
  const problems: Problem[] = [];
  for (const [v, role] of vehicles(s)) {
    const who = vehicleWho(v, role);
    const cert = certProblem(who, { zh: '道路运输证', en: 'road transport certificate' }, 'TRANSPORT_CERT', v.transportCertValidUntil, today);
    if (cert) problems.push(cert);
    for (const c of classes.filter((c) => !scopeCovers(v.transportScope, c))) {
      problems.push({ code: 'TRANSPORT_SCOPE_MISSING_CLASS', plate: v.plateNumber, hazardClass: c, zh: `${who.zh}道路运输证经营范围不含第${c}类`, en: `${who.en}: road transport certificate scope does not cover class ${c}` });
    }
    problems.push(...blacklistProblems(ctx, v.id, who));
  }
  return judged(problems, `道路运输证有效，经营范围覆盖第${classes.join('、')}类`, `Road transport certificates valid and covering class ${classes.join(', ')}`, {
    classes,
    vehicles: vehicles(s).map(([v]) => ({ plate: v.plateNumber, transportCertNumber: v.transportCertNumber, transportCertValidUntil: v.transportCertValidUntil, transportScope: v.transportScope })),
  });
}

// 承运人责任险 is recorded per vehicle; a trailer is checked only when a policy date is recorded for it.
function pl27({ s, today }: Ctx): Verdict {
  if (!s.vehicle) return fail([{ code: 'VEHICLE_NOT_DISPATCHED', zh: '运单未指派车辆', en: 'The waybill names no vehicle' }]);
  const insurance = { zh: '承运人责任险', en: 'carrier liability insurance' };
  const problems = compact([
    certProblem(vehicleWho(s.vehicle, 'vehicle'), insurance, 'INSURANCE', s.vehicle.insuranceValidUntil, today),
    s.trailer?.insuranceValidUntil ? certProblem(vehicleWho(s.trailer, 'trailer'), insurance, 'INSURANCE', s.trailer.insuranceValidUntil, today) : null,
  ]);
  return judged(problems, `车辆${s.vehicle.plateNumber}承运人责任险有效至${s.vehicle.insuranceValidUntil}`, `Vehicle ${s.vehicle.plateNumber}: carrier liability insurance valid until ${s.vehicle.insuranceValidUntil}`, {
    policy: s.vehicle.insurancePolicy,
    validUntil: s.vehicle.insuranceValidUntil,
  });
}

// ---- PL-05 / PL-06 parties

function pl05(ctx: Ctx): Verdict {
  const { s, today, classes } = ctx;
  const { org, licence } = s.carrier;
  if (!org) return fail([{ code: 'CARRIER_MISSING', zh: '运单未指定承运人', en: 'The waybill names no carrier' }]);
  const who = { zh: `承运人${org.name}`, en: `carrier ${org.name}` };
  const problems: Problem[] = compact([retiredProblem(who, org.status)]);
  if (!licence) {
    problems.push({ code: 'CARRIER_LICENCE_MISSING', zh: `${who.zh}无道路危险货物运输经营许可证记录`, en: `${who.en} has no road dangerous-goods transport licence on record` });
  } else {
    const lw = { zh: `承运人经营许可证${licence.number}`, en: `carrier licence ${licence.number}` };
    if (licence.validFrom && epochDay(licence.validFrom) > epochDay(today)) {
      problems.push({ code: 'CARRIER_LICENCE_NOT_YET_VALID', validFrom: licence.validFrom, zh: `${lw.zh}自${licence.validFrom}起生效，尚未生效`, en: `${lw.en} is valid only from ${licence.validFrom}` });
    }
    const cert = certProblem(who, { zh: `经营许可证${licence.number}`, en: `licence ${licence.number}` }, 'CARRIER_LICENCE', licence.validUntil, today);
    if (cert) problems.push(cert);
    for (const c of classes.filter((c) => !scopeCovers(licence.scope, c))) {
      problems.push({ code: 'CARRIER_SCOPE_MISSING_CLASS', hazardClass: c, zh: `${lw.zh}经营范围不含第${c}类`, en: `${lw.en}: scope does not cover class ${c}` });
    }
    if (s.waybill.lines.some((l) => l.flags.highlyToxic) && !licence.highlyToxic) {
      problems.push({ code: 'CARRIER_SCOPE_MISSING_HIGHLY_TOXIC', zh: `${lw.zh}经营范围不含剧毒化学品`, en: `${lw.en}: scope does not cover highly toxic chemicals` });
    }
  }
  problems.push(...blacklistProblems(ctx, org.id, who));
  return judged(problems, `${who.zh}经营许可证${licence?.number}有效，范围覆盖本次货物，未列入黑名单`, `${org.name}: licence ${licence?.number} valid and in scope; not blacklisted`, {
    carrierId: org.id,
    licence: licence ? { number: licence.number, validFrom: licence.validFrom, validUntil: licence.validUntil, scope: licence.scope, highlyToxic: licence.highlyToxic } : null,
    classes,
  });
}

// 591 art. 38-39 [R]: 剧毒 and 易制爆 chemicals are sold only against the buyer's purchase licence / filing. Hazway
// holds no such licence, so for those goods PL-06 cannot pass on data: it warns, and the gate checks the papers.
const PURCHASE_LICENCE_KINDS = [
  { flag: 'highlyToxic', zh: '剧毒化学品', en: 'highly toxic chemicals' },
  { flag: 'explosivePrecursor', zh: '易制爆危险化学品', en: 'explosive-precursor chemicals' },
] as const;

function pl06(ctx: Ctx): Verdict {
  const { s } = ctx;
  const problems: Problem[] = [...blacklistProblems(ctx, s.shipper.id, { zh: `托运人${s.shipper.name}`, en: `shipper ${s.shipper.name}` })];
  if (!s.consignee) problems.push({ code: 'CONSIGNEE_MISSING', zh: '运单未填写收货人', en: 'The waybill names no consignee' });
  else problems.push(...blacklistProblems(ctx, s.consignee.id, { zh: `收货人${s.consignee.name}`, en: `consignee ${s.consignee.name}` }));
  const licenceLines = s.waybill.lines.filter((l) => l.flags.highlyToxic || l.flags.explosivePrecursor);
  const evidence = { shipperId: s.shipper.id, consigneeId: s.consignee?.id ?? null, consigneeLicence: licenceLines.length ? 'not_recorded' : 'not_needed' };
  if (problems.length) return fail(problems, evidence);
  const notBlacklisted = { zh: `托运人${s.shipper.name}、收货人${s.consignee!.name}均未列入黑名单`, en: `Shipper ${s.shipper.name} and consignee ${s.consignee!.name} are not blacklisted` };
  if (!licenceLines.length) return pass(notBlacklisted.zh, notBlacklisted.en, evidence);
  const kinds = PURCHASE_LICENCE_KINDS.filter((k) => licenceLines.some((l) => l.flags[k.flag]));
  const uns = [...new Set(licenceLines.map((l) => `UN${unOf(l.unNumber)}`))];
  return warning(
    [
      {
        code: 'CONSIGNEE_LICENCE_NOT_RECORDED',
        lines: licenceLines.map((l) => l.lineNo),
        kinds: kinds.map((k) => k.flag),
        zh: `${notBlacklisted.zh}；收货人${s.consignee!.name}的${kinds.map((k) => k.zh).join('、')}购买许可证件（${uns.join('、')}）未在Hazway登记，无法核验，须人工核实`,
        en: `${notBlacklisted.en}; consignee ${s.consignee!.name}'s purchase licence for ${kinds.map((k) => k.en).join(' and ')} (${uns.join(', ')}) is not on record in Hazway and cannot be verified: check it by hand`,
      },
    ],
    evidence,
  );
}

// ---- PL-07..PL-10, PL-31 people

// Driving-licence classes (准驾车型, 《机动车驾驶证申领和使用规定》 [R]) and which of the classes a DG vehicle needs
// they cover: A2 tractor combinations; B2 heavy and medium trucks; C1 light trucks (total mass < 4500 kg).
const LICENCE_COVERS: Record<string, readonly string[]> = {
  A1: ['B2', 'C1'],
  A2: ['A2', 'B2', 'C1'],
  A3: ['C1'],
  B1: ['C1'],
  B2: ['B2', 'C1'],
  C1: ['C1'],
};

export function requiredLicenceClass(vehicle: Pick<CheckVehicle, 'kind' | 'totalMassKg'>, hasTrailer: boolean): 'A2' | 'B2' | 'C1' {
  if (vehicle.kind === 'tractor' || hasTrailer) return 'A2';
  // An unknown total mass is read as heavy (fail-safe).
  return vehicle.totalMassKg === null || vehicle.totalMassKg >= 4500 ? 'B2' : 'C1';
}

export function licenceClassCovers(licenceClass: string, required: string): boolean {
  const held = licenceClass.toUpperCase().match(/[A-DMNP]\d?/g) ?? [];
  return held.some((c) => LICENCE_COVERS[c]?.includes(required));
}

const endorsementsNeeded = (lines: CheckLine[]) =>
  compact([
    lines.some((l) => l.flags.highlyToxic) ? (['highly_toxic', '剧毒化学品', 'highly toxic'] as const) : null,
    lines.some((l) => isClass1(l.hazardClass)) ? (['explosives', '爆炸品', 'explosives'] as const) : null,
  ]);

function qualificationProblems(ctx: Ctx, p: CheckPerson, role: 'driver' | 'escort' | 'operator'): Problem[] {
  const who = personWho(p, role);
  const category = ({ driver: 'driver', escort: 'escort', operator: 'loading_manager' } as const)[role];
  const categoryName = ({ driver: ['危险货物运输驾驶员', 'a dangerous-goods driver'], escort: ['押运员', 'an escort'], operator: ['装卸管理人员', 'a loading manager'] } as const)[role];
  const problems: Problem[] = compact([retiredProblem(who, p.status)]);
  if (!p.categories.includes(category)) {
    problems.push({ code: 'QUALIFICATION_CATEGORY', category, zh: `${who.zh}从业资格类别不含${categoryName[0]}`, en: `${who.en} is not qualified as ${categoryName[1]}` });
  }
  const cert = certProblem(who, { zh: '从业资格证', en: 'qualification certificate (从业资格证)' }, 'QUALIFICATION', p.qualificationValidUntil, ctx.today);
  if (cert) problems.push(cert);
  if (role !== 'operator') {
    for (const [endorsement, zh, en] of endorsementsNeeded(ctx.s.waybill.lines)) {
      if (!p.endorsements.includes(endorsement)) {
        problems.push({ code: 'ENDORSEMENT_MISSING', endorsement, zh: `${who.zh}从业资格证无${zh}类别`, en: `${who.en} lacks the ${en} endorsement` });
      }
    }
  }
  problems.push(...blacklistProblems(ctx, p.id, who));
  return problems;
}

const personEvidence = (p: CheckPerson) => ({
  personId: p.id,
  name: p.name,
  qualificationCertNumber: p.qualificationCertNumber,
  qualificationValidUntil: p.qualificationValidUntil,
  categories: p.categories,
  endorsements: p.endorsements,
});

function pl07({ s }: Ctx): Verdict {
  if (!s.driver) return fail([{ code: 'DRIVER_NOT_DISPATCHED', zh: '运单未指派驾驶员', en: 'The waybill names no driver' }]);
  return manual(`待核对驾驶员${s.driver.name}身份`, `Check driver ${s.driver.name}'s identity at the gate`, { personId: s.driver.id });
}

function pl08({ s, today }: Ctx): Verdict {
  if (!s.driver) return fail([{ code: 'DRIVER_NOT_DISPATCHED', zh: '运单未指派驾驶员', en: 'The waybill names no driver' }]);
  const d = s.driver;
  const who = personWho(d, 'driver');
  const problems: Problem[] = compact([certProblem(who, { zh: '驾驶证', en: 'driving licence' }, 'DRIVING_LICENCE', d.drivingLicenceValidUntil, today)]);
  const required = s.vehicle ? requiredLicenceClass(s.vehicle, !!s.trailer) : null;
  if (required) {
    if (!d.drivingLicenceClass) {
      problems.push({ code: 'LICENCE_CLASS_MISSING', required, zh: `${who.zh}准驾车型未登记（需${required}）`, en: `${who.en}: licence class not on record (${required} needed)` });
    } else if (!licenceClassCovers(d.drivingLicenceClass, required)) {
      problems.push({
        code: 'LICENCE_CLASS_INADEQUATE',
        held: d.drivingLicenceClass,
        required,
        zh: `${who.zh}准驾车型${d.drivingLicenceClass}不能驾驶${s.vehicle!.plateNumber}（需${required}）`,
        en: `${who.en}: licence class ${d.drivingLicenceClass} does not cover ${s.vehicle!.plateNumber} (${required} needed)`,
      });
    }
  }
  return judged(problems, `${who.zh}驾驶证有效，准驾车型${d.drivingLicenceClass}`, `${who.en}: driving licence valid, class ${d.drivingLicenceClass}`, {
    personId: d.id,
    drivingLicenceClass: d.drivingLicenceClass,
    drivingLicenceValidUntil: d.drivingLicenceValidUntil,
    requiredClass: required,
  });
}

function pl09(ctx: Ctx): Verdict {
  const d = ctx.s.driver;
  if (!d) return fail([{ code: 'DRIVER_NOT_DISPATCHED', zh: '运单未指派驾驶员', en: 'The waybill names no driver' }]);
  return judged(qualificationProblems(ctx, d, 'driver'), `驾驶员${d.name}从业资格证有效至${d.qualificationValidUntil}`, `Driver ${d.name}: qualification valid until ${d.qualificationValidUntil}`, personEvidence(d));
}

function pl10(ctx: Ctx): Verdict {
  const e = ctx.s.escort;
  if (!e) return fail([{ code: 'ESCORT_MISSING', zh: '运单未配备押运员', en: 'The waybill names no escort' }]);
  return judged(qualificationProblems(ctx, e, 'escort'), `押运员${e.name}从业资格证有效至${e.qualificationValidUntil}，待核对身份`, `Escort ${e.name}: qualification valid until ${e.qualificationValidUntil}; identity to be checked`, personEvidence(e), true);
}

function pl31(ctx: Ctx): Verdict {
  const o = ctx.s.operator;
  if (!o) {
    return fail([{ code: 'OPERATOR_NOT_REGISTERED', zh: '执行查验的人员未登记为装卸管理人员', en: 'The person running the check is not registered as a loading manager' }]);
  }
  return judged(qualificationProblems(ctx, o, 'operator'), `装卸管理人员${o.name}从业资格证有效至${o.qualificationValidUntil}`, `Loading manager ${o.name}: qualification valid until ${o.qualificationValidUntil}`, personEvidence(o));
}

// ---- PL-11 en-route expiry

type Dated = { who: Who; what: Who; validUntil: string | null };

function pl11({ s, today }: Ctx): Verdict {
  const arrival = s.waybill.plannedArrivalAt ? new Date(s.waybill.plannedArrivalAt) : null;
  if (!arrival) return notApplicable('运单无计划到达时间', 'The waybill has no planned arrival time');
  const arrivalDay = shanghaiDate(arrival);
  const dated: Dated[] = [];
  for (const [v, role] of vehicles(s)) {
    const who = vehicleWho(v, role);
    dated.push(
      { who, what: { zh: '行驶证', en: 'registration' }, validUntil: v.drivingLicenceValidUntil },
      { who, what: { zh: '安全技术检验', en: 'safety inspection' }, validUntil: v.nextSafetyInspection },
      { who, what: { zh: '道路运输证', en: 'road transport certificate' }, validUntil: v.transportCertValidUntil },
      { who, what: { zh: '承运人责任险', en: 'liability insurance' }, validUntil: v.insuranceValidUntil },
    );
  }
  if (s.tank) dated.push({ who: tankWho(s.tank), what: { zh: '检验', en: 'inspection' }, validUntil: s.tank.nextInspectionDate });
  if (s.driver) {
    const who = personWho(s.driver, 'driver');
    dated.push({ who, what: { zh: '驾驶证', en: 'driving licence' }, validUntil: s.driver.drivingLicenceValidUntil });
    dated.push({ who, what: { zh: '从业资格证', en: 'qualification' }, validUntil: s.driver.qualificationValidUntil });
  }
  if (s.escort) dated.push({ who: personWho(s.escort, 'escort'), what: { zh: '从业资格证', en: 'qualification' }, validUntil: s.escort.qualificationValidUntil });
  if (s.carrier.org && s.carrier.licence) {
    dated.push({ who: { zh: `承运人${s.carrier.org.name}`, en: `carrier ${s.carrier.org.name}` }, what: { zh: '经营许可证', en: 'licence' }, validUntil: s.carrier.licence.validUntil });
  }
  // Only what is valid today and lapses before arrival; what is already missing or expired fails in its own rule.
  const problems: Problem[] = dated
    .filter((d) => ['valid', 'expiring'].includes(certificateStatus(d.validUntil, today, 0)) && epochDay(d.validUntil!) < epochDay(arrivalDay))
    .map((d) => ({
      code: 'EXPIRES_BEFORE_ARRIVAL',
      validUntil: d.validUntil,
      zh: `${d.who.zh}${d.what.zh}有效期至${d.validUntil}，早于计划到达日${arrivalDay}`,
      en: `${d.who.en}: ${d.what.en} valid until ${d.validUntil}, before the planned arrival on ${arrivalDay}`,
    }));
  // Permits are valid to an instant.
  for (const p of s.permits) {
    if (new Date(p.validUntil).getTime() < arrival.getTime() && new Date(p.validUntil).getTime() >= s.now.getTime()) {
      problems.push({
        code: 'PERMIT_EXPIRES_BEFORE_ARRIVAL',
        permit: p.number,
        zh: `${PERMIT_NAMES_ZH[p.type]}${p.number}有效期至${shanghaiTime(new Date(p.validUntil))}，早于计划到达时间${shanghaiTime(arrival)}`,
        en: `Permit ${p.number} is valid until ${shanghaiTime(new Date(p.validUntil))}, before the planned arrival at ${shanghaiTime(arrival)}`,
      });
    }
  }
  return judged(problems, `全部证件在计划到达日${arrivalDay}仍有效`, `Every certificate is still valid on the planned arrival day ${arrivalDay}`, { plannedArrivalDay: arrivalDay });
}

// ---- PL-12..PL-15 tank

const noTank = () => notApplicable('本次运输不使用罐体', 'No tank on this waybill');

function pl12(ctx: Ctx): Verdict {
  const t = ctx.s.tank;
  if (!t) return noTank();
  const who = tankWho(t);
  const problems: Problem[] = compact([retiredProblem(who, t.status), certProblem(who, { zh: '检验', en: 'inspection' }, 'TANK_INSPECTION', t.nextInspectionDate, ctx.today)]);
  if (t.kind === 'pressure_vessel' && !t.pressureRegistrationNo) {
    problems.push({ code: 'PRESSURE_REGISTRATION_MISSING', zh: `${who.zh}为移动式压力容器，未登记使用登记证`, en: `${who.en} is a mobile pressure vessel without a registration certificate (使用登记证) on record` });
  }
  return judged(problems, `${who.zh}检验有效至${t.nextInspectionDate}`, `${who.en}: inspection valid until ${t.nextInspectionDate}`, {
    tankId: t.id,
    kind: t.kind,
    nextInspectionDate: t.nextInspectionDate,
    pressureRegistrationNo: t.pressureRegistrationNo,
  });
}

function pl13({ s }: Ctx): Verdict {
  const t = s.tank;
  if (!t) return noTank();
  const who = tankWho(t);
  const verdicts = s.waybill.lines.map((l) => ({ l, v: tankMayCarry(t, l.unNumber, l.tankCode ? [l.tankCode] : []) }));
  const evidence = {
    tankId: t.id,
    tankCode: t.tankCode,
    lines: verdicts.map(({ l, v }) => ({ lineNo: l.lineNo, basis: v.basis, ok: v.ok, ...(v.caution ? { caution: v.caution } : {}) })),
  };
  const problems: Problem[] = verdicts
    .filter(({ v }) => !v.ok)
    .map(({ l, v }) => ({
      code: v.basis === 'tank-code' ? 'TANK_CODE_TOO_LOW' : 'NOT_ON_MEDIA_LIST',
      lineNo: l.lineNo,
      unNumber: unOf(l.unNumber),
      basis: v.basis,
      zh: v.basis === 'tank-code' ? `${who.zh}罐体代码${t.tankCode}低于UN${unOf(l.unNumber)}（${l.name}）的要求` : `${who.zh}适装介质不含UN${unOf(l.unNumber)}（${l.name}）`,
      en: `${who.en}: ${v.reason}`,
    }));
  if (problems.length) return fail(problems, evidence);
  // Every line listed; a listed medium whose ADR code the tank's does not cover is said (DOMAIN.md 2.5: the list is
  // the hard rule, the hierarchy an additional check).
  const cautions: Problem[] = verdicts
    .filter(({ v }) => v.caution)
    .map(({ l, v }) => ({
      code: 'TANK_CODE_BELOW_LISTED_MEDIUM',
      lineNo: l.lineNo,
      unNumber: unOf(l.unNumber),
      zh: `UN${unOf(l.unNumber)}（${l.name}）在${who.zh}适装介质列表内，但罐体代码${t.tankCode}低于其ADR要求（${l.tankCode}），请核对罐体检验报告`,
      en: `UN${unOf(l.unNumber)} (${l.name}) is on the approved media list of ${who.en}, but ${v.caution}: check the tank's inspection report`,
    }));
  if (cautions.length) return warning(cautions, evidence);
  return pass(`${who.zh}可装运本次全部货物`, `${who.en} may carry every line`, evidence);
}

// ADR Table A col 14 for tank carriage: an FL vehicle meets every AT requirement and EX/III every EX/II one.
const VEHICLE_TYPE_COVERS: Record<string, readonly string[]> = { FL: ['FL', 'AT'], AT: ['AT'], 'EX/III': ['EX/III', 'EX/II'], 'EX/II': ['EX/II'] };

function pl14({ s }: Ctx): Verdict {
  if (!s.tank) return noTank();
  const required = [...new Set(compact(s.waybill.lines.map((l) => l.tankVehicle?.trim().toUpperCase() || null)))];
  const typed = vehicles(s).filter(([v]) => v.adrType);
  const note = { tankSpecialProvisions: 'not_in_data' };
  if (!required.length) return notApplicable('货物无车辆类型要求数据（ADR 表A第14栏）；罐体特殊规定数据尚缺', 'No vehicle-type requirement known for these goods (ADR Table A col 14); tank special provisions are not in the data', note);
  if (!typed.length) return notApplicable('车辆未登记 ADR 车辆类型（FL/AT/EX）', 'No ADR vehicle type (FL/AT/EX) recorded for the vehicles', { ...note, required });
  const problems: Problem[] = [];
  for (const [v, role] of typed) {
    const who = vehicleWho(v, role);
    for (const r of required.filter((r) => !VEHICLE_TYPE_COVERS[v.adrType!]?.includes(r))) {
      problems.push({ code: 'VEHICLE_TYPE_MISMATCH', plate: v.plateNumber, adrType: v.adrType, required: r, zh: `${who.zh}车辆类型为${v.adrType}，货物要求${r}`, en: `${who.en} is type ${v.adrType}; the goods need ${r}` });
    }
  }
  return judged(problems, `车辆类型满足货物要求（${required.join('、')}）`, `Vehicle type meets the goods' requirement (${required.join(', ')})`, {
    ...note,
    required,
    vehicles: typed.map(([v]) => ({ plate: v.plateNumber, adrType: v.adrType })),
  });
}

function pl15({ s }: Ctx): Verdict {
  const t = s.tank;
  if (!t) return noTank();
  const who = tankWho(t);
  if (t.cleaned) return pass(`${who.zh}已清洗`, `${who.en} is cleaned`, { tankId: t.id, cleaned: true, lastCargoUn: t.lastCargoUn });
  if (!t.lastCargoUn) {
    return fail([{ code: 'LAST_CARGO_UNKNOWN', zh: `${who.zh}未登记上次装运货物，且未标记已清洗`, en: `${who.en}: last cargo not on record and the tank is not marked cleaned` }], { tankId: t.id, cleaned: false });
  }
  const last = unOf(t.lastCargoUn);
  const lastItem: MixedLoadingItem = { ref: 'last cargo', unNumber: last, labels: t.lastCargoLabels ?? [], classificationCode: t.lastCargoClassificationCode ?? undefined };
  const problems: Problem[] = [];
  for (const l of s.waybill.lines) {
    const un = unOf(l.unNumber);
    if (un === last) continue;
    const compatible =
      !!t.lastCargoLabels?.length &&
      mixedLoadingAllowed(lastItem, { ref: `line ${l.lineNo}`, unNumber: un, labels: l.labels, classificationCode: l.classificationCode ?? undefined });
    if (!compatible) {
      problems.push({
        code: t.lastCargoLabels?.length ? 'LAST_CARGO_INCOMPATIBLE' : 'LAST_CARGO_NOT_JUDGED',
        lineNo: l.lineNo,
        unNumber: un,
        zh: `${who.zh}上次装运UN${last}且未清洗，与UN${un}（${l.name}）${t.lastCargoLabels?.length ? '不相容' : '相容性无法判定'}`,
        en: `${who.en} last carried UN${last} and is not cleaned; ${t.lastCargoLabels?.length ? `UN${un} is incompatible with it` : `compatibility with UN${un} cannot be judged`}`,
      });
    }
  }
  return judged(problems, `${who.zh}上次装运UN${last}，与本次货物相容`, `${who.en} last carried UN${last}, compatible with this load`, { tankId: t.id, cleaned: false, lastCargoUn: last });
}

// ---- PL-18 SDS and label

function pl18({ s }: Ctx): Verdict {
  const problems: Problem[] = s.waybill.lines.flatMap((l) =>
    compact([
      !l.sdsRef ? { code: 'SDS_MISSING', lineNo: l.lineNo, zh: `第${l.lineNo}行UN${unOf(l.unNumber)}未登记安全技术说明书`, en: `Line ${l.lineNo} UN${unOf(l.unNumber)}: no safety data sheet on record` } : null,
      !l.labelRef ? { code: 'LABEL_MISSING', lineNo: l.lineNo, zh: `第${l.lineNo}行UN${unOf(l.unNumber)}未登记安全标签`, en: `Line ${l.lineNo} UN${unOf(l.unNumber)}: no safety label on record` } : null,
    ]),
  );
  return judged(problems, '每一货物均登记了安全技术说明书和安全标签，待核对一致性', 'Every line has a safety data sheet and label on record; consistency to be confirmed', {}, true);
}

// ---- PL-19 / PL-20 permits

const PERMIT_NAMES_EN: Record<PermitType, string> = {
  highly_toxic_pass: 'highly toxic chemicals road transport pass',
  explosives: 'civil explosives transport permit',
  fireworks: 'fireworks road transport permit',
  radioactive: 'radioactive material transport approval',
  hazardous_waste_manifest: 'hazardous waste transfer manifest',
};

const neededPermits = (lines: CheckLine[]) => {
  const needed = new Map<PermitType, CheckLine[]>();
  for (const l of lines) {
    for (const t of requiredPermitTypes({ unNumber: l.unNumber, hazardClass: l.hazardClass, classificationCode: l.classificationCode ?? undefined, flags: l.flags })) {
      needed.set(t, [...(needed.get(t) ?? []), l]);
    }
  }
  return needed;
};

function permitProblemText(p: PermitProblem, s: CheckSnapshot, permit: CheckPermit): { zh: string; en: string } {
  const name = (id?: string) => [s.driver, s.escort].find((x) => x?.id.toLowerCase() === id?.toLowerCase())?.name ?? id;
  switch (p.code) {
    case 'PERMIT_NOT_VALID':
      return { zh: `状态为${p.status}`, en: `it is ${p.status}` };
    case 'PERMIT_OUTSIDE_WINDOW': {
      const [from, until] = [shanghaiTime(new Date(permit.validFrom)), shanghaiTime(new Date(permit.validUntil))];
      return { zh: `当前不在有效期${from}至${until}内`, en: `now is outside its validity ${from} to ${until}` };
    }
    case 'PERMIT_VEHICLE_NOT_LISTED':
      return { zh: `车辆${p.plate}未列入`, en: `vehicle ${p.plate} is not listed` };
    case 'PERMIT_PERSON_NOT_LISTED':
      return { zh: `${name(p.personId)}未列入`, en: `${name(p.personId)} is not listed` };
    case 'PERMIT_GOODS_NOT_LISTED':
      return { zh: `UN${p.unNumber}未列入`, en: `UN${p.unNumber} is not listed` };
    case 'PERMIT_QUANTITY_EXCEEDED':
      return {
        zh: `UN${p.unNumber}数量${p.quantity}${p.unit}超过核定${p.maxQuantity}${p.maxUnit}`,
        en: `UN${p.unNumber}: ${p.quantity} ${p.unit} exceeds the permitted ${p.maxQuantity} ${p.maxUnit}`,
      };
  }
}

// A single-use permit is marked used by its waybill at issue (PermitsService.consume): for this waybill it is valid.
const effectiveStatus = (p: CheckPermit, waybillId: string) => (p.status === 'used' && p.usedByWaybillId === waybillId ? 'valid' : p.status);

function permitRule(ctx: Ctx, types: readonly PermitType[]): Verdict {
  const { s } = ctx;
  const needed = [...neededPermits(s.waybill.lines)].filter(([t]) => types.includes(t));
  if (!needed.length) {
    return notApplicable(`本次货物无需${types.map((t) => PERMIT_NAMES_ZH[t]).join('、')}`, `No ${types.map((t) => PERMIT_NAMES_EN[t]).join(', ')} needed for these goods`);
  }
  const problems: Problem[] = [];
  const matched: { type: PermitType; number: string }[] = [];
  for (const [type, lines] of needed) {
    const uns = lines.map((l) => `UN${unOf(l.unNumber)}`);
    const candidates = s.permits.filter((p) => p.type === type);
    if (!candidates.length) {
      problems.push({ code: 'PERMIT_MISSING', permitType: type, zh: `${uns.join('、')}须有${PERMIT_NAMES_ZH[type]}，运单未关联`, en: `${uns.join(', ')} need a ${PERMIT_NAMES_EN[type]}; none is linked to the waybill` });
      continue;
    }
    const trip = {
      at: s.now,
      plates: compact([s.vehicle?.plateNumber, s.trailer?.plateNumber]),
      personIds: compact([s.driver?.id, s.escort?.id]),
      lines: lines.map((l) => ({ unNumber: l.unNumber, quantity: l.declaredQuantity, unit: l.unit })),
    };
    const results = candidates.map((p) => ({ p, r: permitMatches({ ...p, status: effectiveStatus(p, s.waybill.id) }, trip) }));
    const ok = results.find(({ r }) => r.ok);
    if (ok) {
      matched.push({ type, number: ok.p.number });
      continue;
    }
    const { p, r } = results[0]!;
    const texts = r.problems.map((x) => permitProblemText(x, s, p));
    problems.push({
      code: 'PERMIT_MISMATCH',
      permitType: type,
      permit: p.number,
      permitProblems: r.problems.map((x) => x.code),
      zh: `${PERMIT_NAMES_ZH[type]}${p.number}与本次运输不符：${texts.map((t) => t.zh).join('，')}`,
      en: `${PERMIT_NAMES_EN[type]} ${p.number} does not match this trip: ${texts.map((t) => t.en).join('; ')}`,
    });
  }
  return judged(
    problems,
    `${matched.map((m) => `${PERMIT_NAMES_ZH[m.type]}${m.number}`).join('、')}有效且与本次运输相符`,
    `${matched.map((m) => `${PERMIT_NAMES_EN[m.type]} ${m.number}`).join(', ')} valid and matching this trip`,
    { needed: needed.map(([t]) => t), matched, route: 'see PL-28' },
  );
}

// ---- PL-21 mixed loading

function pl21({ s }: Ctx): Verdict {
  const onVehicle = s.goodsOnVehicle ?? [];
  const items: MixedLoadingItem[] = [
    ...s.waybill.lines.map((l) => ({ ref: `line ${l.lineNo}`, unNumber: l.unNumber, labels: l.labels, classificationCode: l.classificationCode ?? undefined, limitedQuantity: l.limitedQuantity })),
    ...onVehicle.map((g) => ({ ref: g.ref, unNumber: g.unNumber, labels: g.labels, classificationCode: g.classificationCode ?? undefined, limitedQuantity: g.limitedQuantity })),
  ];
  const problems: Problem[] = mixedLoadingConflicts(items).map((c) => ({
    code: 'MIXED_LOADING_PROHIBITED',
    a: c.a,
    b: c.b,
    rule: c.rule,
    ...(c.footnote ? { footnote: c.footnote } : {}),
    zh: c.messageZh,
    en: c.message,
  }));
  const conditions = mixedLoadingConditions(items).map((c) => ({ a: c.a, b: c.b, rule: c.rule, footnote: c.footnote, messageZh: c.messageZh, message: c.message }));
  const withOnVehicle = onVehicle.length ? ['及车上已有货物', ' and the goods already on the vehicle'] : ['', ''];
  return judged(problems, `本次货物${withOnVehicle[0]}之间无混装禁忌`, `No mixed-loading prohibition among the lines${withOnVehicle[1]}`, { items: items.length, onVehicle: onVehicle.length, conditions });
}

// ---- PL-22 mass and capacity (decided at LOADED on loaded quantities; pre-checked here on declared ones)

const MILLI = 1000;
const toMilli = (q: number | string) => Math.round(Number(q) * MILLI);

function pl22({ s }: Ctx): Verdict {
  const lines = s.waybill.lines;
  const massG = lines.reduce((sum, l) => sum + (l.unit === 'kg' ? toMilli(l.declaredQuantity) : l.unit === 't' ? toMilli(l.declaredQuantity) * 1000 : 0), 0);
  const volumeML = lines.reduce((sum, l) => sum + (l.unit === 'L' ? toMilli(l.declaredQuantity) : l.unit === 'm3' ? toMilli(l.declaredQuantity) * 1000 : 0), 0);
  // A semi-trailer carries the load of a tractor combination: its rated load is the one that counts.
  const carrying = s.trailer ?? s.vehicle;
  const rated = carrying?.ratedLoadKg ?? null;
  const capacity = s.tank?.volumeL ?? null;
  const evidence = { basis: 'declared', massKg: massG / MILLI, ratedLoadKg: rated, volumeL: volumeML / MILLI, tankVolumeL: capacity };
  const decidable = (massG > 0 && rated !== null) || (volumeML > 0 && capacity !== null);
  if (!decidable) return notApplicable('申报量无法与核定载质量或罐体容积比较，装货后核对实装量', 'Declared quantities cannot be compared with the rated load or tank volume; the loaded quantity is checked at LOADED', evidence);
  const problems: Problem[] = [];
  if (massG > 0 && rated !== null && massG > rated * MILLI) {
    problems.push({
      code: 'DECLARED_OVER_RATED_LOAD',
      zh: `申报质量${massG / MILLI}kg超过${carrying!.plateNumber}核定载质量${rated}kg`,
      en: `Declared mass ${massG / MILLI} kg exceeds ${carrying!.plateNumber}'s rated load of ${rated} kg`,
    });
  }
  if (volumeML > 0 && capacity !== null && volumeML > capacity * MILLI) {
    problems.push({
      code: 'DECLARED_OVER_TANK_VOLUME',
      zh: `申报体积${volumeML / MILLI}L超过罐体${s.tank!.number}容积${capacity}L`,
      en: `Declared volume ${volumeML / MILLI} L exceeds tank ${s.tank!.number}'s volume of ${capacity} L`,
    });
  }
  return judged(problems, '申报量未超核定载质量/罐体容积（装货后按实装量复核）', 'Declared quantities within rated load / tank volume (loaded quantities are checked at LOADED)', evidence);
}

// ---- PL-25 terminal

export const MAX_FIX_AGE_MS = 5 * 60 * 1000;
// JT/T 808 0x0200 alarm flags that mean the terminal cannot be trusted to track (DOMAIN.md 1.9, PL-25).
export const TERMINAL_FAULT_BITS = [
  { bit: 4, zh: 'GNSS模块故障', en: 'GNSS module fault' },
  { bit: 5, zh: 'GNSS天线未接或被剪断', en: 'GNSS antenna disconnected' },
  { bit: 6, zh: 'GNSS天线短路', en: 'GNSS antenna short circuit' },
  { bit: 8, zh: '终端主电源掉电', en: 'main power cut' },
] as const;

function terminalProblems(s: CheckSnapshot): Problem[] {
  const plate = s.vehicle?.plateNumber ?? '';
  const t = s.terminal;
  // Until tracking exists there is often no terminal data at all: that is a failure, not a pass.
  if (!t) return [{ code: 'TERMINAL_NO_DATA', zh: `车辆${plate}无车载终端数据`, en: `No terminal data for vehicle ${plate}` }];
  const problems: Problem[] = [];
  if (!t.online) problems.push({ code: 'TERMINAL_OFFLINE', zh: `车辆${plate}车载终端离线`, en: `Vehicle ${plate}'s terminal is offline` });
  if (!t.lastFixAt) {
    problems.push({ code: 'TERMINAL_NO_FIX', zh: `车辆${plate}车载终端无定位`, en: `Vehicle ${plate}'s terminal has no position fix` });
  } else {
    const age = s.now.getTime() - new Date(t.lastFixAt).getTime();
    if (Math.abs(age) > MAX_FIX_AGE_MS) {
      problems.push({
        code: age > 0 ? 'TERMINAL_FIX_STALE' : 'TERMINAL_FIX_IN_FUTURE',
        zh: `车辆${plate}最近定位时间${shanghaiTime(new Date(t.lastFixAt))}，${age > 0 ? '已超过5分钟' : '晚于当前时间，终端时钟有误'}`,
        en: `Vehicle ${plate}'s last fix was at ${shanghaiTime(new Date(t.lastFixAt))}, ${age > 0 ? 'more than 5 minutes ago' : 'ahead of the platform clock'}`,
      });
    }
  }
  if (t.alarmBits === null) {
    problems.push({ code: 'TERMINAL_ALARMS_UNKNOWN', zh: `车辆${plate}终端报警状态未知`, en: `Vehicle ${plate}'s terminal alarm state is unknown` });
  } else {
    for (const f of TERMINAL_FAULT_BITS.filter((f) => (t.alarmBits! >>> f.bit) & 1)) {
      problems.push({ code: 'TERMINAL_FAULT', bit: f.bit, zh: `车辆${plate}终端报警：${f.zh}`, en: `Vehicle ${plate}'s terminal reports ${f.en} (alarm bit ${f.bit})` });
    }
  }
  return problems;
}

const terminalEvidence = (s: CheckSnapshot) =>
  s.terminal
    ? {
        online: s.terminal.online,
        lastFixAt: s.terminal.lastFixAt ? new Date(s.terminal.lastFixAt).toISOString() : null,
        fixAgeSeconds: s.terminal.lastFixAt ? Math.round((s.now.getTime() - new Date(s.terminal.lastFixAt).getTime()) / 1000) : null,
        alarmBits: s.terminal.alarmBits,
      }
    : { terminal: null };

function pl25({ s }: Ctx): Verdict {
  return judged(terminalProblems(s), `车辆${s.vehicle?.plateNumber ?? ''}车载终端在线，定位正常，无故障报警`, `Vehicle ${s.vehicle?.plateNumber ?? ''}'s terminal is online with a recent fix and no fault alarm`, terminalEvidence(s));
}

// ---- PL-26 carrier's pre-trip inspection and safety briefing (Order 29 art. 25)

function pl26({ s, today }: Ctx): Verdict {
  const r = s.preTrip;
  const iso = (d: Date | string) => new Date(d).toISOString();
  const evidence = {
    today,
    driverId: s.driver?.id ?? null,
    escortId: s.escort?.id ?? null,
    record: r
      ? {
          id: r.id,
          inspectorId: r.inspectorId,
          inspectedAt: iso(r.inspectedAt),
          inspectedDay: shanghaiDate(new Date(r.inspectedAt)),
          items: r.items,
          briefedPersonIds: r.briefedPersonIds,
          briefedAt: iso(r.briefedAt),
          vehicleId: r.vehicleId,
          trailerId: r.trailerId,
          tankId: r.tankId,
          recordedAt: iso(r.recordedAt),
        }
      : null,
  };
  const trip = { driver: s.driver, escort: s.escort, vehicleId: s.vehicle?.id ?? null, trailerId: s.trailer?.id ?? null, tankId: s.tank?.id ?? null };
  const problems = preTripProblems(r && { ...r, inspectedAt: new Date(r.inspectedAt), briefedAt: new Date(r.briefedAt) }, trip, today);
  const briefed = compact([s.driver, s.escort]);
  return judged(
    problems,
    `承运人已于${r ? shanghaiTime(new Date(r.inspectedAt)) : ''}完成出车前检查，各项合格；${briefed.map((p) => p.name).join('、')}已接受安全告知`,
    `The carrier's pre-trip inspection of ${r ? shanghaiTime(new Date(r.inspectedAt)) : ''} passed every item; ${briefed.map((p) => p.name).join(', ')} briefed`,
    evidence,
  );
}

// ---- PL-28 route

// The planned route must stay within this distance of the permit's route (DOMAIN.md 3.1(c) TR-06: permit routes 200 m).
export const PERMIT_ROUTE_CORRIDOR_M = 200;
const SAMPLE_STEP_M = 100;
const EARTH_RADIUS_M = 6_371_008.8;
const RAD = Math.PI / 180;

type LatLng = [number, number];

// Metres from p to segment a-b, on a local plane around p (exact enough over a few km).
function pointSegmentM(p: LatLng, a: LatLng, b: LatLng): number {
  const k = Math.cos(p[0] * RAD);
  const xy = (q: LatLng): [number, number] => [(q[1] - p[1]) * k * RAD * EARTH_RADIUS_M, (q[0] - p[0]) * RAD * EARTH_RADIUS_M];
  const [ax, ay] = xy(a);
  const [bx, by] = xy(b);
  const [dx, dy] = [bx - ax, by - ay];
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2));
  return Math.hypot(ax + t * dx, ay + t * dy);
}

const segmentM = (a: LatLng, b: LatLng) => pointSegmentM(a, b, b);

// The farthest the planned route gets from the permit route, sampling the planned route every 100 m.
export function maxDeviationM(planned: LatLng[], permitted: LatLng[]): number {
  const segments = permitted.length === 1 ? [[permitted[0]!, permitted[0]!]] : permitted.slice(1).map((b, i) => [permitted[i]!, b]);
  const distance = (p: LatLng) => Math.min(...segments.map(([a, b]) => pointSegmentM(p, a!, b!)));
  let worst = planned.length ? distance(planned[0]!) : 0;
  for (let i = 1; i < planned.length; i++) {
    const [a, b] = [planned[i - 1]!, planned[i]!];
    const n = Math.max(1, Math.ceil(segmentM(a, b) / SAMPLE_STEP_M));
    for (let k = 1; k <= n; k++) worst = Math.max(worst, distance([a[0] + ((b[0] - a[0]) * k) / n, a[1] + ((b[1] - a[1]) * k) / n]));
  }
  return worst;
}

// DOMAIN.md 3.1(b) PL-28 "WARN (BLOCK for 剧毒/民爆/烟花/放射性)": the goods whose permits fix the route (Order 29
// art. 15, 48-49 [V]); for them a route problem blocks whatever severity the administrator set for PL-28.
export const ROUTE_BLOCKING_PERMITS: readonly PermitType[] = ['highly_toxic_pass', 'explosives', 'fireworks', 'radioactive'];

function pl28(ctx: Ctx): Verdict {
  const needed = new Set(neededPermits(ctx.s.waybill.lines).keys());
  const v = pl28Route(ctx, needed);
  const blocking = [...needed].filter((t) => ROUTE_BLOCKING_PERMITS.includes(t));
  return blocking.length ? { ...v, block: true, evidence: { ...v.evidence, blockingPermitTypes: blocking } } : v;
}

function pl28Route({ s }: Ctx, needed: ReadonlySet<PermitType>): Verdict {
  const routed = s.permits.filter((p) => p.route && needed.has(p.type));
  const tunnelCodes = [...new Set(compact(s.waybill.lines.map((l) => l.tunnelCode || null)))];
  const evidence = { tunnelCodes, tunnels: 'no tunnel or restricted-area data along routes in Hazway', corridorM: PERMIT_ROUTE_CORRIDOR_M };
  if (!routed.length) {
    return notApplicable('无许可证核定路线可比对；限行区域、时段和隧道数据尚缺，未判定', 'No permit route to compare with; restricted areas, hours and tunnels are not in the data, not decided', evidence);
  }
  const planned = s.waybill.plannedRoute;
  if (!planned || routeProblem(planned)) {
    return fail(
      [{ code: planned ? 'PLANNED_ROUTE_UNREADABLE' : 'PLANNED_ROUTE_MISSING', zh: `运单${planned ? '计划路线无法解析' : '无计划路线'}，无法与许可证${routed.map((p) => p.number).join('、')}核定路线比对`, en: `The waybill's planned route is ${planned ? 'unreadable' : 'missing'}; it cannot be compared with permit ${routed.map((p) => p.number).join(', ')}` }],
      evidence,
    );
  }
  const plannedPts = decode(planned, 5) as LatLng[];
  const problems: Problem[] = [];
  const deviations: { permit: string; maxDeviationM: number | null }[] = [];
  for (const p of routed) {
    if (routeProblem(p.route!)) {
      problems.push({ code: 'PERMIT_ROUTE_UNREADABLE', permit: p.number, zh: `许可证${p.number}核定路线无法解析`, en: `Permit ${p.number}'s route is unreadable` });
      deviations.push({ permit: p.number, maxDeviationM: null });
      continue;
    }
    const dev = Math.round(maxDeviationM(plannedPts, decode(p.route!, 5) as LatLng[]));
    deviations.push({ permit: p.number, maxDeviationM: dev });
    if (dev > PERMIT_ROUTE_CORRIDOR_M) {
      problems.push({
        code: 'ROUTE_OFF_PERMIT',
        permit: p.number,
        maxDeviationM: dev,
        zh: `计划路线偏离${PERMIT_NAMES_ZH[p.type]}${p.number}核定路线最远约${dev}米（允许${PERMIT_ROUTE_CORRIDOR_M}米）`,
        en: `The planned route strays up to about ${dev} m from permit ${p.number}'s route (${PERMIT_ROUTE_CORRIDOR_M} m allowed)`,
      });
    }
  }
  return judged(problems, `计划路线沿许可证核定路线（${PERMIT_ROUTE_CORRIDOR_M}米内）；隧道与限行区域未判定`, `The planned route follows the permit route (within ${PERMIT_ROUTE_CORRIDOR_M} m); tunnels and restricted areas not decided`, {
    ...evidence,
    deviations,
  });
}

// ---- PL-29 high-consequence / high-hazard goods

function pl29({ s }: Ctx): Verdict {
  const carriage = s.tank ? 'tank' : 'packages';
  const flagged = s.waybill.lines.filter(
    (l) =>
      l.flags.highConsequence ||
      l.flags.highHazard ||
      highHazardChemical(l.unNumber) !== null ||
      isHighConsequence({ unNumber: l.unNumber, hazardClass: l.hazardClass, classificationCode: l.classificationCode ?? undefined, packingGroup: l.packingGroup, quantity: Number(l.declaredQuantity), unit: l.unit, carriage }),
  );
  if (!flagged.length) return notApplicable('本次货物不属高风险危险货物或高危化学品', 'No high-consequence or high-hazard goods on this waybill');
  const uns = flagged.map((l) => `UN${unOf(l.unNumber)}`);
  const problems: Problem[] = [];
  if (!s.escort) problems.push({ code: 'ESCORT_MISSING', zh: `${uns.join('、')}须配备押运员`, en: `${uns.join(', ')} need an escort` });
  for (const t of terminalProblems(s)) problems.push({ ...t, code: `TRACKING_${t.code}`, zh: `跟踪未就绪：${t.zh}`, en: `tracking not live: ${t.en}` });
  return judged(problems, `${uns.join('、')}：押运员在岗，跟踪在线；待确认安保防范计划`, `${uns.join(', ')}: escort dispatched and tracking live; security plan to be confirmed`, { lines: flagged.map((l) => l.lineNo), carriage }, true);
}

// ---- manual rules

function manualRule(id: CheckRuleId, extra?: (s: CheckSnapshot) => { zh: string; en: string } | null) {
  return ({ s }: Ctx): Verdict => {
    const label = CHECK_RULES_BY_ID[id].checklistItem!.label;
    const more = extra?.(s);
    return manual(`待人工确认：${label.zh}${more ? `（${more.zh}）` : ''}`, `Awaiting confirmation at the gate: ${label.en}${more ? ` (${more.en})` : ''}`);
  };
}

// GB 20300 plates only for explosives and highly toxic goods (Order 29 art. 44).
const gb20300 = (s: CheckSnapshot) =>
  s.waybill.lines.some((l) => isClass1(l.hazardClass) || l.flags.highlyToxic) ? { zh: '含爆炸品/剧毒品，须有 GB 20300 标志牌', en: 'explosives / highly toxic goods: GB 20300 plates required' } : null;

// Post-loading: not part of the pre-loading decision unless someone has already answered it.
function pl32(ctx: Ctx): Verdict {
  if (ctx.s.confirmations?.closures_after_loading === undefined) {
    return notApplicable('装货后由查验人员确认封口、无泄漏和铅封', 'Confirmed after loading: closures, leaks and seals');
  }
  return manualRule('PL-32')(ctx);
}

const EVALUATORS: Record<Exclude<CheckRuleId, 'PL-33'>, (ctx: Ctx) => Verdict> = {
  'PL-01': pl01,
  'PL-02': pl02,
  'PL-03': pl03,
  'PL-04': pl04,
  'PL-05': pl05,
  'PL-06': pl06,
  'PL-07': pl07,
  'PL-08': pl08,
  'PL-09': pl09,
  'PL-10': pl10,
  'PL-11': pl11,
  'PL-12': pl12,
  'PL-13': pl13,
  'PL-14': pl14,
  'PL-15': pl15,
  'PL-16': manualRule('PL-16'),
  'PL-17': manualRule('PL-17'),
  'PL-18': pl18,
  'PL-19': (ctx) => permitRule(ctx, ['highly_toxic_pass']),
  'PL-20': (ctx) => permitRule(ctx, ['explosives', 'fireworks', 'radioactive', 'hazardous_waste_manifest']),
  'PL-21': pl21,
  'PL-22': pl22,
  'PL-23': manualRule('PL-23', gb20300),
  'PL-24': manualRule('PL-24'),
  'PL-25': pl25,
  'PL-26': pl26,
  'PL-27': pl27,
  'PL-28': pl28,
  'PL-29': pl29,
  'PL-30': () => notApplicable('Hazway 尚无托运人订单或出库数据，未判定', 'Hazway holds no order or stock-release data; not decided'),
  'PL-31': pl31,
  'PL-32': pl32,
};

// Data verdict + the gate's answer + severity → the result.
function combine(rule: CheckRule, v: Verdict, answer: GateConfirmation | undefined, severity: Severity): CheckResult {
  const evidence: Record<string, unknown> = { ...v.evidence };
  if (rule.checklistItem && answer) evidence.confirmation = { item: rule.checklistItem.key, ok: answer.ok, ...(answer.note ? { note: answer.note } : {}) };
  // One object literal for every outcome (33 a check): cheaper than spreading a base object into each.
  const result = (status: CheckResultStatus, messageZh: string, messageEn: string): CheckResult => ({ ruleId: rule.id, severity, evidence, status, messageZh, messageEn });
  const failed = (zh: string, en: string) => result(severity === 'block' ? 'fail' : 'warn', zh, en);
  if (v.status === 'not_applicable') return result('not_applicable', v.zh, v.en);
  if (v.status === 'fail') return failed(v.zh, v.en);
  if (rule.checklistItem && answer?.ok === false) {
    const { zh, en } = rule.checklistItem.label;
    const note = answer.note ? [`：${answer.note}`, `: ${answer.note}`] : ['', ''];
    return failed(`查验人员确认不符：${zh}${note[0]}`, `Not confirmed at the gate: ${en}${note[1]}`);
  }
  if (v.status === 'warn') return result('warn', v.zh, v.en);
  if (v.status === 'manual' || v.confirm) {
    if (answer?.ok) return result('pass', `${v.zh}（已人工确认）`, `${v.en} (confirmed at the gate)`);
    return result('manual_pending', v.zh, v.en);
  }
  return result('pass', v.zh, v.en);
}

// Every rule except PL-33 (the record itself), in catalogue order. `severities` are the administrator's overrides;
// only rules whose source is unconfirmed honour them (resolveSeverities), and a verdict judged at block for this
// trip (PL-28 for 剧毒/民爆/烟花/放射性 goods) stays block whatever the override.
export function evaluateCheck(snapshot: CheckSnapshot, severities: Partial<Record<string, Severity>> = {}): CheckEvaluation {
  const today = snapshot.today ?? shanghaiDate(snapshot.now);
  const ctx: Ctx = { s: snapshot, today, classes: [...new Set(snapshot.waybill.lines.map((l) => l.hazardClass))] };
  const resolved = resolveSeverities(severities);
  const results = CHECK_RULES.filter((r) => r.kind !== 'record').map((r) => {
    const verdict = EVALUATORS[r.id as Exclude<CheckRuleId, 'PL-33'>](ctx);
    const answer = r.checklistItem ? snapshot.confirmations?.[r.checklistItem.key] : undefined;
    return combine(r, verdict, answer, verdict.block ? 'block' : resolved[r.id]);
  });
  return {
    outcome: results.some((r) => r.status === 'fail') ? 'fail' : 'pass',
    results,
    manualPending: results.filter((r) => r.status === 'manual_pending').map((r) => r.ruleId),
  };
}
