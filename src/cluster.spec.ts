import { restartDelayMs, workerPoolSize } from './cluster.js';

describe('restartDelayMs', () => {
  it('should replace the first worker to die at once, then back off doubling up to 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(restartDelayMs)).toEqual([0, 1000, 2000, 4000, 8000, 16_000, 30_000]);
    expect(restartDelayMs(50)).toBe(30_000);
  });
});

describe('workerPoolSize', () => {
  it('should share the default pool of 20 among the workers, at least 5 each', () => {
    expect([1, 2, 3, 4, 8].map((n) => workerPoolSize(n))).toEqual([20, 10, 7, 5, 5]);
    expect(workerPoolSize(2, 50)).toBe(25);
  });
});
