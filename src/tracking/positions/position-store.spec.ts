import { copyData } from './position-store.js';
import type { PositionRow } from './position.js';

const V = '7d3c2a10-0000-4000-8000-000000000001';
const T = '7d3c2a10-0000-4000-8000-0000000000aa';
const W = '7d3c2a10-0000-4000-8000-0000000000bb';

const row = (over: Partial<PositionRow> = {}): PositionRow => ({
  vehicleId: V,
  terminalId: T,
  fixTime: new Date('2026-11-29T10:00:00.000Z'),
  receivedAt: new Date('2026-11-29T10:00:01.250Z'),
  lat: 40.5,
  lon: 110.25,
  speedKmh: 62.5,
  course: 90,
  altitudeM: 1040,
  alarmBits: 0,
  statusBits: 3,
  mileageKm: 1234.5,
  source: 'jt808',
  backfill: false,
  ...over,
});

describe(copyData.name, () => {
  it('should write one COPY text line per row, in order, ending with its 1-based ordinal', () => {
    const text = copyData([
      row(),
      row({ fixTime: new Date('2026-11-29T10:00:05.000Z'), terminalId: null, waybillId: W, mileageKm: null, quality: 4, backfill: true, alarmBits: 0x80000000 }),
    ]).toString('utf8');
    expect(text).toBe(
      `${V}\t2026-11-29T10:00:00.000Z\t2026-11-29T10:00:01.250Z\t${T}\t\\N\t40.5\t110.25\t62.5\t90\t1040\t0\t3\t1234.5\tjt808\t0\tf\t\\N\t1\n` +
        `${V}\t2026-11-29T10:00:05.000Z\t2026-11-29T10:00:01.250Z\t\\N\t${W}\t40.5\t110.25\t62.5\t90\t1040\t-2147483648\t3\t\\N\tjt808\t4\tt\t\\N\t2\n`,
    );
  });

  it('should escape backslashes, tabs and line breaks in the extra items, and write other text as UTF-8', () => {
    const extra = { note: 'a\tb\nc\\d\re', name: '蒙A·12345 驾驶员' };
    const text = copyData([row({ extra })]).toString('utf8');
    const fields = text.slice(0, -1).split('\t');
    expect(fields).toHaveLength(18);
    expect(fields[16]).toBe(JSON.stringify(extra).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r'));
    expect(text).toContain('蒙A·12345 驾驶员');
  });

  it('should grow past its first estimate without losing or reordering a byte', () => {
    // 40 rows of about 6 KB of UTF-8 each: far beyond the 256 bytes a row it starts with.
    const rows = Array.from({ length: 40 }, (_, i) => row({ fixTime: new Date(Date.UTC(2026, 10, 29, 10, 0, i)), extra: { text: `第${i}行`.padEnd(2000, '危') } }));
    const buf = copyData(rows);
    const lines = buf.toString('utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(40);
    lines.forEach((line, i) => {
      const f = line.split('\t');
      expect(f[1]).toBe(rows[i]!.fixTime.toISOString());
      expect(JSON.parse(f[16]!)).toEqual(rows[i]!.extra);
      expect(f[17]).toBe(String(i + 1));
    });
    expect(buf.length).toBe(Buffer.byteLength(buf.toString('utf8')));
  });

  it('should give an empty Buffer for no rows', () => {
    expect(copyData([]).length).toBe(0);
  });

  it('should write the numbers so that PostgreSQL reads back the same doubles, for reported and arbitrary values', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const rows = Array.from({ length: 3_000 }, (_, i) =>
      row({
        lat: (i % 2 ? -1 : 1) * (i % 3 ? Math.floor(rnd() * 90e6) / 1e6 : rnd() * 90), // millionths as terminals send, or any double
        lon: Math.floor(rnd() * 180e6) / 1e6,
        speedKmh: i % 5 ? Math.floor(rnd() * 2000) / 10 : rnd() * 200,
        mileageKm: Math.floor(rnd() * 4e9) / 10,
      }),
    );
    const lines = copyData(rows).toString('utf8').split('\n');
    rows.forEach((r, i) => {
      const f = lines[i]!.split('\t');
      expect([Number(f[5]), Number(f[6]), Number(f[7]), Number(f[12])]).toEqual([r.lat, r.lon, r.speedKmh, r.mileageKm]);
      expect(f[5]).toMatch(/^-?\d+(\.\d+)?(e-?\d+)?$/);
    });
  });

  // The text as plain String() / toISOString() template code writes it: copyData must give the same bytes.
  const reference = (rows: PositionRow[]) =>
    rows
      .map(
        (r, i) =>
          `${r.vehicleId}\t${r.fixTime.toISOString()}\t${r.receivedAt.toISOString()}\t${r.terminalId ?? '\\N'}\t${r.waybillId ?? '\\N'}\t` +
          `${r.lat}\t${r.lon}\t${r.speedKmh}\t${r.course}\t${r.altitudeM}\t${r.alarmBits | 0}\t${r.statusBits | 0}\t${r.mileageKm ?? '\\N'}\t${r.source}\t` +
          `${r.quality ?? 0}\t${r.backfill ? 't' : 'f'}\t${r.extra == null ? '\\N' : JSON.stringify(r.extra).replace(/\\/g, '\\\\')}\t${i + 1}\n`,
      )
      .join('');

  it('should write the same bytes as String() and toISOString() would, for 20,000 varied rows', () => {
    let seed = 11;
    const rnd = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
    const rows = Array.from({ length: 20_000 }, (_, i) =>
      row({
        // Millionths and tenths as terminals report them, and any double, negative and zero too.
        lat: pick([Math.floor(rnd() * 180e6 - 90e6) / 1e6, rnd() * 90, -0, 0, 1e-7, 0.000001, -89.999999]),
        lon: pick([Math.floor(rnd() * 360e6 - 180e6) / 1e6, -rnd() * 180, 180]),
        speedKmh: pick([Math.floor(rnd() * 2500) / 10, rnd() * 200, 0, 1e21]),
        course: Math.floor(rnd() * 360),
        altitudeM: Math.floor(rnd() * 20_000) - 500,
        alarmBits: pick([0, 0x80000000, 0xffffffff, Math.floor(rnd() * 2 ** 32)]),
        statusBits: Math.floor(rnd() * 2 ** 32),
        mileageKm: pick([null, Math.floor(rnd() * 4e9) / 10, rnd() * 1e6]),
        // 1970 to 2100, any millisecond; some before 1970 and after 9999 (toISOString's own forms).
        fixTime: new Date(pick([Math.floor(rnd() * 4.1e12), -Math.floor(rnd() * 1e12), 253_402_300_800_000 + 5])),
        receivedAt: new Date(1_796_000_000_000 + Math.floor(i / 10) * 37),
        terminalId: pick([T, null]),
        waybillId: pick([W, null]),
        quality: pick([undefined, 0, 4, 16]),
        backfill: rnd() < 0.1,
        extra: pick([undefined, null, { '0x25': 3 }, { note: 'a\\b\tc', name: '蒙A·12345' }]),
      }),
    );
    expect(copyData(rows).toString('utf8')).toBe(reference(rows));
  });
});
