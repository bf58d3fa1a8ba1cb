import { signal, where, type Ep, type Fix, type RuleEnv } from './episode.js';
import { insidePlace } from './monitor-geometry.js';
import type { TripEvent } from './monitoring.types.js';

// Departure and TR-18 arrival. DOMAIN.md 3.1(c): proposal (closed loop: geofence entry -> prompt the consignee's
// receipt, start reconciliation); 3.1(a) origin/destination geofences.
// - 'departed': the first fix outside the loading site's geofence after one inside it; or, when no fix inside was
//   ever seen (terminal silent during loading), the first MOVING fix outside it while the waybill is 'loaded'
//   (evidence inferred). Once per trip, and not when TripContext.departedAt is already set.
// - 'arrived': the first fix inside the destination geofence after departure (or while 'in_transit'), once per
//   trip; it also opens a TR-18 INFO episode (key = destination placeId) that closes when the vehicle leaves the
//   destination or the trip ends.
// Live positions only: back-filled ones never emit trip events (the next live fix inside/outside does).

export type TripProgressState = {
  inLoading: boolean | null;
  inDest: boolean | null;
  departedMs: number | null;
  arrivedMs: number | null;
  ep: Ep;
  epKey: string | null; // the destination placeId of the open TR-18 episode
};

export const initialTripProgressState = (): TripProgressState => ({ inLoading: null, inDest: null, departedMs: null, arrivedMs: null, ep: null, epKey: null });

export function evaluateTripProgress(s: TripProgressState, fix: Fix, env: RuleEnv, trip: TripEvent[]): TripProgressState {
  const ctx = env.ctx;
  if (ctx.waybillId === null) return s;
  let { inLoading, inDest, departedMs, arrivedMs, ep, epKey } = s;
  const site = ctx.loadingSite;
  // After departure the loading site no longer matters (one geofence test less per position).
  if (site && ctx.departedAt === null && departedMs === null) {
    const inside = insidePlace(site, fix.lat, fix.lon);
    if (!inside && fix.active) {
      if (inLoading === true) {
        departedMs = fix.t;
        trip.push({ kind: 'departed', at: new Date(fix.t), placeId: site.placeId });
      } else if (inLoading === null && ctx.waybillStatus === 'loaded' && fix.moving) {
        departedMs = fix.t;
        trip.push({ kind: 'departed', at: new Date(fix.t), placeId: site.placeId });
      }
    }
    inLoading = inside;
  }
  const dest = ctx.destination;
  if (dest) {
    const inside = insidePlace(dest, fix.lat, fix.lon);
    const onTheWay = ctx.departedAt !== null || departedMs !== null || ctx.waybillStatus === 'in_transit';
    if (inside && inDest !== true && arrivedMs === null && onTheWay && fix.active) {
      arrivedMs = fix.t;
      trip.push({ kind: 'arrived', at: new Date(fix.t), placeId: dest.placeId });
      ep = signal(null, 'info', 'TR-18', dest.placeId, fix.t, env.emit, MSG, { placeId: dest.placeId, place: dest.name, position: where(fix) });
      epKey = dest.placeId;
    } else if (!inside && ep) {
      ep = signal(ep, null, 'TR-18', epKey ?? dest.placeId, fix.t, env.emit, MSG, { placeId: epKey, reason: 'left-destination', position: where(fix) });
      epKey = null;
    }
    inDest = inside;
  }
  if (inLoading === s.inLoading && inDest === s.inDest && departedMs === s.departedMs && arrivedMs === s.arrivedMs && ep === s.ep) return s;
  return { inLoading, inDest, departedMs, arrivedMs, ep, epKey };
}

const MSG = { zh: '已到达目的地，请收货人签收', en: 'Arrived at destination: consignee receipt due' };
