import polyline from '@googlemaps/polyline-codec';
import {
  CHECK_RULE_IDS,
  CHECK_RULES,
  CHECK_RULES_BY_ID,
  GATE_CHECKLIST,
  resolveSeverities,
  severityOverrideProblems,
  type CheckRuleId,
  type Severity,
} from './check-rules.catalogue.js';
import {
  evaluateCheck,
  licenceClassCovers,
  maxDeviationM,
  requiredLicenceClass,
  type CheckBlacklistEntry,
  type CheckLine,
  type CheckPermit,
  type CheckPerson,
  type CheckPreTrip,
  type CheckSnapshot,
  type CheckTank,
  type CheckVehicle,
} from './check-rules.js';
import { PRE_TRIP_ITEM_KEYS } from '../waybills/pre-trip-inspection.rules.js';

// ---- fixtures: a tractor + tank semi-trailer of sulphuric acid from an Ordos loading site, everything in order

const at = (iso: string) => new Date(iso);
const NOW = at('2026-11-29T10:00:00+08:00');
const HOUR = 3600_000;
const DAY = 24 * HOUR;

const SITE = { id: 'site-1', name: '鄂尔多斯甲醇站' };
const VEHICLE: CheckVehicle = {
  id: 'veh-1',
  plateNumber: '蒙K12345',
  kind: 'tractor',
  status: 'active',
  drivingLicenceValidUntil: '2030-01-01',
  nextSafetyInspection: '2027-05-31',
  transportCertNumber: '150602000001',
  transportCertValidUntil: '2027-06-30',
  transportScope: ['3', '6.1', '8'],
  ratedLoadKg: null,
  totalMassKg: 25_000,
  insurancePolicy: 'PICC-2026-001',
  insuranceValidUntil: '2027-03-31',
  adrType: 'FL',
};
const TRAILER: CheckVehicle = {
  ...VEHICLE,
  id: 'veh-2',
  plateNumber: '蒙K6789挂',
  kind: 'trailer',
  transportCertNumber: '150602000002',
  ratedLoadKg: 30_000,
  totalMassKg: 40_000,
};
const TANK: CheckTank = {
  id: 'tank-1',
  number: 'T-001',
  kind: 'atmospheric',
  status: 'active',
  volumeL: 20_000,
  tankCode: 'L4BH',
  media: [{ unNumber: '1830' }],
  nextInspectionDate: '2027-01-31',
  pressureRegistrationNo: null,
  lastCargoUn: '1830',
  cleaned: false,
  lastCargoLabels: ['8'],
};
const person = (over: Partial<CheckPerson>): CheckPerson => ({
  id: 'p-x',
  name: '某人',
  status: 'active',
  categories: [],
  drivingLicenceClass: null,
  drivingLicenceValidUntil: null,
  qualificationCertNumber: '150600000000000001',
  qualificationValidUntil: '2028-06-30',
  endorsements: [],
  ...over,
});
const DRIVER = person({ id: 'p-driver', name: '王强', categories: ['driver'], drivingLicenceClass: 'A2', drivingLicenceValidUntil: '2031-04-30' });
const ESCORT = person({ id: 'p-escort', name: '李娜', categories: ['escort'] });
const OPERATOR = person({ id: 'p-operator', name: '赵磊', categories: ['loading_manager'] });
const CARRIER = { id: 'org-carrier', name: '鄂尔多斯危运公司', status: 'active' as const };
const LICENCE = { number: '蒙交运管许可鄂字150600001', validFrom: '2024-01-01', validUntil: '2028-12-31', scope: ['3', '6.1', '8'], highlyToxic: false };
const SHIPPER = { id: 'org-shipper', name: '鄂尔多斯化工' };
const CONSIGNEE = { id: 'org-consignee', name: '呼和浩特化工园' };

const LINE: CheckLine = {
  lineNo: 1,
  unNumber: '1830',
  name: '硫酸',
  hazardClass: '8',
  packingGroup: 'II',
  labels: ['8'],
  classificationCode: 'C1',
  tunnelCode: 'E',
  tankCode: 'L4BN',
  tankVehicle: 'AT',
  declaredQuantity: '25.000',
  unit: 't',
  limitedQuantity: false,
  sdsRef: 'sds/1830-v3.pdf',
  labelRef: 'label/1830-v3.pdf',
  flags: {},
};

type WaybillPart = CheckSnapshot['waybill'];
const waybill = (now: Date, over: Partial<WaybillPart> = {}): WaybillPart => ({
  id: 'wb-1',
  number: 'YD20261129000001',
  version: 1,
  status: 'issued',
  loadingSiteId: SITE.id,
  plannedArrivalAt: new Date(now.getTime() + 8 * HOUR),
  plannedRoute: null,
  qrValid: true,
  qrVersion: 1,
  lines: [LINE],
  ...over,
});

// The carrier's pre-trip record (PL-26) as it covers a snapshot: made at `now` (the same Shanghai day, whatever the
// clock), every item passed, of the snapshot's vehicles, the snapshot's driver and escort briefed.
const PRE_TRIP_ITEMS_OK = PRE_TRIP_ITEM_KEYS.map((key) => ({ key, ok: true, note: null }));
const preTripOf = (s: Omit<CheckSnapshot, 'preTrip'>, over: Partial<CheckPreTrip> = {}): CheckPreTrip => ({
  id: 'pt-1',
  inspectorId: 'p-safety',
  inspectedAt: s.now,
  items: PRE_TRIP_ITEMS_OK,
  briefedPersonIds: [s.driver?.id, s.escort?.id].filter((x): x is string => !!x),
  briefedAt: s.now,
  vehicleId: s.vehicle?.id ?? null,
  trailerId: s.trailer?.id ?? null,
  tankId: s.tank?.id ?? null,
  recordedAt: s.now,
  ...over,
});

// Derived fields (terminal fix, planned arrival, pre-trip record) follow `now` and the vehicles and crew, so that
// moving the clock moves only the thing tested.
function snapshot(over: Partial<CheckSnapshot> = {}): CheckSnapshot {
  const now = over.now ?? NOW;
  const s: Omit<CheckSnapshot, 'preTrip'> = {
    now,
    site: SITE,
    operator: OPERATOR,
    waybill: waybill(now),
    scanned: { plates: ['蒙K12345', '蒙K6789挂'] },
    shipper: SHIPPER,
    consignee: CONSIGNEE,
    carrier: { org: CARRIER, licence: LICENCE },
    vehicle: VEHICLE,
    trailer: TRAILER,
    tank: TANK,
    driver: DRIVER,
    escort: ESCORT,
    permits: [],
    blacklist: [],
    terminal: { lastFixAt: new Date(now.getTime() - 60_000), alarmBits: 0, online: true },
    ...over,
  };
  return { ...s, preTrip: over.preTrip !== undefined ? over.preTrip : preTripOf(s) };
}
const withWaybill = (over: Partial<WaybillPart>, rest: Partial<CheckSnapshot> = {}) => snapshot({ ...rest, waybill: waybill(rest.now ?? NOW, over) });

// Highly toxic goods in packages: sodium cyanide with its 剧毒 pass (single-use, consumed by this waybill at issue).
const CYANIDE: CheckLine = {
  ...LINE,
  unNumber: '1689',
  name: '氰化钠',
  hazardClass: '6.1',
  packingGroup: 'I',
  labels: ['6.1'],
  classificationCode: 'T5',
  tunnelCode: 'C/E',
  tankCode: 'S10AH',
  tankVehicle: 'AT',
  declaredQuantity: '8',
  flags: { highlyToxic: true, highHazard: true },
};
const ROUTE = polyline.encode(
  [
    [39.8, 109.9],
    [40.2, 110.4],
    [40.8, 111.6],
  ],
  5,
);
const PASS_PERMIT = (now: Date, over: Partial<CheckPermit> = {}): CheckPermit => ({
  id: 'pm-1',
  type: 'highly_toxic_pass',
  number: '鄂公剧通2026-0001',
  status: 'used',
  usedByWaybillId: 'wb-1',
  validFrom: new Date(now.getTime() - DAY),
  validUntil: new Date(now.getTime() + 2 * DAY),
  vehiclePlates: ['蒙K12345', '蒙K6789挂'],
  personIds: [DRIVER.id, ESCORT.id],
  goods: [{ unNumber: '1689', maxQuantity: 10, unit: 't' }],
  route: null,
  ...over,
});
function toxic(over: Partial<CheckSnapshot> = {}, lineOver: Partial<CheckLine> = {}, permitOver: Partial<CheckPermit> = {}): CheckSnapshot {
  const now = over.now ?? NOW;
  return snapshot({
    tank: null,
    carrier: { org: CARRIER, licence: { ...LICENCE, highlyToxic: true } },
    driver: { ...DRIVER, endorsements: ['highly_toxic'] },
    escort: { ...ESCORT, endorsements: ['highly_toxic'] },
    waybill: waybill(now, { lines: [{ ...CYANIDE, ...lineOver }] }),
    permits: [PASS_PERMIT(now, permitOver)],
    ...over,
  });
}

const ALL_CONFIRMED = {
  registration_plates: { ok: true },
  driver_identity: { ok: true },
  escort_identity: { ok: true },
  goods_match: { ok: true },
  packages_ok: { ok: true },
  sds_label: { ok: true },
  vehicle_marking: { ok: true },
  emergency_equipment: { ok: true },
  security_plan: { ok: true },
};

const result = (s: CheckSnapshot, id: CheckRuleId, severities: Partial<Record<string, Severity>> = {}) => evaluateCheck(s, severities).results.find((r) => r.ruleId === id)!;
const status = (s: CheckSnapshot, id: CheckRuleId, severities: Partial<Record<string, Severity>> = {}) => result(s, id, severities).status;
const failing = (s: CheckSnapshot, severities: Partial<Record<string, Severity>> = {}) =>
  evaluateCheck(s, severities)
    .results.filter((r) => r.status === 'fail')
    .map((r) => r.ruleId);
const codes = (s: CheckSnapshot, id: CheckRuleId) => ((result(s, id).evidence.problems ?? []) as { code: string }[]).map((p) => p.code);
const entry = (subjectId: string, over: Partial<CheckBlacklistEntry> = {}): CheckBlacklistEntry => ({
  subjectType: 'organisation',
  subjectId,
  reason: '违规运输',
  validFrom: '2026-01-01',
  validUntil: null,
  liftedAt: null,
  ...over,
});

// The last valid day and the first expired day of a certificate valid until 2026-11-29, in China time.
const LAST_VALID_MINUTE = at('2026-11-29T23:59:00+08:00');
const FIRST_EXPIRED_MINUTE = at('2026-11-30T00:00:00+08:00');

// ---- the rule set as data

describe('CHECK_RULES', () => {
  it('should describe PL-01..PL-33 once each, in order', () => {
    expect(CHECK_RULES.map((r) => r.id)).toEqual([...CHECK_RULE_IDS]);
    expect(CHECK_RULE_IDS).toHaveLength(33);
  });

  it('should give every rule bilingual text and a source', () => {
    for (const r of CHECK_RULES) {
      expect([r.title.zh, r.title.en, r.description.zh, r.description.en, r.source].every((t) => t.length > 0)).toBe(true);
    }
  });

  it('should make a severity configurable exactly when the source is not verified (PL-28 documented exception, PL-33 not evaluated)', () => {
    for (const r of CHECK_RULES) {
      if (r.id === 'PL-28' || r.id === 'PL-33') continue;
      expect([r.id, r.severityConfigurable]).toEqual([r.id, r.sourceStatus !== 'verified']);
    }
    expect(CHECK_RULES_BY_ID['PL-28']).toMatchObject({ sourceStatus: 'verified', severityConfigurable: true, defaultSeverity: 'warn' });
    expect(CHECK_RULES_BY_ID['PL-28'].alwaysBlocksFor?.zh).toBe('剧毒化学品、民用爆炸物品、烟花爆竹、放射性物品');
    expect(CHECK_RULES.filter((r) => r.alwaysBlocksFor).map((r) => r.id)).toEqual(['PL-28']);
  });

  it('should map DOMAIN.md tags to source statuses', () => {
    expect(CHECK_RULES_BY_ID['PL-25'].sourceStatus).toBe('verified');
    expect(CHECK_RULES_BY_ID['PL-03'].sourceStatus).toBe('reported');
    expect(CHECK_RULES_BY_ID['PL-15'].sourceStatus).toBe('verified-foreign');
    expect(CHECK_RULES_BY_ID['PL-11'].sourceStatus).toBe('proposal');
  });

  it('should ship WARN for PL-11, PL-14, PL-28, PL-30 and BLOCK otherwise', () => {
    expect(CHECK_RULES.filter((r) => r.defaultSeverity === 'warn').map((r) => r.id)).toEqual(['PL-11', 'PL-14', 'PL-28', 'PL-30']);
  });

  it('should give every manual rule a checklist item and mark PL-33 as the record', () => {
    expect(CHECK_RULES.filter((r) => r.kind === 'manual').map((r) => r.id)).toEqual(['PL-07', 'PL-16', 'PL-17', 'PL-23', 'PL-24', 'PL-32']);
    for (const r of CHECK_RULES.filter((r) => r.kind === 'manual')) expect(r.checklistItem).toBeDefined();
    expect(CHECK_RULES.filter((r) => r.kind === 'record').map((r) => r.id)).toEqual(['PL-33']);
  });

  it('should derive the gate checklist from the rules, every item confirming at least one rule', () => {
    for (const item of GATE_CHECKLIST) {
      expect(item.ruleIds.length).toBeGreaterThan(0);
      for (const id of item.ruleIds) expect(CHECK_RULES_BY_ID[id].checklistItem).toEqual({ key: item.key, label: item.label });
    }
    expect(GATE_CHECKLIST.find((i) => i.key === 'closures_after_loading')).toMatchObject({ phase: 'post_loading', ruleIds: ['PL-32'] });
    expect(GATE_CHECKLIST.find((i) => i.key === 'packages_ok')!.ruleIds).toEqual(['PL-17']);
  });
});

describe('severity configuration', () => {
  it('should honour overrides of configurable rules only', () => {
    const s = resolveSeverities({ 'PL-03': 'warn', 'PL-25': 'warn', 'PL-11': 'block' });
    expect([s['PL-03'], s['PL-25'], s['PL-11'], s['PL-01']]).toEqual(['warn', 'block', 'block', 'block']);
  });

  it('should report overrides that would be ignored', () => {
    expect(severityOverrideProblems({ 'PL-03': 'warn', 'PL-25': 'warn', 'PL-99': 'warn', 'PL-11': 'fatal', 'PL-01': 'block' }).map((p) => [p.ruleId, p.code])).toEqual([
      ['PL-25', 'SEVERITY_NOT_CONFIGURABLE'],
      ['PL-99', 'UNKNOWN_RULE'],
      ['PL-11', 'INVALID_SEVERITY'],
    ]);
  });

  it('should fix the severity of the record itself (PL-33), which is not evaluated', () => {
    expect(CHECK_RULES_BY_ID['PL-33'].severityConfigurable).toBe(false);
    expect(severityOverrideProblems({ 'PL-33': 'warn' })).toEqual([
      { ruleId: 'PL-33', code: 'SEVERITY_NOT_CONFIGURABLE', message: 'PL-33 is the record of the check itself, not evaluated; its severity is fixed at block' },
    ]);
  });

  it('should let a warn-configured rule never fail the outcome', () => {
    const s = snapshot({ vehicle: { ...VEHICLE, nextSafetyInspection: '2026-11-01' } });
    const e = evaluateCheck(s, { 'PL-03': 'warn' });
    expect(e.results.find((r) => r.ruleId === 'PL-03')).toMatchObject({ status: 'warn', severity: 'warn' });
    expect(e.outcome).toBe('pass');
  });

  it('should fail the outcome on a block rule', () => {
    const e = evaluateCheck(snapshot({ vehicle: { ...VEHICLE, nextSafetyInspection: '2026-11-01' } }));
    expect(e.results.find((r) => r.ruleId === 'PL-03')).toMatchObject({ status: 'fail', severity: 'block' });
    expect(e.outcome).toBe('fail');
  });

  it('should ignore a warn override of a verified rule', () => {
    const e = evaluateCheck(snapshot({ terminal: null }), { 'PL-25': 'warn' });
    expect(e.results.find((r) => r.ruleId === 'PL-25')!.status).toBe('fail');
    expect(e.outcome).toBe('fail');
  });

  it('should fail the outcome when a warn-by-default rule is raised to block', () => {
    const s = snapshot({ driver: { ...DRIVER, qualificationValidUntil: '2026-11-29' }, now: at('2026-11-29T20:00:00+08:00') });
    expect(evaluateCheck(s).outcome).toBe('pass');
    expect(status(s, 'PL-11')).toBe('warn');
    expect(evaluateCheck(s, { 'PL-11': 'block' }).outcome).toBe('fail');
  });
});

// ---- the whole snapshot

describe('evaluateCheck', () => {
  it('should pass a clean snapshot, leaving the manual rules to the gate', () => {
    const e = evaluateCheck(snapshot());
    expect(e.outcome).toBe('pass');
    expect(e.results.filter((r) => ['fail', 'warn'].includes(r.status))).toEqual([]);
    expect(e.manualPending).toEqual(['PL-07', 'PL-10', 'PL-16', 'PL-17', 'PL-18', 'PL-23', 'PL-24']);
    expect(e.results.map((r) => r.ruleId)).toEqual(CHECK_RULE_IDS.filter((id) => id !== 'PL-33'));
  });

  it('should pass every rule or find it not applicable once the gate has confirmed everything', () => {
    const e = evaluateCheck(snapshot({ confirmations: ALL_CONFIRMED }));
    expect(e.manualPending).toEqual([]);
    expect(Object.fromEntries(e.results.filter((r) => r.status !== 'pass').map((r) => [r.ruleId, r.status]))).toEqual({
      'PL-19': 'not_applicable',
      'PL-20': 'not_applicable',
      'PL-28': 'not_applicable',
      'PL-29': 'not_applicable',
      'PL-30': 'not_applicable',
      'PL-32': 'not_applicable',
    });
  });

  it('should pass a clean highly toxic snapshot with its permit', () => {
    expect(failing(toxic())).toEqual([]);
    expect(status(toxic(), 'PL-19')).toBe('pass');
    expect(status(toxic(), 'PL-29')).toBe('manual_pending');
  });

  it.each<[string, Partial<CheckSnapshot>, CheckRuleId]>([
    ['a cancelled waybill', { waybill: waybill(NOW, { status: 'cancelled' }) }, 'PL-01'],
    ['a stranger plate at the gate', { scanned: { plates: ['蒙K12345', '蒙K0000挂'] } }, 'PL-02'],
    ['a trailer with an overdue safety inspection', { trailer: { ...TRAILER, nextSafetyInspection: '2026-11-28' } }, 'PL-03'],
    ['a vehicle scope without class 8', { vehicle: { ...VEHICLE, transportScope: ['3'] } }, 'PL-04'],
    ['a blacklisted carrier', { blacklist: [entry(CARRIER.id)] }, 'PL-05'],
    ['a blacklisted consignee', { blacklist: [entry(CONSIGNEE.id)] }, 'PL-06'],
    ['a B2 licence for a tractor', { driver: { ...DRIVER, drivingLicenceClass: 'B2' } }, 'PL-08'],
    ['an expired driver qualification', { driver: { ...DRIVER, qualificationValidUntil: '2026-11-28' } }, 'PL-09'],
    ['an escort qualified as driver only', { escort: { ...ESCORT, categories: ['driver'] } }, 'PL-10'],
    ['an overdue tank inspection', { tank: { ...TANK, nextInspectionDate: '2026-11-28' } }, 'PL-12'],
    ['goods off the media list', { tank: { ...TANK, media: [{ unNumber: '1203' }], tankCode: null, lastCargoUn: '1830' } }, 'PL-13'],
    ['an uncleaned tank of unknown last cargo', { tank: { ...TANK, lastCargoUn: null } }, 'PL-15'],
    ['a line without an SDS', { waybill: waybill(NOW, { lines: [{ ...LINE, sdsRef: null }] }) }, 'PL-18'],
    ['explosives already on board', { goodsOnVehicle: [{ ref: 'on board 1', unNumber: '0081', labels: ['1'], classificationCode: '1.1D' }] }, 'PL-21'],
    ['a declared mass over the rated load', { waybill: waybill(NOW, { lines: [{ ...LINE, declaredQuantity: '30.001' }] }) }, 'PL-22'],
    ['no terminal data', { terminal: null }, 'PL-25'],
    ['lapsed liability insurance', { vehicle: { ...VEHICLE, insuranceValidUntil: '2026-11-28' } }, 'PL-27'],
    ['an operator who is no loading manager', { operator: { ...OPERATOR, categories: ['escort'] } }, 'PL-31'],
  ])('should fail exactly one rule on %s', (_what, over, id) => {
    expect(failing(snapshot(over))).toEqual([id]);
  });

  it.each<[string, CheckSnapshot, CheckRuleId]>([
    ['no 剧毒 pass', toxic({ permits: [] }), 'PL-19'],
    ['a gate "no" on packages', snapshot({ confirmations: { packages_ok: { ok: false, note: '2 drums dented' } } }), 'PL-17'],
    ['a gate "no" on the driver', snapshot({ confirmations: { driver_identity: { ok: false } } }), 'PL-07'],
  ])('should fail exactly one rule on %s', (_what, s, id) => {
    expect(failing(s)).toEqual([id]);
  });

  it('should derive the day from now in Asia/Shanghai unless given', () => {
    const s = snapshot({ now: at('2026-11-29T16:30:00Z'), vehicle: { ...VEHICLE, insuranceValidUntil: '2026-11-29' } });
    expect(status(s, 'PL-27')).toBe('fail'); // 00:30 on 30 November in China
    expect(status({ ...s, today: '2026-11-29' }, 'PL-27')).toBe('pass');
  });

  it('should name the thing in both languages', () => {
    const r = result(snapshot({ vehicle: { ...VEHICLE, insuranceValidUntil: '2026-11-28' } }), 'PL-27');
    expect(r.messageZh).toBe('车辆蒙K12345承运人责任险有效期至2026-11-28，已过期');
    expect(r.messageEn).toBe('vehicle 蒙K12345: carrier liability insurance was valid until 2026-11-28');
  });
});

// ---- rule by rule

describe('PL-01 waybill', () => {
  it('should pass an issued waybill with a valid QR, and a check_failed one (re-check)', () => {
    expect(status(snapshot(), 'PL-01')).toBe('pass');
    expect(status(withWaybill({ status: 'check_failed' }), 'PL-01')).toBe('pass');
  });

  it.each(['draft', 'checked', 'loading', 'cancelled'] as const)('should fail a %s waybill', (st) => {
    expect(codes(withWaybill({ status: st }), 'PL-01')).toEqual(['WAYBILL_STATUS']);
  });

  it('should fail an invalid QR signature, pass a check opened by number', () => {
    expect(codes(withWaybill({ qrValid: false }), 'PL-01')).toEqual(['QR_INVALID']);
    expect(status(withWaybill({ qrValid: null, qrVersion: null }), 'PL-01')).toBe('pass');
  });

  it('should fail a QR of a superseded version', () => {
    const r = result(withWaybill({ version: 2, qrVersion: 1 }), 'PL-01');
    expect(r.status).toBe('fail');
    expect(r.messageEn).toBe('The QR code is for version 1; waybill YD20261129000001 is at version 2');
  });

  it('should fail a waybill for another loading site', () => {
    expect(codes(withWaybill({ loadingSiteId: 'site-2' }), 'PL-01')).toEqual(['WRONG_LOADING_SITE']);
  });

  it('should treat the waybill as expired from the day after its planned arrival (Asia/Shanghai)', () => {
    const plannedArrivalAt = at('2026-11-29T10:00:00+08:00');
    expect(status(withWaybill({ plannedArrivalAt }, { now: LAST_VALID_MINUTE }), 'PL-01')).toBe('pass');
    expect(codes(withWaybill({ plannedArrivalAt }, { now: FIRST_EXPIRED_MINUTE }), 'PL-01')).toEqual(['WAYBILL_EXPIRED']);
  });
});

describe('PL-02 plates', () => {
  it('should pass plates read as on the waybill, whatever the separators', () => {
    expect(status(snapshot({ scanned: { plates: ['蒙K·12345', '蒙k6789挂'] } }), 'PL-02')).toBe('pass');
  });

  it('should fail a foreign plate and a waybill plate not seen', () => {
    expect(codes(snapshot({ scanned: { plates: ['蒙K12345', '蒙K0000挂'] } }), 'PL-02')).toEqual(['PLATE_NOT_ON_WAYBILL', 'PLATE_NOT_SEEN']);
    expect(codes(snapshot({ scanned: { plates: ['蒙K12345'] } }), 'PL-02')).toEqual(['PLATE_NOT_SEEN']);
  });

  it('should wait for a person when no plates were read, and take their answer', () => {
    expect(status(snapshot({ scanned: undefined }), 'PL-02')).toBe('manual_pending');
    expect(status(snapshot({ scanned: { plates: [] }, confirmations: { registration_plates: { ok: true } } }), 'PL-02')).toBe('pass');
    expect(status(snapshot({ scanned: {}, confirmations: { registration_plates: { ok: false } } }), 'PL-02')).toBe('fail');
  });

  it('should fail when no vehicle is dispatched', () => {
    expect(codes(snapshot({ vehicle: null }), 'PL-02')).toEqual(['VEHICLE_NOT_DISPATCHED']);
  });
});

describe('PL-03 registration and safety inspection', () => {
  it('should pass a registration valid through its last day and fail from the next (Asia/Shanghai)', () => {
    const vehicle = { ...VEHICLE, drivingLicenceValidUntil: '2026-11-29' };
    expect(status(snapshot({ now: LAST_VALID_MINUTE, vehicle }), 'PL-03')).toBe('pass');
    expect(codes(snapshot({ now: FIRST_EXPIRED_MINUTE, vehicle }), 'PL-03')).toEqual(['DRIVING_LICENCE_EXPIRED']);
  });

  it("should check the trailer's safety inspection at the boundary", () => {
    const trailer = { ...TRAILER, nextSafetyInspection: '2026-11-29' };
    expect(status(snapshot({ now: LAST_VALID_MINUTE, trailer }), 'PL-03')).toBe('pass');
    expect(result(snapshot({ now: FIRST_EXPIRED_MINUTE, trailer }), 'PL-03').messageZh).toBe('挂车蒙K6789挂安全技术检验有效期至2026-11-29，已过期');
  });

  it('should fail a missing date, a retired vehicle and no vehicle', () => {
    expect(codes(snapshot({ vehicle: { ...VEHICLE, nextSafetyInspection: null } }), 'PL-03')).toEqual(['SAFETY_INSPECTION_MISSING']);
    expect(codes(snapshot({ vehicle: { ...VEHICLE, status: 'retired' } }), 'PL-03')).toEqual(['RECORD_RETIRED']);
    expect(codes(snapshot({ vehicle: null }), 'PL-03')).toEqual(['VEHICLE_NOT_DISPATCHED']);
  });
});

describe('PL-04 road transport certificate', () => {
  it('should pass at the boundary day and fail the day after', () => {
    const trailer = { ...TRAILER, transportCertValidUntil: '2026-11-29' };
    expect(status(snapshot({ now: LAST_VALID_MINUTE, trailer }), 'PL-04')).toBe('pass');
    expect(codes(snapshot({ now: FIRST_EXPIRED_MINUTE, trailer }), 'PL-04')).toEqual(['TRANSPORT_CERT_EXPIRED']);
  });

  it('should fail a scope that does not cover a line, and accept a class covering its divisions', () => {
    const r = result(snapshot({ trailer: { ...TRAILER, transportScope: ['3'] } }), 'PL-04');
    expect(r.messageZh).toBe('挂车蒙K6789挂道路运输证经营范围不含第8类');
    const toxicLine = { ...CYANIDE, flags: {} };
    expect(status(withWaybill({ lines: [toxicLine] }, { vehicle: { ...VEHICLE, transportScope: ['6'] }, trailer: { ...TRAILER, transportScope: ['6'] } }), 'PL-04')).toBe('pass');
  });

  it('should fail a blacklisted vehicle while the entry is in force (through its last day)', () => {
    const blacklist = [entry(VEHICLE.id, { subjectType: 'vehicle', validUntil: '2026-11-29' })];
    expect(codes(snapshot({ now: LAST_VALID_MINUTE, blacklist }), 'PL-04')).toEqual(['BLACKLISTED']);
    expect(status(snapshot({ now: FIRST_EXPIRED_MINUTE, blacklist }), 'PL-04')).toBe('pass');
    expect(status(snapshot({ blacklist: [entry(VEHICLE.id, { liftedAt: at('2026-06-01T00:00:00Z') })] }), 'PL-04')).toBe('pass');
  });
});

describe('PL-05 carrier', () => {
  it('should pass a valid licence in scope', () => {
    expect(status(snapshot(), 'PL-05')).toBe('pass');
  });

  it('should pass the licence on its last day and fail the day after', () => {
    const carrier = { org: CARRIER, licence: { ...LICENCE, validUntil: '2026-11-29' } };
    expect(status(snapshot({ now: LAST_VALID_MINUTE, carrier }), 'PL-05')).toBe('pass');
    expect(codes(snapshot({ now: FIRST_EXPIRED_MINUTE, carrier }), 'PL-05')).toEqual(['CARRIER_LICENCE_EXPIRED']);
  });

  it('should fail a licence not yet valid, out of scope, or without the highly toxic scope', () => {
    expect(codes(snapshot({ carrier: { org: CARRIER, licence: { ...LICENCE, validFrom: '2026-11-30' } } }), 'PL-05')).toEqual(['CARRIER_LICENCE_NOT_YET_VALID']);
    expect(codes(snapshot({ carrier: { org: CARRIER, licence: { ...LICENCE, scope: ['3'] } } }), 'PL-05')).toEqual(['CARRIER_SCOPE_MISSING_CLASS']);
    expect(codes(toxic({ carrier: { org: CARRIER, licence: LICENCE } }), 'PL-05')).toEqual(['CARRIER_SCOPE_MISSING_HIGHLY_TOXIC']);
  });

  it('should fail no carrier, no licence and a blacklisted carrier', () => {
    expect(codes(snapshot({ carrier: { org: null, licence: null } }), 'PL-05')).toEqual(['CARRIER_MISSING']);
    expect(codes(snapshot({ carrier: { org: CARRIER, licence: null } }), 'PL-05')).toEqual(['CARRIER_LICENCE_MISSING']);
    expect(result(snapshot({ blacklist: [entry(CARRIER.id)] }), 'PL-05').messageZh).toBe('承运人鄂尔多斯危运公司已列入黑名单：违规运输');
  });

  it('should not count a blacklist entry that starts tomorrow', () => {
    expect(status(snapshot({ blacklist: [entry(CARRIER.id, { validFrom: '2026-11-30' })] }), 'PL-05')).toBe('pass');
  });
});

describe('PL-06 shipper and consignee', () => {
  it('should pass parties not blacklisted and fail blacklisted ones', () => {
    expect(status(snapshot(), 'PL-06')).toBe('pass');
    expect(codes(snapshot({ blacklist: [entry(SHIPPER.id), entry(CONSIGNEE.id)] }), 'PL-06')).toEqual(['BLACKLISTED', 'BLACKLISTED']);
  });

  it('should fail a waybill without a consignee', () => {
    expect(codes(snapshot({ consignee: null }), 'PL-06')).toEqual(['CONSIGNEE_MISSING']);
  });

  it("should warn, not pass, when the consignee's purchase licence for highly toxic goods is not on record", () => {
    const r = result(toxic(), 'PL-06');
    expect(r).toMatchObject({ status: 'warn', severity: 'block' });
    expect(r.evidence).toMatchObject({ consigneeLicence: 'not_recorded', problems: [{ code: 'CONSIGNEE_LICENCE_NOT_RECORDED', lines: [1], kinds: ['highlyToxic'] }] });
    expect(r.messageZh).toBe('托运人鄂尔多斯化工、收货人呼和浩特化工园均未列入黑名单；收货人呼和浩特化工园的剧毒化学品购买许可证件（UN1689）未在Hazway登记，无法核验，须人工核实');
    expect(r.messageEn).toContain("consignee 呼和浩特化工园's purchase licence for highly toxic chemicals (UN1689) is not on record in Hazway");
    // a warning: the check's outcome is not failed by it
    expect(failing(toxic())).not.toContain('PL-06');
  });

  it('should warn for explosive-precursor goods too, and stay a warning when the rule is set to warn', () => {
    const nitrate = { ...LINE, unNumber: '1942', name: '硝酸铵', hazardClass: '5.1', labels: ['5.1'], flags: { explosivePrecursor: true } };
    const s = withWaybill({ lines: [LINE, { ...nitrate, lineNo: 2 }] });
    expect(result(s, 'PL-06').evidence.problems).toEqual([expect.objectContaining({ code: 'CONSIGNEE_LICENCE_NOT_RECORDED', lines: [2], kinds: ['explosivePrecursor'] })]);
    expect(result(s, 'PL-06').messageEn).toContain('explosive-precursor chemicals (UN1942)');
    expect(result(s, 'PL-06', { 'PL-06': 'warn' })).toMatchObject({ status: 'warn', severity: 'warn' });
  });

  it('should fail, not merely warn, when a party is blacklisted or missing on a highly toxic load', () => {
    expect(result(toxic({ blacklist: [entry(CONSIGNEE.id)] }), 'PL-06')).toMatchObject({ status: 'fail', evidence: { consigneeLicence: 'not_recorded', problems: [{ code: 'BLACKLISTED' }] } });
    expect(codes(toxic({ consignee: null }), 'PL-06')).toEqual(['CONSIGNEE_MISSING']);
    expect(status(toxic({ consignee: null }), 'PL-06')).toBe('fail');
  });

  it('should pass ordinary goods without a licence note', () => {
    expect(result(snapshot(), 'PL-06')).toMatchObject({ status: 'pass', evidence: { consigneeLicence: 'not_needed' } });
  });
});

describe('PL-07 driver identity (manual)', () => {
  it('should wait for the gate, then take its answer', () => {
    expect(status(snapshot(), 'PL-07')).toBe('manual_pending');
    expect(status(snapshot({ confirmations: { driver_identity: { ok: true } } }), 'PL-07')).toBe('pass');
    expect(result(snapshot({ confirmations: { driver_identity: { ok: false, note: '非本人' } } }), 'PL-07').messageZh).toBe(
      '查验人员确认不符：驾驶员身份（身份证/人脸）与运单一致：非本人',
    );
  });

  it('should fail without a driver', () => {
    expect(status(snapshot({ driver: null }), 'PL-07')).toBe('fail');
  });
});

describe('PL-08 driving licence', () => {
  it('should pass on the last valid day and fail the day after', () => {
    const driver = { ...DRIVER, drivingLicenceValidUntil: '2026-11-29' };
    expect(status(snapshot({ now: LAST_VALID_MINUTE, driver }), 'PL-08')).toBe('pass');
    expect(codes(snapshot({ now: FIRST_EXPIRED_MINUTE, driver }), 'PL-08')).toEqual(['DRIVING_LICENCE_EXPIRED']);
  });

  it('should need A2 for a tractor combination, B2 for a heavy truck, C1 for a light one', () => {
    expect(requiredLicenceClass(VEHICLE, true)).toBe('A2');
    expect(requiredLicenceClass({ kind: 'truck', totalMassKg: 18_000 }, false)).toBe('B2');
    expect(requiredLicenceClass({ kind: 'truck', totalMassKg: null }, false)).toBe('B2');
    expect(requiredLicenceClass({ kind: 'truck', totalMassKg: 4_495 }, false)).toBe('C1');
    expect([licenceClassCovers('A2', 'B2'), licenceClassCovers('B2', 'A2'), licenceClassCovers('A1', 'B2'), licenceClassCovers('C1', 'B2'), licenceClassCovers('a2d', 'A2')]).toEqual([
      true,
      false,
      true,
      false,
      true,
    ]);
  });

  it('should fail an inadequate or unrecorded class', () => {
    expect(result(snapshot({ driver: { ...DRIVER, drivingLicenceClass: 'B2' } }), 'PL-08').messageEn).toBe('driver 王强: licence class B2 does not cover 蒙K12345 (A2 needed)');
    expect(codes(snapshot({ driver: { ...DRIVER, drivingLicenceClass: null } }), 'PL-08')).toEqual(['LICENCE_CLASS_MISSING']);
    const truck = { ...VEHICLE, kind: 'truck' as const, totalMassKg: 18_000, ratedLoadKg: 10_000 };
    expect(status(snapshot({ vehicle: truck, trailer: null, driver: { ...DRIVER, drivingLicenceClass: 'B2' }, scanned: { plates: ['蒙K12345'] } }), 'PL-08')).toBe('pass');
  });
});

describe('PL-09 driver qualification', () => {
  it('should pass on the last valid day and fail the day after', () => {
    const driver = { ...DRIVER, qualificationValidUntil: '2026-11-29' };
    expect(status(snapshot({ now: LAST_VALID_MINUTE, driver }), 'PL-09')).toBe('pass');
    expect(codes(snapshot({ now: FIRST_EXPIRED_MINUTE, driver }), 'PL-09')).toEqual(['QUALIFICATION_EXPIRED']);
  });

  it('should fail a wrong category, a missing endorsement, a blacklisted driver and no driver', () => {
    expect(codes(snapshot({ driver: { ...DRIVER, categories: ['escort'] } }), 'PL-09')).toEqual(['QUALIFICATION_CATEGORY']);
    expect(codes(toxic({ driver: DRIVER }), 'PL-09')).toEqual(['ENDORSEMENT_MISSING']);
    expect(codes(snapshot({ blacklist: [entry(DRIVER.id, { subjectType: 'person' })] }), 'PL-09')).toEqual(['BLACKLISTED']);
    expect(codes(snapshot({ driver: null }), 'PL-09')).toEqual(['DRIVER_NOT_DISPATCHED']);
  });
});

describe('PL-10 escort', () => {
  it('should pass on data and wait for the identity check at the gate', () => {
    expect(status(snapshot(), 'PL-10')).toBe('manual_pending');
    expect(status(snapshot({ confirmations: { escort_identity: { ok: true } } }), 'PL-10')).toBe('pass');
    expect(status(snapshot({ confirmations: { escort_identity: { ok: false } } }), 'PL-10')).toBe('fail');
  });

  it('should pass on the last valid day and fail the day after', () => {
    const escort = { ...ESCORT, qualificationValidUntil: '2026-11-29' };
    const confirmations = { escort_identity: { ok: true } };
    expect(status(snapshot({ now: LAST_VALID_MINUTE, escort, confirmations }), 'PL-10')).toBe('pass');
    expect(codes(snapshot({ now: FIRST_EXPIRED_MINUTE, escort, confirmations }), 'PL-10')).toEqual(['QUALIFICATION_EXPIRED']);
  });

  it('should fail without an escort even when the gate confirmed someone', () => {
    expect(codes(snapshot({ escort: null, confirmations: { escort_identity: { ok: true } } }), 'PL-10')).toEqual(['ESCORT_MISSING']);
  });
});

describe('PL-11 validity until planned arrival', () => {
  const escort = { ...ESCORT, qualificationValidUntil: '2026-11-30' };

  it('should pass a certificate valid through the planned arrival day and warn when it lapses before', () => {
    expect(status(withWaybill({ plannedArrivalAt: at('2026-11-30T23:59:00+08:00') }, { escort }), 'PL-11')).toBe('pass');
    const r = result(withWaybill({ plannedArrivalAt: at('2026-12-01T00:00:00+08:00') }, { escort }), 'PL-11');
    expect(r).toMatchObject({ status: 'warn', severity: 'warn' });
    expect(r.messageZh).toBe('押运员李娜从业资格证有效期至2026-11-30，早于计划到达日2026-12-01');
  });

  it('should warn about a permit that ends before the planned arrival', () => {
    const s = toxic({}, {}, { validUntil: new Date(NOW.getTime() + 4 * HOUR) });
    expect(codes(s, 'PL-11')).toEqual(['PERMIT_EXPIRES_BEFORE_ARRIVAL']);
  });

  it('should leave expired certificates to their own rule and skip a waybill without arrival time', () => {
    expect(status(snapshot({ escort: { ...ESCORT, qualificationValidUntil: '2026-11-01' } }), 'PL-11')).toBe('pass');
    expect(status(withWaybill({ plannedArrivalAt: null }), 'PL-11')).toBe('not_applicable');
  });
});

describe('PL-12 tank inspection', () => {
  it('should pass on the last valid day and fail the day after', () => {
    const tank = { ...TANK, nextInspectionDate: '2026-11-29' };
    expect(status(snapshot({ now: LAST_VALID_MINUTE, tank }), 'PL-12')).toBe('pass');
    expect(result(snapshot({ now: FIRST_EXPIRED_MINUTE, tank }), 'PL-12').messageEn).toBe('tank T-001: inspection was valid until 2026-11-29');
  });

  it('should fail a pressure vessel without registration and not apply without a tank', () => {
    expect(codes(snapshot({ tank: { ...TANK, kind: 'pressure_vessel' } }), 'PL-12')).toEqual(['PRESSURE_REGISTRATION_MISSING']);
    expect(status(snapshot({ tank: { ...TANK, kind: 'pressure_vessel', pressureRegistrationNo: '容15蒙K0001' } }), 'PL-12')).toBe('pass');
    expect(status(snapshot({ tank: null }), 'PL-12')).toBe('not_applicable');
  });
});

describe('PL-13 approved media', () => {
  it('should pass goods on the media list', () => {
    expect(result(snapshot(), 'PL-13').evidence.lines).toEqual([{ lineNo: 1, basis: 'media-list', ok: true }]);
  });

  it('should judge a tank without a media list by the ADR tank-code hierarchy when the codes are known', () => {
    expect(status(snapshot({ tank: { ...TANK, media: [] } }), 'PL-13')).toBe('pass'); // L4BH covers L4BN
    expect(codes(snapshot({ tank: { ...TANK, media: [], tankCode: 'L1.5BN' } }), 'PL-13')).toEqual(['TANK_CODE_TOO_LOW']);
    expect(codes(snapshot({ tank: { ...TANK, media: [], tankCode: null } }), 'PL-13')).toEqual(['NOT_ON_MEDIA_LIST']);
  });

  it('should refuse goods off the media list even when the tank code covers them (the list is the hard rule)', () => {
    expect(codes(snapshot({ tank: { ...TANK, media: [{ unNumber: '1203' }] } }), 'PL-13')).toEqual(['NOT_ON_MEDIA_LIST']);
  });

  it('should warn, whatever the severity, when a listed medium needs a higher tank code than the tank has', () => {
    const s = snapshot({ tank: { ...TANK, tankCode: 'LGBF' } }); // the line's goods need L4BN
    expect(status(s, 'PL-13')).toBe('warn');
    expect(codes(s, 'PL-13')).toEqual(['TANK_CODE_BELOW_LISTED_MEDIUM']);
    expect(evaluateCheck(s).outcome).toBe('pass');
  });

  it('should not apply without a tank', () => {
    expect(status(snapshot({ tank: null }), 'PL-13')).toBe('not_applicable');
  });
});

describe('PL-14 vehicle type', () => {
  it('should pass an FL vehicle for AT goods and warn an AT vehicle for FL goods', () => {
    expect(status(snapshot(), 'PL-14')).toBe('pass');
    const s = withWaybill({ lines: [{ ...LINE, tankVehicle: 'FL' }] }, { vehicle: { ...VEHICLE, adrType: 'AT' }, trailer: { ...TRAILER, adrType: 'AT' } });
    expect(status(s, 'PL-14')).toBe('warn');
    expect(evaluateCheck(s).outcome).toBe('pass');
    expect(status(s, 'PL-14', { 'PL-14': 'block' })).toBe('fail');
  });

  it('should not apply when the data cannot decide', () => {
    expect(status(snapshot({ vehicle: { ...VEHICLE, adrType: null }, trailer: { ...TRAILER, adrType: null } }), 'PL-14')).toBe('not_applicable');
    expect(status(withWaybill({ lines: [{ ...LINE, tankVehicle: null }] }), 'PL-14')).toBe('not_applicable');
    expect(status(snapshot({ tank: null }), 'PL-14')).toBe('not_applicable');
  });
});

describe('PL-15 last cargo', () => {
  it('should pass the same UN number, a compatible last cargo, or a cleaned tank', () => {
    expect(status(snapshot(), 'PL-15')).toBe('pass');
    expect(status(snapshot({ tank: { ...TANK, lastCargoUn: '1203', lastCargoLabels: ['3'] } }), 'PL-15')).toBe('pass');
    expect(status(snapshot({ tank: { ...TANK, lastCargoUn: '3101', lastCargoLabels: ['5.2', '1'], cleaned: true } }), 'PL-15')).toBe('pass');
  });

  it('should fail an incompatible last cargo in an uncleaned tank', () => {
    const r = result(snapshot({ tank: { ...TANK, lastCargoUn: '3101', lastCargoLabels: ['5.2', '1'] } }), 'PL-15');
    expect(r.status).toBe('fail');
    expect(r.messageZh).toBe('罐体T-001上次装运UN3101且未清洗，与UN1830（硫酸）不相容');
  });

  it('should fail what it cannot judge: unknown last cargo, or last cargo without labels', () => {
    expect(codes(snapshot({ tank: { ...TANK, lastCargoUn: null } }), 'PL-15')).toEqual(['LAST_CARGO_UNKNOWN']);
    expect(codes(snapshot({ tank: { ...TANK, lastCargoUn: '1203', lastCargoLabels: undefined } }), 'PL-15')).toEqual(['LAST_CARGO_NOT_JUDGED']);
  });
});

describe('PL-16, PL-17, PL-23, PL-24 (manual)', () => {
  it.each<[CheckRuleId, keyof typeof ALL_CONFIRMED]>([
    ['PL-16', 'goods_match'],
    ['PL-17', 'packages_ok'],
    ['PL-23', 'vehicle_marking'],
    ['PL-24', 'emergency_equipment'],
  ])('%s should wait for %s, then pass or fail on the answer', (id, key) => {
    expect(status(snapshot(), id)).toBe('manual_pending');
    expect(status(snapshot({ confirmations: { [key]: { ok: true } } }), id)).toBe('pass');
    expect(status(snapshot({ confirmations: { [key]: { ok: false } } }), id)).toBe('fail');
  });

  it('should ask for GB 20300 plates with highly toxic goods', () => {
    expect(result(toxic(), 'PL-23').messageEn).toContain('GB 20300 plates required');
  });
});

describe("PL-26 the carrier's pre-trip inspection and safety briefing", () => {
  const base = snapshot();
  const withRecord = (over: Partial<CheckPreTrip> | null, rest: Partial<CheckSnapshot> = {}) => {
    const s = snapshot(rest);
    return { ...s, preTrip: over === null ? null : preTripOf(s, over) };
  };

  it('should be decided from data, with no gate checklist item', () => {
    expect(CHECK_RULES_BY_ID['PL-26']).toMatchObject({ kind: 'automatic', defaultSeverity: 'block', severityConfigurable: false });
    expect(CHECK_RULES_BY_ID['PL-26'].checklistItem).toBeUndefined();
    expect(GATE_CHECKLIST.flatMap((i) => i.ruleIds)).not.toContain('PL-26');
  });

  it('should pass a record of today, every item passed, briefing the driver and the escort, and say what it used', () => {
    const r = result(base, 'PL-26');
    expect(r.status).toBe('pass');
    expect(r.messageZh).toContain('王强、李娜已接受安全告知');
    expect(r.messageEn).toContain('passed every item');
    expect(r.evidence).toMatchObject({
      today: '2026-11-29',
      driverId: DRIVER.id,
      escortId: ESCORT.id,
      record: { id: 'pt-1', inspectorId: 'p-safety', inspectedDay: '2026-11-29', briefedPersonIds: [DRIVER.id, ESCORT.id], vehicleId: VEHICLE.id, tankId: TANK.id },
    });
  });

  it('should fail without a record, in both languages', () => {
    const s = withRecord(null);
    expect(result(s, 'PL-26')).toMatchObject({ status: 'fail', evidence: { record: null } });
    expect(codes(s, 'PL-26')).toEqual(['PRETRIP_RECORD_MISSING']);
    expect(result(s, 'PL-26').messageZh).toContain('未登记本趟出车前检查');
    expect(result(s, 'PL-26').messageEn).toContain('No carrier');
    expect(evaluateCheck(s, {}).outcome).toBe('fail');
  });

  it('should fail a record of yesterday 23:59 at a check at 00:01 (Shanghai days), and pass one of 00:00', () => {
    const now = at('2026-11-30T00:01:00+08:00');
    const late = at('2026-11-29T23:59:00+08:00');
    const s = withRecord({ inspectedAt: late, briefedAt: late }, { now });
    expect(result(s, 'PL-26').status).toBe('fail');
    expect(codes(s, 'PL-26')).toEqual(['PRETRIP_NOT_TODAY', 'BRIEFING_NOT_TODAY']);
    expect(result(s, 'PL-26').evidence).toMatchObject({ today: '2026-11-30', record: { inspectedDay: '2026-11-29' } });
    const midnight = at('2026-11-30T00:00:00+08:00');
    expect(status(withRecord({ inspectedAt: midnight, briefedAt: midnight }, { now }), 'PL-26')).toBe('pass');
  });

  it('should fail a briefing given on another day than the inspection', () => {
    expect(codes(withRecord({ briefedAt: at('2026-11-28T18:00:00+08:00') }), 'PL-26')).toEqual(['BRIEFING_NOT_TODAY']);
  });

  it('should fail a failed item, naming it and its note', () => {
    const items = PRE_TRIP_ITEMS_OK.map((i) => (i.key === 'satellite_terminal' ? { ...i, ok: false, note: '终端无信号' } : i));
    const s = withRecord({ items });
    expect(result(s, 'PL-26').status).toBe('fail');
    expect(codes(s, 'PL-26')).toEqual(['PRETRIP_ITEM_FAILED']);
    expect(result(s, 'PL-26').messageZh).toBe('出车前检查不合格：卫星定位装置工作正常：终端无信号');
    expect(result(s, 'PL-26').messageEn).toBe('Pre-trip inspection failed: Satellite positioning terminal working: 终端无信号');
  });

  it('should fail a briefing that misses the escort', () => {
    const s = withRecord({ briefedPersonIds: [DRIVER.id] });
    expect(codes(s, 'PL-26')).toEqual(['BRIEFING_MISSING_PERSON']);
    expect(result(s, 'PL-26').evidence.problems).toEqual([{ code: 'BRIEFING_MISSING_PERSON', role: 'escort', personId: ESCORT.id }]);
    expect(result(s, 'PL-26').messageZh).toBe('押运员李娜未接受本趟安全告知');
  });

  it('should fail after the crew was substituted: the old briefing does not cover the new driver', () => {
    const substitute = { ...DRIVER, id: 'p-driver-2', name: '张伟' };
    const s = { ...snapshot({ driver: substitute }), preTrip: preTripOf(base) };
    expect(codes(s, 'PL-26')).toEqual(['BRIEFING_MISSING_PERSON']);
    expect(result(s, 'PL-26').messageEn).toBe("driver 张伟 was not given this trip's safety briefing");
    // briefed again, with the substitute: covered
    expect(status(snapshot({ driver: substitute }), 'PL-26')).toBe('pass');
  });

  it('should fail an inspection of another vehicle or tank than the waybill names now', () => {
    const s = { ...snapshot({ tank: { ...TANK, id: 'tank-2' } }), preTrip: preTripOf(base) };
    expect(codes(s, 'PL-26')).toEqual(['PRETRIP_VEHICLE_CHANGED']);
    expect(result(s, 'PL-26').evidence.problems).toEqual([{ code: 'PRETRIP_VEHICLE_CHANGED', fields: ['tankId'] }]);
  });

  it('should read a record as stored in a snapshot (times as ISO text)', () => {
    const stored = JSON.parse(JSON.stringify(base)) as CheckSnapshot;
    expect(status({ ...base, preTrip: stored.preTrip }, 'PL-26')).toBe('pass');
  });
});

describe('PL-18 SDS and label', () => {
  it('should fail a line without SDS or label', () => {
    expect(codes(withWaybill({ lines: [{ ...LINE, sdsRef: null, labelRef: null }] }), 'PL-18')).toEqual(['SDS_MISSING', 'LABEL_MISSING']);
  });

  it('should wait for the gate to confirm consistency', () => {
    expect(status(snapshot(), 'PL-18')).toBe('manual_pending');
    expect(status(snapshot({ confirmations: { sds_label: { ok: true } } }), 'PL-18')).toBe('pass');
  });
});

describe('PL-19 highly toxic pass', () => {
  it('should pass a pass consumed by this waybill and fail one used by another', () => {
    expect(status(toxic(), 'PL-19')).toBe('pass');
    expect(result(toxic({}, {}, { usedByWaybillId: 'wb-2' }), 'PL-19').evidence.problems).toEqual([
      expect.objectContaining({ code: 'PERMIT_MISMATCH', permitProblems: ['PERMIT_NOT_VALID'] }),
    ]);
  });

  it('should fail a missing pass, a quantity over the cap and a crew member not listed', () => {
    expect(codes(toxic({ permits: [] }), 'PL-19')).toEqual(['PERMIT_MISSING']);
    const over = result(toxic({}, { declaredQuantity: '10.5' }), 'PL-19');
    expect(over.messageZh).toBe('剧毒化学品道路运输通行证鄂公剧通2026-0001与本次运输不符：UN1689数量10.5t超过核定10t');
    expect(result(toxic({}, {}, { personIds: [DRIVER.id] }), 'PL-19').messageEn).toContain('李娜 is not listed');
  });

  it('should be valid up to the last instant of its window', () => {
    expect(status(toxic({}, {}, { validUntil: NOW }), 'PL-19')).toBe('pass');
    expect(result(toxic({}, {}, { validUntil: new Date(NOW.getTime() - 1) }), 'PL-19').evidence.problems).toEqual([
      expect.objectContaining({ permitProblems: ['PERMIT_OUTSIDE_WINDOW'] }),
    ]);
  });

  it('should not apply without highly toxic goods', () => {
    expect(status(snapshot(), 'PL-19')).toBe('not_applicable');
  });
});

describe('PL-20 other permits', () => {
  const explosive: CheckLine = { ...LINE, unNumber: '0081', name: '爆破用炸药', hazardClass: '1.1D', labels: ['1'], classificationCode: '1.1D', declaredQuantity: '2' };
  const fireworks: CheckLine = { ...LINE, unNumber: '0336', name: '烟花', hazardClass: '1.4G', labels: ['1.4'], classificationCode: '1.4G', declaredQuantity: '2' };
  const permit = (type: CheckPermit['type'], un: string) => PASS_PERMIT(NOW, { id: `pm-${type}`, type, number: `${type}-1`, goods: [{ unNumber: un, maxQuantity: 30, unit: 't' }] });

  it('should pass a matching fireworks permit', () => {
    expect(status(withWaybill({ lines: [fireworks] }, { permits: [permit('fireworks', '0336')] }), 'PL-20')).toBe('pass');
  });

  it('should fail an explosive with only a fireworks permit', () => {
    const r = result(withWaybill({ lines: [explosive] }, { permits: [permit('fireworks', '0081')] }), 'PL-20');
    expect(r.status).toBe('fail');
    expect(r.messageZh).toBe('UN0081须有民用爆炸物品运输许可证，运单未关联');
  });

  it('should ask radioactive goods and hazardous waste for their documents', () => {
    const radioactive = { ...LINE, unNumber: '2915', hazardClass: '7', labels: ['7X'] };
    expect(codes(withWaybill({ lines: [radioactive] }), 'PL-20')).toEqual(['PERMIT_MISSING']);
    const waste = { ...LINE, flags: { hazardousWaste: true } };
    expect(codes(withWaybill({ lines: [waste] }), 'PL-20')).toEqual(['PERMIT_MISSING']);
    expect(status(withWaybill({ lines: [waste] }, { permits: [permit('hazardous_waste_manifest', '1830')] }), 'PL-20')).toBe('pass');
  });

  it('should not apply to ordinary goods', () => {
    expect(status(snapshot(), 'PL-20')).toBe('not_applicable');
  });
});

describe('PL-21 mixed loading', () => {
  const petrol: CheckLine = { ...LINE, lineNo: 2, unNumber: '1203', name: '汽油', hazardClass: '3', labels: ['3'], classificationCode: 'F1' };

  it('should pass lines that may travel together', () => {
    expect(status(withWaybill({ lines: [LINE, petrol] }, { tank: null }), 'PL-21')).toBe('pass');
  });

  it('should fail a line prohibited with goods already on the vehicle', () => {
    const s = snapshot({ goodsOnVehicle: [{ ref: 'on board 1', unNumber: '0081', labels: ['1'], classificationCode: '1.1D' }] });
    expect(result(s, 'PL-21').evidence.problems).toEqual([expect.objectContaining({ code: 'MIXED_LOADING_PROHIBITED', a: 'line 1', b: 'on board 1', rule: '7.5.2.1' })]);
  });

  it('should fail limited quantities with explosives (Order 29 art. 20)', () => {
    const lq = { ...petrol, limitedQuantity: true };
    const s = withWaybill({ lines: [lq] }, { tank: null, goodsOnVehicle: [{ ref: 'on board 1', unNumber: '0336', labels: ['1.4'], classificationCode: '1.4G' }] });
    expect(result(s, 'PL-21').evidence.problems).toEqual([expect.objectContaining({ rule: 'order-29-art-20' })]);
  });
});

describe('PL-22 rated load (declared pre-check)', () => {
  it('should pass a declared mass equal to the rated load and fail one over it', () => {
    expect(status(withWaybill({ lines: [{ ...LINE, declaredQuantity: '30.000' }] }), 'PL-22')).toBe('pass');
    expect(result(withWaybill({ lines: [{ ...LINE, declaredQuantity: '30.001' }] }), 'PL-22').messageEn).toBe("Declared mass 30001 kg exceeds 蒙K6789挂's rated load of 30000 kg");
  });

  it('should fail a declared volume over the tank volume', () => {
    expect(codes(withWaybill({ lines: [{ ...LINE, declaredQuantity: '20.5', unit: 'm3' }] }), 'PL-22')).toEqual(['DECLARED_OVER_TANK_VOLUME']);
  });

  it('should not apply when nothing can be compared', () => {
    expect(status(snapshot({ trailer: { ...TRAILER, ratedLoadKg: null } }), 'PL-22')).toBe('not_applicable');
  });
});

describe('PL-25 terminal', () => {
  const terminal = (over: Partial<NonNullable<CheckSnapshot['terminal']>> = {}) => ({ lastFixAt: new Date(NOW.getTime() - 60_000), alarmBits: 0, online: true, ...over });

  it('should pass a fix exactly 5 minutes old and fail one a second older', () => {
    expect(status(snapshot({ terminal: terminal({ lastFixAt: new Date(NOW.getTime() - 5 * 60_000) }) }), 'PL-25')).toBe('pass');
    const r = result(snapshot({ terminal: terminal({ lastFixAt: new Date(NOW.getTime() - 5 * 60_000 - 1000) }) }), 'PL-25');
    expect(r.status).toBe('fail');
    expect(r.messageZh).toBe('车辆蒙K12345最近定位时间2026-11-29 09:54，已超过5分钟');
  });

  it('should fail no terminal data, no fix, an offline terminal and an unknown alarm state', () => {
    expect(codes(snapshot({ terminal: null }), 'PL-25')).toEqual(['TERMINAL_NO_DATA']);
    expect(codes(snapshot({ terminal: terminal({ lastFixAt: null }) }), 'PL-25')).toEqual(['TERMINAL_NO_FIX']);
    expect(codes(snapshot({ terminal: terminal({ online: false }) }), 'PL-25')).toEqual(['TERMINAL_OFFLINE']);
    expect(codes(snapshot({ terminal: terminal({ alarmBits: null }) }), 'PL-25')).toEqual(['TERMINAL_ALARMS_UNKNOWN']);
  });

  it('should fail a fix time far ahead of the clock', () => {
    expect(codes(snapshot({ terminal: terminal({ lastFixAt: new Date(NOW.getTime() + 10 * 60_000) }) }), 'PL-25')).toEqual(['TERMINAL_FIX_IN_FUTURE']);
  });

  it.each([4, 5, 6, 8])('should fail on fault alarm bit %i', (bit) => {
    expect(result(snapshot({ terminal: terminal({ alarmBits: (1 << bit) | 1 }) }), 'PL-25').evidence.problems).toEqual([{ code: 'TERMINAL_FAULT', bit }]);
  });

  it.each([0, 1, 2, 7, 19])('should ignore non-fault alarm bit %i', (bit) => {
    expect(status(snapshot({ terminal: terminal({ alarmBits: 1 << bit }) }), 'PL-25')).toBe('pass');
  });
});

describe('PL-27 insurance', () => {
  it('should pass on the last valid day and fail the day after', () => {
    const vehicle = { ...VEHICLE, insuranceValidUntil: '2026-11-29' };
    expect(status(snapshot({ now: LAST_VALID_MINUTE, vehicle }), 'PL-27')).toBe('pass');
    expect(codes(snapshot({ now: FIRST_EXPIRED_MINUTE, vehicle }), 'PL-27')).toEqual(['INSURANCE_EXPIRED']);
  });

  it('should fail a vehicle without a policy date and check a trailer only when it has one', () => {
    expect(codes(snapshot({ vehicle: { ...VEHICLE, insuranceValidUntil: null } }), 'PL-27')).toEqual(['INSURANCE_MISSING']);
    expect(status(snapshot({ trailer: { ...TRAILER, insuranceValidUntil: null } }), 'PL-27')).toBe('pass');
    expect(status(snapshot({ trailer: { ...TRAILER, insuranceValidUntil: '2026-11-28' } }), 'PL-27')).toBe('fail');
  });
});

describe('PL-28 route', () => {
  const offset = polyline.encode(
    [
      [39.8, 109.9],
      [40.21, 110.4],
      [40.8, 111.6],
    ],
    5,
  );

  it('should measure the deviation of one polyline from another', () => {
    const line: [number, number][] = [
      [40, 110],
      [40, 111],
    ];
    expect(maxDeviationM(line, line)).toBeLessThan(1);
    expect(maxDeviationM([[40.01, 110.5]], line)).toBeCloseTo(1112, -1);
  });

  it('should pass a planned route along the permit route', () => {
    const s = toxic({ waybill: waybill(NOW, { lines: [CYANIDE], plannedRoute: ROUTE }) }, {}, { route: ROUTE });
    expect(status(s, 'PL-28')).toBe('pass');
  });

  it('should block a highly toxic load whose planned route leaves the permit corridor, whatever the override', () => {
    const s = toxic({ waybill: waybill(NOW, { lines: [CYANIDE], plannedRoute: offset }) }, {}, { route: ROUTE });
    const r = result(s, 'PL-28');
    expect(r).toMatchObject({ status: 'fail', severity: 'block', evidence: { blockingPermitTypes: ['highly_toxic_pass'] } });
    expect(r.evidence.problems).toEqual([expect.objectContaining({ code: 'ROUTE_OFF_PERMIT' })]);
    expect(failing(s)).toContain('PL-28');
    expect(result(s, 'PL-28', { 'PL-28': 'warn' })).toMatchObject({ status: 'fail', severity: 'block' });
  });

  // Hazardous waste travels on a transfer manifest that may fix a route; it is not among DOMAIN.md's BLOCK goods.
  it('should warn by default when other goods leave the permit corridor, and fail when raised to block', () => {
    const waste: CheckLine = { ...LINE, flags: { hazardousWaste: true } };
    const manifest = PASS_PERMIT(NOW, { type: 'hazardous_waste_manifest', number: '危废联单2026-0001', goods: [{ unNumber: '1830', maxQuantity: 30, unit: 't' }], route: ROUTE });
    const s = withWaybill({ lines: [waste], plannedRoute: offset }, { permits: [manifest] });
    const r = result(s, 'PL-28');
    expect(r).toMatchObject({ status: 'warn', severity: 'warn' });
    expect(r.evidence.problems).toEqual([expect.objectContaining({ code: 'ROUTE_OFF_PERMIT', permit: '危废联单2026-0001' })]);
    expect(r.evidence.blockingPermitTypes).toBeUndefined();
    expect(failing(s)).not.toContain('PL-28');
    expect(result(s, 'PL-28', { 'PL-28': 'block' })).toMatchObject({ status: 'fail', severity: 'block' });
    expect(status(withWaybill({ lines: [waste], plannedRoute: ROUTE }, { permits: [manifest] }), 'PL-28')).toBe('pass');
  });

  it('should block a highly toxic load when there is no planned route to compare', () => {
    const s = toxic({}, {}, { route: ROUTE });
    expect(codes(s, 'PL-28')).toEqual(['PLANNED_ROUTE_MISSING']);
    expect(status(s, 'PL-28')).toBe('fail');
  });

  it('should not apply without a permit route: tunnels and restricted areas are not in the data', () => {
    const r = result(snapshot(), 'PL-28');
    expect(r.status).toBe('not_applicable');
    expect(r.evidence.tunnelCodes).toEqual(['E']);
  });
});

describe('PL-29 high-consequence and high-hazard goods', () => {
  it('should need an escort and live tracking, then the security plan confirmed', () => {
    expect(status(toxic(), 'PL-29')).toBe('manual_pending');
    expect(status(toxic({ confirmations: { security_plan: { ok: true } } }), 'PL-29')).toBe('pass');
    expect(codes(toxic({ escort: null }), 'PL-29')).toEqual(['ESCORT_MISSING']);
    expect(codes(toxic({ terminal: null }), 'PL-29')).toEqual(['TRACKING_TERMINAL_NO_DATA']);
  });

  it('should recognise ADR 1.10.3.1.2 goods by quantity', () => {
    // Petrol (class 3 PG II) in a tank: high-consequence above 3000 L.
    const petrol = { ...LINE, unNumber: '1203', hazardClass: '3', labels: ['3'], classificationCode: 'F1', packingGroup: 'II', unit: 'L' as const };
    const tank = { ...TANK, media: [{ unNumber: '1203' }], lastCargoUn: '1203', lastCargoLabels: ['3'] };
    expect(status(withWaybill({ lines: [{ ...petrol, declaredQuantity: '3000' }] }, { tank }), 'PL-29')).toBe('not_applicable');
    expect(status(withWaybill({ lines: [{ ...petrol, declaredQuantity: '3001' }] }, { tank }), 'PL-29')).toBe('manual_pending');
  });

  it('should not apply to ordinary goods', () => {
    expect(status(snapshot(), 'PL-29')).toBe('not_applicable');
  });
});

describe('PL-30 and PL-32', () => {
  it('should say PL-30 has no data', () => {
    expect(result(snapshot(), 'PL-30')).toMatchObject({ status: 'not_applicable', severity: 'warn' });
  });

  it('should leave PL-32 to after loading unless answered', () => {
    expect(status(snapshot(), 'PL-32')).toBe('not_applicable');
    expect(status(snapshot({ confirmations: { closures_after_loading: { ok: false } } }), 'PL-32')).toBe('fail');
    expect(status(snapshot({ confirmations: { closures_after_loading: { ok: true } } }), 'PL-32')).toBe('pass');
  });
});

describe('PL-31 loading manager', () => {
  it('should pass on the last valid day and fail the day after', () => {
    const operator = { ...OPERATOR, qualificationValidUntil: '2026-11-29' };
    expect(status(snapshot({ now: LAST_VALID_MINUTE, operator }), 'PL-31')).toBe('pass');
    expect(result(snapshot({ now: FIRST_EXPIRED_MINUTE, operator }), 'PL-31').messageZh).toBe('装卸管理人员赵磊从业资格证有效期至2026-11-29，已过期');
  });

  it('should fail an unregistered operator, a wrong category and a blacklisted one', () => {
    expect(codes(snapshot({ operator: null }), 'PL-31')).toEqual(['OPERATOR_NOT_REGISTERED']);
    expect(codes(snapshot({ operator: { ...OPERATOR, categories: ['driver'] } }), 'PL-31')).toEqual(['QUALIFICATION_CATEGORY']);
    expect(codes(snapshot({ blacklist: [entry(OPERATOR.id, { subjectType: 'person' })] }), 'PL-31')).toEqual(['BLACKLISTED']);
  });
});
