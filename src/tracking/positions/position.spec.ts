import { fromInt32, positionRowProblem, toInt32, type PositionRow } from './position.js';

describe('position record', () => {
  const valid: PositionRow = {
    vehicleId: '6f1c1a52-3f0e-4c57-9d5b-1f4f7d3c2a10',
    terminalId: null,
    fixTime: new Date('2026-11-29T08:00:00Z'),
    receivedAt: new Date('2026-11-29T08:00:01Z'),
    lat: 39.6,
    lon: 109.8,
    speedKmh: 52.3,
    course: 359,
    altitudeM: 1250,
    alarmBits: 0x80000002,
    statusBits: 0x000c0003,
    source: 'jt808',
    backfill: false,
  };

  it('should keep the bits of an unsigned 32-bit word through a signed integer column', () => {
    expect(toInt32(0x80000002)).toBe(-2147483646);
    expect(fromInt32(toInt32(0x80000002))).toBe(0x80000002);
    expect(fromInt32(toInt32(0xffffffff))).toBe(0xffffffff);
  });

  it('should accept a well-formed record, implausible values included', () => {
    expect(positionRowProblem(valid)).toBeNull();
    expect(positionRowProblem({ ...valid, lat: 95, fixTime: new Date('2031-01-01T00:00:00Z') })).toBeNull();
  });

  it.each([
    [{ vehicleId: '42' }, 'vehicleId'],
    [{ terminalId: 'abc' }, 'terminalId'],
    [{ fixTime: new Date(Number.NaN) }, 'fixTime'],
    [{ lat: Number.POSITIVE_INFINITY }, 'lat'],
    [{ course: 70_000 }, 'course'],
    [{ speedKmh: 1e39 }, 'speedKmh'],
    [{ alarmBits: 2 ** 32 }, 'alarmBits'],
    [{ source: 'gt06' }, 'source'],
    [{ quality: -1 }, 'quality'],
  ] as [Partial<PositionRow>, string][])('should refuse %p', (over, field) => {
    expect(positionRowProblem({ ...valid, ...over } as PositionRow)).toContain(field);
  });
});
