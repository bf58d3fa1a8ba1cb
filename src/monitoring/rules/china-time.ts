import { shanghaiDate } from '../../vehicles/certificate.rules.js';
import type { TimeWindow } from './monitoring.types.js';

// China time for the monitoring rules: night driving (TR-04), zone ban windows (TR-08), certificate days (TR-12).
// Asia/Shanghai is UTC+8 without daylight saving since 1991 (see vehicles/certificate.rules.ts, whose
// shanghaiDate gives the calendar day), so a fixed offset is exact and costs no Intl call on the hot path.

const OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

export const chinaDay = (ms: number): string => shanghaiDate(new Date(ms));

const minutesCache = new Map<string, number>();

// 'HH:MM' -> minutes after midnight ('24:00' allowed as the end of a day); NaN when malformed.
export function hhmmMinutes(s: string): number {
  let m = minutesCache.get(s);
  if (m === undefined) {
    const r = /^(\d{1,2}):(\d{2})$/.exec(s);
    m = r && Number(r[1]) <= 24 && Number(r[2]) < 60 ? Number(r[1]) * 60 + Number(r[2]) : NaN;
    if (m > 1440) m = NaN;
    minutesCache.set(s, m);
  }
  return m;
}

// Milliseconds since China midnight of the instant.
export const chinaMsOfDay = (ms: number): number => (((ms + OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS;

// ISO weekday (1 Monday .. 7 Sunday) in China. 1970-01-01 was a Thursday.
export const chinaIsoWeekday = (ms: number): number => ((((Math.floor((ms + OFFSET_MS) / DAY_MS) + 3) % 7) + 7) % 7) + 1;

// Whether the instant falls in a daily window [from, to) of China time; from > to wraps midnight. A window's
// `days` name the day the window STARTS on: '22:00'-'06:00' on Friday covers Friday 22:00 to Saturday 06:00.
export function inTimeWindow(ms: number, w: TimeWindow): boolean {
  const from = hhmmMinutes(w.from) * MINUTE_MS;
  const to = hhmmMinutes(w.to) * MINUTE_MS;
  if (Number.isNaN(from) || Number.isNaN(to) || from === to) return false;
  const t = chinaMsOfDay(ms);
  let startDayMs = ms; // an instant on the day the window started
  if (from < to) {
    if (t < from || t >= to) return false;
  } else if (t >= from) {
    // evening part: started today
  } else if (t < to) {
    startDayMs = ms - DAY_MS; // morning part: started yesterday
  } else {
    return false;
  }
  return !w.days || w.days.length === 0 || w.days.includes(chinaIsoWeekday(startDayMs));
}

// How much of [a, b) lies inside the daily window [fromMin, toMin) (minutes, China time, wrapping when from > to).
export function dailyWindowOverlapMs(a: number, b: number, fromMin: number, toMin: number): number {
  if (!(b > a) || Number.isNaN(fromMin) || Number.isNaN(toMin) || fromMin === toMin) return 0;
  const from = fromMin * MINUTE_MS;
  const to = toMin * MINUTE_MS;
  let total = 0;
  // China midnight at or before a, then one day at a time (an interval is normally seconds long: one pass).
  let day = a - chinaMsOfDay(a);
  for (; day < b; day += DAY_MS) {
    if (from < to) total += overlap(a, b, day + from, day + to);
    else total += overlap(a, b, day, day + to) + overlap(a, b, day + from, day + DAY_MS);
  }
  return total;
}

const overlap = (a: number, b: number, c: number, d: number): number => Math.max(0, Math.min(b, d) - Math.max(a, c));
