import { dailyWindowOverlapMs, hhmmMinutes, inTimeWindow } from './china-time.js';
import { changes, minutes, signal, where, type Ep, type Fix, type RuleEnv } from './episode.js';
import type { AlarmSeverity } from './monitoring.types.js';

// Driving time. DOMAIN.md 3.1(c):
// - TR-03 continuous driving >= 4 h without a stop of >= 20 min: alarm, pre-warning at 3 h 45 (道交法实施条例
//   art. 62(7); 动态监督管理办法; JT/T 808 bits 2, 14).
// - TR-04 night continuous driving > 2 h inside 22:00-06:00 China time: warn (动态监督管理办法, passenger rule reused).
// - TR-05 cumulative driving > 8 h in 24 h: alarm (same; JT/T 808 bit 18). Per driver when TripContext.driverId is
//   known (the count restarts when it changes), else per vehicle.
// Time between two fixes counts as driving when the earlier fix was moving, or, across a gap longer than
// config.maxGapMs, when the displacement implies >= movingKmh (a silent vehicle that got somewhere drove there).
// Only moving time is counted; a stop shorter than restMs neither counts nor resets. A stop reaches restMs at
// the first standing fix >= restMs after the stop began, which closes TR-03/TR-04 there. Night driving also ends
// (and its episode closes) at the first fix outside the night window.

export type DrivingState = {
  driverId: string | null;
  contMs: number; // continuous driving since the last qualifying rest
  nightMs: number; // of which inside the night window, since the night began or the last rest
  restSince: number | null; // start of the current stop
  daily: number[]; // rolling window: driving ms per bucket, ring indexed by absolute bucket number % length
  dailyHead: number | null; // absolute number of the newest bucket written
  dailyMs: number; // sum of `daily` and `dailyPendingMs`
  // Driving in the newest bucket not yet written into `daily`, so that a fix within that bucket (the usual case)
  // does not copy the ring. States stored before it existed have none (0).
  dailyPendingMs?: number;
  cont: Ep;
  night: Ep;
  day: Ep;
};

export const initialDrivingState = (): DrivingState => ({
  driverId: null,
  contMs: 0,
  nightMs: 0,
  restSince: null,
  daily: [],
  dailyHead: null,
  dailyMs: 0,
  dailyPendingMs: 0,
  cont: null,
  night: null,
  day: null,
});

// Add driving over [a, b) to the rolling window and move its head to b (the same object back when nothing
// changes). Driving inside the head bucket only adds to dailyPendingMs; the ring is copied (copy-on-write) and the
// pending time written into it when the head moves or older buckets change.
type Daily = Pick<DrivingState, 'daily' | 'dailyHead' | 'dailyMs' | 'dailyPendingMs'>;
function addDaily(s: Daily, a: number, b: number, bucketMs: number, buckets: number): Daily {
  if (!(b > a) && (s.dailyHead === null || Math.floor(b / bucketMs) <= s.dailyHead)) return s;
  const ring = s.daily.length === buckets && s.dailyHead !== null;
  const pending = s.dailyPendingMs ?? 0;
  if (ring && Math.floor(a / bucketMs) === s.dailyHead && Math.floor(b / bucketMs) === s.dailyHead) {
    return { daily: s.daily, dailyHead: s.dailyHead, dailyMs: s.dailyMs + (b - a), dailyPendingMs: pending + (b - a) };
  }
  const daily = ring ? s.daily.slice() : new Array<number>(buckets).fill(0);
  let head = ring ? s.dailyHead : null;
  let total = ring ? s.dailyMs : 0;
  if (ring && pending) daily[head! % buckets] = daily[head! % buckets]! + pending;
  const advance = (to: number) => {
    if (head === null || to - head >= buckets) {
      daily.fill(0);
      total = 0;
    } else {
      for (let k = head + 1; k <= to; k++) {
        total -= daily[k % buckets]!;
        daily[k % buckets] = 0;
      }
    }
    head = to;
  };
  const end = Math.floor(b / bucketMs);
  if (head === null || end > head) advance(end);
  for (let t = a; t < b; ) {
    const k = Math.floor(t / bucketMs);
    const next = Math.min(b, (k + 1) * bucketMs);
    if (head! - k < buckets) {
      daily[k % buckets] = daily[k % buckets]! + (next - t);
      total += next - t;
    }
    t = next;
  }
  return { daily, dailyHead: head, dailyMs: total, dailyPendingMs: 0 };
}

export function evaluateDrivingTime(s0: DrivingState, fix: Fix, env: RuleEnv): DrivingState {
  const cfg = env.config.driving;
  const emit = env.emit;
  let s = s0;
  const driverId = env.ctx.driverId ?? null;
  if (driverId !== s.driverId) {
    // Another driver: his own clock (the vehicle's previous driver's episodes end here).
    const next = initialDrivingState();
    next.driverId = driverId;
    if (s.cont) signal(s.cont, null, 'TR-03', '', fix.t, emit, MSG.cont, { reason: 'driver-changed', position: where(fix) });
    if (s.night) signal(s.night, null, 'TR-04', '', fix.t, emit, MSG.night, { reason: 'driver-changed', position: where(fix) });
    if (s.day) signal(s.day, null, 'TR-05', '', fix.t, emit, MSG.day, { reason: 'driver-changed', position: where(fix) });
    s = next;
  }
  let { contMs, nightMs, restSince, cont, night, day } = s;
  let daily: Daily = s;
  const buckets = Math.ceil(cfg.dailyWindowMs / cfg.dailyBucketMs);
  const nightFrom = hhmmMinutes(cfg.nightFrom);
  const nightTo = hhmmMinutes(cfg.nightTo);

  if (fix.prevT !== null && fix.dtMs > 0) {
    if (fix.intervalMoving) {
      contMs += fix.dtMs;
      nightMs += dailyWindowOverlapMs(fix.prevT, fix.t, nightFrom, nightTo);
      daily = addDaily(s, fix.prevT, fix.t, cfg.dailyBucketMs, buckets);
    } else if (restSince === null) {
      restSince = fix.prevT; // stood since the previous fix (or across a gap without displacement)
    }
  }
  // Standing: the window still moves on, so old driving drops out of it.
  daily = addDaily(daily, fix.t, fix.t, cfg.dailyBucketMs, buckets);
  if (fix.moving) restSince = null;
  else if (restSince === null) restSince = fix.t;

  const rested = restSince !== null && fix.t - restSince >= cfg.restMs;
  if (rested) {
    contMs = 0;
    nightMs = 0;
  }
  const nightNow = inTimeWindow(fix.t, { from: cfg.nightFrom, to: cfg.nightTo });
  if (!nightNow) nightMs = 0;

  // TR-03
  const wantCont: AlarmSeverity | null = contMs >= cfg.continuousLimitMs ? 'alarm' : contMs >= cfg.continuousPreWarnMs ? 'warn' : null;
  if (wantCont !== null ? changes(cont, wantCont) : cont && rested) {
    cont = signal(cont, wantCont, 'TR-03', '', fix.t, emit, MSG.cont, {
      continuousMinutes: minutes(contMs),
      limitMinutes: minutes(cfg.continuousLimitMs),
      preWarnMinutes: minutes(cfg.continuousPreWarnMs),
      restMinutes: minutes(cfg.restMs),
      ...(rested ? { restSince: new Date(restSince!).toISOString() } : {}),
      position: where(fix),
    });
  }
  // TR-04
  const wantNight: AlarmSeverity | null = nightMs > cfg.nightLimitMs ? 'warn' : null;
  if (wantNight !== null ? changes(night, wantNight) : night && (rested || !nightNow)) {
    night = signal(night, wantNight, 'TR-04', '', fix.t, emit, MSG.night, {
      nightMinutes: minutes(nightMs),
      limitMinutes: minutes(cfg.nightLimitMs),
      window: `${cfg.nightFrom}-${cfg.nightTo}`,
      reason: wantNight ? undefined : rested ? 'rest' : 'night-ended',
      position: where(fix),
    });
  }
  // TR-05
  const wantDay: AlarmSeverity | null = daily.dailyMs > cfg.dailyLimitMs ? 'alarm' : null;
  if (changes(day, wantDay)) {
    day = signal(day, wantDay, 'TR-05', '', fix.t, emit, MSG.day, {
      drivenMinutes: minutes(daily.dailyMs),
      limitMinutes: minutes(cfg.dailyLimitMs),
      windowHours: cfg.dailyWindowMs / 3_600_000,
      perDriver: driverId !== null,
      position: where(fix),
    });
  }
  return { driverId, contMs, nightMs, restSince, daily: daily.daily, dailyHead: daily.dailyHead, dailyMs: daily.dailyMs, dailyPendingMs: daily.dailyPendingMs ?? 0, cont, night, day };
}

const MSG = {
  cont: { zh: '连续驾驶超时', en: 'Continuous driving time exceeded' },
  night: { zh: '夜间连续驾驶超时', en: 'Night driving time exceeded' },
  day: { zh: '当天累计驾驶超时', en: 'Daily driving time exceeded' },
};
