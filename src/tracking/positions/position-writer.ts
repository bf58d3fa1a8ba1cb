import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { Fifo } from '../../common/fifo.js';
import type { MetricsService } from '../../ops/metrics.service.js';
import { DrainRate, nextAdmissionLimit, resumeBelow } from './admission.rules.js';
import { positionRowProblem, type PositionRow } from './position.js';
import type { PositionStore } from './position-store.js';

export type PositionWriterOptions = {
  // A batch is written when this many rows are queued, or when the oldest queued row has waited batchDelayMs.
  batchRows: number;
  batchDelayMs: number;
  // Rows accepted but not yet committed (queued + being written), across all callers. When a submit would go
  // beyond it, the submit waits: memory stays bounded when the database is slow or away, and `isSaturated`
  // tells the socket servers to stop reading.
  maxPendingRows: number;
  // Admission by time (admission.rules.ts): once the commit rate is measured, accept only what is committed in about
  // this many milliseconds (at least two full batches per connection, at most maxPendingRows). 0: maxPendingRows alone.
  admissionMs: number;
  // Batches written at once (each on its own connection).
  maxConcurrentBatches: number;
  // Retry delays after a transient failure: retryBaseMs doubled per attempt up to retryMaxMs, with jitter.
  retryBaseMs: number;
  retryMaxMs: number;
};

export const DEFAULT_WRITER_OPTIONS: PositionWriterOptions = {
  batchRows: 2000,
  // 5 rather than 20: at 22,000 positions/s (bench:ingest, interleaved A/B) ACK p50 14 against 31 ms and p95 37-44
  // against 49-54 ms, for the same CPU per position (batches of about 445 rows instead of 635); p99 was 98-128 ms in
  // four runs against 109-114 ms in two, not clearly lower. 0 ms costs 30 % more PostgreSQL CPU.
  batchDelayMs: 5,
  maxPendingRows: 50_000,
  admissionMs: 2000,
  maxConcurrentBatches: 2,
  retryBaseMs: 100,
  retryMaxMs: 5_000,
};

// `inserted[i]` says whether records[i] was new (false: already stored, or repeated within the same submit).
export type SubmitResult = { stored: number; duplicates: number; inserted: boolean[] };

export class PositionRejectedError extends Error {
  constructor(
    readonly index: number,
    readonly problem: string,
  ) {
    super(`position ${index} rejected: ${problem}`);
  }
}

export class WriterClosedError extends Error {
  constructor() {
    super('the position writer is closed; nothing of this submit was acknowledged');
  }
}

type Entry = {
  rows: readonly PositionRow[];
  at: number; // performance.now() at submit
  inserted: boolean[];
  remaining: number; // rows not yet written
  resolve: (r: SubmitResult) => void;
  reject: (e: Error) => void;
  settled: boolean;
};
type Slice = { entry: Entry; start: number; end: number };
type Waiter = { rows: number; resume: () => void; fail: (e: Error) => void };

// SQLSTATE classes worth retrying: connection (08), insufficient resources (53), operator intervention (57: admin
// shutdown, query cancelled by statement_timeout), system error (58), transaction rollback (40: deadlock,
// serialization) and lock not available. No code at all means the socket failed.
export function isTransientError(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return true;
  return ['08', '53', '57', '58', '40'].includes(code.slice(0, 2)) || code === '55P03';
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// Group commit for positions: callers submit records and get an answer only once those rows are committed (the
// terminal's ACK goes out after that, DESIGN.md "Nothing acknowledged is lost"). Rows from all callers are written
// together, up to batchRows per statement. When the database fails, a batch is retried with backoff for as long as
// it takes; nothing accepted is dropped and nobody is answered early, while new submits wait on maxPendingRows.
// Emits 'saturated' and 'drain' when isSaturated changes.
export class PositionWriter extends EventEmitter {
  private readonly logger = new Logger('PositionWriter');
  private readonly options: PositionWriterOptions;
  private readonly queue = new Fifo<Slice>();
  private readonly waiters = new Fifo<Waiter>();
  private queuedRows = 0;
  private pendingRows = 0;
  private inFlight = 0;
  private oldestQueuedAt = 0;
  private timer?: NodeJS.Timeout;
  private closing = false;
  private aborted = false;
  private saturated = false;
  private readonly drainRate = new DrainRate(performance.now());
  // Pending rows admitted: maxPendingRows at first, then nextAdmissionLimit() once per drain-rate window.
  private limit: number;
  // Of the rows committed in the current window: how many, their total wait from submit to commit, and whether the
  // limit held intake back.
  private windowRows = 0;
  private windowWaitMs = 0;
  private windowSaturated = false;
  private consecutiveFailures = 0;
  private lastError?: string;
  private idle?: () => void;
  private readonly m?: {
    stored: Counter;
    duplicates: Counter;
    retries: Counter;
    batchRows: Histogram;
    writeSeconds: Histogram;
  };

  constructor(
    private readonly store: PositionStore,
    options: Partial<PositionWriterOptions> = {},
    metrics?: MetricsService,
  ) {
    super();
    this.options = { ...DEFAULT_WRITER_OPTIONS, ...options };
    this.limit = this.options.maxPendingRows;
    if (metrics) {
      const writer = this;
      this.m = {
        stored: metrics.counter({ name: 'hazway_positions_stored_total', help: 'Positions stored (new rows committed)' }),
        duplicates: metrics.counter({ name: 'hazway_positions_duplicates_total', help: 'Positions received again and not stored twice' }),
        retries: metrics.counter({ name: 'hazway_positions_write_retries_total', help: 'Position batches retried after a transient database failure' }),
        batchRows: metrics.histogram({
          name: 'hazway_positions_batch_rows',
          help: 'Rows per position batch written',
          buckets: [1, 10, 50, 100, 250, 500, 1000, 2000, 5000],
        }),
        writeSeconds: metrics.histogram({
          name: 'hazway_positions_write_seconds',
          help: 'Time to write one position batch (statement round trip, commit included)',
          buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.5, 1, 2.5],
        }),
      };
      metrics.gauge({
        name: 'hazway_positions_pending_rows',
        help: 'Positions accepted and not yet committed',
        collect(this: Gauge) {
          this.set(writer.pendingRows);
        },
      });
      metrics.gauge({
        name: 'hazway_positions_admission_limit_rows',
        help: 'Positions that may be pending before the socket servers stop reading (what the writer commits in POSITIONS_ADMISSION_MS)',
        collect(this: Gauge) {
          this.set(writer.limit);
        },
      });
      metrics.gauge({
        name: 'hazway_positions_drain_rows_per_second',
        help: 'Positions committed per second of busy time, as measured for admission control (0 until measured)',
        collect(this: Gauge) {
          this.set(Math.round(writer.drainRate.rowsPerSecond ?? 0));
        },
      });
    }
  }

  // True while submits have to wait for room: the TCP server pauses reading sockets until 'drain'.
  get isSaturated(): boolean {
    return this.saturated;
  }

  get stats() {
    return {
      pendingRows: this.pendingRows,
      admissionLimit: this.limit,
      drainRowsPerSecond: this.drainRate.rowsPerSecond,
      queuedRows: this.queuedRows,
      batchesInFlight: this.inFlight,
      waitingSubmits: this.waiters.length,
      saturated: this.saturated,
      consecutiveFailures: this.consecutiveFailures,
      lastError: this.lastError,
    };
  }

  // Resolves once every row of `records` is committed (or was already stored). Rejects without storing anything
  // when a record is malformed (PositionRejectedError), and after close() (WriterClosedError).
  async submit(records: readonly PositionRow[]): Promise<SubmitResult> {
    if (this.closing) throw new WriterClosedError();
    for (let i = 0; i < records.length; i++) {
      const problem = positionRowProblem(records[i]!);
      if (problem) throw new PositionRejectedError(i, problem);
    }
    return this.submitChecked(records);
  }

  // submit() for rows the caller has already passed through positionRowProblem (PositionsService.ingest does).
  submitChecked(records: readonly PositionRow[]): Promise<SubmitResult> {
    if (this.closing) return Promise.reject(new WriterClosedError());
    if (records.length === 0) return Promise.resolve({ stored: 0, duplicates: 0, inserted: [] });
    const at = performance.now();
    if (this.waiters.length === 0 && this.hasRoom(records.length)) {
      // The common case: room now, no promise for the admission.
      this.admit(records.length);
      this.updateSaturation();
      return this.enqueue(records, at);
    }
    return this.reserve(records.length).then(() => this.enqueue(records, at));
  }

  private enqueue(records: readonly PositionRow[], at: number): Promise<SubmitResult> {
    return new Promise<SubmitResult>((resolve, reject) => {
      const entry: Entry = {
        rows: records,
        at,
        inserted: new Array<boolean>(records.length).fill(false),
        remaining: records.length,
        resolve,
        reject,
        settled: false,
      };
      if (this.queuedRows === 0) this.oldestQueuedAt = Date.now();
      this.queue.push({ entry, start: 0, end: records.length });
      this.queuedRows += records.length;
      this.pump();
    });
  }

  // Stops accepting, writes what is queued and waits for it (up to timeoutMs); whatever is still not committed
  // then is rejected with WriterClosedError, so those callers do not acknowledge (their terminals re-send).
  async close(timeoutMs = 10_000): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      for (const w of this.waiters.drain()) w.fail(new WriterClosedError());
      this.updateSaturation();
    }
    this.pump();
    if (this.pendingRows > 0) {
      const drained = new Promise<void>((resolve) => (this.idle = resolve));
      let timeout: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timeout = setTimeout(() => resolve('timeout'), timeoutMs)));
      const outcome = await Promise.race([drained, timedOut]);
      clearTimeout(timeout);
      if (outcome === 'timeout') {
        this.aborted = true;
        for (const s of this.queue.drain()) this.fail(s.entry, new WriterClosedError());
        this.queuedRows = 0;
        this.logger.warn(`closed with ${this.pendingRows} positions not committed: their senders were not acknowledged`);
      }
    }
    if (this.timer) clearTimeout(this.timer);
  }

  // ------------------------------------------------------------------------------------------- admission

  private reserve(rows: number): Promise<void> {
    // FIFO: a submit never overtakes one that is already waiting. A submit larger than the whole limit is let in
    // alone, when nothing else is pending, rather than never.
    if (this.waiters.length === 0 && this.hasRoom(rows)) {
      this.admit(rows);
      this.updateSaturation();
      return Promise.resolve();
    }
    return new Promise<void>((resume, fail) => {
      this.waiters.push({ rows, resume, fail });
      this.updateSaturation();
    });
  }

  private hasRoom(rows: number) {
    return this.pendingRows === 0 || this.pendingRows + rows <= this.limit;
  }

  private admit(rows: number) {
    if (this.pendingRows === 0) this.drainRate.busy(performance.now());
    this.pendingRows += rows;
  }

  private release(rows: number) {
    this.pendingRows -= rows;
    if (this.pendingRows === 0) this.drainRate.idle(performance.now());
    while (this.waiters.length > 0 && this.hasRoom(this.waiters.peek()!.rows)) {
      const w = this.waiters.shift()!;
      this.admit(w.rows);
      w.resume();
    }
    this.updateSaturation();
    if (this.pendingRows === 0 && this.idle) {
      this.idle();
      this.idle = undefined;
    }
  }

  // A batch committed: the drain rate, and once per window the admission limit, may change.
  private committed(batch: readonly Slice[], rows: number) {
    const now = performance.now();
    for (const s of batch) this.windowWaitMs += (s.end - s.start) * (now - s.entry.at);
    this.windowRows += rows;
    if (!this.drainRate.committed(rows, now)) return;
    const delayMs = this.windowWaitMs / Math.max(1, this.windowRows);
    const saturated = this.windowSaturated || this.saturated;
    this.windowRows = this.windowWaitMs = 0;
    this.windowSaturated = false;
    this.limit = nextAdmissionLimit(this.limit, delayMs, this.drainRate.rowsPerSecond, saturated, {
      targetMs: this.options.admissionMs,
      // Two full batches per connection: below that, batches shrink, fixed costs per statement grow, the commit rate
      // measured under admission falls, and with it the limit (measured: 5,778 rows/s with a 4,000-row limit where
      // the same load ran at 17,175 rows/s unlimited, bench/README.md).
      minRows: 2 * this.options.batchRows * this.options.maxConcurrentBatches,
      maxRows: this.options.maxPendingRows,
    });
  }

  // Saturated at the limit (or with submits waiting); not saturated again until below resumeBelow() of it, so that the
  // socket servers do not switch reading on and off for every batch.
  private updateSaturation() {
    const saturated = this.saturated
      ? this.waiters.length > 0 || this.pendingRows > resumeBelow(this.limit)
      : this.waiters.length > 0 || this.pendingRows >= this.limit;
    if (saturated === this.saturated) return;
    this.saturated = saturated;
    if (saturated) this.windowSaturated = true;
    this.emit(saturated ? 'saturated' : 'drain');
  }

  // ------------------------------------------------------------------------------------------- batching

  private pump() {
    while (this.inFlight < this.options.maxConcurrentBatches && this.queuedRows > 0) {
      const waited = Date.now() - this.oldestQueuedAt;
      const due = this.closing || this.queuedRows >= this.options.batchRows || waited >= this.options.batchDelayMs;
      if (!due) {
        if (!this.timer) {
          this.timer = setTimeout(() => {
            this.timer = undefined;
            this.pump();
          }, this.options.batchDelayMs - waited);
        }
        return;
      }
      const batch = this.take(this.options.batchRows);
      this.inFlight++;
      void this.writeBatch(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  // Up to `max` rows from the head of the queue, in submission order, splitting the last submit if needed.
  private take(max: number): Slice[] {
    const batch: Slice[] = [];
    let rows = 0;
    while (rows < max && this.queue.length > 0) {
      const head = this.queue.peek()!;
      const n = head.end - head.start;
      if (rows + n <= max) {
        batch.push(this.queue.shift()!);
        rows += n;
      } else {
        const cut = head.start + (max - rows);
        batch.push({ entry: head.entry, start: head.start, end: cut });
        head.start = cut;
        rows = max;
      }
    }
    this.queuedRows -= rows;
    // The rest has been waiting since at least now (its submit may be older, but it could not go sooner).
    if (this.queuedRows > 0) this.oldestQueuedAt = Date.now();
    return batch;
  }

  private async writeBatch(batch: Slice[]): Promise<void> {
    const rowCount = batch.reduce((n, s) => n + s.end - s.start, 0);
    try {
      await this.writeWithRetry(batch);
    } catch (e) {
      // Not transient (bad data the checks let through, a missing table...): retrying would block every caller
      // behind it forever. Write each submit alone, so that only the one at fault is refused.
      if (e instanceof WriterClosedError) {
        for (const slice of batch) this.fail(slice.entry, e);
      } else if (batch.length > 1) {
        this.logger.warn(`batch of ${rowCount} positions refused (${(e as Error).message}); writing its ${batch.length} parts one by one`);
        for (const slice of batch) {
          try {
            await this.writeWithRetry([slice]);
          } catch (err) {
            this.fail(slice.entry, err as Error);
          }
        }
      } else {
        this.fail(batch[0]!.entry, e as Error);
      }
    } finally {
      this.release(rowCount);
    }
  }

  // Resolves once the batch is committed; retries transient failures until then (or until close() gives up).
  private async writeWithRetry(batch: Slice[]): Promise<void> {
    // Repeats within one batch are answered here (the database would skip them too, but then the answer could not
    // say which of the two was new). The rest is sorted by key: see position-store.ts.
    // Without an object or a key string per row (a third of the writer's garbage at 10,000 rows/s): the rows in
    // flat arrays, their order sorted as small integers (stable, so of equal keys the first submitted comes first),
    // and a repeat is the neighbour of the row it repeats.
    const total = batch.reduce((n, s) => n + s.end - s.start, 0);
    const all: PositionRow[] = new Array(total);
    const owner: Slice[] = new Array(total);
    const at = new Int32Array(total);
    let n = 0;
    for (const slice of batch) {
      for (let i = slice.start; i < slice.end; i++, n++) {
        all[n] = slice.entry.rows[i]!;
        owner[n] = slice;
        at[n] = i;
      }
    }
    const order: number[] = new Array(total);
    for (let k = 0; k < total; k++) order[k] = k;
    order.sort((a, b) => {
      const ra = all[a]!;
      const rb = all[b]!;
      if (ra.vehicleId !== rb.vehicleId) return ra.vehicleId < rb.vehicleId ? -1 : 1;
      return ra.fixTime.getTime() - rb.fixTime.getTime() || a - b;
    });
    const unique: number[] = [];
    const rows: PositionRow[] = [];
    for (const k of order) {
      const r = all[k]!;
      const last = rows.length > 0 ? rows[rows.length - 1]! : null;
      if (last && last.vehicleId === r.vehicleId && last.fixTime.getTime() === r.fixTime.getTime()) continue;
      unique.push(k);
      rows.push(r);
    }

    for (let attempt = 0; ; attempt++) {
      if (this.aborted) throw new WriterClosedError();
      const started = performance.now();
      try {
        const result = await this.store.write(rows);
        this.m?.writeSeconds.observe((performance.now() - started) / 1000);
        this.m?.batchRows.observe(rows.length);
        if (this.consecutiveFailures > 0) this.logger.log(`positions are being stored again after ${this.consecutiveFailures} failed attempts`);
        this.consecutiveFailures = 0;
        this.lastError = undefined;
        if (result.insertedOrdinals === null) {
          for (const k of unique) owner[k]!.entry.inserted[at[k]!] = true;
        } else {
          for (const ord of result.insertedOrdinals) {
            const k = unique[ord - 1]!;
            owner[k]!.entry.inserted[at[k]!] = true;
          }
        }
        this.m?.stored.inc(result.inserted);
        this.committed(batch, total);
        this.m?.duplicates.inc(total - result.inserted);
        for (const slice of batch) this.done(slice);
        return;
      } catch (e) {
        if (!isTransientError(e)) throw e;
        this.consecutiveFailures++;
        this.lastError = (e as Error).message;
        this.m?.retries.inc();
        const delay = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** Math.min(attempt, 20));
        const jittered = Math.round(delay * (0.5 + Math.random() / 2));
        // One warning at the start of an outage, then one every 20 attempts.
        if (attempt % 20 === 0) {
          this.logger.warn(`writing ${rows.length} positions failed (${(e as Error).message}); retrying in ${jittered} ms, ${this.pendingRows} pending`);
        }
        await sleep(jittered);
      }
    }
  }

  private done(slice: Slice) {
    const entry = slice.entry;
    entry.remaining -= slice.end - slice.start;
    if (entry.remaining > 0 || entry.settled) return;
    entry.settled = true;
    const stored = entry.inserted.reduce((n, x) => n + (x ? 1 : 0), 0);
    entry.resolve({ stored, duplicates: entry.rows.length - stored, inserted: entry.inserted });
  }

  private fail(entry: Entry, e: Error) {
    if (entry.settled) return;
    entry.settled = true;
    entry.reject(e);
  }
}
