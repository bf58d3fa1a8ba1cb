import { haversineMeters } from '../../waybills/geo.rules.js';
import type { DriverSignIn } from '../../tracking/positions/position.js';
import { evaluateCorridor, initialCorridorState, type CorridorState } from './corridor.rules.js';
import { evaluateCrew, initialCrewState, type CrewState } from './crew.rules.js';
import { evaluateDrivingTime, initialDrivingState, type DrivingState } from './driving-time.rules.js';
import { signal, type Emit, type Ep, type EpMap, type Fix, type RuleEnv } from './episode.js';
import { evaluateEta, initialEtaState, type EtaState } from './eta.rules.js';
import { evaluateExpiry, initialExpiryState, type ExpiryState } from './expiry.rules.js';
import { DEFAULT_MONITOR_CONFIG, type MonitorConfig } from './monitor-config.js';
import { insideZone } from './monitor-geometry.js';
import type { AlarmSignal, EvaluationResult, MonitorPosition, MonitorRuleId, MonitorZone, TripContext, TripEvent, VehicleRuleState } from './monitoring.types.js';
import { evaluateOffline, initialOfflineState, offlineEnded, type OfflineState } from './offline.rules.js';
import { evaluatePermitClock, evaluatePermitWindow, initialPermitState, type PermitState } from './permit-window.rules.js';
import { evaluatePlausibility, initialPlausibilityMonitorState, type PlausibilityMonitorState } from './plausibility-monitor.rules.js';
import { evaluateSpeed, initialSpeedState, type SpeedState } from './speed.rules.js';
import { evaluateStop, evaluateStopClock, initialStopState, type StopState } from './stop.rules.js';
import { evaluateTerminalAlarms, initialTerminalAlarmState, type TerminalAlarmState } from './terminal-alarm.rules.js';
import { evaluateTripProgress, initialTripProgressState, type TripProgressState } from './trip-progress.rules.js';
import { evaluateZones, initialZonesState, type ZonesState } from './zones.rules.js';

// The monitoring engine (DOMAIN.md 3.1(c) TR-01..TR-18): one vehicle's rule state in, one position (or a clock
// tick) in, the next state, alarm signals and trip events out. Pure and deterministic: no clock, no I/O, no
// randomness; the state is plain JSON (epoch milliseconds, no Date or Map), so it can be stored and restored at
// any point and the same inputs give the same outputs.
//
// Live and record. A position is evaluated LIVE when mode is 'live', it is not back-filled and its fix time is
// after the last live fix; live positions move the live state and their signals notify people. Any other
// position (mode 'record', backfill = true, fixTime <= last live fix) is evaluated "for the record" on a separate
// record stream with its own state, so it never disturbs live episodes nor raises a stale live alarm; its signals
// carry `historical: true` (store them as history, without notifying). The record stream restarts (closing its
// open episodes at its last fix) when a record position goes back in time or follows a gap > record.maxGapMs;
// evaluateClock closes it after record.idleCloseMs without record positions, and closeRecord closes it on demand
// (e.g. after the last frame of a back-fill). Driving-time rules (TR-03/04/05) and trip events run on the live
// stream only: a silent stretch later back-filled is counted by the live stream across the gap, from the
// displacement. A live position with the same fix time as the last live one is a duplicate and is ignored.
// Which signals are live: decide by AlarmSignal.historical alone, not by the mode a position was evaluated in.
// A 'live' call may produce historical signals (a late position is routed to the record stream), and a 'record'
// call may produce live closes (the trip changed: the previous waybill's live episodes close).
//
// Positions with quality != 0 (flagged by tracking's plausibility filter) feed only TR-14 (terminal alarm bits)
// and TR-15 (plausibility); they are not used for geometry, speed or time.

type TrackState = {
  lastMs: number | null; // last evaluated clean fix of this stream
  lastLat: number;
  lastLon: number;
  moving: boolean;
  stillSince: number | null;
  lastReceivedMs: number | null;
  speed: SpeedState;
  driving: DrivingState;
  corridor: CorridorState;
  zones: ZonesState;
  stop: StopState;
  permit: PermitState;
  terminal: TerminalAlarmState;
  plausibility: PlausibilityMonitorState;
};

export type MonitorState = {
  version: 1;
  tripId: string | null; // the waybill the trip-scoped state belongs to
  activeSinceMs: number | null; // first time this trip was seen in transit
  lastSeenMs: number | null; // last position received (receivedAt), any stream
  live: TrackState;
  rec: TrackState | null;
  trip: TripProgressState;
  offline: OfflineState;
  eta: EtaState;
  expiry: ExpiryState;
  crew?: CrewState; // TR-16; absent in states stored before it existed
};

export type EvaluationMode = 'live' | 'record';

const emptyTrack = (): TrackState => ({
  lastMs: null,
  lastLat: 0,
  lastLon: 0,
  moving: false,
  stillSince: null,
  lastReceivedMs: null,
  speed: initialSpeedState(),
  driving: initialDrivingState(),
  corridor: initialCorridorState(),
  zones: initialZonesState(),
  stop: initialStopState(),
  permit: initialPermitState(),
  terminal: initialTerminalAlarmState(),
  plausibility: initialPlausibilityMonitorState(),
});

export function initialMonitorState(): VehicleRuleState {
  const s: MonitorState = {
    version: 1,
    tripId: null,
    activeSinceMs: null,
    lastSeenMs: null,
    live: emptyTrack(),
    rec: null,
    trip: initialTripProgressState(),
    offline: initialOfflineState(),
    eta: initialEtaState(),
    expiry: initialExpiryState(),
  };
  return s as unknown as VehicleRuleState;
}

// A stored state, or a fresh one when it is missing or from another version.
function load(state: VehicleRuleState | null | undefined): MonitorState {
  if (!state || state.version !== 1 || typeof state.live !== 'object') return initialMonitorState() as unknown as MonitorState;
  return state as unknown as MonitorState;
}

export const isInTransit = (ctx: TripContext, config: MonitorConfig): boolean =>
  ctx.waybillId !== null && ctx.waybillStatus !== null && config.inTransitStatuses.includes(ctx.waybillStatus);

export function evaluatePosition(
  state: VehicleRuleState | null | undefined,
  position: MonitorPosition,
  ctx: TripContext,
  zones: readonly MonitorZone[],
  config: MonitorConfig = DEFAULT_MONITOR_CONFIG,
  mode: EvaluationMode = 'live',
): EvaluationResult {
  const s0 = load(state);
  const out: AlarmSignal[] = [];
  const trip: TripEvent[] = [];
  const t = position.fixTime.getTime();
  const received = position.receivedAt.getTime();
  const liveEmit: Emit = { out, historical: false };
  const env: RuleEnv = { ctx, config, emit: liveEmit };
  const s: MonitorState = syncTrip(s0, ctx, t, env);
  const active = isInTransit(ctx, config);

  s.activeSinceMs = active ? (s.activeSinceMs ?? received) : null;
  // Any position proves the terminal is talking (TR-13 measures silence from it), but only a live one closes an
  // open offline episode: so that every signal of a record-mode evaluation except trip-change closes is historical.
  s.lastSeenMs = s.lastSeenMs === null ? received : Math.max(s.lastSeenMs, received);

  const lastLive = s.live.lastMs;
  if (mode === 'live' && !position.backfill && (lastLive === null || t >= lastLive)) {
    s.offline = offlineEnded(s.offline, received, env);
    if (t === lastLive) return { state: s as unknown as VehicleRuleState, signals: out, trip };
    const fix = buildFix(s.live, position, t, zones, config, active);
    s.live = evaluateTrack(s.live, fix, received, ctx, config, liveEmit, true);
    if (position.quality === 0) s.trip = evaluateTripProgress(s.trip, fix, env, trip);
    return { state: s as unknown as VehicleRuleState, signals: out, trip };
  }

  // For the record.
  const recEmit: Emit = { out, historical: true };
  let rec = s.rec;
  if (rec && rec.lastMs !== null) {
    if (t === rec.lastMs) return { state: s as unknown as VehicleRuleState, signals: out, trip };
    if (t < rec.lastMs || t - rec.lastMs > config.record.maxGapMs) {
      closeTrack(rec, rec.lastMs, recEmit, 'end-of-record');
      rec = null;
    }
  }
  const track = rec ?? emptyTrack();
  s.rec = evaluateTrack(track, buildFix(track, position, t, zones, config, active), received, ctx, config, recEmit, false);
  return { state: s as unknown as VehicleRuleState, signals: out, trip };
}

// Time-driven rules: TR-13 offline, TR-17 ETA overrun, TR-12 expiry, TR-11 permit window and TR-10 stops without
// positions; and the idle record stream. Call it for every vehicle in transit every 30-60 s (and whenever the
// trip context changes).
export function evaluateClock(state: VehicleRuleState | null | undefined, now: Date, ctx: TripContext, config: MonitorConfig = DEFAULT_MONITOR_CONFIG): EvaluationResult {
  const out: AlarmSignal[] = [];
  const n = now.getTime();
  const env: RuleEnv = { ctx, config, emit: { out, historical: false } };
  const s = syncTrip(load(state), ctx, n, env);
  const active = isInTransit(ctx, config);
  s.activeSinceMs = active ? (s.activeSinceMs ?? n) : null;
  const seen = s.lastSeenMs === null ? s.activeSinceMs : s.activeSinceMs === null ? s.lastSeenMs : Math.max(s.lastSeenMs, s.activeSinceMs);
  s.offline = evaluateOffline(s.offline, n, seen, active, env);
  s.eta = evaluateEta(s.eta, n, active, s.trip.departedMs, env);
  s.expiry = evaluateExpiry(s.expiry, n, active, env);
  const stop = evaluateStopClock(s.live.stop, n, active, env);
  const permit = evaluatePermitClock(s.live.permit, n, active, s.live.moving && s.live.lastMs !== null, env);
  if (stop !== s.live.stop || permit !== s.live.permit) s.live = { ...s.live, stop, permit };
  if (s.rec && s.rec.lastReceivedMs !== null && n - s.rec.lastReceivedMs > config.record.idleCloseMs) {
    closeTrack(s.rec, s.rec.lastMs ?? n, { out, historical: true }, 'end-of-record');
    s.rec = null;
  }
  return { state: s as unknown as VehicleRuleState, signals: out, trip: [] };
}

// A driver IC card signing in or out (JT/T 808 0x0702): TR-16 against the waybill's crew.
export function evaluateDriverIdentity(state: VehicleRuleState | null | undefined, signIn: DriverSignIn, ctx: TripContext, config: MonitorConfig = DEFAULT_MONITOR_CONFIG): EvaluationResult {
  const out: AlarmSignal[] = [];
  const env: RuleEnv = { ctx, config, emit: { out, historical: false } };
  const s = syncTrip(load(state), ctx, signIn.at.getTime(), env);
  s.crew = evaluateCrew(s.crew ?? initialCrewState(), signIn, isInTransit(ctx, config), env);
  return { state: s as unknown as VehicleRuleState, signals: out, trip: [] };
}

// Close the record stream now (its open historical episodes end at its last fix).
export function closeRecord(state: VehicleRuleState | null | undefined): EvaluationResult {
  const s = { ...load(state) };
  const out: AlarmSignal[] = [];
  if (s.rec) {
    if (s.rec.lastMs !== null) closeTrack(s.rec, s.rec.lastMs, { out, historical: true }, 'end-of-record');
    s.rec = null;
  }
  return { state: s as unknown as VehicleRuleState, signals: out, trip: [] };
}

// A new waybill (or none) on the vehicle: trip-scoped episodes of the previous one close, their state restarts.
// Returns a shallow copy of the state either way, for the caller to fill in.
function syncTrip(s0: MonitorState, ctx: TripContext, at: number, env: RuleEnv): MonitorState {
  const s = { ...s0 };
  if (ctx.waybillId === s.tripId) return s;
  const emit = env.emit;
  const reason = { reason: 'trip-changed', previousWaybillId: s.tripId };
  const live = s.live;
  closeEp(live.corridor.ep, 'TR-06', '', at, emit, reason);
  closeEp(live.stop.ep, 'TR-10', '', at, emit, reason);
  closeMap(live.permit.eps, 'TR-11', at, emit, reason);
  closeZones(live.zones, at, emit, reason);
  closeEp(s.trip.ep, 'TR-18', s.trip.ep ? tripKey(s0) : '', at, emit, reason);
  closeEp(s.offline.ep, 'TR-13', '', at, emit, reason);
  closeEp(s.eta.ep, 'TR-17', '', at, emit, reason);
  closeMap(s.expiry.eps, 'TR-12', at, emit, reason);
  if (s.crew) {
    closeEp(s.crew.ep, 'TR-16', 'driver', at, emit, reason);
    s.crew = { ...s.crew, ep: null };
  }
  s.live = { ...live, corridor: initialCorridorState(), stop: initialStopState(), permit: initialPermitState(), zones: initialZonesState() };
  if (s.rec) {
    if (s.rec.lastMs !== null) closeTrack(s.rec, s.rec.lastMs, { out: emit.out, historical: true }, 'trip-changed');
    s.rec = null;
  }
  s.tripId = ctx.waybillId;
  s.activeSinceMs = null;
  s.trip = initialTripProgressState();
  s.offline = initialOfflineState();
  s.eta = initialEtaState();
  s.expiry = initialExpiryState();
  return s;
}

const tripKey = (s: MonitorState): string => s.trip.epKey ?? '';

// Everything the rules need about a position relative to its stream, computed once.
function buildFix(tr: TrackState, p: MonitorPosition, t: number, zones: readonly MonitorZone[], config: MonitorConfig, active: boolean): Fix {
  const prevT = tr.lastMs;
  const dtMs = prevT === null ? 0 : t - prevT;
  const clean = p.quality === 0;
  const stepM = prevT === null || !clean ? 0 : haversineMeters(p, { lat: tr.lastLat, lon: tr.lastLon });
  const moving = p.speedKmh >= config.movingKmh;
  const gap = dtMs > config.maxGapMs;
  const zonesIn: MonitorZone[] = [];
  if (clean) for (const z of zones) if (insideZone(z, p.lat, p.lon)) zonesIn.push(z);
  return {
    p,
    t,
    lat: p.lat,
    lon: p.lon,
    kmh: p.speedKmh,
    moving,
    prevT,
    prevLat: tr.lastLat,
    prevLon: tr.lastLon,
    dtMs,
    stepM,
    gap,
    intervalMoving: prevT === null ? false : gap ? (stepM / Math.max(dtMs, 1)) * 3600 >= config.movingKmh : tr.moving,
    stillSince: moving ? null : (tr.stillSince ?? t),
    zonesIn,
    active,
  };
}

function evaluateTrack(tr: TrackState, fix: Fix, received: number, ctx: TripContext, config: MonitorConfig, emit: Emit, live: boolean): TrackState {
  const env: RuleEnv = { ctx, config, emit };
  const { p, t, stepM, moving, prevT, dtMs } = fix;
  const clean = p.quality === 0;
  const pc = config.plausibility;
  const impliedKmh = clean && prevT !== null && stepM >= pc.minJumpDistanceM ? (stepM / Math.max(dtMs, 1000)) * 3600 : 0;
  const terminal = evaluateTerminalAlarms(tr.terminal, fix, env);
  const plausibility = evaluatePlausibility(tr.plausibility, fix, impliedKmh, env);
  if (!clean) return { ...tr, terminal, plausibility, lastReceivedMs: received };
  return {
    lastMs: t,
    lastLat: p.lat,
    lastLon: p.lon,
    moving,
    stillSince: fix.stillSince,
    lastReceivedMs: received,
    speed: evaluateSpeed(tr.speed, fix, env),
    driving: live ? evaluateDrivingTime(tr.driving, fix, env) : tr.driving,
    corridor: evaluateCorridor(tr.corridor, fix, env),
    zones: evaluateZones(tr.zones, fix, env),
    stop: evaluateStop(tr.stop, fix, env),
    permit: evaluatePermitWindow(tr.permit, fix, env),
    terminal,
    plausibility,
  };
}

// Close every open episode of a stream (record stream ending, trip change for the record stream).
function closeTrack(tr: TrackState, at: number, emit: Emit, why: string): void {
  const reason = { reason: why };
  if (tr.speed.ep && tr.speed.rule) closeEp(tr.speed.ep, tr.speed.rule, '', at, emit, reason);
  closeEp(tr.driving.cont, 'TR-03', '', at, emit, reason);
  closeEp(tr.driving.night, 'TR-04', '', at, emit, reason);
  closeEp(tr.driving.day, 'TR-05', '', at, emit, reason);
  closeEp(tr.corridor.ep, 'TR-06', '', at, emit, reason);
  closeZones(tr.zones, at, emit, reason);
  closeEp(tr.stop.ep, 'TR-10', '', at, emit, reason);
  closeMap(tr.permit.eps, 'TR-11', at, emit, reason);
  closeMap(tr.terminal.eps, 'TR-14', at, emit, reason);
  closeEp(tr.plausibility.ep, 'TR-15', '', at, emit, reason);
}

const CLOSED = { zh: '结束', en: 'Ended' };

function closeEp(ep: Ep, ruleId: MonitorRuleId, key: string, at: number, emit: Emit, evidence: Record<string, unknown>): void {
  if (ep) signal(ep, null, ruleId, key, at, emit, CLOSED, evidence);
}

function closeMap(eps: EpMap, ruleId: MonitorRuleId, at: number, emit: Emit, evidence: Record<string, unknown>): void {
  for (const key of Object.keys(eps).sort()) closeEp(eps[key]!, ruleId, key, at, emit, evidence);
}

function closeZones(z: ZonesState, at: number, emit: Emit, evidence: Record<string, unknown>): void {
  for (const key of Object.keys(z.eps).sort()) closeEp(z.eps[key]!, z.rule[key] ?? 'TR-07', key, at, emit, evidence);
}
