import { restartDelayMs } from './cluster.js';

describe('restartDelayMs', () => {
  it('should replace the first worker to die at once, then back off doubling up to 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(restartDelayMs)).toEqual([0, 1000, 2000, 4000, 8000, 16_000, 30_000]);
    expect(restartDelayMs(50)).toBe(30_000);
  });
});
