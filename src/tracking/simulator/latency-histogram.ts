// Latency percentiles for millions of samples in constant memory: log-spaced buckets 1 % wide from 10 µs to
// ~100 s (about 1,600 counters), so p50/p95/p99 are within 1 % of the exact value. min, max and mean are exact.

const MIN_MS = 0.01;
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = Math.ceil(Math.log(100_000 / MIN_MS) / LOG_GROWTH) + 2;

export type LatencySummary = { count: number; min: number; mean: number; p50: number; p95: number; p99: number; max: number };

export class LatencyHistogram {
  private readonly counts = new Uint32Array(BUCKETS);
  private n = 0;
  private sum = 0;
  private lo = Infinity;
  private hi = 0;

  get count(): number {
    return this.n;
  }

  record(ms: number): void {
    if (!(ms >= 0)) return;
    const i = ms <= MIN_MS ? 0 : Math.min(BUCKETS - 1, 1 + Math.floor(Math.log(ms / MIN_MS) / LOG_GROWTH));
    this.counts[i]!++;
    this.n++;
    this.sum += ms;
    if (ms < this.lo) this.lo = ms;
    if (ms > this.hi) this.hi = ms;
  }

  // The value below which a fraction q of the samples lie (the bucket's geometric middle, clamped to min/max).
  percentile(q: number): number {
    if (this.n === 0) return 0;
    const target = Math.max(1, Math.ceil(q * this.n));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= target) {
        const mid = i === 0 ? MIN_MS : MIN_MS * GROWTH ** (i - 0.5);
        return Math.min(this.hi, Math.max(this.lo, mid));
      }
    }
    return this.hi;
  }

  // The samples recorded since `earlier` (a copy() of this histogram), as a histogram of their own; its min and
  // max are bucket bounds, not exact.
  since(earlier: LatencyHistogram): LatencyHistogram {
    const d = new LatencyHistogram();
    for (let i = 0; i < BUCKETS; i++) {
      const k = this.counts[i]! - earlier.counts[i]!;
      if (k <= 0) continue;
      d.counts[i] = k;
      d.n += k;
      const lo = i === 0 ? 0 : MIN_MS * GROWTH ** (i - 1);
      const hi = MIN_MS * GROWTH ** i;
      d.sum += k * (lo + hi) / 2;
      if (lo < d.lo) d.lo = Math.max(lo, this.lo);
      d.hi = Math.min(hi, this.hi);
    }
    return d;
  }

  copy(): LatencyHistogram {
    const c = new LatencyHistogram();
    c.counts.set(this.counts);
    c.n = this.n;
    c.sum = this.sum;
    c.lo = this.lo;
    c.hi = this.hi;
    return c;
  }

  summary(): LatencySummary {
    const round = (x: number) => Math.round(x * 100) / 100;
    if (this.n === 0) return { count: 0, min: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 };
    return {
      count: this.n,
      min: round(this.lo),
      mean: round(this.sum / this.n),
      p50: round(this.percentile(0.5)),
      p95: round(this.percentile(0.95)),
      p99: round(this.percentile(0.99)),
      max: round(this.hi),
    };
  }
}
