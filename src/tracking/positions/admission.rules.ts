// Admission control for position storage: how many positions may be accepted and not yet committed.
//
// A fixed limit (POSITIONS_MAX_PENDING_ROWS, 50,000) bounds memory but not time: with the app thread or the
// database saturated at ~5,000 positions/s, 50,000 pending positions are 10 s of queue, every ACK then arrives after
// the terminals' 10 s reply timeout, and the work spent on it is wasted (they re-send). This is the classic remedy
// for that congestion collapse (M. Welsh, D. Culler, "Adaptive Overload Control for Busy Internet Servers", USITS
// 2003: bound the queue by delay, not by length): the limit follows what the writer actually commits, so that what
// is accepted is committed within `targetMs`. Beyond the limit the socket servers stop reading (terminal.server.ts),
// and TCP holds the rest in the terminals.
//
// Pure: the caller passes the time (performance.now() milliseconds).

export type AdmissionOptions = {
  // Accept what the writer commits in this many milliseconds; 0 turns the adaptive limit off (maxRows only).
  targetMs: number;
  // Never below this (a light load measures a low rate: it must not be held back by it).
  minRows: number;
  // Never above this: the memory bound, and the limit used until a rate has been measured.
  maxRows: number;
};

// The limit for the next window, from the last one: `delayMs`, the mean time its committed rows waited from submit
// to commit; `rowsPerSecond`, the drain rate; `saturated`, whether the limit held submits back in it.
// - Rows waited longer than targetMs: cut the limit to what the writer commits in targetMs (never raise it here).
// - They did not, yet the limit held intake back: raise it by a quarter. The rate measured while the limit binds is
//   the rate that limit allows (a shorter queue makes smaller batches), so the rate alone would never let the limit
//   grow again, and on a machine whose pipeline takes most of targetMs it would shrink it step by step to the floor
//   (measured: half the throughput of no limit at all, bench/README.md). Growing while in time finds the largest
//   queue that still commits within targetMs.
// - Otherwise the limit stays. It starts at maxRows: a light load is never held back.
export function nextAdmissionLimit(limit: number, delayMs: number, rowsPerSecond: number | null, saturated: boolean, o: AdmissionOptions): number {
  if (o.targetMs <= 0) return o.maxRows;
  if (delayMs > o.targetMs && rowsPerSecond !== null) return Math.max(o.minRows, Math.min(limit, Math.round((rowsPerSecond * o.targetMs) / 1000)));
  if (delayMs <= o.targetMs && saturated) return Math.min(o.maxRows, Math.max(o.minRows, Math.round(limit * 1.25)));
  return limit;
}

// Where the writer resumes intake once saturated: three quarters of the limit, so that reading is not switched on and
// off for every batch, while the writer still has a full queue when it is (resuming at half left it short of rows).
export const resumeBelow = (limit: number): number => Math.floor((limit * 3) / 4);

// Rows committed per second of *busy* time (time with at least one row pending), measured over windows of
// `windowMs` and smoothed (the mean of the last estimate and the new window). Under overload the writer is busy all
// the time and this is its capacity, whatever limits it (database, or the event loop running the completions);
// under a light load it is about the offered load, and minRows keeps the limit from following it down.
export class DrainRate {
  rowsPerSecond: number | null = null;
  private windowStart: number;
  private windowRows = 0;
  private busyMs = 0;
  private busySince: number | null = null;

  constructor(
    now: number,
    private readonly windowMs = 1000,
  ) {
    this.windowStart = now;
  }

  // Pending rows went from none to some.
  busy(now: number): void {
    if (this.busySince === null) this.busySince = now;
  }

  // Pending rows went back to none.
  idle(now: number): void {
    if (this.busySince === null) return;
    this.busyMs += now - this.busySince;
    this.busySince = null;
  }

  // A batch of `rows` was committed. True when the estimate changed.
  committed(rows: number, now: number): boolean {
    this.windowRows += rows;
    if (now - this.windowStart < this.windowMs) return false;
    let busy = this.busyMs;
    if (this.busySince !== null) {
      busy += now - this.busySince;
      this.busySince = now;
    }
    const rows_ = this.windowRows;
    this.windowStart = now;
    this.windowRows = 0;
    this.busyMs = 0;
    if (busy <= 0 || rows_ <= 0) return false;
    const rate = rows_ / (busy / 1000);
    this.rowsPerSecond = this.rowsPerSecond === null ? rate : (this.rowsPerSecond + rate) / 2;
    return true;
  }
}
