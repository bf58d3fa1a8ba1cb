import type { BlacklistEntry } from './blacklist-entry.entity.js';
import { epochDay } from './certificate.rules.js';

// When a blacklist entry (黑名单, IM provincial plan; PL-05, PL-06 and waybill issue) bars its subject. Like
// certificates, windows are whole calendar days in China Standard Time: an entry is in force from validFrom
// THROUGH validUntil (null: until lifted), and not at all once an authority has lifted it.
export type BlacklistWindow = Pick<BlacklistEntry, 'validFrom' | 'validUntil' | 'liftedAt'>;

export function isInForce(entry: BlacklistWindow, day: string): boolean {
  if (entry.liftedAt) return false;
  const today = epochDay(day);
  const from = epochDay(entry.validFrom);
  const until = entry.validUntil == null ? Infinity : epochDay(entry.validUntil);
  // A day or window that cannot be read fails closed: a bar we cannot date stays a bar.
  if (Number.isNaN(today) || Number.isNaN(from) || Number.isNaN(until)) return true;
  return from <= today && today <= until;
}

// The entries in force on `day`, in their original order.
export function activeEntries<E extends BlacklistWindow>(entries: readonly E[], day: string): E[] {
  return entries.filter((e) => isInForce(e, day));
}

export function isBlacklisted(entries: readonly BlacklistWindow[], day: string): boolean {
  return entries.some((e) => isInForce(e, day));
}
