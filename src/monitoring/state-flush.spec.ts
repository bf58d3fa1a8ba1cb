import { randomUUID } from 'node:crypto';
import { STATE_FLUSH_SLICES, stateFlushSlice } from './state-flush.js';

describe(stateFlushSlice.name, () => {
  it('should give a vehicle the same slice every time', () => {
    const id = randomUUID();
    expect(stateFlushSlice(id, STATE_FLUSH_SLICES)).toBe(stateFlushSlice(id, STATE_FLUSH_SLICES));
  });

  it('should read the slice off the id’s last 8 hex digits', () => {
    expect(stateFlushSlice('00000000-0000-4000-8000-000000000000', 10)).toBe(0);
    expect(stateFlushSlice('00000000-0000-4000-8000-000000000017', 10)).toBe(0x17 % 10);
    expect(stateFlushSlice('00000000-0000-4000-8000-0000ffffffff', 10)).toBe(0xffffffff % 10);
    expect(stateFlushSlice('00000000-0000-4000-8000-0000ffffffff', 7)).toBe(0xffffffff % 7);
  });

  it('should spread random vehicle ids evenly over the slices', () => {
    const counts = new Array<number>(STATE_FLUSH_SLICES).fill(0);
    for (let i = 0; i < 20_000; i++) counts[stateFlushSlice(randomUUID(), STATE_FLUSH_SLICES)]!++;
    // 2,000 expected per slice; the standard deviation is about 42, so ±300 fails only if the spreading is wrong.
    for (const n of counts) {
      expect(n).toBeGreaterThan(1_700);
      expect(n).toBeLessThan(2_300);
    }
  });

  it('should put an id that does not end in hex digits in slice 0, never outside the range', () => {
    expect(stateFlushSlice('vehicle-zz', 10)).toBe(0);
    expect(stateFlushSlice('', 10)).toBe(0);
  });
});
