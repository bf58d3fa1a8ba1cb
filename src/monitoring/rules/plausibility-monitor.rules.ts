import { qualityFlags } from '../../tracking/positions/plausibility.rules.js';
import { signal, where, type Ep, type Fix, type RuleEnv } from './episode.js';

// TR-15 data plausibility. DOMAIN.md 3.1(c): proposal. A position flagged upstream (positions.quality != 0, see
// tracking/positions/plausibility.rules.ts: invalid fix, out of range, future/old time, impossible jump,
// speed out of range), or an implied speed > 150 km/h from the previous clean fix (the upstream filter flags only
// above 250 km/h): WARN. The episode closes after closeAfterCleanFixes clean fixes in a row. Flagged positions take
// no part in the other geometric rules (the engine skips them), so a GNSS spike raises this and nothing else.

export type PlausibilityMonitorState = { ep: Ep; clean: number; findings: number };

export const initialPlausibilityMonitorState = (): PlausibilityMonitorState => ({ ep: null, clean: 0, findings: 0 });

// impliedKmh: from the previous clean fix of the same stream (0 when none or closer than minJumpDistanceM).
export function evaluatePlausibility(s: PlausibilityMonitorState, fix: Fix, impliedKmh: number, env: RuleEnv): PlausibilityMonitorState {
  const cfg = env.config.plausibility;
  const q = fix.p.quality;
  const finding = q !== 0 || impliedKmh > cfg.maxImpliedKmh;
  if (finding) {
    if (s.ep) return { ep: s.ep, clean: 0, findings: s.findings + 1 };
    const ep = signal(null, 'warn', 'TR-15', '', fix.t, env.emit, MSG, {
      qualityFlags: qualityFlags(q),
      impliedKmh: Math.round(impliedKmh),
      maxImpliedKmh: cfg.maxImpliedKmh,
      position: where(fix),
    });
    return { ep, clean: 0, findings: 1 };
  }
  if (!s.ep) return s;
  const clean = s.clean + 1;
  if (clean < cfg.closeAfterCleanFixes) return { ep: s.ep, clean, findings: s.findings };
  signal(s.ep, null, 'TR-15', '', fix.t, env.emit, MSG, { findings: s.findings, cleanFixes: clean, position: where(fix) });
  return initialPlausibilityMonitorState();
}

const MSG = { zh: '定位数据异常', en: 'Implausible position data' };
