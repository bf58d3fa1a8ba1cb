import { changes, minutes, signal, type Ep, type RuleEnv } from './episode.js';
import type { AlarmSeverity } from './monitoring.types.js';

// TR-13 terminal offline / stale. DOMAIN.md 3.1(c): Order 29 art. 45; 动态监督管理办法. While in transit, no
// position received for > 5 min: WARN; > 20 min: ALARM (call the driver); > 60 min: CRITICAL (escalate to the
// safety manager); the step and its action are in the evidence. Measured by the platform's clock from the last
// position RECEIVED (any position, back-filled ones included: the terminal is talking), or from when the trip was
// first seen in transit if nothing came since. The next live position closes the episode (a reconnecting JT/T 808
// terminal sends its current position before the blind-area batch).

export type OfflineState = { ep: Ep };

export const initialOfflineState = (): OfflineState => ({ ep: null });

export function evaluateOffline(s: OfflineState, now: number, lastSeenMs: number | null, active: boolean, env: RuleEnv): OfflineState {
  if (!active || lastSeenMs === null) {
    if (!s.ep) return s;
    signal(s.ep, null, 'TR-13', '', now, env.emit, MSG, { reason: 'trip-not-in-transit' });
    return { ep: null };
  }
  const silentMs = now - lastSeenMs;
  let want: AlarmSeverity | null = null;
  let action = '';
  for (const step of env.config.offline.steps) {
    if (silentMs > step.afterMs) {
      want = step.severity;
      action = step.action;
    }
  }
  if (want === null || !changes(s.ep, want)) return s;
  const ep = signal(s.ep, want, 'TR-13', '', now, env.emit, MSG, {
    silentMinutes: minutes(silentMs),
    lastSeen: new Date(lastSeenMs).toISOString(),
    action,
  });
  return { ep };
}

// A live position came in (at receivedAt): the terminal is back.
export function offlineEnded(s: OfflineState, receivedMs: number, env: RuleEnv): OfflineState {
  if (!s.ep) return s;
  signal(s.ep, null, 'TR-13', '', receivedMs, { out: env.emit.out, historical: false }, MSG, { silentMinutes: minutes(receivedMs - s.ep.since) });
  return { ep: null };
}

const MSG = { zh: '车载终端离线', en: 'Terminal offline' };
