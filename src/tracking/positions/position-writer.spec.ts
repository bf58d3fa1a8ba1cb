import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { PositionRow } from './position.js';
import type { PositionStore, StoreResult } from './position-store.js';
import { isTransientError, PositionRejectedError, PositionWriter, WriterClosedError, type PositionWriterOptions } from './position-writer.js';

const VEHICLE = randomUUID();
const t0 = Date.parse('2026-11-29T08:00:00Z');

const row = (i: number, vehicleId = VEHICLE): PositionRow => ({
  vehicleId,
  terminalId: null,
  fixTime: new Date(t0 + i * 1000),
  receivedAt: new Date(t0 + i * 1000 + 300),
  lat: 39.6,
  lon: 109.8,
  speedKmh: 50,
  course: 90,
  altitudeM: 1200,
  alarmBits: 0,
  statusBits: 2,
  source: 'jt808',
  backfill: false,
});
const rows = (from: number, n: number, vehicleId = VEHICLE) => Array.from({ length: n }, (_, i) => row(from + i, vehicleId));

// An in-memory store with the database's semantics (primary key vehicle + time, duplicates skipped), whose writes
// can be held, failed or slowed.
class FakeStore implements PositionStore {
  readonly keys = new Set<string>();
  readonly batches: PositionRow[][] = [];
  failures: unknown[] = [];
  gate?: Promise<void>;

  async write(batch: readonly PositionRow[]): Promise<StoreResult> {
    this.batches.push([...batch]);
    await this.gate;
    const failure = this.failures.shift();
    if (failure) throw failure;
    const ords: number[] = [];
    batch.forEach((r, i) => {
      const key = `${r.vehicleId}|${r.fixTime.getTime()}`;
      if (this.keys.has(key)) return;
      this.keys.add(key);
      ords.push(i + 1);
    });
    return { inserted: ords.length, insertedOrdinals: ords.length === batch.length ? null : ords };
  }
}

const held = () => {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  return { gate, open };
};
const settled = async <T>(p: Promise<T>) => {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setImmediate(r));
  return done;
};

describe(PositionWriter.name, () => {
  // The retry and refusal paths log warnings by design.
  beforeAll(() => Logger.overrideLogger(false));
  const writers: PositionWriter[] = [];
  const make = (store: PositionStore, options: Partial<PositionWriterOptions> = {}) => {
    const w = new PositionWriter(store, { batchDelayMs: 5, retryBaseMs: 1, retryMaxMs: 5, ...options });
    writers.push(w);
    return w;
  };
  afterEach(async () => {
    for (const w of writers.splice(0)) await w.close(100);
  });

  it('should write the submits of several callers as one batch and answer each with its own counts', async () => {
    const store = new FakeStore();
    const w = make(store, { batchDelayMs: 200 });
    const results = await Promise.all([w.submit(rows(0, 3)), w.submit(rows(3, 2)), w.submit(rows(10, 1, randomUUID()))]);
    expect(store.batches).toHaveLength(1);
    expect(store.batches[0]).toHaveLength(6);
    expect(results.map((r) => r.stored)).toEqual([3, 2, 1]);
  });

  it('should flush as soon as batchRows are queued, without waiting for the delay', async () => {
    const store = new FakeStore();
    const w = make(store, { batchRows: 4, batchDelayMs: 60_000, maxConcurrentBatches: 1 });
    await w.submit(rows(0, 4));
    expect(store.batches.map((b) => b.length)).toEqual([4]);
  });

  it('should split a submit larger than a batch and answer once every part is written', async () => {
    const store = new FakeStore();
    const w = make(store, { batchRows: 100 });
    const r = await w.submit(rows(0, 250));
    expect(store.batches.map((b) => b.length).sort()).toEqual([100, 100, 50]);
    expect(r).toMatchObject({ stored: 250, duplicates: 0 });
  });

  it('should count re-sent positions, in the database and within one submit, as duplicates', async () => {
    const store = new FakeStore();
    const w = make(store);
    await w.submit(rows(0, 5));
    const again = await w.submit([...rows(3, 4), row(6)]);
    expect(again).toEqual({ stored: 2, duplicates: 3, inserted: [false, false, true, true, false] });
  });

  it('should send rows sorted by vehicle and time, whatever order they came in', async () => {
    const store = new FakeStore();
    const w = make(store);
    const other = '00000000-0000-4000-8000-000000000001';
    await w.submit([row(5), row(1, other), row(2), row(0, other)]);
    expect(store.batches[0]!.map((r) => [r.vehicleId, r.fixTime.getTime() - t0])).toEqual([
      [other, 0],
      [other, 1000],
      [VEHICLE, 2000],
      [VEHICLE, 5000],
    ]);
  });

  it('should make submits wait when maxPendingRows are pending, report saturation, and let them through in order', async () => {
    const store = new FakeStore();
    const hold = held();
    store.gate = hold.gate;
    const w = make(store, { batchRows: 10, maxPendingRows: 20, maxConcurrentBatches: 1 });
    const events: string[] = [];
    w.on('saturated', () => events.push('saturated'));
    w.on('drain', () => events.push('drain'));

    const first = w.submit(rows(0, 10));
    const second = w.submit(rows(10, 10));
    const third = w.submit(rows(20, 10));
    await new Promise((r) => setImmediate(r));
    expect(w.isSaturated).toBe(true);
    expect(w.stats).toMatchObject({ pendingRows: 20, waitingSubmits: 1 });
    expect(await settled(third)).toBe(false);

    hold.open();
    await Promise.all([first, second, third]);
    expect(store.keys.size).toBe(30);
    expect(w.isSaturated).toBe(false);
    expect(events).toEqual(['saturated', 'drain']);
    // Nothing is ever pending beyond the limit: the third submit entered after the first was written.
    expect(store.batches.flat().slice(0, 20).map((r) => r.fixTime.getTime() - t0)).toEqual(rows(0, 20).map((_, i) => i * 1000));
  });

  it('should cut its admission limit once rows wait longer than admissionMs, and then resume below three quarters of it', async () => {
    const store = new FakeStore();
    const w = make(store, { batchRows: 10, maxPendingRows: 100_000, admissionMs: 50, maxConcurrentBatches: 1 });
    expect(w.stats.admissionLimit).toBe(100_000);
    // A slow write: 5 rows wait 1.1 s (more than admissionMs, and a whole 1 s window) before they are committed.
    const slow = held();
    store.gate = slow.gate;
    const waiting = w.submit(rows(0, 5));
    await new Promise((r) => setTimeout(r, 1_100));
    slow.open();
    await waiting;
    const limit = w.stats.admissionLimit;
    expect(w.stats.drainRowsPerSecond).toBeGreaterThan(0);
    // What it commits in 50 ms at about 5 rows/s is nothing: the floor, two batches per connection.
    expect(limit).toBe(20);

    const hold = held();
    store.gate = hold.gate;
    const events: string[] = [];
    w.on('saturated', () => events.push('saturated'));
    w.on('drain', () => events.push('drain'));
    const first = w.submit(rows(100, limit));
    const second = w.submit(rows(100 + limit, 1));
    await new Promise((r) => setImmediate(r));
    // Far below maxPendingRows, the writer is saturated: the socket servers stop reading, the next submit waits.
    expect(w.isSaturated).toBe(true);
    expect(w.stats).toMatchObject({ pendingRows: limit, waitingSubmits: 1 });
    hold.open();
    await Promise.all([first, second]);
    expect(store.keys.size).toBe(5 + limit + 1);
    expect(w.stats.admissionLimit).toBeGreaterThanOrEqual(limit);
    expect(w.isSaturated).toBe(false);
    expect(events).toEqual(['saturated', 'drain']);
  });

  it('should let a single submit larger than the limit through when nothing else is pending', async () => {
    const store = new FakeStore();
    const w = make(store, { maxPendingRows: 10 });
    await expect(w.submit(rows(0, 25))).resolves.toMatchObject({ stored: 25 });
  });

  it('should retry a transient failure until it succeeds, and answer only then', async () => {
    const store = new FakeStore();
    const lost = Object.assign(new Error('Connection terminated unexpectedly'), {});
    store.failures = [lost, Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }), lost];
    const w = make(store);
    await expect(w.submit(rows(0, 3))).resolves.toMatchObject({ stored: 3 });
    expect(store.batches).toHaveLength(4);
    expect(w.stats.consecutiveFailures).toBe(0);
  });

  it('should refuse only the submit at fault when the database rejects a batch for its data', async () => {
    const store = new FakeStore();
    store.failures = [Object.assign(new Error('value out of range'), { code: '22003' }), undefined, Object.assign(new Error('value out of range'), { code: '22003' })];
    const w = make(store, { batchDelayMs: 20 });
    const good = w.submit(rows(0, 2));
    const bad = w.submit(rows(2, 2));
    await expect(good).resolves.toMatchObject({ stored: 2 });
    await expect(bad).rejects.toMatchObject({ code: '22003' });
    expect(w.stats.pendingRows).toBe(0);
  });

  it('should refuse a malformed record before queueing anything', async () => {
    const store = new FakeStore();
    const w = make(store);
    await expect(w.submit([row(0), { ...row(1), vehicleId: 'truck-1' }])).rejects.toBeInstanceOf(PositionRejectedError);
    await expect(w.submit([{ ...row(1), fixTime: new Date('garbage') }])).rejects.toThrow('fixTime');
    expect(store.batches).toHaveLength(0);
  });

  it('should write what is queued on close, and refuse submits afterwards', async () => {
    const store = new FakeStore();
    const w = make(store, { batchDelayMs: 60_000 });
    const pending = w.submit(rows(0, 3));
    await new Promise((r) => setImmediate(r));
    await w.close();
    await expect(pending).resolves.toMatchObject({ stored: 3 });
    await expect(w.submit(rows(3, 1))).rejects.toBeInstanceOf(WriterClosedError);
  });

  it('should give up on close after the timeout while the database is away, answering with an error', async () => {
    const store = new FakeStore();
    store.failures = new Array(1000).fill(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    const w = make(store);
    const pending = w.submit(rows(0, 3));
    await new Promise((r) => setTimeout(r, 20));
    await w.close(50);
    await expect(pending).rejects.toBeInstanceOf(WriterClosedError);
  });
});

describe('isTransientError', () => {
  it.each([
    [new Error('Connection terminated unexpectedly'), true],
    [Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), true],
    [Object.assign(new Error('x'), { code: '57P01' }), true],
    [Object.assign(new Error('x'), { code: '57014' }), true],
    [Object.assign(new Error('x'), { code: '40P01' }), true],
    [Object.assign(new Error('x'), { code: '08006' }), true],
    [Object.assign(new Error('x'), { code: '22003' }), false],
    [Object.assign(new Error('x'), { code: '42P01' }), false],
    [Object.assign(new Error('x'), { code: '23514' }), false],
  ])('should classify %p', (e, transient) => {
    expect(isTransientError(e)).toBe(transient);
  });
});
