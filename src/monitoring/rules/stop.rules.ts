import { haversineMeters } from '../../waybills/geo.rules.js';
import { changes, minutes, signal, where, type Ep, type Fix, type RuleEnv } from './episode.js';
import { insidePlace } from './monitor-geometry.js';
import type { AlarmSeverity, TripContext } from './monitoring.types.js';
import type { MonitorConfig } from './monitor-config.js';

// TR-10 unplanned stop. DOMAIN.md 3.1(c): 591 art. 48 (long stops; 剧毒/易制爆 report to police); JT/T 808 bit 19.
// Standing (below movingKmh, within radiusM of where the stop began) while in transit:
// - > 20 min outside planned stops and designated parking: WARN;
// - > 5 min inside a populated or restricted zone (and not at a planned stop / parking): ALARM;
// - stop-sensitive goods (TripContext.stopSensitiveGoods): any stop > sensitiveMs, wherever (planned stops and
//   parking included): ALARM, the escort must check in.
// The loading site and the destination are never unplanned stops. One episode per stop (key ''); it closes when
// the vehicle moves on. Also evaluated by the clock: a parked terminal may report rarely.

export type StopPlace = 'site' | 'planned' | 'zone' | 'open';

export type StopState = { since: number | null; lat: number; lon: number; place: StopPlace; ep: Ep };

export const initialStopState = (): StopState => ({ since: null, lat: 0, lon: 0, place: 'open', ep: null });

function stopPlace(fix: Fix, ctx: TripContext): StopPlace {
  if ((ctx.loadingSite && insidePlace(ctx.loadingSite, fix.lat, fix.lon)) || (ctx.destination && insidePlace(ctx.destination, fix.lat, fix.lon))) return 'site';
  for (const z of fix.zonesIn) if (z.kind === 'parking') return 'planned';
  for (const stop of ctx.plannedStops) if (insidePlace(stop, fix.lat, fix.lon)) return 'planned';
  for (const z of fix.zonesIn) if (z.kind === 'populated' || z.kind === 'restricted') return 'zone';
  return 'open';
}

// The severity a stop of standingMs at `place` calls for, and why.
export function stopSeverity(standingMs: number, place: StopPlace, ctx: TripContext, cfg: MonitorConfig['stops']): { sev: AlarmSeverity | null; reason: string } {
  if (place === 'site') return { sev: null, reason: '' };
  if (ctx.stopSensitiveGoods && standingMs > cfg.sensitiveMs) return { sev: 'alarm', reason: 'escort-check-in' };
  if (place === 'zone' && standingMs > cfg.zoneMs) return { sev: 'alarm', reason: 'populated-or-restricted-zone' };
  if (place !== 'planned' && standingMs > cfg.outsideMs) return { sev: 'warn', reason: 'unplanned' };
  return { sev: null, reason: '' };
}

export function evaluateStop(s: StopState, fix: Fix, env: RuleEnv): StopState {
  const standing = fix.active && !fix.moving && (s.since === null || haversineMeters(fix, s) <= env.config.stops.radiusM);
  if (!standing) {
    if (s.ep) signal(s.ep, null, 'TR-10', '', fix.t, env.emit, MSG, { stoppedMinutes: minutes(fix.t - s.since!), position: where(fix) });
    if (s.since === null) return s;
    // Moving again, or drifted away: a new stop may start right here.
    return fix.active && !fix.moving ? { since: fix.t, lat: fix.lat, lon: fix.lon, place: stopPlace(fix, env.ctx), ep: null } : initialStopState();
  }
  const next: StopState = s.since === null ? { since: fix.t, lat: fix.lat, lon: fix.lon, place: stopPlace(fix, env.ctx), ep: null } : s;
  return raise(next, fix.t, env, fix);
}

// Clock: a stop going on without new fixes.
export function evaluateStopClock(s: StopState, now: number, active: boolean, env: RuleEnv): StopState {
  if (!active) {
    if (s.ep) signal(s.ep, null, 'TR-10', '', now, env.emit, MSG, { reason: 'trip-not-in-transit' });
    return s.since === null ? s : initialStopState();
  }
  if (s.since === null) return s;
  return raise(s, now, env, null);
}

// fix: the position that raised it, or null when the clock did.
function raise(s: StopState, at: number, env: RuleEnv, fix: Fix | null): StopState {
  const { sev, reason } = stopSeverity(at - s.since!, s.place, env.ctx, env.config.stops);
  if (sev === null || !changes(s.ep, sev)) return s;
  const ep = signal(s.ep, sev, 'TR-10', '', at, env.emit, MSG, {
    stoppedSince: new Date(s.since!).toISOString(),
    stoppedMinutes: minutes(at - s.since!),
    place: s.place,
    reason,
    position: fix ? where(fix) : { lat: s.lat, lon: s.lon, byClock: true },
  });
  return { ...s, ep };
}

const MSG = { zh: '异常停车', en: 'Unplanned stop' };
