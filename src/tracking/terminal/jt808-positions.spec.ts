import { positionRowProblem } from '../positions/position.js';
import { decodeJt808, decodePosition } from './jt808/jt808.decoder.js';
import { encodeBatch, encodeLocation, encodePayload, type Jt808PositionInput } from './jt808/jt808.encoder.js';
import { batchRecords, locationRecords, positionExtra, positionRecord, unreadableItems } from './jt808-positions.js';

const binding = { vehicleId: '11111111-1111-4111-8111-111111111111', terminalId: '22222222-2222-4222-8222-222222222222' };
const receivedAt = new Date('2026-03-01T08:10:00Z');
const decode = (p: Jt808PositionInput) => decodePosition(encodeLocation(p));
const base: Jt808PositionInput = {
  alarm: 0x80000001, // emergency + illegal door opening: the top bit must survive
  status: 0b11, // ACC on, positioned
  latitude: 40.6123,
  longitude: 109.8456,
  altitude: -154, // Turpan depression
  speedKmh: 62.5,
  direction: 359,
  time: new Date('2026-03-01T08:05:00Z'),
  extras: { mileageKm: 12345.6, fuelL: 210.5, satellites: 14, vehicleSignals: { word: 0b101, set: [] } },
  rawItems: [{ id: 0xe1, hex: 'aabb' }],
};

describe(positionRecord.name, () => {
  it('should map every field of a 0x0200 to a storable record', () => {
    const r = positionRecord(decode(base), binding, receivedAt, false)!;
    expect(r).toEqual({
      ...binding,
      fixTime: new Date('2026-03-01T08:05:00Z'),
      receivedAt,
      lat: 40.6123,
      lon: 109.8456,
      speedKmh: 62.5,
      course: 359,
      altitudeM: -154,
      alarmBits: 0x80000001,
      statusBits: 0b11,
      mileageKm: 12345.6,
      source: 'jt808',
      backfill: false,
      extra: { fuelL: 210.5, satellites: 14, vehicleSignals: 0b101, items: [{ id: 0xe1, hex: 'aabb' }] },
    });
    expect(positionRowProblem(r)).toBeNull();
  });

  it('should keep out-of-range values for the plausibility filter, within column ranges', () => {
    const p = decode({ ...base, latitude: 95, direction: 40_000, extras: {}, rawItems: [] });
    const r = positionRecord(p, binding, receivedAt, false)!;
    expect(r).toMatchObject({ lat: 95, course: 0, mileageKm: null, extra: { direction: 40_000, issues: ['LATITUDE_OUT_OF_RANGE', 'DIRECTION_OUT_OF_RANGE'] } });
    expect(positionRowProblem(r)).toBeNull();
    expect(positionRecord(decode({ ...base, direction: 360 }), binding, receivedAt, false)!.course).toBe(0);
  });

  it('should give no record for a fix without a usable time', () => {
    expect(positionRecord(decode({ ...base, time: null, timeBcd: '991399000000' }), binding, receivedAt, false)).toBeNull();
    expect(locationRecords(decode({ ...base, time: null, timeBcd: '000000000000' }), binding, receivedAt)).toEqual({ records: [], dropped: 1 });
  });

  it('should leave extra null for a plain report', () => {
    expect(positionExtra(decode({ ...base, extras: { mileageKm: 1 }, rawItems: [] }))).toBeNull();
  });
});

describe(batchRecords.name, () => {
  const batch = (type: number) => {
    const r = decodeJt808(encodePayload({ messageId: 0x0704, phone: '013912345678', serial: 1, body: encodeBatch(type, [base, { ...base, time: new Date('2026-03-01T08:06:00Z') }]) }));
    if (!r.ok || r.message.kind !== 'batchLocation') throw new Error('not a batch');
    return r.message.body;
  };

  it('should mark type 1 (blind-area back-fill) as backfill and type 0 not', () => {
    expect(batchRecords(batch(1), binding, receivedAt).records.map((r) => r.backfill)).toEqual([true, true]);
    expect(batchRecords(batch(0), binding, receivedAt).records.map((r) => r.backfill)).toEqual([false, false]);
  });
});

describe(unreadableItems.name, () => {
  const batchOf = (body: Buffer) => {
    const r = decodeJt808(encodePayload({ messageId: 0x0704, phone: '013912345678', serial: 1, body }));
    if (!r.ok || r.message.kind !== 'batchLocation') throw new Error('not a batch');
    return r.message.body;
  };
  const three = encodeBatch(0, [base, base, base]);
  const item = 2 + three.readUInt16BE(3);

  it('should count nothing when every declared item was read', () => {
    expect(unreadableItems(batchOf(three))).toBe(0);
  });

  it('should count the items from a truncated one to the declared count', () => {
    expect(unreadableItems(batchOf(three.subarray(0, 3 + item + 6)))).toBe(2);
  });

  it('should count items declared and absent, and bytes left over after the declared ones', () => {
    const over = Buffer.from(three.subarray(0, 3 + item));
    expect(unreadableItems(batchOf(over))).toBe(2);
    expect(unreadableItems(batchOf(Buffer.concat([three, Buffer.from([0])])))).toBe(1);
  });
});
