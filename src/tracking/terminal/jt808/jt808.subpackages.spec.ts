import { JT808_MESSAGE_ID } from './jt808.constants.js';
import { decodeJt808, decodeJt808Body, type Jt808Header } from './jt808.decoder.js';
import { encodeBatch, encodePayload, type Jt808PositionInput } from './jt808.encoder.js';
import { DEFAULT_SUBPACKAGE_LIMITS, Jt808Subpackages, type Jt808SubpackageLimits } from './jt808.subpackages.js';

const PHONE = '013912345678';
const T0 = 1_000_000;

const fix = (i: number): Jt808PositionInput => ({
  latitude: 40.6123 + i * 1e-5,
  longitude: 109.8456,
  speedKmh: 36,
  direction: 90,
  time: new Date(Date.UTC(2026, 2, 1, 8, 0, i)),
});

// The header of a fragment as the decoder returns it (through a real encode/decode round trip).
function fragment(messageId: number, serial: number, total: number, index: number, body: Buffer, phone = PHONE): { header: Jt808Header; body: Buffer } {
  const r = decodeJt808(encodePayload({ messageId, phone, serial, packet: { total, index }, body }));
  if (!r.ok || r.message.kind !== 'fragment') throw new Error(`not a fragment: ${JSON.stringify(r)}`);
  return { header: r.message.header, body: r.message.body };
}

// A 0x0704 body of `n` positions cut into `parts` packages, serials from `firstSerial`.
function batchFragments(n: number, parts: number, firstSerial = 100) {
  const whole = encodeBatch(0, Array.from({ length: n }, (_, i) => fix(i)));
  const size = Math.ceil(whole.length / parts);
  const fragments = Array.from({ length: parts }, (_, i) =>
    fragment(JT808_MESSAGE_ID.BATCH_LOCATION, firstSerial + i, parts, i + 1, whole.subarray(i * size, (i + 1) * size)),
  );
  return { whole, fragments };
}

const limits = (over: Partial<Jt808SubpackageLimits> = {}): Jt808SubpackageLimits => ({ ...DEFAULT_SUBPACKAGE_LIMITS, ...over });

describe(Jt808Subpackages.name, () => {
  it('should put a message sent in order back together, with the header of its first package', () => {
    const s = new Jt808Subpackages();
    const { whole, fragments } = batchFragments(40, 3);
    expect(s.add(fragments[0]!.header, fragments[0]!.body, T0).result).toEqual({ kind: 'accepted', received: 1, total: 3 });
    expect(s.add(fragments[1]!.header, fragments[1]!.body, T0).result).toEqual({ kind: 'accepted', received: 2, total: 3 });
    const { result, dropped } = s.add(fragments[2]!.header, fragments[2]!.body, T0);
    expect(dropped).toEqual([]);
    if (result.kind !== 'complete') throw new Error(result.kind);
    expect(result.body).toEqual(whole);
    expect(result.again).toBe(false);
    expect(result.header).toMatchObject({ messageId: 0x0704, phone: PHONE, version: '2013', serial: 100, packet: null, bodyLength: whole.length });

    // The ordinary body decoder reads it as if it had come whole.
    const decoded = decodeJt808Body(result.header, result.body);
    if (!decoded.ok || decoded.message.kind !== 'batchLocation') throw new Error('not a batch');
    expect(decoded.message.body.positions).toHaveLength(40);
    expect(decoded.message.body.malformed).toEqual([]);
    expect(decoded.message.body.positions[39]!.latitude).toBeCloseTo(40.6123 + 39e-5, 6);
  });

  it('should accept packages in any order and join the bodies in index order', () => {
    const s = new Jt808Subpackages();
    const { whole, fragments } = batchFragments(40, 3);
    for (const i of [2, 0]) expect(s.add(fragments[i]!.header, fragments[i]!.body, T0).result.kind).toBe('accepted');
    const { result } = s.add(fragments[1]!.header, fragments[1]!.body, T0);
    expect(result).toMatchObject({ kind: 'complete', body: whole, header: { serial: 100 } });
  });

  it('should find the first serial across the 0xffff wrap', () => {
    const s = new Jt808Subpackages();
    const { whole, fragments } = batchFragments(10, 3, 0xfffe); // serials 0xfffe, 0xffff, 0
    for (const i of [2, 1]) s.add(fragments[i]!.header, fragments[i]!.body, T0);
    expect(s.add(fragments[0]!.header, fragments[0]!.body, T0).result).toMatchObject({ kind: 'complete', body: whole, header: { serial: 0xfffe } });
  });

  it('should keep messages of different ids, first serials and phones apart', () => {
    const s = new Jt808Subpackages();
    const a = fragment(0x0704, 10, 2, 1, Buffer.from('aa', 'hex'));
    const b = fragment(0x0200, 10, 2, 1, Buffer.from('bb', 'hex'));
    const c = fragment(0x0704, 20, 2, 1, Buffer.from('cc', 'hex'));
    const d = fragment(0x0704, 10, 2, 1, Buffer.from('dd', 'hex'), '013900000000');
    for (const f of [a, b, c, d]) expect(s.add(f.header, f.body, T0).result.kind).toBe('accepted');
    expect(s.size).toBe(4);
    const a2 = fragment(0x0704, 11, 2, 2, Buffer.from('a2', 'hex'));
    expect(s.add(a2.header, a2.body, T0).result).toMatchObject({ kind: 'complete', body: Buffer.from('aaa2', 'hex') });
  });

  it('should ignore an exact repeat, and refuse the same package with other bytes', () => {
    const s = new Jt808Subpackages();
    const { fragments } = batchFragments(10, 3);
    const f = fragments[0]!;
    s.add(f.header, f.body, T0);
    expect(s.add(f.header, Buffer.from(f.body), T0).result).toEqual({ kind: 'repeat' });
    const other = Buffer.from(f.body);
    other[5] ^= 0xff;
    expect(s.add(f.header, other, T0).result).toMatchObject({ kind: 'refused', reason: 'CONFLICTING_REPEAT' });
    // Neither counted: two more packages complete it, with the first bytes.
    s.add(fragments[1]!.header, fragments[1]!.body, T0);
    expect(s.add(fragments[2]!.header, fragments[2]!.body, T0).result.kind).toBe('complete');
  });

  it('should complete a completed message again when its completing package comes again, and treat others as repeats', () => {
    const s = new Jt808Subpackages();
    const { whole, fragments } = batchFragments(10, 3);
    for (const i of [0, 2, 1]) s.add(fragments[i]!.header, fragments[i]!.body, T0);
    // Package 2 completed it: its ACK is the store's, so its re-send (store failed, ACK lost) is stored again.
    expect(s.add(fragments[1]!.header, fragments[1]!.body, T0 + 5_000).result).toMatchObject({ kind: 'complete', again: true, body: whole });
    expect(s.add(fragments[0]!.header, fragments[0]!.body, T0 + 5_000).result).toEqual({ kind: 'repeat' });
    expect(s.heldBytes).toBe(whole.length);
  });

  it.each([
    [0, 3, 'BAD_INDEX'],
    [4, 3, 'BAD_INDEX'],
    [2, 1, 'BAD_INDEX'],
    [0, 0, 'BAD_TOTAL'],
    [1, 257, 'TOO_MANY_PACKAGES'],
  ] as const)('should refuse index %i of %i (%s) and hold nothing', (index, total, reason) => {
    const s = new Jt808Subpackages();
    const f = fragment(0x0704, 5, total, index, Buffer.from('0102', 'hex'));
    expect(s.add(f.header, f.body, T0)).toMatchObject({ result: { kind: 'refused', reason }, dropped: [] });
    expect(s.size).toBe(0);
  });

  it('should take package 1 of 1 as the whole message, holding nothing', () => {
    const s = new Jt808Subpackages();
    const f = fragment(0x0200, 7, 1, 1, Buffer.from('0102', 'hex'));
    const { result, dropped } = s.add(f.header, f.body, T0);
    expect(result).toMatchObject({ kind: 'complete', again: false, body: f.body, header: { messageId: 0x0200, serial: 7, packet: null } });
    expect(dropped).toEqual([]);
    expect(s.size).toBe(0);
    expect(s.heldBytes).toBe(0);
  });

  it('should refuse a package that changes the total of a message in progress', () => {
    const s = new Jt808Subpackages();
    const a = fragment(0x0704, 100, 3, 1, Buffer.from('01', 'hex'));
    const b = fragment(0x0704, 101, 4, 2, Buffer.from('02', 'hex')); // same first serial (100), total 4
    s.add(a.header, a.body, T0);
    expect(s.add(b.header, b.body, T0).result).toMatchObject({ kind: 'refused', reason: 'TOTAL_CHANGED' });
    expect(s.size).toBe(1);
  });

  it('should drop the oldest message for a new one beyond maxMessages, completed ones first', () => {
    const s = new Jt808Subpackages(limits({ maxMessages: 3 }));
    const first = (serial: number) => fragment(0x0704, serial, 2, 1, Buffer.from([serial]));
    // A completed message (serials 1, 2), then two in progress (10, 20).
    for (const f of [first(1), fragment(0x0704, 2, 2, 2, Buffer.from([2])), first(10), first(20)]) s.add(f.header, f.body, T0);
    // The completed one makes room without a drop.
    expect(s.add(first(30).header, first(30).body, T0).dropped).toEqual([]);
    // Then the oldest in progress goes, and is reported.
    expect(s.add(first(40).header, first(40).body, T0).dropped).toEqual([
      { reason: 'too_many_messages', messageId: 0x0704, phone: PHONE, firstSerial: 10, total: 2, received: 1 },
    ]);
    expect(s.size).toBe(3);
    // Message 10 starts over: its second package alone does not complete it.
    const late = fragment(0x0704, 11, 2, 2, Buffer.from([11]));
    expect(s.add(late.header, late.body, T0).result.kind).toBe('accepted');
  });

  it('should drop the oldest messages to stay within maxBytes, and refuse a message too large on its own', () => {
    const s = new Jt808Subpackages(limits({ maxBytes: 2_500 }));
    const big = (serial: number, total: number, index: number) => fragment(0x0704, serial, total, index, Buffer.alloc(1000, serial));
    s.add(big(10, 3, 1).header, big(10, 3, 1).body, T0);
    s.add(big(20, 3, 1).header, big(20, 3, 1).body, T0);
    expect(s.heldBytes).toBe(2_000);
    const { result, dropped } = s.add(big(30, 3, 1).header, big(30, 3, 1).body, T0);
    expect(result.kind).toBe('accepted');
    expect(dropped).toMatchObject([{ reason: 'too_many_bytes', firstSerial: 10 }]);
    expect(s.heldBytes).toBe(2_000);

    // 3 × 1000 bytes can never fit: refused once it would, and dropped.
    const t = new Jt808Subpackages(limits({ maxBytes: 2_500 }));
    t.add(big(10, 3, 1).header, big(10, 3, 1).body, T0);
    t.add(big(11, 3, 2).header, big(11, 3, 2).body, T0);
    expect(t.add(big(12, 3, 3).header, big(12, 3, 3).body, T0)).toMatchObject({
      result: { kind: 'refused', reason: 'TOO_LARGE' },
      dropped: [{ reason: 'too_many_bytes', firstSerial: 10, received: 2 }],
    });
    expect(t.size).toBe(0);
    expect(t.heldBytes).toBe(0);
  });

  it('should report a stalled message once with its missing packages, then drop it a timeout later', () => {
    const s = new Jt808Subpackages(limits({ timeoutMs: 30_000 }));
    const { fragments } = batchFragments(40, 5, 200);
    for (const i of [0, 2, 4]) s.add(fragments[i]!.header, fragments[i]!.body, T0);
    expect(s.sweep(T0 + 29_999)).toEqual({ requests: [], dropped: [] });
    expect(s.sweep(T0 + 30_000)).toEqual({
      requests: [{ header: { messageId: 0x0704, phone: PHONE, version: '2013', protocolVersion: null }, firstSerial: 200, total: 5, missing: [2, 4] }],
      dropped: [],
    });
    // Asked once only.
    expect(s.sweep(T0 + 45_000)).toEqual({ requests: [], dropped: [] });
    expect(s.sweep(T0 + 60_000)).toEqual({ requests: [], dropped: [{ reason: 'timeout', messageId: 0x0704, phone: PHONE, firstSerial: 200, total: 5, received: 3 }] });
    expect(s.size).toBe(0);
    expect(s.heldBytes).toBe(0);
  });

  it('should complete a stalled message when the requested packages come, and give late packages a new timeout', () => {
    const s = new Jt808Subpackages(limits({ timeoutMs: 30_000 }));
    const { whole, fragments } = batchFragments(40, 3, 200);
    s.add(fragments[0]!.header, fragments[0]!.body, T0);
    expect(s.sweep(T0 + 30_000).requests[0]!.missing).toEqual([2, 3]);
    // One package at +50 s moves the deadline to +80 s.
    s.add(fragments[1]!.header, fragments[1]!.body, T0 + 50_000);
    expect(s.sweep(T0 + 70_000)).toEqual({ requests: [], dropped: [] });
    expect(s.add(fragments[2]!.header, fragments[2]!.body, T0 + 75_000).result).toMatchObject({ kind: 'complete', body: whole });
    // A completed message is forgotten later without being reported.
    expect(s.sweep(T0 + 75_000 + 60_000)).toEqual({ requests: [], dropped: [] });
    expect(s.size).toBe(0);
  });

  it('should free everything on clear and report the incomplete messages', () => {
    const s = new Jt808Subpackages();
    const done = batchFragments(5, 2, 1).fragments;
    for (const f of done) s.add(f.header, f.body, T0);
    const half = batchFragments(5, 2, 50).fragments[0]!;
    s.add(half.header, half.body, T0);
    expect(s.clear()).toMatchObject([{ reason: 'closed', firstSerial: 50, received: 1, total: 2 }]);
    expect(s.size).toBe(0);
    expect(s.heldBytes).toBe(0);
  });
});
