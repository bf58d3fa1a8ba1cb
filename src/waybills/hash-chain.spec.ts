import { createHash } from 'node:crypto';
import {
  canonicalJson,
  chainEvent,
  eventHash,
  GENESIS_PREV_HASH,
  verifyChain,
  type ChainedEvent,
  type NewChainEvent,
} from './hash-chain.js';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const WAYBILL = '0b7c5f7e-3d1e-4c53-9b7a-2f2f6a3c9e11';

const BODIES: NewChainEvent[] = [
  { waybillId: WAYBILL, at: new Date('2026-03-01T08:00:00Z'), type: 'issue', actor: { role: 'carrier', userId: 'u1' }, payload: { version: 1 } },
  { waybillId: WAYBILL, at: new Date('2026-03-01T09:10:00Z'), type: 'check-pass', actor: { role: 'loader', userId: 'u2' }, payload: { checkId: 'c1' } },
  { waybillId: WAYBILL, at: new Date('2026-03-01T09:20:00Z'), type: 'start-loading', actor: { role: 'loader', userId: 'u2' }, payload: {} },
  {
    waybillId: WAYBILL,
    at: new Date('2026-03-01T10:05:00Z'),
    type: 'finish-loading',
    actor: { role: 'loader', userId: 'u2' },
    payload: { lines: [{ lineNo: 1, loaded: 19_960.5, packages: null }], seals: ['S-001', 'S-002'] },
  },
  { waybillId: WAYBILL, at: new Date('2026-03-01T10:30:00Z'), type: 'depart', actor: { role: 'system' }, payload: { geofence: 'loading-site' } },
  { waybillId: WAYBILL, at: new Date('2026-03-01T15:45:00Z'), type: 'arrive', actor: { role: 'system' }, payload: { lat: 40.8414, lon: 111.7519 } },
];

function buildChain(bodies: NewChainEvent[] = BODIES): ChainedEvent[] {
  const out: ChainedEvent[] = [];
  for (const body of bodies) out.push(chainEvent(out.at(-1) ?? null, body));
  return out;
}

// A structured clone keeps Dates as Dates, so a tampered copy never shares objects with the original.
const copy = (events: ChainedEvent[]) => structuredClone(events);

describe('canonicalJson', () => {
  it('should sort keys at every depth and write no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('should give the same text whatever the insertion order', () => {
    expect(canonicalJson({ seq: 1, type: 't', at: 'x' })).toBe(canonicalJson({ at: 'x', type: 't', seq: 1 }));
  });

  it('should sort keys by UTF-16 code units (RFC 8785), not by locale', () => {
    expect(canonicalJson({ b: 1, B: 2, a: 3, 装: 4, _: 5, '10': 6, '9': 7 })).toBe(
      '{"10":6,"9":7,"B":2,"_":5,"a":3,"b":1,"装":4}',
    );
  });

  it('should write Dates as ISO 8601 UTC strings with milliseconds', () => {
    expect(canonicalJson({ at: new Date('2026-03-01T16:00:00+08:00') })).toBe('{"at":"2026-03-01T08:00:00.000Z"}');
  });

  it('should hash a Date and its ISO string alike (rows read back from the database)', () => {
    expect(canonicalJson({ at: new Date('2026-03-01T08:00:00Z') })).toBe(canonicalJson({ at: '2026-03-01T08:00:00.000Z' }));
  });

  it('should drop properties whose value is undefined but keep null', () => {
    expect(canonicalJson({ a: undefined, b: null, c: { d: undefined } })).toBe('{"b":null,"c":{}}');
  });

  it('should write primitives as JSON does', () => {
    expect(canonicalJson('运单 "1"\n')).toBe(JSON.stringify('运单 "1"\n'));
    expect(canonicalJson(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(canonicalJson(-0)).toBe('0');
    expect(canonicalJson(1e21)).toBe('1e+21');
    expect(canonicalJson(true)).toBe('true');
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson([])).toBe('[]');
    expect(canonicalJson({})).toBe('{}');
  });

  it('should survive a JSON round trip unchanged (jsonb storage)', () => {
    const value = { z: [1, 2.5, 'x', null, { b: true, a: false }], a: { '': 0, ü: 'ü' }, at: '2026-03-01T08:00:00.000Z' };
    const text = canonicalJson(value);
    expect(canonicalJson(JSON.parse(text))).toBe(text);
  });

  it('should use toJSON of non-Date objects as JSON.stringify does', () => {
    expect(canonicalJson({ n: { toJSON: () => ({ y: 1, x: 2 }) } })).toBe('{"n":{"x":2,"y":1}}');
  });

  it.each([
    ['NaN', { v: NaN }],
    ['Infinity', { v: Infinity }],
    ['a bigint', { v: 1n }],
    ['a function', { v: () => 1 }],
    ['a symbol', { v: Symbol('s') }],
    ['a Map', { v: new Map([['a', 1]]) }],
    ['a Set', { v: new Set([1]) }],
    ['undefined in an array', { v: [1, undefined] }],
    ['undefined at the top', undefined],
  ])('should throw TypeError on %s', (_what, value) => {
    expect(() => canonicalJson(value)).toThrow(TypeError);
  });

  it('should throw RangeError on an invalid Date', () => {
    expect(() => canonicalJson({ at: new Date('nope') })).toThrow(RangeError);
  });
});

describe('eventHash', () => {
  const body = { seq: 1, at: new Date('2026-03-01T08:00:00Z'), type: 'issue', actor: { role: 'carrier' }, payload: { v: 1 } };

  it('should be SHA-256 hex of the zero hash, a newline and the canonical event for the first event', () => {
    const expected = sha256(
      `${'0'.repeat(64)}\n{"actor":{"role":"carrier"},"at":"2026-03-01T08:00:00.000Z","payload":{"v":1},"seq":1,"type":"issue"}`,
    );
    expect(eventHash(null, body)).toBe(expected);
    expect(eventHash(null, body)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('should treat null and the zero hash alike', () => {
    expect(eventHash(GENESIS_PREV_HASH, body)).toBe(eventHash(null, body));
  });

  it('should chain on the previous hash', () => {
    const prev = 'ab'.repeat(32);
    expect(eventHash(prev, body)).toBe(sha256(`${prev}\n${canonicalJson(body)}`));
    expect(eventHash(prev, body)).not.toBe(eventHash(null, body));
  });

  it('should ignore the hash and prevHash fields of the event itself', () => {
    const prev = 'cd'.repeat(32);
    expect(eventHash(prev, { ...body, hash: 'whatever', prevHash: 'something else' })).toBe(eventHash(prev, body));
  });

  it('should not depend on key order', () => {
    const { payload, type, actor, at, seq } = body;
    expect(eventHash(null, { payload, type, actor, at, seq })).toBe(eventHash(null, body));
  });
});

describe('chainEvent', () => {
  it('should number from 1, link prevHash and fill in the hash', () => {
    const [first, second] = buildChain(BODIES.slice(0, 2));
    expect(first).toMatchObject({ seq: 1, prevHash: null, type: 'issue' });
    expect(first!.hash).toBe(eventHash(null, { ...BODIES[0]!, seq: 1 }));
    expect(second).toMatchObject({ seq: 2, prevHash: first!.hash, type: 'check-pass' });
    expect(second!.hash).toBe(eventHash(first!.hash, { ...BODIES[1]!, seq: 2 }));
  });
});

describe('verifyChain', () => {
  const chain = buildChain();
  const FIELDS = ['seq', 'at', 'type', 'actor', 'payload', 'waybillId', 'hash', 'prevHash'] as const;

  it('should verify a chain of several events and return its head', () => {
    expect(verifyChain(chain)).toEqual({ ok: true, length: 6, head: chain[5]!.hash });
  });

  it('should verify every prefix (a chain is valid after each append)', () => {
    for (let n = 0; n <= chain.length; n++) {
      expect(verifyChain(chain.slice(0, n))).toMatchObject({ ok: true, length: n });
    }
  });

  it('should verify an empty chain with a null head', () => {
    expect(verifyChain([])).toEqual({ ok: true, length: 0, head: null });
  });

  it('should verify rows read back with ISO strings instead of Dates and keys in another order', () => {
    const fromDb = chain.map((e) => {
      const { hash, prevHash, payload, ...rest } = e;
      return { payload, hash, ...JSON.parse(JSON.stringify(rest)), prevHash } as ChainedEvent;
    });
    expect(verifyChain(fromDb)).toMatchObject({ ok: true, length: 6 });
  });

  it('should accept the zero hash instead of null as the first prevHash', () => {
    const events = copy(chain);
    events[0]!.prevHash = GENESIS_PREV_HASH;
    expect(verifyChain(events)).toMatchObject({ ok: true });
  });

  // Every field of every event, changed in place without recomputing anything.
  const fieldCases = chain.flatMap((e) => FIELDS.map((field) => [e.seq, field] as const));
  it.each(fieldCases)('should detect a change to event %i field %s at that seq', (seq, field) => {
    const events = copy(chain);
    const target = events[seq - 1]!;
    switch (field) {
      case 'seq':
        target.seq = seq + 100;
        break;
      case 'at':
        target.at = new Date((target.at as Date).getTime() + 1);
        break;
      case 'type':
        target.type = 'cancel';
        break;
      case 'actor':
        target.actor = { ...(target.actor as object), role: 'admin' };
        break;
      case 'payload':
        target.payload = { ...(target.payload as object), forged: true };
        break;
      case 'waybillId':
        target.waybillId = '00000000-0000-0000-0000-000000000000';
        break;
      case 'hash':
        target.hash = target.hash.replace(/^./, (c) => (c === '0' ? '1' : '0'));
        break;
      case 'prevHash':
        target.prevHash = 'f'.repeat(64);
        break;
    }
    const reason = field === 'seq' ? 'SEQ_GAP' : field === 'prevHash' ? 'PREV_MISMATCH' : 'HASH_MISMATCH';
    expect(verifyChain(events)).toEqual({ ok: false, brokenAt: seq, reason });
  });

  it('should detect a deep change inside a payload', () => {
    const events = copy(chain);
    (events[3]!.payload as { lines: { loaded: number }[] }).lines[0]!.loaded = 19_960.6;
    expect(verifyChain(events)).toEqual({ ok: false, brokenAt: 4, reason: 'HASH_MISMATCH' });
  });

  it('should detect an added field in an event', () => {
    const events = copy(chain);
    events[2]!.note = 'added later';
    expect(verifyChain(events)).toEqual({ ok: false, brokenAt: 3, reason: 'HASH_MISMATCH' });
  });

  it('should detect a changed event whose own hash was recomputed, at the next seq', () => {
    const events = copy(chain);
    events[2]!.type = 'abort';
    events[2]!.hash = eventHash(events[2]!.prevHash, events[2]!);
    expect(verifyChain(events)).toEqual({ ok: false, brokenAt: 4, reason: 'PREV_MISMATCH' });
  });

  it('should report nothing when the whole tail is rewritten (why the head must be anchored elsewhere)', () => {
    const forged = buildChain(BODIES.map((b, i) => (i === 2 ? { ...b, type: 'abort' } : b)));
    const result = verifyChain(forged) as { ok: boolean; head: string };
    expect(result.ok).toBe(true);
    expect(result.head).not.toBe((verifyChain(chain) as { head: string }).head);
  });

  it.each(chain.map((e) => [e.seq]))('should detect the deletion of event %i at that seq', (seq) => {
    const events = copy(chain).filter((e) => e.seq !== seq);
    const expected = seq === chain.length ? { ok: true, length: chain.length - 1 } : { ok: false, brokenAt: seq, reason: 'SEQ_GAP' };
    // Deleting the last event leaves a valid shorter chain: only an anchored head (or the length) shows it.
    expect(verifyChain(events)).toMatchObject(expected);
  });

  it('should detect a deleted event even after renumbering, by the broken link', () => {
    const events = copy(chain).filter((e) => e.seq !== 3);
    events.forEach((e, i) => (e.seq = i + 1));
    // seq 3 now carries old event 4, whose prevHash is the deleted event's hash (links are checked before hashes)
    expect(verifyChain(events)).toEqual({ ok: false, brokenAt: 3, reason: 'PREV_MISMATCH' });
  });

  it.each([1, 2, 3, 4, 5].map((i) => [i, i + 1]))('should detect swapping events %i and %i', (a, b) => {
    const events = copy(chain);
    [events[a - 1], events[b - 1]] = [events[b - 1]!, events[a - 1]!];
    expect(verifyChain(events)).toEqual({ ok: false, brokenAt: a, reason: 'SEQ_GAP' });
  });

  it('should detect reordering even when the seq numbers are rewritten to match', () => {
    const events = copy(chain);
    [events[1], events[2]] = [events[2]!, events[1]!];
    events.forEach((e, i) => (e.seq = i + 1));
    expect(verifyChain(events)).toEqual({ ok: false, brokenAt: 2, reason: 'PREV_MISMATCH' });
  });

  it('should detect a reversed chain at seq 1', () => {
    expect(verifyChain(copy(chain).reverse())).toEqual({ ok: false, brokenAt: 1, reason: 'SEQ_GAP' });
  });

  it('should detect an event inserted with a made-up hash at its seq', () => {
    const events = copy(chain);
    const forged = { ...BODIES[1]!, type: 'check-fail', seq: 3, prevHash: events[1]!.hash, hash: 'e'.repeat(64) };
    events.splice(2, 0, forged);
    expect(verifyChain(events)).toEqual({ ok: false, brokenAt: 3, reason: 'HASH_MISMATCH' });
  });

  it('should detect a well-formed inserted event at the next seq, whose seq is now repeated', () => {
    const events = copy(chain);
    const forged = chainEvent(events[1]!, { ...BODIES[1]!, type: 'check-fail' });
    events.splice(2, 0, forged);
    expect(verifyChain(events)).toEqual({ ok: false, brokenAt: 4, reason: 'SEQ_GAP' });
  });

  it('should detect a well-formed inserted event followed by renumbered originals, by the broken link', () => {
    const events = copy(chain);
    events.splice(2, 0, chainEvent(events[1]!, { ...BODIES[1]!, type: 'check-fail' }));
    events.forEach((e, i) => (e.seq = i + 1));
    expect(verifyChain(events)).toEqual({ ok: false, brokenAt: 4, reason: 'PREV_MISMATCH' });
  });

  it('should detect an event inserted before the first one', () => {
    const events = copy(chain);
    events.unshift(chainEvent(null, { ...BODIES[0]!, type: 'cancel' }));
    expect(verifyChain(events)).toEqual({ ok: false, brokenAt: 2, reason: 'SEQ_GAP' });
  });

  it('should detect a duplicated event', () => {
    const events = copy(chain);
    events.splice(2, 0, copy([events[2]!])[0]!);
    expect(verifyChain(events)).toEqual({ ok: false, brokenAt: 4, reason: 'SEQ_GAP' });
  });

  it('should refuse a chain that does not start at seq 1', () => {
    expect(verifyChain(copy(chain).slice(1))).toEqual({ ok: false, brokenAt: 1, reason: 'SEQ_GAP' });
  });

  it('should refuse a first event that points at a previous hash', () => {
    const events = copy(chain);
    events[0]!.prevHash = 'a'.repeat(64);
    expect(verifyChain(events)).toEqual({ ok: false, brokenAt: 1, reason: 'PREV_MISMATCH' });
  });

  it('should refuse a later event whose prevHash is null', () => {
    const events = copy(chain);
    events[4]!.prevHash = null;
    expect(verifyChain(events)).toEqual({ ok: false, brokenAt: 5, reason: 'PREV_MISMATCH' });
  });

  it('should report HASH_MISMATCH, not throw, when a stored body cannot be canonicalised', () => {
    const events = copy(chain);
    events[1]!.payload = { v: NaN };
    expect(verifyChain(events)).toEqual({ ok: false, brokenAt: 2, reason: 'HASH_MISMATCH' });
  });

  it('should compare hashes exactly (upper-case hex is not the stored hash)', () => {
    const events = copy(chain);
    events[0]!.hash = events[0]!.hash.toUpperCase();
    expect(verifyChain(events)).toEqual({ ok: false, brokenAt: 1, reason: 'HASH_MISMATCH' });
  });
});
