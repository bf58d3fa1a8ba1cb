import { shanghaiDate } from '../vehicles/certificate.rules.js';

// The carrier's pre-trip inspection and safety briefing (出车前检查与安全告知), Order 29 art. 25 [V]: before
// transport the carrier checks the vehicle, the tank / portable tank / tank container, the equipment and the
// satellite positioning unit, keeps a record, and gives the driver and the escort a safety briefing. Recorded per
// waybill (PreTripInspection); PL-26 of the pre-loading check is decided from the latest record by preTripProblems.

type Bilingual = { zh: string; en: string };

// What the carrier inspects: one item per object art. 25 names (the equipment and the emergency kit together).
export const PRE_TRIP_ITEM_KEYS = ['vehicle', 'tank_container', 'equipment', 'satellite_terminal'] as const;
export type PreTripItemKey = (typeof PRE_TRIP_ITEM_KEYS)[number];

export const PRE_TRIP_ITEMS: readonly { key: PreTripItemKey; label: Bilingual }[] = [
  {
    key: 'vehicle',
    label: { zh: '车辆（牵引车、挂车）技术状况良好：制动、轮胎、灯光、转向', en: 'Vehicle and trailer in sound condition: brakes, tyres, lights, steering' },
  },
  {
    key: 'tank_container',
    label: {
      zh: '罐体、可移动罐柜、罐箱（或厢体）完好，阀门、紧急切断装置正常，无泄漏',
      en: 'Tank, portable tank or tank container (or cargo body) sound, valves and emergency shut-off working, no leaks',
    },
  },
  {
    key: 'equipment',
    label: { zh: '安全设备、应急器材和个人防护用品齐全有效', en: 'Safety equipment, emergency kit and personal protective equipment complete and serviceable' },
  },
  {
    key: 'satellite_terminal',
    label: { zh: '卫星定位装置工作正常', en: 'Satellite positioning terminal working' },
  },
];

export const PRE_TRIP_ITEM_LABELS: Readonly<Record<PreTripItemKey, Bilingual>> = Object.fromEntries(PRE_TRIP_ITEMS.map((i) => [i.key, i.label])) as Record<
  PreTripItemKey,
  Bilingual
>;

export type PreTripItemResult = { key: PreTripItemKey; ok: boolean; note?: string | null };

// A record is made after issue and before loading: the waybill names the vehicle and crew, and nothing is loaded yet.
export const PRE_TRIP_STATUSES = ['issued', 'check_failed', 'checked'] as const;

// The record as the rule reads it. vehicleId / trailerId / tankId: what the waybill named when it was recorded,
// i.e. what was inspected.
export type PreTripRecord = {
  id: string;
  inspectedAt: Date;
  items: PreTripItemResult[];
  briefedPersonIds: string[];
  briefedAt: Date;
  vehicleId: string | null;
  trailerId: string | null;
  tankId: string | null;
};

type Named = { id: string; name: string };
// The trip as the waybill names it now (after any amendment).
export type PreTripTrip = { driver: Named | null; escort: Named | null; vehicleId: string | null; trailerId: string | null; tankId: string | null };

export type PreTripProblem = { code: string; zh: string; en: string } & Record<string, unknown>;

// Why the latest record does not cover this trip today (empty: it does). "Today" is the calendar day in
// Asia/Shanghai: the inspection and the briefing are for this day's trip, so a record of yesterday 23:59 does not
// count at 00:01. The briefing must reach the waybill's current driver and escort (a substitute was not briefed),
// and the inspection must be of the vehicle, trailer and tank the waybill names now.
export function preTripProblems(record: PreTripRecord | null, trip: PreTripTrip, today: string): PreTripProblem[] {
  if (!record) {
    return [{ code: 'PRETRIP_RECORD_MISSING', zh: '承运人未登记本趟出车前检查和安全告知', en: "No carrier's pre-trip inspection and safety briefing is recorded for this trip" }];
  }
  const problems: PreTripProblem[] = [];
  const inspectedDay = shanghaiDate(new Date(record.inspectedAt));
  if (inspectedDay !== today) {
    problems.push({
      code: 'PRETRIP_NOT_TODAY',
      inspectedDay,
      zh: `出车前检查日期为${inspectedDay}，不是今日（${today}）`,
      en: `The pre-trip inspection was made on ${inspectedDay}, not today (${today})`,
    });
  }
  for (const item of record.items.filter((i) => !i.ok)) {
    const label = PRE_TRIP_ITEM_LABELS[item.key] ?? { zh: item.key, en: item.key };
    const note = item.note ? [`：${item.note}`, `: ${item.note}`] : ['', ''];
    problems.push({ code: 'PRETRIP_ITEM_FAILED', item: item.key, zh: `出车前检查不合格：${label.zh}${note[0]}`, en: `Pre-trip inspection failed: ${label.en}${note[1]}` });
  }
  const changed = (['vehicleId', 'trailerId', 'tankId'] as const).filter((f) => (record[f] ?? null) !== (trip[f] ?? null));
  if (changed.length) {
    problems.push({
      code: 'PRETRIP_VEHICLE_CHANGED',
      fields: changed,
      zh: '出车前检查所检车辆、挂车或罐体与运单当前所载不一致',
      en: 'The pre-trip inspection was of another vehicle, trailer or tank than the waybill names now',
    });
  }
  const briefedDay = shanghaiDate(new Date(record.briefedAt));
  if (briefedDay !== today) {
    problems.push({ code: 'BRIEFING_NOT_TODAY', briefedDay, zh: `安全告知日期为${briefedDay}，不是今日（${today}）`, en: `The safety briefing was given on ${briefedDay}, not today (${today})` });
  }
  const roles = [
    [trip.driver, 'driver', '驾驶员', 'driver'],
    [trip.escort, 'escort', '押运员', 'escort'],
  ] as const;
  for (const [person, role, zh, en] of roles) {
    if (person && !record.briefedPersonIds.includes(person.id)) {
      problems.push({ code: 'BRIEFING_MISSING_PERSON', role, personId: person.id, zh: `${zh}${person.name}未接受本趟安全告知`, en: `${en} ${person.name} was not given this trip's safety briefing` });
    }
  }
  return problems;
}
