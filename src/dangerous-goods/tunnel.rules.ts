import { readTable } from './catalogue.js';

// Which road tunnels may a transport unit drive through? ADR 2025 1.9.5.2.2 (tunnel categories A-E) and 8.6.4
// (tunnel restriction codes, Table A column 15); the load's code is the most restrictive of the goods carried
// (8.6.3.2). DOMAIN.md 3.1(c) TR-09 [V-NO]: in China tunnel bans are local rules, so this applies to tunnels an
// authority has given a category (zones of kind 'tunnel'). Not modelled: units below the 1.1.3.6 thresholds
// (no orange plates, 8.6.3.3 / 5.3.2) and limited-quantity units over 8 t (category E only).

export const TUNNEL_CATEGORIES = ['A', 'B', 'C', 'D', 'E'] as const;
export type TunnelCategory = (typeof TUNNEL_CATEGORIES)[number];

type Restriction = {
  prohibited?: TunnelCategory[];
  prohibited_if_explosive_net_mass_gt_1000kg?: TunnelCategory[];
  prohibited_if_explosive_net_mass_gt_5000kg?: TunnelCategory[];
  prohibited_in_tank?: TunnelCategory[];
  prohibited_in_tank_or_bulk?: TunnelCategory[];
  prohibited_otherwise?: TunnelCategory[];
};
export const TUNNEL_TABLE = JSON.parse(readTable('adr-tunnel-codes.json')) as { restrictionCodes: Record<string, Restriction> };

// How a unit carries its load: what the split codes (B/D, C5000D, D/E ...) depend on.
export type TunnelLoad = { tank: boolean; bulk: boolean; explosiveNetMassKg: number };

// Table A writes the code in parentheses ("(B1000C)"); "-" or empty = no restriction. null: a code the table does
// not know (the caller decides; tunnelProhibitions treats it as the strictest, B).
export function prohibitedCategories(code: string | null | undefined, load: TunnelLoad): TunnelCategory[] | null {
  const c = (code ?? '').replace(/[()\s]/g, '');
  if (c === '' || c === '-') return [];
  const r = TUNNEL_TABLE.restrictionCodes[c];
  if (!r) return null;
  if (r.prohibited) return r.prohibited;
  if (r.prohibited_if_explosive_net_mass_gt_1000kg) return load.explosiveNetMassKg > 1000 ? r.prohibited_if_explosive_net_mass_gt_1000kg : r.prohibited_otherwise!;
  if (r.prohibited_if_explosive_net_mass_gt_5000kg) return load.explosiveNetMassKg > 5000 ? r.prohibited_if_explosive_net_mass_gt_5000kg : r.prohibited_otherwise!;
  if (r.prohibited_in_tank) return load.tank ? r.prohibited_in_tank : r.prohibited_otherwise!;
  if (r.prohibited_in_tank_or_bulk) return load.tank || load.bulk ? r.prohibited_in_tank_or_bulk : r.prohibited_otherwise!;
  return null;
}

// The categories of tunnel the whole unit may not enter: the union over its goods (8.6.3.2), sorted A-E.
// An unknown code counts as the strictest (B), so a data error never lets a unit through.
export function tunnelProhibitions(codes: readonly (string | null | undefined)[], load: TunnelLoad): TunnelCategory[] {
  const banned = new Set<TunnelCategory>();
  for (const code of codes) for (const cat of prohibitedCategories(code, load) ?? TUNNEL_TABLE.restrictionCodes.B!.prohibited!) banned.add(cat);
  return TUNNEL_CATEGORIES.filter((c) => banned.has(c));
}
