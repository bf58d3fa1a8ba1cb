import type { MonitorConfig } from './monitor-config.js';
import type { AlarmSeverity, AlarmSignal, MonitorPosition, MonitorRuleId, MonitorZone, TripContext } from './monitoring.types.js';

// Shared shapes of the rule functions. Each rule takes its previous state slice and returns the next one (the same
// object when nothing changed; never mutates its input) and pushes its signals into env.out, so that evaluating a
// position allocates one signal array for all rules and nothing at all while no episode changes.

// An open episode: its current (highest) severity and when it opened (epoch ms). null: no episode open.
export type Ep = { sev: AlarmSeverity; since: number } | null;
export type EpMap = Record<string, { sev: AlarmSeverity; since: number }>;

const RANK: Record<AlarmSeverity, number> = { info: 0, warn: 1, alarm: 2, critical: 3 };
export const severityRank = (s: AlarmSeverity): number => RANK[s];

// Where signals go and whether they are "for the record" (see AlarmSignal.historical).
export type Emit = { out: AlarmSignal[]; historical: boolean };

// Does moving from `ep` to `want` need a signal? Severity only goes up inside an episode (pre-warning -> alarm,
// warn -> alarm -> critical); a lower `want` keeps the episode as it is until the condition ends (want null).
export function changes(ep: Ep | undefined, want: AlarmSeverity | null): boolean {
  if (!ep) return want !== null;
  if (want === null) return true;
  return RANK[want] > RANK[ep.sev];
}

type Msg = { zh: string; en: string };

// Apply a change found by changes(): push open / update / close and return the episode's next state.
export function signal(
  ep: Ep | undefined,
  want: AlarmSeverity | null,
  ruleId: MonitorRuleId,
  key: string,
  at: number,
  emit: Emit,
  message: Msg,
  evidence: Record<string, unknown>,
): Ep {
  if (!ep && want === null) return null;
  const action = !ep ? 'open' : want === null ? 'close' : 'update';
  const severity = want ?? ep!.sev;
  const s: AlarmSignal = { ruleId, key, action, severity, at: new Date(at), message, evidence };
  if (emit.historical) s.historical = true;
  emit.out.push(s);
  if (want === null) return null;
  return { sev: want, since: ep ? ep.since : at };
}

// Everything about one position that several rules need, computed once by the engine.
export type Fix = {
  p: MonitorPosition;
  t: number; // fix time, epoch ms
  lat: number;
  lon: number;
  kmh: number;
  moving: boolean; // kmh >= config.movingKmh
  prevT: number | null; // the previous evaluated fix of the same stream
  prevLat: number;
  prevLon: number;
  dtMs: number; // t - prevT (0 for the first fix)
  stepM: number; // distance from the previous fix
  gap: boolean; // dtMs > config.maxGapMs
  intervalMoving: boolean; // whether the vehicle drove between the previous fix and this one
  stillSince: number | null; // start of the current run of standing fixes (null while moving)
  zonesIn: MonitorZone[]; // zones containing the fix
  active: boolean; // a waybill in one of config.inTransitStatuses
};

export type RuleEnv = { ctx: TripContext; config: MonitorConfig; emit: Emit };

export const where = (f: Fix) => ({ lat: f.lat, lon: f.lon, speedKmh: f.kmh, fixTime: new Date(f.t).toISOString() });

export const minutes = (ms: number): number => Math.round(ms / 6000) / 10;
