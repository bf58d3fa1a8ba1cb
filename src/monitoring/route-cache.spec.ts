import { RouteCache } from './route-cache.js';

// A fake decoder: "n:tag" decodes to n points (only the length matters here); counts the decodes.
function cache(maxPoints: number, idleMs: number) {
  const decoded: string[] = [];
  const c = new RouteCache(
    (encoded) => {
      decoded.push(encoded);
      const n = Number(encoded.split(':')[0]);
      if (!Number.isInteger(n)) throw new Error('bad polyline');
      return new Array<[number, number]>(n);
    },
    { maxPoints, idleMs },
  );
  return { c, decoded };
}

describe(RouteCache.name, () => {
  it('should decode a route once and give every trip on it the same array', () => {
    const { c, decoded } = cache(1000, 60_000);
    const a = c.route('10:a', 0);
    expect(c.route('10:a', 1_000)).toBe(a);
    expect(decoded).toEqual(['10:a']);
    const b = c.route('12:b', 2_000);
    expect(b).toHaveLength(12);
    expect(b).not.toBe(a);
    expect(c.points).toBe(22);
  });

  it('should answer null for no route or one that does not decode, and keep nothing for it', () => {
    const { c } = cache(1000, 60_000);
    expect(c.route(null, 0)).toBeNull();
    expect(c.route('x:broken', 0)).toBeNull();
    expect(c.size).toBe(0);
  });

  it('should never hold more than maxPoints, dropping the least recently used first', () => {
    const { c, decoded } = cache(100, 3_600_000);
    for (let i = 0; i < 1_000; i++) {
      c.route(`30:${i}`, i);
      expect(c.points).toBeLessThanOrEqual(100);
    }
    expect(c.size).toBe(3);
    // 997..999 kept; using 997 makes 998 the oldest, so the next new route drops 998.
    c.route('30:997', 2_000);
    c.route('30:1000', 2_001);
    decoded.length = 0;
    c.route('30:997', 2_002);
    c.route('30:999', 2_003);
    expect(decoded).toEqual([]);
    c.route('30:998', 2_004);
    expect(decoded).toEqual(['30:998']);
  });

  it('should drop routes not used for idleMs (trips that ended) when another one comes in', () => {
    const { c } = cache(1_000_000, 10 * 60_000);
    for (let i = 0; i < 50; i++) c.route(`100:ended-${i}`, 0);
    c.route('100:active', 0);
    c.route('100:active', 9 * 60_000); // looked up at each reload: stays
    c.route('100:new', 10 * 60_000 + 1);
    expect(c.size).toBe(2);
    expect(c.points).toBe(200);
  });

  it('should stay bounded over a day of trips on distinct routes (a new route every 10 s)', () => {
    const { c } = cache(1_000_000, 10 * 60_000);
    let peak = 0;
    for (let s = 0; s < 86_400; s += 10) {
      c.route(`1300:${s}`, s * 1000);
      peak = Math.max(peak, c.points);
    }
    // Ten minutes of new routes at most (61 of 1,300 points); the former cache kept every one (up to 50,000).
    expect(c.size).toBeLessThanOrEqual(61);
    expect(peak).toBeLessThanOrEqual(61 * 1300);
  });
});
