// Certificate validity (道路运输证, 从业资格证, tank inspection, …) is judged by calendar day in China Standard Time:
// Asia/Shanghai is UTC+8 with no daylight saving since 1991, so a fixed offset gives the same day as the tz database
// for any instant from then on. A certificate is valid THROUGH the day printed as its end date (有效期至) and expired
// from the next day. Days are ISO 8601 calendar dates (GB/T 7408) "YYYY-MM-DD".

const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export type CertificateStatus = 'missing' | 'expired' | 'expiring' | 'valid';

// The calendar day of `instant` in Shanghai; '' for an invalid Date.
export function shanghaiDate(instant: Date): string {
  const ms = instant.getTime();
  if (Number.isNaN(ms)) return '';
  return new Date(ms + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

// Days since 1970-01-01 of a real calendar date "YYYY-MM-DD" (proleptic Gregorian), or NaN. Remembered (up to
// EPOCH_DAYS_KEPT dates, then forgotten all at once): a pre-loading check asks for the same few dates (today, the
// certificates' end dates) dozens of times, and this was 1.6 % of the app's CPU profile under bench:checks.
const EPOCH_DAYS_KEPT = 10_000;
const epochDays = new Map<string, number>();
export function epochDay(day: string): number {
  let days = epochDays.get(day);
  if (days === undefined) {
    days = computeEpochDay(day);
    if (epochDays.size >= EPOCH_DAYS_KEPT) epochDays.clear();
    epochDays.set(day, days);
  }
  return days;
}

function computeEpochDay(day: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return NaN;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d); // not Date.UTC, which maps years 0-99 to 1900-1999
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return NaN;
  return date.getTime() / DAY_MS;
}

export function isCalendarDate(day: string): boolean {
  return !Number.isNaN(epochDay(day));
}

// Whole days from `today` to `validUntil`: 0 on the last valid day, negative once expired; NaN if either is not a
// real date.
export function daysUntil(validUntil: string, today: string): number {
  return epochDay(validUntil) - epochDay(today);
}

// 'missing' when there is no usable end date; 'expiring' when 0 <= days left <= withinDays. A malformed `today`
// fails closed as 'expired'.
export function certificateStatus(validUntil: string | null, today: string, withinDays: number): CertificateStatus {
  if (validUntil === null || !isCalendarDate(validUntil)) return 'missing';
  const days = daysUntil(validUntil, today);
  if (Number.isNaN(days) || days < 0) return 'expired';
  return days <= withinDays ? 'expiring' : 'valid';
}

// The reminder step a certificate is in: the smallest threshold t with daysLeft <= t, null while daysLeft is above
// every threshold. An expired certificate (daysLeft < 0) stays at the 0 ("on the day") step, so a reminder job that
// sends one message per step keeps flagging it without re-sending the 30- and 7-day messages.
export function reminderThreshold(daysLeft: number, thresholds: readonly number[] = [30, 7, 0]): number | null {
  if (Number.isNaN(daysLeft) || thresholds.length === 0) return null;
  if (daysLeft < 0) return 0;
  const hits = thresholds.filter((t) => daysLeft <= t);
  return hits.length === 0 ? null : Math.min(...hits);
}

// A from/to pair is in order when either end is absent (null, undefined or '') or from <= to (a one-day validity is
// fine); a date that is present but not a real calendar date is never in order.
export function datesInOrder(from?: string | null, to?: string | null): boolean {
  const a = from ? epochDay(from) : null;
  const b = to ? epochDay(to) : null;
  if (Number.isNaN(a) || Number.isNaN(b)) return false;
  return a === null || b === null || a <= b;
}
