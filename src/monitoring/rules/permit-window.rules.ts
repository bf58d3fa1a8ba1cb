import { signal, where, type EpMap, type Fix, type RuleEnv } from './episode.js';
import type { TripContext } from './monitoring.types.js';

// TR-11 permit time window. DOMAIN.md 3.1(c): Order 29 art. 48 (route and time approved by public security);
// 烟花爆竹安全管理条例 art. 24 (one-trip validity). A trip that MOVES outside a permit's validity [validFrom, validTo]:
// CRITICAL, one episode per permit (key = permitId). Waiting parked for the window to open is not movement: the
// episode closes after the vehicle has stood for permit.stoppedCloseMs, or when the window is reached. The clock
// (no positions) opens it when the last fix was moving and the window has passed.

export type PermitState = { eps: EpMap };

export const initialPermitState = (): PermitState => ({ eps: {} });

const outside = (t: number, w: TripContext['permitWindows'][number]) => t < w.validFrom.getTime() || t > w.validTo.getTime();

export function evaluatePermitWindow(s: PermitState, fix: Fix, env: RuleEnv): PermitState {
  const windows = env.ctx.permitWindows;
  if (windows.length === 0 && isEmpty(s.eps)) return s;
  let eps: EpMap | null = null;
  for (const w of windows) {
    const open = s.eps[w.permitId];
    const out = fix.active && outside(fix.t, w);
    if (!open && out && fix.moving) {
      eps ??= { ...s.eps };
      eps[w.permitId] = signal(null, 'critical', 'TR-11', w.permitId, fix.t, env.emit, msg(w.number), evidence(w, where(fix)))!;
    } else if (open && (!out || (fix.stillSince !== null && fix.t - fix.stillSince >= env.config.permit.stoppedCloseMs))) {
      eps ??= { ...s.eps };
      signal(open, null, 'TR-11', w.permitId, fix.t, env.emit, msg(w.number), { ...evidence(w, where(fix)), reason: out ? 'stopped' : 'inside-window' });
      delete eps[w.permitId];
    }
  }
  eps = closeUnknown(eps ?? s.eps, windows, fix.t, env, eps !== null);
  return eps === s.eps ? s : { eps };
}

// Clock: no positions for a while. Opens only if the vehicle was last seen moving; closes when the window opens.
export function evaluatePermitClock(s: PermitState, now: number, active: boolean, lastMoving: boolean, env: RuleEnv): PermitState {
  let eps: EpMap | null = null;
  for (const w of env.ctx.permitWindows) {
    const open = s.eps[w.permitId];
    const out = active && outside(now, w);
    if (!open && out && lastMoving) {
      eps ??= { ...s.eps };
      eps[w.permitId] = signal(null, 'critical', 'TR-11', w.permitId, now, env.emit, msg(w.number), { ...evidence(w, null), byClock: true })!;
    } else if (open && !out) {
      eps ??= { ...s.eps };
      signal(open, null, 'TR-11', w.permitId, now, env.emit, msg(w.number), { ...evidence(w, null), reason: active ? 'inside-window' : 'trip-not-in-transit' });
      delete eps[w.permitId];
    }
  }
  eps = closeUnknown(eps ?? s.eps, env.ctx.permitWindows, now, env, eps !== null);
  return eps === s.eps ? s : { eps };
}

// Episodes of permits no longer on the trip close.
function closeUnknown(eps: EpMap, windows: TripContext['permitWindows'], at: number, env: RuleEnv, copied: boolean): EpMap {
  let out = eps;
  for (const id in eps) {
    if (windows.some((w) => w.permitId === id)) continue;
    if (out === eps && !copied) out = { ...eps };
    signal(eps[id], null, 'TR-11', id, at, env.emit, msg(''), { permitId: id, reason: 'permit-not-on-trip' });
    delete out[id];
  }
  return out;
}

const isEmpty = (o: object) => {
  for (const _ in o) return false;
  return true;
};

const evidence = (w: TripContext['permitWindows'][number], position: Record<string, unknown> | null) => ({
  permitId: w.permitId,
  permitNumber: w.number,
  validFrom: w.validFrom.toISOString(),
  validTo: w.validTo.toISOString(),
  position,
});

const msg = (number: string) => ({ zh: `超出通行证有效时段行驶 ${number}`.trim(), en: `Moving outside the permit's validity ${number}`.trim() });
