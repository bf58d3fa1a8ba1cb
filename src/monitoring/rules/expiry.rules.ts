import { isCalendarDate } from '../../vehicles/certificate.rules.js';
import { chinaDay } from './china-time.js';
import { changes, signal, type EpMap, type RuleEnv } from './episode.js';
import type { AlarmSeverity } from './monitoring.types.js';

// TR-12 qualification expiring en route. DOMAIN.md 3.1(c): proposal; Order 29 ch.5 [R]. Any certificate in
// TripContext.expiries (driver/escort 从业资格证, 驾驶证, 道路运输证, insurance, tank inspection, permit, ...) that
// ends before the trip's ETA: WARN; already ended: ALARM (the episode is raised, not reopened). Days are China
// days and a certificate is valid THROUGH its end date (as vehicles/certificate.rules.ts). The ETA is the planned
// arrival, or now when that has passed (an overrunning trip is still on the road). One episode per certificate
// (key = 'kind:subject'); it closes when the certificate leaves the context (renewed) or the trip ends.
// Evaluated by the clock (evaluateClock).

export type ExpiryState = { eps: EpMap };

export const initialExpiryState = (): ExpiryState => ({ eps: {} });

export function evaluateExpiry(s: ExpiryState, now: number, active: boolean, env: RuleEnv): ExpiryState {
  const ctx = env.ctx;
  let eps: EpMap | null = null;
  const seen = new Set<string>();
  if (active) {
    const today = chinaDay(now);
    const eta = ctx.plannedArrival ? Math.max(ctx.plannedArrival.getTime(), now) : now;
    const etaDay = chinaDay(eta);
    for (const e of ctx.expiries) {
      if (!isCalendarDate(e.expiresOn)) continue;
      const key = `${e.kind}:${e.subject}`;
      const want: AlarmSeverity | null = e.expiresOn < today ? 'alarm' : e.expiresOn < etaDay ? 'warn' : null;
      if (want === null) continue;
      seen.add(key);
      if (!changes(s.eps[key], want)) continue;
      eps ??= { ...s.eps };
      eps[key] = signal(s.eps[key], want, 'TR-12', key, now, env.emit, msg(e.kind, e.subject, want), {
        kind: e.kind,
        subject: e.subject,
        expiresOn: e.expiresOn,
        today,
        etaDay,
      })!;
    }
  }
  for (const key in s.eps) {
    if (seen.has(key)) continue;
    eps ??= { ...s.eps };
    signal(s.eps[key], null, 'TR-12', key, now, env.emit, msg(key, '', null), { reason: active ? 'valid-through-eta' : 'trip-not-in-transit' });
    delete eps[key];
  }
  return eps ? { eps } : s;
}

const msg = (kind: string, subject: string, sev: AlarmSeverity | null) =>
  sev === 'alarm'
    ? { zh: `证件已过期：${kind} ${subject}`.trim(), en: `Certificate expired en route: ${kind} ${subject}`.trim() }
    : { zh: `证件将在到达前过期：${kind} ${subject}`.trim(), en: `Certificate expires before arrival: ${kind} ${subject}`.trim() };
