import { inTimeWindow } from './china-time.js';
import { signal, where, type EpMap, type Fix, type RuleEnv } from './episode.js';
import type { MonitorZone } from './monitoring.types.js';

// TR-07 restricted area entry and TR-08 restricted hours. DOMAIN.md 3.1(c): Order 29 art. 49; 591 art. 49; local
// police rules. Inside a restricted zone that bans one of the classes on board (no windows: always, TR-07; with
// windows: while one is in force, TR-08), without approval for this trip (TripContext.approvedZoneIds): CRITICAL,
// one episode per zone (key = zone id), closed at the first fix outside it or outside its windows.
// TR-09 (tunnel category vs tunnel code, ADR 8.6.4) is not evaluated: neither the zones nor the trip context carry
// tunnel categories or the load's tunnel code. Chinese tunnel bans are local rules and can be drawn as restricted
// zones (kind 'restricted', bannedClasses) so that TR-07/08 cover them.

export type ZonesState = { eps: EpMap; rule: Record<string, 'TR-07' | 'TR-08'> };

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
  const approved = env.ctx.approvedZoneIds;
  // Zones we are in now and that are banned for us now.
  if (applies) {
    for (const z of fix.zonesIn) {
      if (z.kind !== 'restricted' || (approved && approved.includes(z.id)) || !bansGoods(z, env.ctx.goodsClasses)) continue;
      const windowed = z.windows.length > 0;
      if (windowed && !z.windows.some((w) => inTimeWindow(fix.t, w))) continue;
      if (s.eps[z.id]) continue;
      const r = windowed ? 'TR-08' : 'TR-07';
      eps ??= { ...s.eps };
      rule ??= { ...s.rule };
      eps[z.id] = signal(null, 'critical', r, z.id, fix.t, env.emit, msg(r, z), { zoneId: z.id, zone: z.name, bannedClasses: z.bannedClasses, goodsClasses: env.ctx.goodsClasses, windows: z.windows, position: where(fix) })!;
      rule[z.id] = r;
    }
  }
  // Open episodes whose zone we left (or whose window ended, or that no longer apply).
  for (const id in s.eps) {
    const z = fix.zonesIn.find((zone) => zone.id === id);
    const still =
      applies &&
      z !== undefined &&
      !(approved && approved.includes(id)) &&
      bansGoods(z, env.ctx.goodsClasses) &&
      (z.windows.length === 0 || z.windows.some((w) => inTimeWindow(fix.t, w)));
    if (still) continue;
    eps ??= { ...s.eps };
    rule ??= { ...s.rule };
    const r = s.rule[id] ?? 'TR-07';
    signal(s.eps[id], null, r, id, fix.t, env.emit, msg(r, z ?? null, id), { zoneId: id, reason: z ? 'no-longer-banned' : 'left-zone', position: where(fix) });
    delete eps[id];
    delete rule[id];
  }
  return eps ? { eps, rule: rule! } : s;
}

const msg = (r: 'TR-07' | 'TR-08', z: MonitorZone | null, id?: string) => {
  const name = z?.name ?? id ?? '';
  return r === 'TR-07'
    ? { zh: `驶入限制通行区域：${name}`, en: `Entered restricted area: ${name}` }
    : { zh: `限行时段内驶入：${name}`, en: `In restricted area during banned hours: ${name}` };
};
