import { signal, where, type Ep, type Fix, type RuleEnv } from './episode.js';
import { routeIndex, routeMatch } from './monitor-geometry.js';

// TR-06 route deviation. DOMAIN.md 3.1(c): Order 29 art. 48; JT/T 808 bits 21, 23. Outside the planned corridor
// (500 m either side of the route) for > 2 min or for > 1 km driven outside it, whichever comes first: ALARM.
// Permit goods (剧毒, 民爆, 烟花爆竹, 放射性: route approved by public security): 200 m, at the first fix outside:
// CRITICAL. Hysteresis: an episode closes only once the vehicle is back within width - closeMargin, so a vehicle
// driving along the corridor's edge does not open and close one episode per fix.
// "> 1 km" is read as distance driven outside the corridor (a quick U-turn on a slip road is not a deviation, a
// vehicle heading away at speed is one before 2 min).

export type CorridorState = {
  seg: number; // last matched route segment (search hint)
  offSince: number | null; // first fix of the current run outside the corridor
  offTravelM: number; // distance driven since then
  maxOffM: number; // farthest distance from the route in the current run
  ep: Ep;
};

export const initialCorridorState = (): CorridorState => ({ seg: 0, offSince: null, offTravelM: 0, maxOffM: 0, ep: null });

export function evaluateCorridor(s: CorridorState, fix: Fix, env: RuleEnv): CorridorState {
  const route = env.ctx.plannedRoute;
  const ix = fix.active && route ? routeIndex(route) : null;
  if (!ix) {
    if (!s.ep && s.offSince === null) return s;
    if (s.ep) signal(s.ep, null, 'TR-06', '', fix.t, env.emit, MSG, { reason: 'not-monitored', position: where(fix) });
    return initialCorridorState();
  }
  const cfg = env.config.corridor;
  const permit = env.ctx.permitGoods;
  const widthM = permit ? cfg.permitWidthM : cfg.widthM;
  const innerM = widthM - (permit ? cfg.permitCloseMarginM : cfg.closeMarginM);
  const m = routeMatch(ix, fix.lat, fix.lon, s.seg, cfg.searchWindow, innerM);
  const d = m.distanceM;
  const seg = m.segment;

  if (d > widthM) {
    const first = s.offSince === null;
    const offSince = first ? fix.t : s.offSince!;
    const offTravelM = first ? 0 : s.offTravelM + fix.stepM;
    const maxOffM = Math.max(first ? 0 : s.maxOffM, d);
    let ep = s.ep;
    if (!ep) {
      const due = permit || fix.t - offSince > cfg.maxOffMs || offTravelM > cfg.maxOffTravelM;
      if (due) {
        ep = signal(null, permit ? 'critical' : 'alarm', 'TR-06', '', fix.t, env.emit, MSG, {
          distanceM: Math.round(d),
          corridorM: widthM,
          outsideSince: new Date(offSince).toISOString(),
          outsideMinutes: Math.round((fix.t - offSince) / 6000) / 10,
          outsideTravelM: Math.round(offTravelM),
          permitRoute: permit,
          position: where(fix),
        });
      }
    }
    return { seg, offSince, offTravelM, maxOffM, ep };
  }
  if (d <= innerM || !s.ep) {
    // Back inside (past the hysteresis margin), or never declared off: the run ends.
    if (s.ep) {
      signal(s.ep, null, 'TR-06', '', fix.t, env.emit, MSG, {
        distanceM: Math.round(d),
        maxDistanceM: Math.round(s.maxOffM),
        outsideTravelM: Math.round(s.offTravelM + fix.stepM),
        position: where(fix),
      });
    }
    if (s.seg === seg && s.offSince === null && !s.ep) return s;
    return { seg, offSince: null, offTravelM: 0, maxOffM: 0, ep: null };
  }
  // Inside the corridor but within the margin of its edge while an episode is open: it stays open.
  return { ...s, seg, offTravelM: s.offTravelM + fix.stepM };
}

const MSG = { zh: '偏离规定路线', en: 'Route deviation' };
