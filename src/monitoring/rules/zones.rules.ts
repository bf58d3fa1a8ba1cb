import { inTimeWindow } from './china-time.js';
import { signal, where, type EpMap, type Fix, type RuleEnv } from './episode.js';
import type { MonitorZone } from './monitoring.types.js';

// TR-07 restricted area entry and TR-08 restricted hours. DOMAIN.md 3.1(c): Order 29 art. 49; 591 art. 49; local
// police rules. Inside a restricted zone that bans one of the classes on board (no windows: always, TR-07; with
// windows: while one is in force, TR-08), without approval for this trip (TripContext.approvedZoneIds): CRITICAL,
// one episode per zone (key = zone id), closed at the first fix outside it or outside its windows.
// TR-09 tunnel category vs the load's tunnel code (DOMAIN.md 3.1(c); ADR 1.9.5.2.2 and 8.6.4 [V-NO]): inside a
// zone of kind 'tunnel' whose category the load may not enter (TripContext.tunnelProhibited, worked out by
// dangerous-goods/tunnel.rules.ts), without approval: CRITICAL, one episode per tunnel. Chinese local tunnel bans
// without a category can still be drawn as restricted zones (TR-07/08).

type ZoneRule = 'TR-07' | 'TR-08' | 'TR-09';
export type ZonesState = { eps: EpMap; rule: Record<string, ZoneRule> };

export const initialZonesState = (): ZonesState => ({ eps: {}, rule: {} });

// A zone banning '1' bans 1.1-1.6; a zone banning '2.1' does not ban class 2.2.
export function bansGoods(zone: MonitorZone, goodsClasses: readonly string[]): boolean {
  if (zone.bannedClasses.length === 0) return true; // every dangerous good
  for (const banned of zone.bannedClasses) {
    for (const c of goodsClasses) if (c === banned || c.startsWith(`${banned}.`)) return true;
  }
  return false;
}

export function evaluateZones(s: ZonesState, fix: Fix, env: RuleEnv): ZonesState {
  const applies = fix.active || (env.ctx.waybillId === null && env.config.zonesWithoutWaybill);
  let eps: EpMap | null = null; // copy on first change
  let rule: ZonesState['rule'] | null = null;
  // Zones we are in now and that are banned for us now.
  if (applies) {
    for (const z of fix.zonesIn) {
      const r = bannedNow(z, fix.t, env);
      if (!r || s.eps[z.id]) continue;
      eps ??= { ...s.eps };
      rule ??= { ...s.rule };
      const evidence =
        r === 'TR-09'
          ? { zoneId: z.id, zone: z.name, tunnelCategory: z.tunnelCategory, prohibitedCategories: env.ctx.tunnelProhibited, goodsClasses: env.ctx.goodsClasses, position: where(fix) }
          : { zoneId: z.id, zone: z.name, bannedClasses: z.bannedClasses, goodsClasses: env.ctx.goodsClasses, windows: z.windows, position: where(fix) };
      eps[z.id] = signal(null, 'critical', r, z.id, fix.t, env.emit, msg(r, z), evidence)!;
      rule[z.id] = r;
    }
  }
  // Open episodes whose zone we left (or whose window ended, or that no longer apply).
  for (const id in s.eps) {
    const z = fix.zonesIn.find((zone) => zone.id === id);
    if (applies && z !== undefined && bannedNow(z, fix.t, env)) continue;
    eps ??= { ...s.eps };
    rule ??= { ...s.rule };
    const r = s.rule[id] ?? 'TR-07';
    signal(s.eps[id], null, r, id, fix.t, env.emit, msg(r, z ?? null, id), { zoneId: id, reason: z ? 'no-longer-banned' : 'left-zone', position: where(fix) });
    delete eps[id];
    delete rule[id];
  }
  return eps ? { eps, rule: rule! } : s;
}

// Which rule this zone breaks at time t for this trip, or null (not banned, or approved for this trip).
function bannedNow(z: MonitorZone, t: number, env: RuleEnv): ZoneRule | null {
  if (env.ctx.approvedZoneIds?.includes(z.id)) return null;
  if (z.kind === 'tunnel') return z.tunnelCategory && env.ctx.tunnelProhibited?.includes(z.tunnelCategory) ? 'TR-09' : null;
  if (z.kind !== 'restricted' || !bansGoods(z, env.ctx.goodsClasses)) return null;
  if (z.windows.length === 0) return 'TR-07';
  return z.windows.some((w) => inTimeWindow(t, w)) ? 'TR-08' : null;
}

const msg = (r: ZoneRule, z: MonitorZone | null, id?: string) => {
  const name = z?.name ?? id ?? '';
  if (r === 'TR-09') {
    const cat = z?.tunnelCategory ? `（${z.tunnelCategory}类）` : '';
    return { zh: `驶入禁止本车货物通行的隧道${cat}：${name}`, en: `Entered a tunnel${z?.tunnelCategory ? ` of category ${z.tunnelCategory}` : ''} closed to this load: ${name}` };
  }
  return r === 'TR-07'
    ? { zh: `驶入限制通行区域：${name}`, en: `Entered restricted area: ${name}` }
    : { zh: `限行时段内驶入：${name}`, en: `In restricted area during banned hours: ${name}` };
};
