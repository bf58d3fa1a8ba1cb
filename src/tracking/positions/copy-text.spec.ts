import { CopyText } from './copy-text.js';

// What one call writes, as text.
const written = (write: (out: CopyText) => void, initialBytes?: number) => {
  const out = new CopyText(initialBytes);
  out.reserve(64);
  write(out);
  return out.result().toString('utf8');
};
const decimal = (v: number, places: 1 | 6) => written((o) => o.decimal(v, places));
const int = (n: number) => written((o) => o.int(n));
const time = (ms: number) => written((o) => o.time(ms));

describe(CopyText.name, () => {
  it('should write millionths and tenths as plain decimals, and anything else as String() does', () => {
    expect([decimal(40.860795, 6), decimal(-33.000001, 6), decimal(110, 6), decimal(0.000001, 6), decimal(-0, 6)]).toEqual([
      '40.860795',
      '-33.000001',
      '110',
      '0.000001',
      '0',
    ]);
    expect([decimal(62.5, 1), decimal(0.1, 1), decimal(429496729.5, 1)]).toEqual(['62.5', '0.1', '429496729.5']);
    expect([decimal(39.91234567, 6), decimal(62.55, 1), decimal(1e21, 1), decimal(1e-7, 6), decimal(NaN, 1)]).toEqual(['39.91234567', '62.55', '1e+21', '1e-7', 'NaN']);
  });

  it('should give the same text as String() for every decimal it writes itself', () => {
    const wrong: string[] = [];
    for (let i = -200_000; i <= 200_000; i += 7) {
      for (const v of [i / 1e6 + 39, i / 1e6, i / 10, (i * 997) / 1e6]) {
        if (decimal(v, 6) !== String(v)) wrong.push(`${v} (6)`);
        if (decimal(v, 1) !== String(v)) wrong.push(`${v} (1)`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('should write integers as String() does, and fractions and unsafe integers through String()', () => {
    const values = [0, -0, 7, 10, 99, 100, 359, -500, 2147483647, -2147483648, 4294967295, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 60, 1.5, -0.25];
    expect(values.map(int)).toEqual(values.map((v) => String(v)));
  });

  it('should write times as toISOString() does, from 1970 to 9999 and outside it', () => {
    const times = [0, 1, 999, 86_399_999, 86_400_000, Date.UTC(2026, 10, 29, 23, 59, 59, 999), Date.UTC(2024, 1, 29, 12, 0, 0, 5), 253_402_300_799_999, 253_402_300_800_000, -1, -62_198_755_200_000];
    expect(times.map(time)).toEqual(times.map((ms) => new Date(ms).toISOString()));
    // Days written one after the other and back again: the remembered day prefix follows.
    const text = written((o) => {
      for (const ms of [Date.UTC(2026, 10, 29, 23, 59), Date.UTC(2026, 10, 30, 0, 1), Date.UTC(2026, 10, 29, 23, 58)]) o.time(ms);
    });
    expect(text).toBe('2026-11-29T23:59:00.000Z2026-11-30T00:01:00.000Z2026-11-29T23:58:00.000Z');
    expect(() => time(NaN)).toThrow(RangeError);
  });

  it('should grow past its first size without losing or reordering a byte, and write text as UTF-8', () => {
    const out = new CopyText(64);
    const parts: string[] = [];
    for (let i = 0; i < 500; i++) {
      out.reserve(64);
      out.ascii('7d3c2a10-0000-4000-8000-000000000001');
      out.byte(9);
      out.int(i);
      out.byte(9);
      const text = `第${i}行 危险货物`;
      out.utf8(text);
      out.byte(10);
      parts.push(`7d3c2a10-0000-4000-8000-000000000001\t${i}\t${text}\n`);
    }
    const expected = parts.join('');
    expect(out.result().toString('utf8')).toBe(expected);
    expect(out.length).toBe(Buffer.byteLength(expected));
  });
});
