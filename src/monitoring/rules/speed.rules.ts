import { changes, signal, where, type Ep, type Fix, type RuleEnv } from './episode.js';
import type { AlarmSeverity } from './monitoring.types.js';

// TR-01 / TR-02 overspeed. DOMAIN.md 3.1(c): Order 29 art. 46 (<= 80 km/h on expressways, <= 60 on other roads,
// lower posted limits prevail); JT/T 808 bits 1 (overspeed) and 13 (pre-warning). Over the limit for >= sustainMs
// opens an alarm; at or above limit - preWarnMarginKmh for >= sustainMs a pre-warning (same episode, raised to
// alarm if it gets worse). Below the pre-warning speed for closeAfterMs closes it.

export type SpeedState = {
  ep: Ep;
  rule: 'TR-01' | 'TR-02' | null; // rule of the open episode
  warnSince: number | null; // start of the current run of fixes at or above the pre-warning speed
  overSince: number | null; // start of the current run of fixes above the limit
  underSince: number | null; // start of the current run below the pre-warning speed while an episode is open
  maxKmh: number; // highest speed in the open episode
};

export const initialSpeedState = (): SpeedState => ({ ep: null, rule: null, warnSince: null, overSince: null, underSince: null, maxKmh: 0 });

// The limit at a fix: the trip's open-road limit, lowered by any zone the fix is in.
export function speedLimitAt(fix: Fix, env: RuleEnv): { limitKmh: number; zoneId: string | null } {
  let limitKmh = env.ctx.speedLimitKmh ?? env.config.speed.defaultLimitKmh;
  let zoneId: string | null = null;
  for (const z of fix.zonesIn) {
    if (z.speedLimitKmh !== null && z.speedLimitKmh < limitKmh) {
      limitKmh = z.speedLimitKmh;
      zoneId = z.id;
    }
  }
  return { limitKmh, zoneId };
}

export function evaluateSpeed(s: SpeedState, fix: Fix, env: RuleEnv): SpeedState {
  const cfg = env.config.speed;
  const { limitKmh, zoneId } = speedLimitAt(fix, env);
  const rule = limitKmh >= cfg.expresswayLimitKmh ? 'TR-01' : 'TR-02';
  const preKmh = limitKmh - cfg.preWarnMarginKmh;
  const kmh = fix.kmh;
  const restart = fix.gap; // a gap breaks a run: "sustained" is only known between close fixes
  const warnSince = kmh >= preKmh ? (s.warnSince !== null && !restart ? s.warnSince : fix.t) : null;
  const overSince = kmh > limitKmh ? (s.overSince !== null && !restart ? s.overSince : fix.t) : null;
  let want: AlarmSeverity | null = null;
  if (overSince !== null && fix.t - overSince >= cfg.sustainMs) want = 'alarm';
  else if (warnSince !== null && fix.t - warnSince >= cfg.sustainMs) want = 'warn';

  let { ep, underSince, maxKmh } = s;
  let epRule = s.rule;
  if (ep && epRule !== rule && want !== null) {
    // The applicable limit changed class (entering a 60 zone from the expressway): one episode per rule.
    ep = signal(ep, null, epRule!, '', fix.t, env.emit, msg(epRule!, limitKmh), evidence(fix, limitKmh, maxKmh, zoneId, ep.since));
    epRule = null;
  }
  if (ep) {
    maxKmh = Math.max(maxKmh, kmh);
    underSince = warnSince === null ? (underSince !== null && !restart ? underSince : fix.t) : null;
    if (want === null) {
      if (underSince !== null && fix.t - underSince >= cfg.closeAfterMs) {
        ep = signal(ep, null, epRule!, '', fix.t, env.emit, msg(epRule!, limitKmh), evidence(fix, limitKmh, maxKmh, zoneId, ep.since));
        epRule = null;
        underSince = null;
        maxKmh = 0;
      }
    } else if (changes(ep, want)) {
      ep = signal(ep, want, epRule!, '', fix.t, env.emit, msg(epRule!, limitKmh), evidence(fix, limitKmh, maxKmh, zoneId, ep.since));
    }
  } else if (want !== null) {
    maxKmh = kmh;
    const since = want === 'alarm' ? overSince! : warnSince!;
    ep = signal(null, want, rule, '', fix.t, env.emit, msg(rule, limitKmh), evidence(fix, limitKmh, maxKmh, zoneId, since));
    epRule = rule;
    underSince = null;
  }
  if (ep === s.ep && epRule === s.rule && warnSince === s.warnSince && overSince === s.overSince && underSince === s.underSince && maxKmh === s.maxKmh) return s;
  return { ep, rule: epRule, warnSince, overSince, underSince, maxKmh };
}

const msg = (rule: 'TR-01' | 'TR-02', limitKmh: number) =>
  rule === 'TR-01'
    ? { zh: `高速公路超速（限速${limitKmh} km/h）`, en: `Overspeed on expressway (limit ${limitKmh} km/h)` }
    : { zh: `超速（限速${limitKmh} km/h）`, en: `Overspeed (limit ${limitKmh} km/h)` };

const evidence = (fix: Fix, limitKmh: number, maxKmh: number, zoneId: string | null, since: number) => ({
  limitKmh,
  maxKmh,
  zoneId,
  conditionSince: new Date(since).toISOString(),
  position: where(fix),
});
