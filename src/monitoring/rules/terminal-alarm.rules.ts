import { signal, where, type EpMap, type Fix, type RuleEnv } from './episode.js';

// TR-14 terminal faults and the emergency button. DOMAIN.md 3.1(c); JT/T 808 table 24: bit 0 emergency (CRITICAL),
// 4 GNSS module fault, 5 GNSS antenna cut, 6 antenna short, 8 main power cut (ALARM). One episode per bit (key
// 'bit<n>'), open while the terminal reports the bit set, closed at the first position with it clear. Evaluated
// on every position, flagged ones included: a GNSS fault is exactly when the fix is bad.

const KEYS = Array.from({ length: 32 }, (_, i) => `bit${i}`);

export type TerminalAlarmState = { eps: EpMap };

export const initialTerminalAlarmState = (): TerminalAlarmState => ({ eps: {} });

export function evaluateTerminalAlarms(s: TerminalAlarmState, fix: Fix, env: RuleEnv): TerminalAlarmState {
  const bits = fix.p.alarmBits >>> 0;
  if (bits === 0 && isEmpty(s.eps)) return s; // the usual case
  let eps: EpMap | null = null;
  for (const b of env.config.terminalBits) {
    const key = KEYS[b.bit]!;
    const set = ((bits >>> b.bit) & 1) === 1;
    const open = s.eps[key];
    if (set === (open !== undefined)) continue;
    eps ??= { ...s.eps };
    const ep = signal(open, set ? b.severity : null, 'TR-14', key, fix.t, env.emit, { zh: b.zh, en: b.en }, { bit: b.bit, alarmBits: bits, position: where(fix) });
    if (ep) eps[key] = ep;
    else delete eps[key];
  }
  return eps ? { eps } : s;
}

const isEmpty = (o: object) => {
  for (const _ in o) return false;
  return true;
};
