// The one position record both sources produce (DESIGN.md "The hot path: a position"): the JT/T 808 decoder
// (0x0200 location report, 0x0704 blind-area batch) and the socket.io JSON terminals normalise into this shape,
// and everything after that (plausibility, storage, live monitoring) reads only this.
export const POSITION_SOURCES = ['jt808', 'app'] as const;
export type PositionSource = (typeof POSITION_SOURCES)[number];

export type PositionRecord = {
  vehicleId: string;
  terminalId: string | null;
  fixTime: Date; // when the fix was taken (JT/T 808: BCD time in GMT+8, decoded to an instant)
  receivedAt: Date; // when the platform received it
  lat: number; // degrees, WGS-84 as reported; negative = south
  lon: number; // degrees; negative = west
  speedKmh: number;
  course: number; // degrees 0-359 clockwise from north
  altitudeM: number;
  // Raw 32-bit words as the terminal sent them (JT/T 808 tables 24 and 25; app terminals use the same bits),
  // unsigned. Stored in signed integer columns with the same bit pattern (toInt32 / fromInt32).
  alarmBits: number;
  statusBits: number;
  mileageKm?: number | null; // odometer (JT/T 808 additional item 0x01)
  source: PositionSource;
  backfill: boolean; // a blind-area upload (0x0704 type 1): history, never a live event
  extra?: Record<string, unknown> | null; // further additional items, kept as sent
};

// What the writer stores: the record plus what the platform worked out about it.
export type PositionRow = PositionRecord & {
  quality?: number; // plausibility findings (plausibility.rules.ts QUALITY bits); 0 or absent = clean
  waybillId?: string | null; // the waybill with goods on board at fixTime, when known
};

// JT/T 808-2019 table 24 (status bits), bit 1: 0 = not positioned, 1 = positioned. App terminals set the same bit
// when their fix is valid.
export const STATUS_POSITIONED = 1 << 1;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INT32_MIN = -(2 ** 31);
const UINT32_MAX = 2 ** 32 - 1;

// 32-bit words go into PostgreSQL `integer` (signed) keeping their bits: 0x80000000 is stored as -2147483648.
export const toInt32 = (word: number) => word | 0;
export const fromInt32 = (value: number) => value >>> 0;

// PostgreSQL `real` holds magnitudes up to about 3.4e38; a larger finite number fails the whole batch.
const FLOAT4_MAX = 3.4e38;
const isReal = (n: unknown) => Number.isFinite(n) && Math.abs(n as number) <= FLOAT4_MAX;
const isDate = (d: unknown): d is Date => d instanceof Date && Number.isFinite(d.getTime());
const isInt = (n: unknown, min: number, max: number) => Number.isInteger(n) && (n as number) >= min && (n as number) <= max;

// Structural checks only (types and column ranges), so that one malformed record cannot fail a whole batch in the
// database. Implausible values (a latitude of 95, a fix in 2031) are valid here: they are stored, with quality
// flags. Returns the first problem found, or null.
export function positionRowProblem(r: PositionRow): string | null {
  if (typeof r.vehicleId !== 'string' || !UUID.test(r.vehicleId)) return 'vehicleId must be a UUID';
  if (r.terminalId != null && (typeof r.terminalId !== 'string' || !UUID.test(r.terminalId))) return 'terminalId must be a UUID or null';
  if (r.waybillId != null && (typeof r.waybillId !== 'string' || !UUID.test(r.waybillId))) return 'waybillId must be a UUID or null';
  if (!isDate(r.fixTime)) return 'fixTime must be a valid Date';
  if (!isDate(r.receivedAt)) return 'receivedAt must be a valid Date';
  if (!Number.isFinite(r.lat) || !Number.isFinite(r.lon)) return 'lat and lon must be finite numbers';
  if (!isReal(r.speedKmh)) return 'speedKmh must be a finite number (real)';
  if (!isInt(r.course, -32768, 32767)) return 'course must be an integer (smallint)';
  if (!isInt(r.altitudeM, INT32_MIN, 2 ** 31 - 1)) return 'altitudeM must be a 32-bit integer';
  if (!isInt(r.alarmBits, INT32_MIN, UINT32_MAX) || !isInt(r.statusBits, INT32_MIN, UINT32_MAX)) return 'alarmBits and statusBits must be 32-bit words';
  if (r.mileageKm != null && !isReal(r.mileageKm)) return 'mileageKm must be a finite number (real) or null';
  if (!(POSITION_SOURCES as readonly string[]).includes(r.source)) return `source must be one of ${POSITION_SOURCES.join(', ')}`;
  if (typeof r.backfill !== 'boolean') return 'backfill must be a boolean';
  if (r.quality != null && !isInt(r.quality, 0, 32767)) return 'quality must be a smallint bit set';
  return null;
}

// A driver's IC card read by the terminal (JT/T 808 0x0702): signing in (card inserted) or out (card removed).
// Monitoring compares it with the waybill's crew (TR-16).
export type DriverSignIn = {
  vehicleId: string;
  at: Date; // the card event's time from the terminal, else when it was received
  inserted: boolean; // false: card removed (signed out)
  readOk: boolean; // the card could be read (0x0702 IC read result 0)
  readResult: number | null;
  name: string | null;
  certificateNumber: string | null; // 从业资格证号
  idCardNumber: string | null;
};
