import { minutes, signal, type Ep, type RuleEnv } from './episode.js';

// TR-17 ETA overrun. DOMAIN.md 3.1(c): proposal. Time since departure > planned duration (plannedArrival -
// plannedDeparture) * (1 + 30 %): WARN, until the trip is no longer in transit. Departure is TripContext.departedAt,
// else the departure the rules detected (TR-18 'departed'), else the planned departure. Evaluated by the clock.
// "No progress" (standing still far from the destination) is left to TR-10 and TR-13.

export type EtaState = { ep: Ep };

export const initialEtaState = (): EtaState => ({ ep: null });

export function evaluateEta(s: EtaState, now: number, active: boolean, detectedDepartureMs: number | null, env: RuleEnv): EtaState {
  const ctx = env.ctx;
  const planned = ctx.plannedDeparture && ctx.plannedArrival ? ctx.plannedArrival.getTime() - ctx.plannedDeparture.getTime() : null;
  const start = ctx.departedAt?.getTime() ?? detectedDepartureMs ?? ctx.plannedDeparture?.getTime() ?? null;
  const over = active && planned !== null && planned > 0 && start !== null && now - start > planned * (1 + env.config.eta.overrun);
  if (over === (s.ep !== null)) return s;
  const ep = signal(s.ep, over ? 'warn' : null, 'TR-17', '', now, env.emit, MSG, {
    plannedMinutes: planned === null ? null : minutes(planned),
    elapsedMinutes: start === null ? null : minutes(now - start),
    overrun: env.config.eta.overrun,
    departedAt: start === null ? null : new Date(start).toISOString(),
    ...(over ? {} : { reason: active ? 'plan-changed' : 'trip-not-in-transit' }),
  });
  return { ep };
}

const MSG = { zh: '运输超时（超过计划时长30%）', en: 'Trip overrunning its planned duration' };
