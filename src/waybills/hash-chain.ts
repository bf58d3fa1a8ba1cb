import { createHash } from 'node:crypto';

// Append-only, hash-chained waybill events (DOMAIN.md 3.1(a): "all events hash-chained and signed so the record can
// be produced to regulators"). Each event's hash covers the previous hash and the event itself:
//
//   hash = hex(SHA-256( (prevHash ?? '0' × 64) + '\n' + canonicalJson(event without hash and prevHash) ))
//
// so changing, removing, inserting or reordering a stored event breaks the chain from that event on.
//
// What this does NOT prove on its own: someone with write access can rewrite the whole chain from some point and
// recompute every hash. Tamper evidence needs the head (the last hash) kept somewhere the writer cannot change: signed
// into a waybill version / QR, pushed to the provincial platform, or exported to the regulator. verifyChain returns
// the head for that comparison. Put waybillId in every event body, otherwise a whole chain could be moved to
// another waybill unnoticed (every chain starts from the same zero hash).

export const GENESIS_PREV_HASH = '0'.repeat(64);

import { canonicalJson } from '../common/canonical-json.js';

export { canonicalJson };

// The hashed body of an event: everything except its own hash and prevHash (prevHash is hashed as the prefix).
export type NewChainEvent = {
  at: Date | string;
  type: string;
  actor: unknown;
  payload: unknown;
  [field: string]: unknown;
};
export type ChainEventBody = NewChainEvent & { seq: number };

export type ChainedEvent = { seq: number; hash: string; prevHash: string | null; [field: string]: unknown };

export function eventHash(prevHash: string | null, event: ChainEventBody | ChainedEvent): string {
  const { hash: _hash, prevHash: _prev, ...body } = event as Record<string, unknown>;
  return createHash('sha256')
    .update(`${prevHash ?? GENESIS_PREV_HASH}\n${canonicalJson(body)}`, 'utf8')
    .digest('hex');
}

// The next event to append after `previous` (null for the first one): seq, prevHash and hash filled in.
export function chainEvent<E extends NewChainEvent>(
  previous: Pick<ChainedEvent, 'seq' | 'hash'> | null,
  event: E,
): E & { seq: number; prevHash: string | null; hash: string } {
  const seq = previous ? previous.seq + 1 : 1;
  const prevHash = previous ? previous.hash : null;
  const body = { ...event, seq };
  return { ...body, prevHash, hash: eventHash(prevHash, body) };
}

export type ChainVerification =
  | { ok: true; length: number; head: string | null }
  | { ok: false; brokenAt: number; reason: 'HASH_MISMATCH' | 'PREV_MISMATCH' | 'SEQ_GAP' };

// Checks `events` in the order given (store them ordered by seq): seq runs 1, 2, 3 … without gaps or repeats; each
// prevHash is the previous event's hash (null, or the zero hash, for the first); each hash recomputes. brokenAt is
// the seq that should stand at the first failing position, so a deleted event 3 reports SEQ_GAP at 3, a changed
// event 3 HASH_MISMATCH at 3, and an event 3 whose hash was recomputed after a change PREV_MISMATCH at 4.
// Pass exactly the fields that were hashed (map database rows back to the event body; drop the row id).
// An empty list verifies (length 0, head null): whether a waybill must have events is the caller's rule.
export function verifyChain(events: readonly ChainedEvent[]): ChainVerification {
  let previous: ChainedEvent | null = null;
  for (const event of events) {
    const expectedSeq = previous ? previous.seq + 1 : 1;
    if (event.seq !== expectedSeq) return { ok: false, brokenAt: expectedSeq, reason: 'SEQ_GAP' };
    const expectedPrev = previous ? previous.hash : GENESIS_PREV_HASH;
    if ((event.prevHash ?? GENESIS_PREV_HASH) !== expectedPrev) {
      return { ok: false, brokenAt: expectedSeq, reason: 'PREV_MISMATCH' };
    }
    let recomputed: string;
    try {
      recomputed = eventHash(event.prevHash, event);
    } catch {
      recomputed = ''; // a stored body that cannot be canonicalised cannot be the one that was hashed
    }
    if (recomputed !== event.hash) return { ok: false, brokenAt: expectedSeq, reason: 'HASH_MISMATCH' };
    previous = event;
  }
  return { ok: true, length: events.length, head: previous ? previous.hash : null };
}
