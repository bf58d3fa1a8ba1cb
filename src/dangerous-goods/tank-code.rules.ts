import { normaliseUnNumber, readTable } from './catalogue.js';

// May this tank carry these goods? (DOMAIN.md 2.5, pre-loading check PL-13.) In China the tank inspection
// report's 适装介质列表 (approved media) decides (Order 29 art. 23); where the tank and the goods both have an
// ADR/JT/T 617 tank code, the ADR 4.3.4.1.2 hierarchy (classes 3-9) or 4.3.3.1.2 table (class 2) also answers.
// Neither covers tank special provisions (Table A col 13, TU/TC/TE/TA), which are checked separately.

type TankCodeTable = {
  classes_3_to_9: { hierarchy_increasing_safety: Record<'1_tankType' | '2_calculationPressure' | '3_openings' | '4_safetyValves', string[]> };
  class_2: { 'hierarchy_table_4.3.3.1.2': Record<string, string[]> };
};
export const TANK_CODE_TABLE = JSON.parse(readTable('adr-4.3-tank-codes.json')) as TankCodeTable;

const ORDER = TANK_CODE_TABLE.classes_3_to_9.hierarchy_increasing_safety;
const CLASS2_TABLE = TANK_CODE_TABLE.class_2['hierarchy_table_4.3.3.1.2'];

export type TankCode =
  // classes 3-9 (4.3.4.1.1): S/L, calculation pressure, openings A-D, safety valves V/F/N/H
  | { kind: 'liquid-solid'; code: string; type: string; pressure: string; openings: string; valves: string; plus: boolean }
  // class 2 (4.3.3.1.1): C/P/R, test pressure (bar, or 'X' = the value of the 4.3.3.2.5 table), B/C/D, N/H;
  // (M) = the gas may also go in battery vehicles / MEGCs
  | { kind: 'gas'; code: string; type: string; pressure: number | 'X'; openings: string; valves: string; megc: boolean; plus: boolean };

// Normalises how Table A and inspection reports write codes: 'L1,5BN' → 'L1.5BN', 'L4BN+' / 'LGAV (+)' → '(+)',
// 'PxBN(M)' → 'PXBN(M)', a leading 'ADR:' dropped.
export function normaliseTankCode(code: string): string {
  let c = code.trim().toUpperCase().replace(/^ADR:\s*/, '').replace(/\s+/g, '').replace(/(\d),(\d)/g, '$1.$2');
  if (/[^)]\+$/.test(c)) c = `${c.slice(0, -1)}(+)`;
  return c;
}

// Table A column (12) may list more than one code (solids that may also travel molten: 'SGAH L4BH').
export function splitTankCodes(cell: string | null | undefined): string[] {
  if (!cell) return [];
  return cell
    .replace(/^\s*ADR:\s*/i, '')
    .replace(/\s+\(\+\)/g, '(+)')
    .split(/\s+/)
    .map(normaliseTankCode)
    .filter((c) => parseTankCode(c) !== null);
}

export function parseTankCode(code: string): TankCode | null {
  const c = normaliseTankCode(code);
  const l = /^([SL])(G|1\.5|2\.65|4|10|15|21)([ABCD])([VFNH])(\(\+\))?$/.exec(c);
  if (l) return { kind: 'liquid-solid', code: c, type: l[1]!, pressure: l[2]!, openings: l[3]!, valves: l[4]!, plus: !!l[5] };
  const g = /^([CPR])(X|\d+(?:\.\d+)?)([BCD])([NH])(\(M\))?(\(\+\))?$/.exec(c);
  if (g) {
    return { kind: 'gas', code: c, type: g[1]!, pressure: g[2] === 'X' ? 'X' : Number(g[2]), openings: g[3]!, valves: g[4]!, megc: !!g[5], plus: !!g[6] };
  }
  return null;
}

export type TankCodeComparison = { result: 'covers' | 'does-not-cover' | 'unknown'; reason: string };

const rank = (part: keyof typeof ORDER, v: string) => ORDER[part].indexOf(v);

// Does a tank with code `tankCode` satisfy the Table A code `requiredCode`? 'unknown' when the tables cannot
// decide (unparseable code, class 2 'X' test pressure, '(+)' codes).
export function compareTankCodes(tankCode: string, requiredCode: string): TankCodeComparison {
  const t = parseTankCode(tankCode);
  const r = parseTankCode(requiredCode);
  if (!t || !r) return { result: 'unknown', reason: `cannot parse tank code ${!t ? tankCode : requiredCode}` };
  if (t.code === r.code) return { result: 'covers', reason: `tank code ${t.code} is the required code` };
  // 4.3.4.1.3: '(+)' in Table A: other tanks only where the certificate of approval says so (see the media list).
  if (r.plus) return { result: 'unknown', reason: `${r.code}: alternative tanks only as stated in the approval certificate (ADR 4.3.4.1.3)` };
  if (t.kind !== r.kind) return { result: 'does-not-cover', reason: `${t.code} and ${r.code} are codes for different kinds of tank` };
  if (t.kind === 'liquid-solid' && r.kind === 'liquid-solid') {
    // 4.3.4.1.2: every part at least as high, in the orders S<L, G<1.5<...<21, A<B<C<D, V<F<N<H.
    const parts: [keyof typeof ORDER, string, string][] = [
      ['1_tankType', t.type, r.type],
      ['2_calculationPressure', t.pressure, r.pressure],
      ['3_openings', t.openings, r.openings],
      ['4_safetyValves', t.valves, r.valves],
    ];
    const lower = parts.find(([part, tv, rv]) => rank(part, tv) < rank(part, rv));
    return lower
      ? { result: 'does-not-cover', reason: `${t.code} is lower than ${r.code} in ${lower[0].slice(2)} (${lower[1]} < ${lower[2]}, ADR 4.3.4.1.2)` }
      : { result: 'covers', reason: `${t.code} is at least ${r.code} in every part (ADR 4.3.4.1.2)` };
  }
  if (t.kind === 'gas' && r.kind === 'gas') {
    // 4.3.3.1.2: same type letter, test pressure at least as high, openings/valves as the table allows.
    if (t.type !== r.type) return { result: 'does-not-cover', reason: `${t.code} is not a ${r.type} tank (ADR 4.3.3.1.2)` };
    if (t.megc && !r.megc) return { result: 'does-not-cover', reason: `${r.code} has no (M): not in battery vehicles or MEGCs` };
    const allowed = CLASS2_TABLE[`${r.type}*${r.openings}${r.valves}`];
    if (!allowed) return { result: 'unknown', reason: `${r.code} is not in the ADR 4.3.3.1.2 table` };
    if (!allowed.includes(`${t.type}#${t.openings}${t.valves}`)) {
      return { result: 'does-not-cover', reason: `${t.type}${t.openings}${t.valves} may not replace ${r.type}${r.openings}${r.valves} (ADR 4.3.3.1.2)` };
    }
    if (r.pressure === 'X' || t.pressure === 'X') {
      return { result: 'unknown', reason: `test pressure 'X' depends on the gas (ADR 4.3.3.2.5 table, not loaded)` };
    }
    return t.pressure >= r.pressure
      ? { result: 'covers', reason: `${t.code} covers ${r.code} (ADR 4.3.3.1.2)` }
      : { result: 'does-not-cover', reason: `${t.code} has a lower test pressure than ${r.code} (ADR 4.3.3.1.2)` };
  }
  return { result: 'unknown', reason: 'unreachable' };
}

// A tank with a code higher in the hierarchy may carry substances requiring a lower code. False also when the
// tables cannot decide (see compareTankCodes for the reason).
export function tankCodeCovers(tankCode: string, requiredCode: string): boolean {
  return compareTankCodes(tankCode, requiredCode).result === 'covers';
}

// caution: a listed medium whose Table A code the tank's code does not cover (the list decides; the mismatch is said).
export type TankCarriageVerdict = { ok: boolean; basis: 'media-list' | 'tank-code' | 'none'; reason: string; caution?: string };

// PL-13 (DOMAIN.md 2.5): in China the tank's approved media list (适装介质列表, on its inspection report) is the hard
// rule: listed goods may be filled, others not, whatever the codes. The ADR hierarchy (4.3.4.1.2) is an additional
// check where the tank and the goods both have codes: a listed medium it does not cover comes with a caution. A
// tank without a media list on record (a tank container) is judged by the hierarchy alone.
export function tankMayCarry(
  tank: { tankCode: string | null; media: { unNumber: string }[] },
  unNumber: string,
  requiredTankCodes: string[],
): TankCarriageVerdict {
  const un = normaliseUnNumber(unNumber) ?? unNumber.trim();
  const required = requiredTankCodes.flatMap(splitTankCodes);
  const comparisons = tank.tankCode ? required.map((r) => compareTankCodes(tank.tankCode!, r)) : [];
  const covering = comparisons.find((c) => c.result === 'covers');
  const hierarchy = comparisons.map((c) => c.reason).join('; ');
  if (tank.media.length > 0) {
    if (tank.media.some((m) => (normaliseUnNumber(m.unNumber) ?? m.unNumber.trim()) === un)) {
      const listed = { ok: true, basis: 'media-list' as const, reason: `UN${un} is on the tank's approved media list (适装介质列表)` };
      return comparisons.length && !covering ? { ...listed, caution: hierarchy } : listed;
    }
    return {
      ok: false,
      basis: 'media-list',
      reason: `UN${un} is not on the tank's approved media list${covering ? ` (${covering.reason}, but in China the list decides)` : ''}`,
    };
  }
  if (!tank.tankCode || required.length === 0) {
    return {
      ok: false,
      basis: 'none',
      reason: `the tank has no approved media list on record and ${!tank.tankCode ? 'no tank code' : `no tank code is known for UN${un}`}`,
    };
  }
  if (covering) return { ok: true, basis: 'tank-code', reason: `no approved media list on record; ${covering.reason}` };
  return { ok: false, basis: 'tank-code', reason: `no approved media list on record; ${hierarchy}` };
}
