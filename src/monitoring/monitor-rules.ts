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
};

export const MONITOR_RULES = Symbol('MONITOR_RULES');

export const initialState = (): VehicleRuleState => ({ version: 1 });
