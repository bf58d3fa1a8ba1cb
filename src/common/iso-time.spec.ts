import { isoTime } from './iso-time.js';

describe('isoTime', () => {
  it('should format like Date.prototype.toISOString', () => {
    const cases = [
      0,
      Date.parse('2026-11-29T15:59:59.999Z'), // 23:59:59.999 in Shanghai
      Date.parse('2026-11-29T16:00:00.000Z'),
      Date.parse('2024-02-29T23:59:59.999Z'), // leap day
      Date.parse('2024-03-01T00:00:00.000Z'),
      Date.parse('2099-12-31T23:59:59.999Z'),
      253_402_300_799_999, // 9999-12-31T23:59:59.999Z
    ];
    for (const ms of cases) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
  });

  it('should agree with toISOString on many times, going back and forth between days', () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const wrong: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const ms = Math.floor(rnd() * 4_102_444_800_000); // 1970 .. 2100
      if (isoTime(ms) !== new Date(ms).toISOString()) wrong.push(`${ms}: ${isoTime(ms)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('should leave times before 1970 or after 9999 to toISOString, and throw on an invalid time as it does', () => {
    for (const ms of [-1, -86_400_001, 253_402_300_800_000, 8.64e15]) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    expect(() => isoTime(NaN)).toThrow(RangeError);
  });
});
