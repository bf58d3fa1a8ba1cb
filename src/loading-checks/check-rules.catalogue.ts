// The pre-loading check rules as data (DOMAIN.md 3.1(b), PL-01..PL-33): what each checks, the clause it rests on
// and how far that clause was checked. The evaluation lives in check-rules.ts; this file only describes.
//
// - sourceStatus maps DOMAIN.md's tags: [V] → 'verified', [R] → 'reported', [V-NO] (ADR, Norwegian translation)
//   → 'verified-foreign', "proposal" / the IM plan alone → 'proposal'. A rule citing several clauses takes the
//   status of the best clause that carries its pass condition (sourceNote says why when it is mixed).
// - DOMAIN.md: "a rule tagged [R] or [?] should be configurable data, not a hard-coded block, until confirmed".
//   So severityConfigurable is true for everything not 'verified' (one documented exception: PL-28, whose override
//   sets the severity for ordinary goods only; for the goods in alwaysBlocksFor it blocks whatever the override).
// - kind: 'automatic' = decided from Hazway's data; 'manual' = confirmed by a person at the gate (checklistItem);
//   'record' = PL-33, the act of storing the check (the service does it; no result is evaluated).
//   An automatic rule may also name a checklist item: for the part only a person can confirm (PL-10 escort
//   identity, PL-18 SDS/label consistency, PL-29 security plan) or as its fallback when data is absent (PL-02
//   plates when nothing was scanned at the gate).

export const CHECK_RULE_IDS = [
  'PL-01', 'PL-02', 'PL-03', 'PL-04', 'PL-05', 'PL-06', 'PL-07', 'PL-08', 'PL-09', 'PL-10', 'PL-11',
  'PL-12', 'PL-13', 'PL-14', 'PL-15', 'PL-16', 'PL-17', 'PL-18', 'PL-19', 'PL-20', 'PL-21', 'PL-22',
  'PL-23', 'PL-24', 'PL-25', 'PL-26', 'PL-27', 'PL-28', 'PL-29', 'PL-30', 'PL-31', 'PL-32', 'PL-33',
] as const;
export type CheckRuleId = (typeof CHECK_RULE_IDS)[number];

export type Bilingual = { zh: string; en: string };
export type Severity = 'block' | 'warn';
export type SourceStatus = 'verified' | 'reported' | 'verified-foreign' | 'proposal';
export type RuleKind = 'automatic' | 'manual' | 'record';
// Post-loading rules (PL-22 at LOADED, PL-32) are part of the same rule set but decided after filling.
export type CheckPhase = 'pre_loading' | 'post_loading';

// ---- the gate checklist: what a person at the loading site confirms (one item per concern, so that a "no" on one
// item fails exactly the rule it belongs to)

export const GATE_CHECKLIST_KEYS = [
  'registration_plates',
  'driver_identity',
  'escort_identity',
  'goods_match',
  'packages_ok',
  'sds_label',
  'vehicle_marking',
  'emergency_equipment',
  'security_plan',
  'closures_after_loading',
] as const;
export type GateChecklistKey = (typeof GATE_CHECKLIST_KEYS)[number];

type ChecklistItemDef = { key: GateChecklistKey; label: Bilingual; phase: CheckPhase; appliesWhen?: Bilingual };

const ITEMS: Record<GateChecklistKey, ChecklistItemDef> = {
  registration_plates: {
    key: 'registration_plates',
    label: { zh: '到场车辆、挂车号牌与运单一致', en: 'Vehicle and trailer registration plates match the waybill' },
    phase: 'pre_loading',
    appliesWhen: { zh: '闸口未识别号牌时', en: 'when no plates were read at the gate' },
  },
  driver_identity: {
    key: 'driver_identity',
    label: { zh: '驾驶员身份（身份证/人脸）与运单一致', en: "Driver's identity (ID card / face) matches the waybill" },
    phase: 'pre_loading',
  },
  escort_identity: {
    key: 'escort_identity',
    label: { zh: '押运员在场，身份与运单一致', en: "Escort present, identity matches the waybill" },
    phase: 'pre_loading',
  },
  goods_match: {
    key: 'goods_match',
    label: { zh: '货物实物与运单一致（UN编号、品名、包装类别、包装、件数）', en: 'Goods physically match the waybill (UN number, name, packing group, packaging, count)' },
    phase: 'pre_loading',
  },
  packages_ok: {
    key: 'packages_ok',
    label: { zh: '包件完好无泄漏，标志、标签齐全', en: 'Packages undamaged and not leaking, marked and labelled' },
    phase: 'pre_loading',
  },
  sds_label: {
    key: 'sds_label',
    label: { zh: '安全技术说明书和安全标签与货物一致（品名、CAS、UN编号）', en: 'Safety data sheet and safety label consistent with the goods (name, CAS, UN number)' },
    phase: 'pre_loading',
  },
  vehicle_marking: {
    key: 'vehicle_marking',
    label: {
      zh: '车辆标志齐全：GB 13392 标志灯、标志牌；爆炸品/剧毒品 GB 20300 标志牌；橙色矩形标志牌（如使用）',
      en: 'Vehicle marking: GB 13392 lamp and plates; GB 20300 plates for explosives / highly toxic goods; orange plates where used',
    },
    phase: 'pre_loading',
  },
  emergency_equipment: {
    key: 'emergency_equipment',
    label: { zh: '随车应急器材、个人防护用品和危险货物道路运输安全卡齐全', en: 'Emergency equipment, PPE and the dangerous-goods road transport safety card on board' },
    phase: 'pre_loading',
  },
  security_plan: {
    key: 'security_plan',
    label: { zh: '安保防范计划在案，押运员已接受安保告知', en: 'Security plan on file and escort briefed' },
    phase: 'pre_loading',
    appliesWhen: { zh: '高风险危险货物或高危化学品', en: 'high-consequence or high-hazard goods' },
  },
  closures_after_loading: {
    key: 'closures_after_loading',
    label: { zh: '装货后罐体/容器封口关闭、无泄漏、外表无残留，铅封已登记', en: 'After loading: closures closed, no leaks, no residue outside, seals recorded' },
    phase: 'post_loading',
  },
};

const item = (key: GateChecklistKey) => ({ key, label: ITEMS[key].label });

export type CheckRule = {
  id: CheckRuleId;
  title: Bilingual;
  description: Bilingual;
  source: string; // the Source column of DOMAIN.md 3.1(b), verbatim
  sourceStatus: SourceStatus;
  sourceNote?: string;
  defaultSeverity: Severity;
  severityConfigurable: boolean;
  kind: RuleKind;
  phase: CheckPhase;
  checklistItem?: { key: GateChecklistKey; label: Bilingual };
  // Goods for which the rule is judged at block whatever the (default or overridden) severity (PL-28).
  alwaysBlocksFor?: Bilingual;
};

type RuleDef = Omit<CheckRule, 'severityConfigurable' | 'phase'> & { phase?: CheckPhase; configurableBecause?: string };

const rule = ({ configurableBecause, phase = 'pre_loading', ...r }: RuleDef): CheckRule => ({
  ...r,
  phase,
  // The record (PL-33) is not evaluated: a severity would change nothing, so none can be set.
  severityConfigurable: r.kind !== 'record' && (r.sourceStatus !== 'verified' || configurableBecause !== undefined),
  ...(configurableBecause ? { sourceNote: [r.sourceNote, configurableBecause].filter(Boolean).join(' ') } : {}),
});

export const CHECK_RULES: readonly CheckRule[] = [
  rule({
    id: 'PL-01',
    title: { zh: '运单有效', en: 'Waybill valid for this check' },
    description: {
      zh: '运单已签发（或查验未通过后复检），二维码签名有效且为当前版本，装货地为本场站，未作废、未过期（计划到达日未过）。',
      en: 'The waybill is issued (or check_failed, for a re-check after substitution), its QR signature is valid and of the current version, it names this loading site, and it is not cancelled or expired (planned arrival day not past).',
    },
    source: 'Order 29 art. 24; MOT e-waybill spec (QR)',
    sourceStatus: 'verified',
    sourceNote: 'Untagged in the table; DOMAIN.md 1.3 tags art. 24 [V] and the MOT exchange spec (QR, status) [V: title and contents].',
    defaultSeverity: 'block',
    kind: 'automatic',
  }),
  rule({
    id: 'PL-02',
    title: { zh: '车辆号牌与运单一致', en: 'Vehicle and trailer plates match the waybill' },
    description: {
      zh: '闸口识别的车辆、挂车号牌与运单所载一致；未识别号牌时由查验人员人工确认。',
      en: 'The plates read at the gate are exactly the waybill’s vehicle and trailer; when none were read, a person at the gate confirms them.',
    },
    source: 'Order 29 ch.5 item 4 (consistency) [R]',
    sourceStatus: 'reported',
    defaultSeverity: 'block',
    kind: 'automatic',
    checklistItem: item('registration_plates'),
  }),
  rule({
    id: 'PL-03',
    title: { zh: '行驶证与安全技术检验有效', en: 'Vehicle registration and safety inspection valid' },
    description: {
      zh: '车辆及挂车行驶证在有效期内，安全技术检验未逾期（有效期至当日仍有效）。',
      en: 'The vehicle’s and trailer’s registration (行驶证) is valid and the periodic safety inspection not overdue (valid through the date shown).',
    },
    source: 'Order 29 ch.5 item 1 [R]',
    sourceStatus: 'reported',
    defaultSeverity: 'block',
    kind: 'automatic',
  }),
  rule({
    id: 'PL-04',
    title: { zh: '道路运输证有效且经营范围覆盖货物', en: 'Road transport certificate valid and covering the goods' },
    description: {
      zh: '车辆及挂车道路运输证在有效期内（年度审验有效），经营范围覆盖每一货物行的类别/项别；车辆未列入黑名单。',
      en: 'The vehicle’s and trailer’s road transport certificate (道路运输证) is valid through its annual review date, its scope covers every line’s class/division, and neither is blacklisted.',
    },
    source: 'Order 29 ch.5 item 1 [R]; art. 22 [V]; 道路危险货物运输管理规定 (annual 审验) [V]',
    sourceStatus: 'verified',
    sourceNote: 'Hazway records vehicle scope as classes only: the highly toxic (剧毒) part is checked on the carrier licence (PL-05) and crew endorsements (PL-09, PL-10).',
    defaultSeverity: 'block',
    kind: 'automatic',
  }),
  rule({
    id: 'PL-05',
    title: { zh: '承运人经营许可有效、范围覆盖、未列入黑名单', en: 'Carrier licence valid and in scope; carrier not blacklisted' },
    description: {
      zh: '承运人道路危险货物运输经营许可证在有效期内，经营范围覆盖全部货物类别（剧毒化学品须有剧毒经营范围），承运人未列入黑名单。',
      en: 'The carrier’s road dangerous-goods transport licence is valid, its scope covers every class on the waybill (and highly toxic chemicals where carried), and the carrier is not blacklisted.',
    },
    source: 'Order 29 art. 9, 22 [V]; IM plan blacklist',
    sourceStatus: 'verified',
    defaultSeverity: 'block',
    kind: 'automatic',
  }),
  rule({
    id: 'PL-06',
    title: { zh: '托运人、收货人未列入黑名单', en: 'Shipper and consignee not blacklisted' },
    description: {
      zh: '托运人、收货人未列入黑名单。收货人剧毒/易制爆购买、使用许可尚无数据：运剧毒/易制爆货物时给出警告，由查验人员核实。',
      en: 'Neither shipper nor consignee is blacklisted. The consignee’s purchase/use licence for highly toxic or precursor goods is not held in Hazway: for such goods the rule warns and the gate checks the licence.',
    },
    source: '591 (purchase permits) [R]; IM plan',
    sourceStatus: 'reported',
    defaultSeverity: 'block',
    kind: 'automatic',
  }),
  rule({
    id: 'PL-07',
    title: { zh: '驾驶员身份与运单一致', en: 'Driver identity matches the waybill' },
    description: {
      zh: '查验人员核对驾驶员身份证或人脸，与运单所载驾驶员一致。',
      en: 'A person at the gate checks the driver’s ID card or face against the driver on the waybill.',
    },
    source: 'Order 29 ch.5 item 2 [R]; ADR 1.10.1.4 [V-NO]',
    sourceStatus: 'verified-foreign',
    defaultSeverity: 'block',
    kind: 'manual',
    checklistItem: item('driver_identity'),
  }),
  rule({
    id: 'PL-08',
    title: { zh: '驾驶证有效、准驾车型相符', en: 'Driving licence valid and of an adequate class' },
    description: {
      zh: '驾驶员机动车驾驶证在有效期内，准驾车型覆盖所驾车辆（牵引车/挂车 A2，重中型货车 B2，轻型货车 C1）。',
      en: 'The driver’s driving licence is valid and its class covers the vehicle (tractor or trailer combination A2, heavy/medium truck B2, light truck C1).',
    },
    source: '道路交通安全法 [R]',
    sourceStatus: 'reported',
    sourceNote: 'Licence classes per 《机动车驾驶证申领和使用规定》 准驾车型 [R]. Suspension is not recorded in Hazway.',
    defaultSeverity: 'block',
    kind: 'automatic',
  }),
  rule({
    id: 'PL-09',
    title: { zh: '驾驶员从业资格证有效', en: 'Driver’s dangerous-goods qualification valid' },
    description: {
      zh: '驾驶员从业资格证在有效期内，类别为危险货物运输驾驶员，运剧毒/爆炸品时具相应类别；驾驶员未列入黑名单。',
      en: 'The driver’s qualification certificate (从业资格证) is valid, of the dangerous-goods driver category, endorsed for highly toxic or explosive goods where carried; the driver is not blacklisted.',
    },
    source: 'Order 29 ch.5 item 2 [R]; 591 art. 44 [R]',
    sourceStatus: 'reported',
    defaultSeverity: 'block',
    kind: 'automatic',
  }),
  rule({
    id: 'PL-10',
    title: { zh: '押运员在岗且从业资格证有效', en: 'Escort present and qualified' },
    description: {
      zh: '运单配备押运员，其从业资格证有效、类别为押运员（剧毒/爆炸品具相应类别），未列入黑名单；身份由查验人员核对。',
      en: 'The waybill names an escort whose qualification is valid and of the escort category (endorsed where needed), not blacklisted; a person at the gate checks the escort’s identity.',
    },
    source: 'Order 29 art. 44 [V], ch.5 item 2 [R]',
    sourceStatus: 'verified',
    defaultSeverity: 'block',
    kind: 'automatic',
    checklistItem: item('escort_identity'),
  }),
  rule({
    id: 'PL-11',
    title: { zh: '证件在计划到达前不过期', en: 'Certificates remain valid until planned arrival' },
    description: {
      zh: '今日有效的证件（车辆、挂车、罐体、驾驶员、押运员、承运人许可、保险）在计划到达日仍有效，避免途中过期。',
      en: 'Certificates valid today (vehicle, trailer, tank, driver, escort, carrier licence, insurance) are still valid on the planned arrival day, so none expires en route.',
    },
    source: 'proposal (avoid en-route expiry)',
    sourceStatus: 'proposal',
    defaultSeverity: 'warn',
    kind: 'automatic',
  }),
  rule({
    id: 'PL-12',
    title: { zh: '罐体检验有效', en: 'Tank inspection valid' },
    description: {
      zh: '罐体下次检验日期未过；移动式压力容器须有使用登记证。',
      en: 'The tank’s next inspection date is not past; a mobile pressure vessel has its registration (使用登记证).',
    },
    source: 'Order 29 ch.5 item 3 [R]; ADR 1.4.3.3(b) [V-NO]',
    sourceStatus: 'verified-foreign',
    defaultSeverity: 'block',
    kind: 'automatic',
  }),
  rule({
    id: 'PL-13',
    title: { zh: '货物在罐体适装介质范围内', en: 'Goods within the tank’s approved media' },
    description: {
      zh: '每一货物在罐体适装介质列表内（列表为准）；在列表内但罐体代码低于货物的 ADR 罐体代码时警告。无适装介质列表的罐体（如罐式集装箱）按 ADR 罐体代码等级判定。',
      en: 'Every line’s goods are on the tank’s approved media list (适装介质列表), which decides; a listed medium whose ADR tank code is above the tank’s gets a warning. A tank without a media list (a tank container) is judged by the ADR tank-code hierarchy.',
    },
    source: 'Order 29 art. 23 [V], ch.5 item 5 [R]; ADR 1.4.3.3(c), 4.3.4.1.2 [V-NO]',
    sourceStatus: 'verified',
    defaultSeverity: 'block',
    kind: 'automatic',
  }),
  rule({
    id: 'PL-14',
    title: { zh: '车辆类型与罐体特殊规定相符', en: 'Vehicle type and tank special provisions match' },
    description: {
      zh: '罐式运输时车辆类型（FL/AT/EX）满足货物要求（ADR 表A第14栏）；罐体特殊规定（TU/TC/TE）数据尚缺，暂不判定。',
      en: 'For tank carriage the vehicle type (FL/AT/EX) meets the goods’ requirement (ADR Table A column 14); tank special provisions (TU/TC/TE) are not in Hazway’s data yet.',
    },
    source: 'ADR 9.1 [V-NO]; JT/T 617.3 [R]',
    sourceStatus: 'verified-foreign',
    sourceNote: 'DOMAIN.md: WARN, BLOCK once data is complete.',
    defaultSeverity: 'warn',
    kind: 'automatic',
  }),
  rule({
    id: 'PL-15',
    title: { zh: '上次装运货物相容或罐体已清洗', en: 'Last cargo compatible or tank cleaned' },
    description: {
      zh: '罐体已清洗，或上次装运货物与本次每一货物相同（UN编号）或允许混装。',
      en: 'The tank is cleaned, or its last cargo is the same UN number as, or may be loaded together with, every line.',
    },
    source: 'ADR 7.5.1.2 (incompatible residues) [V-NO]',
    sourceStatus: 'verified-foreign',
    sourceNote: 'Mixed-loading compatibility stands in for residue compatibility.',
    defaultSeverity: 'block',
    kind: 'automatic',
  }),
  rule({
    id: 'PL-16',
    title: { zh: '货物实物与运单一致', en: 'Goods physically match the waybill' },
    description: { zh: '查验人员扫描标签/批号，核对货物与运单一致。', en: 'A person at the gate scans labels/batches and confirms the goods match the waybill.' },
    source: 'Order 29 ch.5 item 4 [R]; ADR 1.4.3.1.1',
    sourceStatus: 'reported',
    defaultSeverity: 'block',
    kind: 'manual',
    checklistItem: item('goods_match'),
  }),
  rule({
    id: 'PL-17',
    title: { zh: '包件完好、标志标签齐全', en: 'Packages undamaged, marked and labelled' },
    description: { zh: '目视检查（可拍照）包件无破损、无泄漏，标志标签齐全。', en: 'Visual check (with photos) that packages are undamaged, not leaking, and marked and labelled.' },
    source: 'ADR 1.4.3.1.1(b) [V-NO]; JT/T 617.4 [R]',
    sourceStatus: 'verified-foreign',
    defaultSeverity: 'block',
    kind: 'manual',
    checklistItem: item('packages_ok'),
  }),
  rule({
    id: 'PL-18',
    title: { zh: '一书一签齐全一致', en: 'SDS and safety label present and consistent' },
    description: {
      zh: '每一货物行登记了安全技术说明书和安全标签；二者与货物一致由查验人员确认。',
      en: 'Every line has a safety data sheet and safety label on record; a person at the gate confirms they match the goods.',
    },
    source: 'IM plan; 591 art. 15 [R]; Order 29 ch.2 [R]',
    sourceStatus: 'reported',
    sourceNote: 'DOMAIN.md: BLOCK for 危险化学品; Hazway cannot yet tell 危险化学品 from other dangerous goods, so it asks it of every line.',
    defaultSeverity: 'block',
    kind: 'automatic',
    checklistItem: item('sds_label'),
  }),
  rule({
    id: 'PL-19',
    title: { zh: '剧毒化学品道路运输通行证', en: 'Highly toxic chemicals road transport pass' },
    description: {
      zh: '运剧毒化学品须有有效通行证：品名在列、数量不超、车辆和人员在列、当前时间在有效期内（路线见 PL-28）。',
      en: 'Highly toxic goods need a valid pass listing the goods, with quantity within the cap, the vehicles and crew listed, and now within its validity (route: see PL-28).',
    },
    source: 'Order 29 ch.5 item 6 + art. 15 [R]; 591 art. 50 [R]',
    sourceStatus: 'reported',
    defaultSeverity: 'block',
    kind: 'automatic',
  }),
  rule({
    id: 'PL-20',
    title: { zh: '民爆、烟花爆竹、放射性、危险废物许可与单证', en: 'Explosives, fireworks, radioactive and hazardous-waste permits' },
    description: {
      zh: '民用爆炸物品运输许可证、烟花爆竹道路运输许可证、放射性物品运输许可、危险废物转移联单：有效且与本次运输相符。',
      en: 'Civil explosives permit, fireworks permit, radioactive approval, hazardous-waste manifest: valid and matching this trip.',
    },
    source: 'Order 29 art. 15, 44 [V/R]; 烟花爆竹条例 arts 22-25 [V]',
    sourceStatus: 'verified',
    sourceNote: 'Verified: art. 44 (carry the art. 15 documents) and the fireworks permit; the explosives, radioactive and waste regimes themselves are [R] (DOMAIN.md 1.6).',
    defaultSeverity: 'block',
    kind: 'automatic',
  }),
  rule({
    id: 'PL-21',
    title: { zh: '混装禁忌', en: 'Mixed-loading prohibitions' },
    description: {
      zh: '本次各货物之间及与车上已有货物之间两两允许混装（ADR 7.5.2.1/7.5.2.2；有限数量不得与爆炸品混装）。',
      en: 'Every pair of lines, and of lines with goods already on the vehicle, may be loaded together (ADR 7.5.2.1 / 7.5.2.2; limited quantities never with explosives).',
    },
    source: 'ADR 7.5.2 [V-NO]; Order 29 art. 20 [V]; JT/T 617.7 [R]',
    sourceStatus: 'verified-foreign',
    sourceNote: 'Only the limited-quantity-with-explosives part (art. 20) is verified Chinese law; the tables are ADR.',
    defaultSeverity: 'block',
    kind: 'automatic',
  }),
  rule({
    id: 'PL-22',
    title: { zh: '不超核定载质量和罐体容积', en: 'Within rated load and tank capacity' },
    description: {
      zh: '装货后核对实装量不超核定载质量和允许充装量；装货前先以申报量预检。',
      en: 'At LOADED the loaded quantity must not exceed the rated load or permitted filling; before loading the declared quantities are pre-checked.',
    },
    source: 'Order 29 art. 23 [V]; ADR 1.4.3.3(e) [V-NO]',
    sourceStatus: 'verified',
    defaultSeverity: 'block',
    kind: 'automatic',
    phase: 'post_loading',
  }),
  rule({
    id: 'PL-23',
    title: { zh: '车辆标志', en: 'Vehicle marking' },
    description: { zh: '查验人员确认 GB 13392 标志灯、标志牌，爆炸品/剧毒品 GB 20300 标志牌。', en: 'A person at the gate confirms the GB 13392 lamp and plates, and GB 20300 plates for explosives / highly toxic goods.' },
    source: 'Order 29 art. 26, 44 [V]',
    sourceStatus: 'verified',
    defaultSeverity: 'block',
    kind: 'manual',
    checklistItem: item('vehicle_marking'),
  }),
  rule({
    id: 'PL-24',
    title: { zh: '应急器材、防护用品与安全卡', en: 'Emergency equipment, PPE and safety card' },
    description: { zh: '查验人员确认随车应急器材、防护用品和危险货物道路运输安全卡。', en: 'A person at the gate confirms emergency equipment, PPE and the safety card are on board.' },
    source: 'Order 29 art. 44 [V]; ADR 8.1.2.1(b) [V-NO]',
    sourceStatus: 'verified',
    defaultSeverity: 'block',
    kind: 'manual',
    checklistItem: item('emergency_equipment'),
  }),
  rule({
    id: 'PL-25',
    title: { zh: '卫星定位终端在线且无故障', en: 'Satellite terminal online, recent fix, no fault' },
    description: {
      zh: '车载终端在线，最近定位不超过5分钟，无 GNSS 模块故障、天线断路/短路、主电源断电报警（JT/T 808 报警位 4、5、6、8）。无终端数据视为不通过。',
      en: 'The vehicle terminal is online, its last fix at most 5 minutes old, with no GNSS module fault, antenna cut/short or main power cut alarm (JT/T 808 bits 4, 5, 6, 8). No terminal data is a failure.',
    },
    source: 'Order 29 art. 25, 45 [V]; JT/T 808 [V]',
    sourceStatus: 'verified',
    defaultSeverity: 'block',
    kind: 'automatic',
  }),
  rule({
    id: 'PL-26',
    title: { zh: '承运人出车前检查与安全告知', en: 'Carrier’s pre-trip inspection and safety briefing' },
    description: {
      zh: '承运人当日登记了本运单的出车前检查（车辆、罐体/罐箱、安全与应急器材、卫星定位装置均合格，且为运单当前所载车辆）和对运单当前驾驶员、押运员的安全告知（POST /waybills/:id/pre-trip-inspections）。以最新一条记录为准。',
      en: 'The carrier recorded today, for this waybill, a pre-trip inspection (vehicle, tank/container, safety and emergency equipment, satellite terminal all passed, of the vehicles the waybill names now) and the safety briefing of the waybill’s current driver and escort (POST /waybills/:id/pre-trip-inspections). The latest record counts.',
    },
    source: 'Order 29 art. 25 [V]',
    sourceStatus: 'verified',
    sourceNote: '"Today" is the calendar day in Asia/Shanghai of the inspection and of the briefing.',
    defaultSeverity: 'block',
    kind: 'automatic',
  }),
  rule({
    id: 'PL-27',
    title: { zh: '承运人责任险有效', en: 'Carrier liability insurance valid' },
    description: { zh: '车辆承运人责任险在有效期内。', en: 'The vehicle’s carrier liability insurance (承运人责任险) is valid.' },
    source: '道路运输条例 [R]; 道路危险货物运输管理规定 审验 item [V]',
    sourceStatus: 'verified',
    defaultSeverity: 'block',
    kind: 'automatic',
  }),
  rule({
    id: 'PL-28',
    title: { zh: '路线避开限行区域和隧道，遵守许可路线', en: 'Route avoids restricted areas and tunnels; permit route obeyed' },
    description: {
      zh: '计划路线沿许可证核定路线（200米走廊）。剧毒、民爆、烟花爆竹、放射性货物偏离即阻断，其他货物警告。限行区域、时段和隧道数据尚缺，暂不判定。',
      en: 'The planned route follows the permit’s route (200 m corridor). Off-route blocks for highly toxic, explosive, fireworks and radioactive goods and warns for other goods. Restricted areas, hours and tunnels are not in Hazway’s data yet.',
    },
    source: 'Order 29 art. 48-49 [V]; ADR 1.9.5/8.6.4 [V-NO]',
    sourceStatus: 'verified',
    sourceNote: 'DOMAIN.md: WARN, BLOCK for 剧毒/民爆/烟花/放射性.',
    configurableBecause:
      'Configurable although verified: Hazway only compares two drawn polylines (an approximation), so for ordinary goods the rule ships as warn and an administrator may raise it to block (or set it back to warn). The override never lowers the goods in alwaysBlocksFor: for them DOMAIN.md fixes BLOCK.',
    alwaysBlocksFor: { zh: '剧毒化学品、民用爆炸物品、烟花爆竹、放射性物品', en: 'highly toxic chemicals, civil explosives, fireworks, radioactive material' },
    defaultSeverity: 'warn',
    kind: 'automatic',
  }),
  rule({
    id: 'PL-29',
    title: { zh: '高风险危险货物安保措施', en: 'High-consequence and high-hazard goods: security' },
    description: {
      zh: '高风险危险货物（ADR 1.10.3.1.2）或高危化学品（硝酸铵、硝化棉、氰化钠）：配备押运员、卫星定位跟踪在线；安保防范计划在案、押运员已受告知由查验人员确认。',
      en: 'High-consequence goods (ADR 1.10.3.1.2) or the plan’s high-hazard chemicals (ammonium nitrate, nitrocellulose, sodium cyanide): an escort is dispatched and tracking is live; a person at the gate confirms the security plan is on file and the escort briefed.',
    },
    source: 'ADR 1.10.3.2-1.10.3.3 [V-NO]; JT/T 617.1 Annex B [V ToC]; IM plan',
    sourceStatus: 'verified-foreign',
    defaultSeverity: 'block',
    kind: 'automatic',
    checklistItem: item('security_plan'),
  }),
  rule({
    id: 'PL-30',
    title: { zh: '申报数量与订单/出库一致', en: 'Declared quantity matches order / stock release' },
    description: {
      zh: '申报数量与托运人订单或出库单在容差内一致（防流失）。Hazway 尚无订单/出库数据，暂不判定。',
      en: 'Declared quantities agree with the shipper’s order or stock release within tolerance (anti-diversion). Hazway holds no order or stock data yet.',
    },
    source: 'IM plan (lifecycle control)',
    sourceStatus: 'proposal',
    defaultSeverity: 'warn',
    kind: 'automatic',
  }),
  rule({
    id: 'PL-31',
    title: { zh: '装卸管理人员资格有效', en: 'Loading manager’s qualification valid' },
    description: {
      zh: '执行查验的装卸管理人员从业资格证在有效期内，类别为装卸管理人员，未列入黑名单。',
      en: 'The loading manager running the check holds a valid qualification of the loading-manager category and is not blacklisted.',
    },
    source: '591 art. 44 [R]',
    sourceStatus: 'reported',
    defaultSeverity: 'block',
    kind: 'automatic',
  }),
  rule({
    id: 'PL-32',
    title: { zh: '装货后封口、无泄漏', en: 'After loading: closures closed, no leaks' },
    description: { zh: '装货后确认封口关闭、无泄漏、外表无残留，登记铅封。', en: 'After loading, a person confirms closures are closed, nothing leaks, no residue outside, and records the seals.' },
    source: 'Order 29 art. 47 [V]; ADR 1.4.3.3(f)(g) [V-NO]',
    sourceStatus: 'verified',
    defaultSeverity: 'block',
    kind: 'manual',
    phase: 'post_loading',
    checklistItem: item('closures_after_loading'),
  }),
  rule({
    id: 'PL-33',
    title: { zh: '查验记录留存', en: 'Check recorded and kept' },
    description: {
      zh: '记录查验（人员、时间、地点、结果、证据），至少保存12个月。由服务在保存查验时完成。',
      en: 'The check is recorded (who, when, where, results, evidence) and kept at least 12 months; the service does this when it stores the check.',
    },
    source: 'Order 29 ch.5 [R]',
    sourceStatus: 'reported',
    sourceNote: 'Severity n/a in DOMAIN.md: storing the record is not optional, so its severity cannot be set.',
    defaultSeverity: 'block',
    kind: 'record',
  }),
];

export const CHECK_RULES_BY_ID: Readonly<Record<CheckRuleId, CheckRule>> = Object.fromEntries(CHECK_RULES.map((r) => [r.id, r])) as Record<
  CheckRuleId,
  CheckRule
>;

export type GateChecklistItem = ChecklistItemDef & { ruleIds: CheckRuleId[] };

// Derived from the rules, so that the checklist and the rules cannot drift apart.
export const GATE_CHECKLIST: readonly GateChecklistItem[] = GATE_CHECKLIST_KEYS.map((key) => ({
  ...ITEMS[key],
  ruleIds: CHECK_RULES.filter((r) => r.checklistItem?.key === key).map((r) => r.id),
}));

export const isCheckRuleId = (id: string): id is CheckRuleId => (CHECK_RULE_IDS as readonly string[]).includes(id);

export type SeverityOverrideProblem = { ruleId: string; code: 'UNKNOWN_RULE' | 'SEVERITY_NOT_CONFIGURABLE' | 'INVALID_SEVERITY'; message: string };

// For the administrator's settings: which overrides would be ignored, and why.
export function severityOverrideProblems(overrides: Record<string, unknown>): SeverityOverrideProblem[] {
  const problems: SeverityOverrideProblem[] = [];
  for (const [ruleId, severity] of Object.entries(overrides)) {
    if (!isCheckRuleId(ruleId)) {
      problems.push({ ruleId, code: 'UNKNOWN_RULE', message: `${ruleId} is not a pre-loading check rule` });
    } else if (severity !== 'block' && severity !== 'warn') {
      problems.push({ ruleId, code: 'INVALID_SEVERITY', message: `${ruleId}: severity must be block or warn` });
    } else if (!CHECK_RULES_BY_ID[ruleId].severityConfigurable && severity !== CHECK_RULES_BY_ID[ruleId].defaultSeverity) {
      const why = CHECK_RULES_BY_ID[ruleId].kind === 'record' ? 'is the record of the check itself, not evaluated' : 'rests on a verified source';
      problems.push({ ruleId, code: 'SEVERITY_NOT_CONFIGURABLE', message: `${ruleId} ${why}; its severity is fixed at ${CHECK_RULES_BY_ID[ruleId].defaultSeverity}` });
    }
  }
  return problems;
}

// The severity each rule has with these overrides: an override counts only for a configurable rule.
export function resolveSeverities(overrides: Partial<Record<string, Severity>> = {}): Record<CheckRuleId, Severity> {
  return Object.fromEntries(
    CHECK_RULES.map((r) => {
      const o = overrides[r.id];
      return [r.id, r.severityConfigurable && (o === 'block' || o === 'warn') ? o : r.defaultSeverity];
    }),
  ) as Record<CheckRuleId, Severity>;
}
