import { DEFAULT_MONITOR_CONFIG, type MonitorConfig } from './rules/monitor-config.js';
import type { DriverSignIn } from '../tracking/positions/position.js';
import { evaluateClock, evaluateDriverIdentity, evaluatePosition } from './rules/monitor-engine.js';
import type { EvaluationResult, MonitorPosition, MonitorZone, TripContext, VehicleRuleState } from './rules/monitoring.types.js';

// How the Nest side calls the pure rules (src/monitoring/rules/, DOMAIN.md 3.1(c)): one provider, so that the
// rule implementation and its thresholds are swapped in one place (tests give short thresholds).
// 'live': a position as it happens; 'record': a back-filled or out-of-order one, evaluated for the record only.
export type EvaluationMode = 'live' | 'record';

export type MonitorRules<C = unknown> = {
  name: string;
  config: C;
  evaluatePosition(state: VehicleRuleState, position: MonitorPosition, ctx: TripContext, zones: readonly MonitorZone[], config: C, mode: EvaluationMode): EvaluationResult;
  evaluateClock(state: VehicleRuleState, now: Date, ctx: TripContext, config: C): EvaluationResult;
  // a driver IC card signing in or out (TR-16); rule sets without it ignore the cards
  evaluateDriverIdentity?(state: VehicleRuleState, signIn: DriverSignIn, ctx: TripContext, config: C): EvaluationResult;
};

export const MONITOR_RULES = Symbol('MONITOR_RULES');

export const initialState = (): VehicleRuleState => ({ version: 1 });

// The TR-01..TR-18 rule set (rules/monitor-engine.ts) with its DOMAIN.md defaults, changed by `overrides`
// (MONITOR_CONFIG, a JSON object merged key by key into DEFAULT_MONITOR_CONFIG).
export function trRules(overrides: Record<string, unknown> = {}): MonitorRules<MonitorConfig> {
  return { name: 'TR-01..TR-18', config: deepMerge(DEFAULT_MONITOR_CONFIG, overrides) as MonitorConfig, evaluatePosition, evaluateClock, evaluateDriverIdentity };
}

function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (typeof base !== 'object' || base === null || Array.isArray(base) || typeof over !== 'object' || over === null || Array.isArray(over)) return over;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(out[k], v);
  return out;
}
