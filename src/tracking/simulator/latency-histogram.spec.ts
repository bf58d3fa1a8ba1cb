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
});
