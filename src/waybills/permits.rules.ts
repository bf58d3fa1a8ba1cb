import polylineCodec from '@googlemaps/polyline-codec';
import { normaliseUnNumber } from '../dangerous-goods/catalogue.js';
import { normalisePlate } from '../vehicles/plate.rules.js';
import type { Permit, PermitGoods, PermitType } from './permit.entity.js';

// The package is CommonJS (UMD) without an exports map: Node's ESM loader only offers it as a default export.
const { decode } = polylineCodec;

// ---- matching a permit against a trip (DOMAIN.md 1.6; 3.1(a) Permit: validity window, vehicle plates,
// persons, goods & max quantity, status)

export type PermitProblemCode =
  | 'PERMIT_NOT_VALID'
  | 'PERMIT_OUTSIDE_WINDOW'
  | 'PERMIT_VEHICLE_NOT_LISTED'
  | 'PERMIT_PERSON_NOT_LISTED'
  | 'PERMIT_GOODS_NOT_LISTED'
  | 'PERMIT_QUANTITY_EXCEEDED';

export type PermitProblem = {
  code: PermitProblemCode;
  message: string;
  status?: string;
  plate?: string;
  personId?: string;
  unNumber?: string;
  // PERMIT_QUANTITY_EXCEEDED: the trip's total and the cap, both in the permit's unit; when the units cannot be
  // compared (mass against volume) `unit` is the trip's and `maxUnit` the permit's, and quantity stays in its own.
  quantity?: number;
  maxQuantity?: number;
  unit?: string;
  maxUnit?: string;
};

export type PermitMatch = { ok: boolean; problems: PermitProblem[] };

// Status and units are plain strings so that callers holding a snapshot (not the entity) need not narrow them;
// a unit other than kg, t, L and m3 compares only with itself.
export type PermitForMatch = Pick<Permit, 'validFrom' | 'validUntil' | 'vehiclePlates' | 'personIds'> & {
  status: string;
  goods: { unNumber: string; maxQuantity: number; unit: PermitGoods['unit'] | (string & {}) }[];
};

export type TripForPermit = {
  at: Date;
  plates: string[];
  personIds: string[];
  // Quantities from numeric columns arrive as strings; both are accepted.
  lines: { unNumber: string; quantity: number | string; unit: PermitGoods['unit'] | (string & {}) }[];
};

type Unit = string;

// Mass in kg, volume in L. Different dimensions are not comparable: a volume cap does not bound a mass
// without the substance's density at a temperature, which the permit does not state.
const UNITS: Record<PermitGoods['unit'], { dimension: string; base: number }> = {
  kg: { dimension: 'mass', base: 1 },
  t: { dimension: 'mass', base: 1000 },
  L: { dimension: 'volume', base: 1 },
  m3: { dimension: 'volume', base: 1000 },
};
const unitOf = (u: Unit) => (Object.hasOwn(UNITS, u) ? UNITS[u as PermitGoods['unit']] : { dimension: `other:${u}`, base: 1 });

export const comparableUnits = (a: Unit, b: Unit) => unitOf(a).dimension === unitOf(b).dimension;

// Quantities are summed and compared in thousandths of the base unit (g, mL) as integers, so that
// 0.1 t + 0.2 t is exactly 300 kg and a cap of 0.3 t is not exceeded by floating-point noise.
const toMilliBase = (q: number, unit: Unit) => Math.round(q * unitOf(unit).base * 1000);
const fromMilliBase = (m: number, unit: Unit) => m / 1000 / unitOf(unit).base;

export function convertQuantity(quantity: number, from: Unit, to: Unit): number | null {
  if (!comparableUnits(from, to)) return null;
  return fromMilliBase(toMilliBase(quantity, from), to);
}

const un = (u: string) => normaliseUnNumber(u) ?? u.trim().toUpperCase();

// Every reason why `permit` does not cover this trip, in a stable order; an empty list means it does. A list
// the permit leaves empty (no persons named) does not restrict the trip on that point. The permit's validity
// window includes both ends.
export function permitMatches(permit: PermitForMatch, trip: TripForPermit): PermitMatch {
  const problems: PermitProblem[] = [];

  if (permit.status !== 'valid') {
    problems.push({ code: 'PERMIT_NOT_VALID', status: permit.status, message: `The permit is ${permit.status}, not valid` });
  }

  const from = new Date(permit.validFrom).getTime();
  const until = new Date(permit.validUntil).getTime();
  const at = trip.at.getTime();
  if (!(at >= from && at <= until)) {
    problems.push({
      code: 'PERMIT_OUTSIDE_WINDOW',
      message: `The permit is valid from ${new Date(from).toISOString()} until ${new Date(until).toISOString()}, not at ${trip.at.toISOString()}`,
    });
  }

  if (permit.vehiclePlates.length) {
    const listed = new Set(permit.vehiclePlates.map(normalisePlate));
    for (const plate of new Set(trip.plates.map(normalisePlate))) {
      if (!listed.has(plate)) problems.push({ code: 'PERMIT_VEHICLE_NOT_LISTED', plate, message: `Vehicle ${plate} is not on the permit` });
    }
  }

  if (permit.personIds.length) {
    const listed = new Set(permit.personIds.map((id) => id.toLowerCase()));
    for (const personId of new Set(trip.personIds.map((id) => id.toLowerCase()))) {
      if (!listed.has(personId)) problems.push({ code: 'PERMIT_PERSON_NOT_LISTED', personId, message: `Person ${personId} is not on the permit` });
    }
  }

  const caps = new Map(permit.goods.map((g) => [un(g.unNumber), g]));
  // Per UN number: the trip's total in thousandths of the base unit, per dimension.
  const totals = new Map<string, Map<string, { milli: number; unit: Unit }>>();
  for (const line of trip.lines) {
    const u = un(line.unNumber);
    const byDim = totals.get(u) ?? new Map();
    totals.set(u, byDim);
    const dim = unitOf(line.unit).dimension;
    const sum = byDim.get(dim) ?? { milli: 0, unit: line.unit };
    sum.milli += toMilliBase(Number(line.quantity), line.unit);
    byDim.set(dim, sum);
  }
  for (const [u, byDim] of totals) {
    const cap = caps.get(u);
    if (!cap) {
      problems.push({ code: 'PERMIT_GOODS_NOT_LISTED', unNumber: u, message: `UN${u} is not on the permit` });
      continue;
    }
    const capDim = unitOf(cap.unit).dimension;
    for (const [dim, sum] of byDim) {
      if (dim !== capDim) {
        problems.push({
          code: 'PERMIT_QUANTITY_EXCEEDED',
          unNumber: u,
          quantity: fromMilliBase(sum.milli, sum.unit),
          unit: sum.unit,
          maxQuantity: cap.maxQuantity,
          maxUnit: cap.unit,
          message: `UN${u}: a quantity in ${sum.unit} cannot be checked against the permit's cap in ${cap.unit}`,
        });
        continue;
      }
      if (sum.milli > toMilliBase(cap.maxQuantity, cap.unit)) {
        const quantity = fromMilliBase(sum.milli, cap.unit);
        problems.push({
          code: 'PERMIT_QUANTITY_EXCEEDED',
          unNumber: u,
          quantity,
          maxQuantity: cap.maxQuantity,
          unit: cap.unit,
          maxUnit: cap.unit,
          message: `UN${u}: ${quantity} ${cap.unit} exceeds the permit's ${cap.maxQuantity} ${cap.unit}`,
        });
      }
    }
  }

  return { ok: problems.length === 0, problems };
}

// ---- the permit's route (an encoded polyline, precision 5)

export type RouteProblem = 'EMPTY' | 'CHARACTERS' | 'TRUNCATED' | 'TOO_FEW_POINTS' | 'OUT_OF_RANGE';

// The polyline algorithm writes each number as 5-bit chunks + 63, with 0x20 set on all but a number's last
// chunk; so every character is in '?'..'~', the string ends on a last chunk, and numbers come in lat/lng
// pairs. `decode` itself never fails: it turns any string into some points, hence the checks around it.
export function routeProblem(encoded: string, precision = 5): { problem: RouteProblem; points?: number } | null {
  if (!encoded) return { problem: 'EMPTY' };
  let numbers = 0;
  for (let i = 0; i < encoded.length; i++) {
    const c = encoded.charCodeAt(i) - 63;
    if (c < 0 || c > 63) return { problem: 'CHARACTERS' };
    if (c < 0x20) numbers++;
  }
  if (encoded.charCodeAt(encoded.length - 1) - 63 >= 0x20 || numbers % 2 !== 0) return { problem: 'TRUNCATED' };
  const points = decode(encoded, precision);
  if (points.length < 2) return { problem: 'TOO_FEW_POINTS', points: points.length };
  if (points.some(([lat, lng]) => !Number.isFinite(lat) || !Number.isFinite(lng) || lat < -90 || lat > 90 || lng < -180 || lng > 180)) {
    return { problem: 'OUT_OF_RANGE', points: points.length };
  }
  return null;
}

// ---- return (DOMAIN.md 1.6: a fireworks transport permit goes back to its issuer within 3 days of arrival,
// 《烟花爆竹安全管理条例》 art. 25)

const RETURN_DAYS: Partial<Record<PermitType, number>> = { fireworks: 3 };

// When the permit is due back, counted from the arrival of the trip it was used for; null when no deadline
// applies or the trip has not arrived.
export function returnDueBy(type: PermitType, arrivedAt: Date | null): Date | null {
  const days = RETURN_DAYS[type];
  if (days === undefined || !arrivedAt) return null;
  return new Date(arrivedAt.getTime() + days * 24 * 3600 * 1000);
}
