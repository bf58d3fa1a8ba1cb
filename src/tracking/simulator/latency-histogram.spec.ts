import { LatencyHistogram } from './latency-histogram.js';
import { mulberry32 } from './route-walker.js';

describe(LatencyHistogram.name, () => {
  it('should give percentiles within 1 % of the exact ones', () => {
    const h = new LatencyHistogram();
    const rng = mulberry32(5);
    // Log-normal-ish latencies from 0.2 ms to a few seconds.
    const samples = Array.from({ length: 100_000 }, () => Math.exp(rng() * 9 - 1.5) * (rng() < 0.01 ? 10 : 1));
    for (const s of samples) h.record(s);
    const sorted = [...samples].sort((a, b) => a - b);
    const exact = (q: number) => sorted[Math.ceil(q * sorted.length) - 1]!;
    for (const q of [0.5, 0.95, 0.99]) expect(Math.abs(h.percentile(q) / exact(q) - 1)).toBeLessThan(0.01);
    const s = h.summary();
    expect(s.count).toBe(100_000);
    expect(s.max).toBeCloseTo(sorted.at(-1)!, 2);
    expect(s.min).toBeCloseTo(sorted[0]!, 2);
  });

  it('should summarise nothing as zeros and ignore nonsense', () => {
    const h = new LatencyHistogram();
    h.record(Number.NaN);
    h.record(-1);
    expect(h.summary()).toEqual({ count: 0, min: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 });
    h.record(0);
    h.record(3);
    expect(h.summary()).toMatchObject({ count: 2, min: 0, max: 3, mean: 1.5 });
  });

  it('should give the samples since a copy as a histogram of their own', () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 1000; i++) h.record(5 + (i % 10));
    const earlier = h.copy();
    for (let i = 0; i < 100; i++) h.record(200 + i);
    const w = h.since(earlier).summary();
    expect(w.count).toBe(100);
    // p50 of 200..299 is 249/250, within the 1 % buckets; the bounds are bucket bounds clamped to the exact ones.
    expect(Math.abs(w.p50 / 249.5 - 1)).toBeLessThan(0.01);
    expect(w.min).toBeGreaterThan(197);
    expect(w.max).toBeLessThanOrEqual(299);
    expect(w.max).toBeGreaterThan(296);
    expect(h.summary().count).toBe(1100);
    expect(h.since(h.copy()).summary()).toEqual({ count: 0, min: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 });
  });
});
