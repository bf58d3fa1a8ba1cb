import { RepeatFilter } from './repeat-filter.js';

describe('RepeatFilter', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 0;
  });

  it('should let the first of a kind through, hold back repeats within the window, then let one through with their count', () => {
    const f = new RepeatFilter(30_000, clock);
    expect(f.admit('a')).toEqual({ log: true, held: 0 });
    now = 1_000;
    expect(f.admit('a')).toEqual({ log: false, held: 1 });
    now = 29_999;
    expect(f.admit('a')).toEqual({ log: false, held: 2 });
    now = 30_000;
    expect(f.admit('a')).toEqual({ log: true, held: 2 });
    now = 30_001;
    expect(f.admit('a')).toEqual({ log: false, held: 1 });
  });

  it('should keep kinds apart', () => {
    const f = new RepeatFilter(30_000, clock);
    expect(f.admit('a').log).toBe(true);
    expect(f.admit('b').log).toBe(true);
    expect(f.admit('a').log).toBe(false);
  });

  it('should remember at most maxKinds kinds, forgetting the oldest', () => {
    const f = new RepeatFilter(30_000, clock, 2);
    f.admit('a');
    f.admit('b');
    f.admit('c'); // 'a' forgotten
    expect(f.admit('a').log).toBe(true);
    expect(f.admit('c').log).toBe(false);
  });
});
