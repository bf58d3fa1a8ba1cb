import { createHmac, timingSafeEqual } from 'node:crypto';

// How deliveries are signed, so that a receiver can check that a request comes from this Hazway and is
// recent: X-Hazway-Signature is "sha256=" + hex HMAC-SHA256, keyed with the endpoint's secret, over
// "<X-Hazway-Timestamp>.<raw request body>" (the body's UTF-8 bytes exactly as received). Signing the
// timestamp too means a captured request cannot be replayed later with a fresh timestamp.
export const SIGNATURE_PREFIX = 'sha256=';

export function signDelivery(secret: string, timestamp: string, rawBody: string | Buffer): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestamp}.`);
  mac.update(rawBody);
  return SIGNATURE_PREFIX + mac.digest('hex');
}

// What a receiver does (shown in the README): recompute and compare in constant time, and refuse stale
// timestamps. `now` in seconds since the epoch.
export function verifyDelivery(
  secret: string,
  headers: { timestamp?: string; signature?: string },
  rawBody: string | Buffer,
  now = Math.floor(Date.now() / 1000),
  toleranceSeconds = 300,
): boolean {
  const { timestamp, signature } = headers;
  if (!timestamp || !signature || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(now - Number(timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(signDelivery(secret, timestamp, rawBody));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

// BullMQ's exponential backoff: the retry after the n-th failed attempt (n = 1, 2, ...) waits base * 2^(n-1).
// Used to show next_attempt_at; BullMQ itself schedules the retry with the same formula.
export function retryDelay(baseMs: number, failedAttempts: number): number {
  return baseMs * 2 ** Math.max(0, failedAttempts - 1);
}

// An endpoint with no kinds receives every notification.
export function endpointWants(kinds: readonly string[], kind: string): boolean {
  return kinds.length === 0 || kinds.includes(kind);
}

export const isSuccess = (status: number) => status >= 200 && status < 300;
