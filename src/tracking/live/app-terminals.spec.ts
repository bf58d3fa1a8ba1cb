import { STATUS_POSITIONED } from '../positions/position.js';
import { AppPositionBatchSchema, AppPositionSchema } from '../tracking.dto.js';
import { parseAppToken } from './app-terminal-auth.js';
import { toRecord } from './app-terminals.gateway.js';

const terminal = { terminalId: '5f0c1c52-8f0e-4f3b-9a55-0d1f7f0e2a11', vehicleId: 'c1a8d7b2-3e4f-4a5b-8c6d-7e8f9a0b1c2d', organisationId: 'o1' };
const fix = { fixTime: '2026-11-29T16:00:00+08:00', lat: 39.6, lon: 109.8, speedKmh: 41.5, course: 359.6 };

describe('parseAppToken', () => {
  it('should split a token as issueAppToken makes it', () => {
    expect(parseAppToken(`hzt_${terminal.terminalId}_${'aB3-_'.repeat(6)}xy`)).toEqual({ terminalId: terminal.terminalId, secret: `${'aB3-_'.repeat(6)}xy` });
  });

  it.each(['hzt_x_y', 'hzk_5f0c1c52-8f0e-4f3b-9a55-0d1f7f0e2a11_abcdefghijklmnopqrstuvwxyz012345', `hzt_${terminal.terminalId}_short`, `hzt_${terminal.terminalId}_${'a'.repeat(20)}!`, ''])(
    'should refuse %p',
    (token) => {
      expect(parseAppToken(token)).toBeNull();
    },
  );
});

describe('toRecord', () => {
  const receivedAt = new Date('2026-11-29T08:00:01Z');

  it('should take the vehicle and terminal from the token, and fill what an app may leave out', () => {
    expect(toRecord(AppPositionSchema.parse(fix), terminal, receivedAt)).toEqual({
      vehicleId: terminal.vehicleId,
      terminalId: terminal.terminalId,
      fixTime: new Date('2026-11-29T08:00:00Z'),
      receivedAt,
      lat: 39.6,
      lon: 109.8,
      speedKmh: 41.5,
      course: 0, // 359.6 rounds to 360, which is north
      altitudeM: 0,
      alarmBits: 0,
      statusBits: STATUS_POSITIONED,
      mileageKm: null,
      source: 'app',
      backfill: false,
      extra: null,
    });
  });

  it('should keep the bits, altitude, mileage and back-fill flag an app sends', () => {
    const r = toRecord(AppPositionSchema.parse({ ...fix, altitudeM: 1250.4, alarmBits: 0x80000000, statusBits: 1, mileageKm: 1234.5, backfill: true }), terminal, receivedAt);
    expect(r).toMatchObject({ altitudeM: 1250, alarmBits: 0x80000000, statusBits: 1, mileageKm: 1234.5, backfill: true });
  });
});

describe('AppPositionSchema', () => {
  it.each([
    [{ fixTime: '2026-11-29T08:00:00' }, 'fixTime'], // no zone: ambiguous between UTC and China time
    [{ lat: 91 }, 'lat'],
    [{ speedKmh: -1 }, 'speedKmh'],
    [{ course: 361 }, 'course'],
    [{ alarmBits: 2 ** 32 }, 'alarmBits'],
    [{ lon: Number.NaN }, 'lon'],
  ])('should refuse %p', (over, path) => {
    const r = AppPositionSchema.safeParse({ ...fix, ...over });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual([path]);
  });

  it('should take batches of 1 to 500', () => {
    expect(AppPositionBatchSchema.safeParse([]).success).toBe(false);
    expect(AppPositionBatchSchema.safeParse(new Array(500).fill(fix)).success).toBe(true);
    expect(AppPositionBatchSchema.safeParse(new Array(501).fill(fix)).success).toBe(false);
  });
});
