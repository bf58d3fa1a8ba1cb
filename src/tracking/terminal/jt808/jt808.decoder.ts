import {
  alarmKeys,
  bitKeys,
  JT808_IO_BITS,
  JT808_MESSAGE_ID,
  JT808_VEHICLE_SIGNAL_BITS,
  statusFlags,
  type Jt808AlarmKey,
  type Jt808IoKey,
  type Jt808StatusFlags,
  type Jt808VehicleSignalKey,
} from './jt808.constants.js';
import {
  bcdToString,
  ByteReader,
  decodeBcdDate,
  decodeBcdTime,
  decodeBcdTimeAt,
  decodeText,
  Jt808Truncated,
  xorChecksum,
} from './jt808.fields.js';

// JT/T 808 message decoder: one unescaped frame (header + body + check code, no 0x7e delimiters, as produced by
// Jt808FrameDecoder) → a Jt808Message. Pure and total: it never throws, bad input gives { ok: false, error }.
// Covers 2011/2013 and 2019 headers. Replies and side effects belong to the caller (see jt808.encoder.ts).

// '2013' is the 2011/2013 header (6-byte BCD phone); '2019' adds a protocol version byte and a 10-byte phone.
export type Jt808Version = '2013' | '2019';

export type Jt808Header = {
  messageId: number;
  bodyLength: number; // bits 0-9 of the message properties, as sent
  encryption: number; // bits 10-12: 0 none, 1 RSA
  versionFlag: boolean; // bit 14 as sent; see `version` for the layout actually used
  version: Jt808Version;
  protocolVersion: number | null; // 2019 only
  phone: string; // BCD digits as sent: 12 (2013) or 20 (2019), leading zeros kept so replies echo it exactly
  serial: number;
  packet: { total: number; index: number } | null; // bit 13 subpackage fields (index from 1)
};

// Things a lenient decode let through, or header oddities worth logging.
export type Jt808Warning =
  | 'CHECKSUM_MISMATCH' // lenient only
  | 'BODY_LENGTH_MISMATCH' // lenient only
  | 'VERSION_FLAG_ON_2013_HEADER'; // bit 14 set but the frame only fits the 2013 layout (real terminals do this)

export type Jt808DecodeError =
  | 'TOO_SHORT' // not even a complete header + check code
  | 'BAD_CHECKSUM' // XOR check code mismatch
  | 'BAD_LENGTH' // body length in the header ≠ bytes present
  | 'TRUNCATED_BODY' // body too short for the layout of its message id
  | 'INTERNAL_ERROR'; // a decoder bug; the fuzz spec asserts it never happens

export type Jt808DecodeOptions = {
  // Force a header layout: terminals exist that set the 2019 flag on 2013 headers (and the reverse is possible
  // with a misconfigured simulator). Without it the flag decides, falling back to 2013 when only 2013 fits.
  versionOverride?: Jt808Version;
  // Accept frames with a wrong check code or body length (traccar behaviour) and report them in `warnings`.
  // Off by default: a corrupt frame gets 0x8001 result 2 and the terminal retransmits.
  lenient?: boolean;
};

export type Jt808RawItem = { id: number; hex: string };

// Standard additional items of 0x0200 (JT/T 808-2013 table 27, 2019 items 0x05/0x06).
export type Jt808LocationExtras = {
  mileageKm?: number; // 0x01, DWORD 1/10 km
  fuelL?: number; // 0x02, WORD 1/10 L
  recorderSpeedKmh?: number; // 0x03, WORD 1/10 km/h (driving-recorder speed)
  alarmEventId?: number; // 0x04, WORD: id of an alarm needing manual confirmation
  tirePressure?: number[]; // 0x05 (2019), BYTE[30], 0xff = no sensor
  carriageTemperatureC?: number; // 0x06 (2019), WORD, top bit = negative
  overspeed?: { locationType: number; areaId: number | null }; // 0x11: 0 none, 1 circle, 2 rectangle, 3 polygon, 4 route
  areaRoute?: { locationType: number; areaId: number; direction: number }; // 0x12: direction 0 in, 1 out
  routeDriveTime?: { routeId: number; seconds: number; result: number }; // 0x13: result 0 too short, 1 too long
  vehicleSignals?: { word: number; set: Jt808VehicleSignalKey[] }; // 0x25
  ioStatus?: { word: number; set: Jt808IoKey[] }; // 0x2A
  analog?: { ad0: number; ad1: number }; // 0x2B: bits 0-15 AD0, 16-31 AD1
  signalStrength?: number; // 0x30
  satellites?: number; // 0x31
};

// Decoded but unusable values are flagged, not dropped: the frame is valid and must still be acknowledged.
// Status bit 5 (coordinates encrypted) is left in `flags` only: real terminals in the traccar corpus set it
// on plainly valid coordinates.
export type Jt808PositionIssue =
  | 'LATITUDE_OUT_OF_RANGE'
  | 'LONGITUDE_OUT_OF_RANGE'
  | 'DIRECTION_OUT_OF_RANGE'
  | 'TIME_INVALID'
  | 'ADDITIONAL_ITEMS_TRUNCATED'; // an item's length ran past the body; the rest is in trailingHex

export type Jt808Position = {
  alarm: number; // raw 32-bit alarm word
  alarms: Jt808AlarmKey[]; // names of the alarm bits set
  status: number; // raw 32-bit status word
  flags: Jt808StatusFlags;
  latitude: number; // degrees, negative when status says south
  longitude: number; // degrees, negative when status says west
  altitude: number; // m
  speedKmh: number;
  direction: number; // degrees 0-359, clockwise from north
  time: Date | null; // null when the BCD clock is not a date (see issues)
  timeBcd: string; // YYMMDDhhmmss as sent (GMT+8)
  extras: Jt808LocationExtras;
  rawItems: Jt808RawItem[]; // vendor / unknown items, and standard items with an unexpected length
  trailingHex: string | null;
  issues: Jt808PositionIssue[];
};

export type Jt808Register = {
  layout: '2011' | '2013' | '2019';
  provinceId: number;
  cityId: number;
  manufacturerId: string;
  model: string;
  terminalId: string;
  plateColor: number; // JT/T 697.7: 1 blue, 2 yellow, 3 black, 4 white, 5 green, 9 other; 0 = not plated (plate holds the VIN)
  plate: string;
};

export type Jt808Auth = { authCode: string; imei: string | null; softwareVersion: string | null };

export type Jt808DriverIdentity = {
  layout: '2011' | '2013' | '2019';
  status: number | null; // 1 IC card inserted (driver signs in), 2 card removed (signs out); null in 2011
  time: Date | null;
  icReadResult: number | null; // 0 ok, 1 key authentication failed, 2 card locked, 3 card pulled out, 4 checksum error
  name: string | null;
  certificateNumber: string | null; // 从业资格证编码
  issuingAuthority: string | null;
  expiry: string | null; // YYYY-MM-DD
  idCardNumber: string | null; // 2011 and 2019 only
};

export type Jt808Batch = {
  batchType: number; // 0 normal batch, 1 blind-area back-fill (补报)
  count: number; // as declared
  positions: Jt808Position[];
  malformed: { index: number; reason: 'TRUNCATED' | 'TRAILING_BYTES'; hex: string }[];
};

export type Jt808GeneralReply = { replySerial: number; replyId: number; result: number };
export type Jt808RegisterReply = { replySerial: number; result: number; authCode: string | null };

type Msg<K extends string, B> = { kind: K; header: Jt808Header; warnings: Jt808Warning[]; body: B };

export type Jt808Message =
  | Msg<'terminalGeneralReply', Jt808GeneralReply>
  | Msg<'heartbeat', null>
  | Msg<'logout', null>
  | Msg<'register', Jt808Register>
  | Msg<'auth', Jt808Auth>
  | Msg<'location', Jt808Position>
  | Msg<'batchLocation', Jt808Batch>
  | Msg<'driverIdentity', Jt808DriverIdentity>
  | Msg<'platformGeneralReply', Jt808GeneralReply>
  | Msg<'registerReply', Jt808RegisterReply>
  | Msg<'fragment', Buffer> // one subpackage: see jt808.subpackages.ts, then decodeJt808Body()
  | Msg<'encrypted', Buffer> // RSA or reserved encryption bits: body left as sent
  | Msg<'unknown', Buffer>; // a message id this decoder does not know

export type Jt808MessageKind = Jt808Message['kind'];

export type Jt808DecodeResult =
  | { ok: true; message: Jt808Message }
  | { ok: false; error: Jt808DecodeError; header: Jt808Header | null; detail: string };

const fail = (error: Jt808DecodeError, header: Jt808Header | null, detail: string): Jt808DecodeResult => ({
  ok: false,
  error,
  header,
  detail,
});

export function decodeJt808(frame: Buffer, options: Jt808DecodeOptions = {}): Jt808DecodeResult {
  try {
    return decodeFrame(frame, options);
  } catch (e) {
    return fail('INTERNAL_ERROR', null, e instanceof Error ? e.message : String(e));
  }
}

function headerLength(version: Jt808Version, subpackage: boolean): number {
  return (version === '2019' ? 17 : 12) + (subpackage ? 4 : 0);
}

function decodeFrame(frame: Buffer, options: Jt808DecodeOptions): Jt808DecodeResult {
  if (frame.length < 4 + 1) return fail('TOO_SHORT', null, `${frame.length} bytes`);
  const messageId = frame.readUInt16BE(0);
  const props = frame.readUInt16BE(2);
  const bodyLength = props & 0x3ff;
  const subpackage = (props & 0x2000) !== 0;
  const versionFlag = (props & 0x4000) !== 0;
  const warnings: Jt808Warning[] = [];

  let version: Jt808Version = options.versionOverride ?? (versionFlag ? '2019' : '2013');
  if (!options.versionOverride && versionFlag && frame.length !== headerLength('2019', subpackage) + bodyLength + 1) {
    // Bit 14 is reserved in 2013 and some 2013 terminals set it: trust the layout that fits the frame.
    if (frame.length === headerLength('2013', subpackage) + bodyLength + 1) {
      version = '2013';
      warnings.push('VERSION_FLAG_ON_2013_HEADER');
    }
  }

  const hl = headerLength(version, subpackage);
  if (frame.length < hl + 1) return fail('TOO_SHORT', null, `${frame.length} bytes, a ${version} header needs ${hl} + 1`);

  const r = new ByteReader(frame, 4, hl);
  const protocolVersion = version === '2019' ? r.u8() : null;
  const phone = bcdToString(r.bytes(version === '2019' ? 10 : 6));
  const serial = r.u16();
  const packet = subpackage ? { total: r.u16(), index: r.u16() } : null;
  const header: Jt808Header = {
    messageId,
    bodyLength,
    encryption: (props >> 10) & 0x7,
    versionFlag,
    version,
    protocolVersion,
    phone,
    serial,
    packet,
  };

  const checkAt = frame.length - 1;
  const checksum = xorChecksum(frame, 0, checkAt);
  if (checksum !== frame[checkAt]) {
    const detail = `check code 0x${hex2(frame[checkAt])}, computed 0x${hex2(checksum)}`;
    if (!options.lenient) return fail('BAD_CHECKSUM', header, detail);
    warnings.push('CHECKSUM_MISMATCH');
  }
  const present = checkAt - hl;
  if (present !== bodyLength) {
    const detail = `header says ${bodyLength} body bytes, frame has ${present}`;
    if (!options.lenient) return fail('BAD_LENGTH', header, detail);
    warnings.push('BODY_LENGTH_MISMATCH');
  }
  const body = frame.subarray(hl, checkAt);

  try {
    return { ok: true, message: decodeBody(header, warnings, body) };
  } catch (e) {
    if (e instanceof Jt808Truncated) return fail('TRUNCATED_BODY', header, e.message);
    throw e;
  }
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

// The body of a message whose header is already known: a subpackaged message put back together
// (jt808.subpackages.ts). Total like decodeJt808: a body too short for its message id gives TRUNCATED_BODY.
export function decodeJt808Body(header: Jt808Header, body: Buffer): Jt808DecodeResult {
  try {
    return { ok: true, message: decodeBody({ ...header, packet: null }, [], body) };
  } catch (e) {
    if (e instanceof Jt808Truncated) return fail('TRUNCATED_BODY', header, e.message);
    return fail('INTERNAL_ERROR', header, e instanceof Error ? e.message : String(e));
  }
}

function decodeBody(header: Jt808Header, warnings: Jt808Warning[], body: Buffer): Jt808Message {
  // Raw bodies are copied so that they do not pin (or alias) the caller's frame buffer.
  if (header.packet) return { kind: 'fragment', header, warnings, body: Buffer.from(body) };
  if (header.encryption !== 0) return { kind: 'encrypted', header, warnings, body: Buffer.from(body) };
  switch (header.messageId) {
    case JT808_MESSAGE_ID.TERMINAL_GENERAL_REPLY:
      return { kind: 'terminalGeneralReply', header, warnings, body: decodeGeneralReply(body) };
    case JT808_MESSAGE_ID.PLATFORM_GENERAL_REPLY:
      return { kind: 'platformGeneralReply', header, warnings, body: decodeGeneralReply(body) };
    case JT808_MESSAGE_ID.HEARTBEAT:
      return { kind: 'heartbeat', header, warnings, body: null };
    case JT808_MESSAGE_ID.LOGOUT:
      return { kind: 'logout', header, warnings, body: null };
    case JT808_MESSAGE_ID.REGISTER:
      return { kind: 'register', header, warnings, body: decodeRegister(body, header.version) };
    case JT808_MESSAGE_ID.AUTH:
      return { kind: 'auth', header, warnings, body: decodeAuth(body, header.version) };
    case JT808_MESSAGE_ID.LOCATION:
      return { kind: 'location', header, warnings, body: decodePosition(body) };
    case JT808_MESSAGE_ID.BATCH_LOCATION:
      return { kind: 'batchLocation', header, warnings, body: decodeBatch(body) };
    case JT808_MESSAGE_ID.DRIVER_IDENTITY:
      return { kind: 'driverIdentity', header, warnings, body: decodeDriverIdentity(body, header.version) };
    case JT808_MESSAGE_ID.REGISTER_REPLY:
      return { kind: 'registerReply', header, warnings, body: decodeRegisterReply(body) };
    default:
      return { kind: 'unknown', header, warnings, body: Buffer.from(body) };
  }
}

function decodeGeneralReply(body: Buffer): Jt808GeneralReply {
  const r = new ByteReader(body);
  return { replySerial: r.u16(), replyId: r.u16(), result: r.u8() };
}

function decodeRegisterReply(body: Buffer): Jt808RegisterReply {
  const r = new ByteReader(body);
  const replySerial = r.u16();
  const result = r.u8();
  // §8.6: the auth code follows only on success.
  return { replySerial, result, authCode: result === 0 ? decodeText(r.rest()) : null };
}

// 0x0100 field widths per edition: manufacturer, model, terminal id. The 2011 and 2013 bodies share the
// 2013 header, so the edition is inferred from the body length: the 2013 fixed part alone is 37 bytes, a 2011
// body is 25 bytes + a plate (≤ 12 bytes in GBK).
const REGISTER_LAYOUT = {
  '2011': [5, 8, 7],
  '2013': [5, 20, 7],
  '2019': [11, 30, 30],
} as const;

function decodeRegister(body: Buffer, version: Jt808Version): Jt808Register {
  const layout = version === '2019' ? '2019' : body.length >= 37 ? '2013' : '2011';
  const [mfr, model, id] = REGISTER_LAYOUT[layout];
  const r = new ByteReader(body);
  return {
    layout,
    provinceId: r.u16(),
    cityId: r.u16(),
    manufacturerId: decodeText(r.bytes(mfr)),
    model: decodeText(r.bytes(model)),
    terminalId: decodeText(r.bytes(id)),
    plateColor: r.u8(),
    plate: decodeText(r.rest()),
  };
}

function decodeAuth(body: Buffer, version: Jt808Version): Jt808Auth {
  if (version === '2013') return { authCode: decodeText(body), imei: null, softwareVersion: null };
  const r = new ByteReader(body);
  const authCode = decodeText(r.bytes(r.u8()));
  return { authCode, imei: decodeText(r.bytes(15)), softwareVersion: decodeText(r.bytes(20)) };
}

function decodeBatch(body: Buffer): Jt808Batch {
  const r = new ByteReader(body);
  const count = r.u16();
  const batchType = r.u8();
  const positions: Jt808Position[] = [];
  const malformed: Jt808Batch['malformed'] = [];
  for (let index = 0; index < count && r.remaining > 0; index++) {
    const start = r.offset;
    try {
      const length = r.u16();
      const at = r.skip(length);
      positions.push(decodePosition(body, at, at + length));
    } catch (e) {
      if (!(e instanceof Jt808Truncated)) throw e;
      // One bad item must not cost the others: keep it raw and stop (its length is unreliable).
      r.offset = start;
      malformed.push({ index, reason: 'TRUNCATED', hex: r.rest().toString('hex') });
      break;
    }
  }
  if (r.remaining > 0) malformed.push({ index: positions.length, reason: 'TRAILING_BYTES', hex: r.rest().toString('hex') });
  return { batchType, count, positions, malformed };
}

// Expected lengths of standard additional items; a mismatch keeps the item raw rather than guessing.
const ITEM_LENGTH: Record<number, number | ((len: number) => boolean)> = {
  0x01: 4,
  0x02: 2,
  0x03: 2,
  0x04: 2,
  0x05: 30,
  0x06: 2,
  0x11: (len) => len === 1 || len === 5,
  0x12: 6,
  0x13: 7,
  0x25: 4,
  0x2a: 2,
  0x2b: 4,
  0x30: 1,
  0x31: 1,
};

// The item's value is `length` bytes of `b` from `at`, read in place.
function decodeItem(extras: Jt808LocationExtras, id: number, b: Buffer, at: number, length: number): boolean {
  const expected = ITEM_LENGTH[id];
  if (expected === undefined) return false;
  if (typeof expected === 'number' ? length !== expected : !expected(length)) return false;
  switch (id) {
    case 0x01:
      extras.mileageKm = b.readUInt32BE(at) / 10;
      return true;
    case 0x02:
      extras.fuelL = b.readUInt16BE(at) / 10;
      return true;
    case 0x03:
      extras.recorderSpeedKmh = b.readUInt16BE(at) / 10;
      return true;
    case 0x04:
      extras.alarmEventId = b.readUInt16BE(at);
      return true;
    case 0x05:
      extras.tirePressure = [...b.subarray(at, at + length)];
      return true;
    case 0x06: {
      const w = b.readUInt16BE(at);
      extras.carriageTemperatureC = w & 0x8000 ? -(w & 0x7fff) : w;
      return true;
    }
    case 0x11:
      extras.overspeed = { locationType: b[at], areaId: length === 5 ? b.readUInt32BE(at + 1) : null };
      return true;
    case 0x12:
      extras.areaRoute = { locationType: b[at], areaId: b.readUInt32BE(at + 1), direction: b[at + 5] };
      return true;
    case 0x13:
      extras.routeDriveTime = { routeId: b.readUInt32BE(at), seconds: b.readUInt16BE(at + 4), result: b[at + 6] };
      return true;
    case 0x25: {
      const word = b.readUInt32BE(at);
      extras.vehicleSignals = { word, set: bitKeys(JT808_VEHICLE_SIGNAL_BITS, word) };
      return true;
    }
    case 0x2a: {
      const word = b.readUInt16BE(at);
      extras.ioStatus = { word, set: bitKeys(JT808_IO_BITS, word) };
      return true;
    }
    case 0x2b: {
      const word = b.readUInt32BE(at);
      extras.analog = { ad0: word & 0xffff, ad1: word >>> 16 };
      return true;
    }
    case 0x30:
      extras.signalStrength = b[at];
      return true;
    case 0x31:
      extras.satellites = b[at];
      return true;
    default:
      return false;
  }
}

// 0x0200 body, also each item of 0x0704 (§8.18, table 23): the bytes of `body` from `start` to `end`, read in
// place (no Buffer view per position, time or item: the ingest decodes some 20,000 a second).
export function decodePosition(body: Buffer, start = 0, end = body.length): Jt808Position {
  const r = new ByteReader(body, start, end);
  const alarm = r.u32();
  const status = r.u32();
  const flags = statusFlags(status);
  const latRaw = r.u32();
  const lonRaw = r.u32();
  // Altitude is a WORD in the standard; read signed like traccar so sites below sea level (Turpan) survive.
  const altitude = r.i16();
  const speedKmh = r.u16() / 10;
  const direction = r.u16();
  const timeAt = r.skip(6);
  const time = decodeBcdTimeAt(body, timeAt);

  const extras: Jt808LocationExtras = {};
  const rawItems: Jt808RawItem[] = [];
  let trailingHex: string | null = null;
  while (r.remaining > 0) {
    if (r.remaining < 2) {
      trailingHex = r.rest().toString('hex');
      break;
    }
    const start = r.offset;
    const id = r.u8();
    const len = r.u8();
    if (len > r.remaining) {
      r.offset = start;
      trailingHex = r.rest().toString('hex');
      break;
    }
    const at = r.skip(len);
    // A repeated standard item keeps the first value typed and the rest raw.
    const typed = !(id in EXTRA_KEY && hasExtra(extras, id)) && decodeItem(extras, id, body, at, len);
    if (!typed) rawItems.push({ id, hex: body.toString('hex', at, at + len) });
  }

  // `|| 0` turns the -0 of a zero coordinate with the south/west bit set into 0.
  const latitude = (flags.southLatitude ? -latRaw : latRaw) / 1e6 || 0;
  const longitude = (flags.westLongitude ? -lonRaw : lonRaw) / 1e6 || 0;
  const issues: Jt808PositionIssue[] = [];
  if (Math.abs(latitude) > 90) issues.push('LATITUDE_OUT_OF_RANGE');
  if (Math.abs(longitude) > 180) issues.push('LONGITUDE_OUT_OF_RANGE');
  if (direction > 359) issues.push('DIRECTION_OUT_OF_RANGE');
  if (time === null) issues.push('TIME_INVALID');
  if (trailingHex !== null) issues.push('ADDITIONAL_ITEMS_TRUNCATED');

  return {
    alarm,
    alarms: alarmKeys(alarm),
    status,
    flags,
    latitude,
    longitude,
    altitude,
    speedKmh,
    direction,
    time,
    timeBcd: body.toString('hex', timeAt, timeAt + 6),
    extras,
    rawItems,
    trailingHex,
    issues,
  };
}

const EXTRA_KEY: Record<number, keyof Jt808LocationExtras> = {
  0x01: 'mileageKm',
  0x02: 'fuelL',
  0x03: 'recorderSpeedKmh',
  0x04: 'alarmEventId',
  0x05: 'tirePressure',
  0x06: 'carriageTemperatureC',
  0x11: 'overspeed',
  0x12: 'areaRoute',
  0x13: 'routeDriveTime',
  0x25: 'vehicleSignals',
  0x2a: 'ioStatus',
  0x2b: 'analog',
  0x30: 'signalStrength',
  0x31: 'satellites',
};

const hasExtra = (extras: Jt808LocationExtras, id: number) => extras[EXTRA_KEY[id]] !== undefined;

// 0x0702. 2011: name, ID card, certificate, authority. 2013: status + time, then (card inserted and read)
// name, certificate, authority, expiry. 2019 appends the ID card number. All three share a header layout in
// 2011/2013, so the body decides: the first layout that consumes it exactly wins.
function decodeDriverIdentity(body: Buffer, version: Jt808Version): Jt808DriverIdentity {
  const order: Jt808DriverIdentity['layout'][] = version === '2019' ? ['2019', '2013'] : ['2013', '2019', '2011'];
  let firstPartial: Jt808DriverIdentity | null = null;
  for (const layout of order) {
    try {
      const r = new ByteReader(body);
      const d = layout === '2011' ? driver2011(r) : driver2013(r, layout);
      if (r.remaining === 0) return d;
      firstPartial ??= d;
    } catch (e) {
      if (!(e instanceof Jt808Truncated)) throw e;
    }
  }
  if (firstPartial) return firstPartial;
  throw new Jt808Truncated(`0x0702 body of ${body.length} bytes fits no layout`);
}

function driver2011(r: ByteReader): Jt808DriverIdentity {
  const name = decodeText(r.bytes(r.u8()));
  const idCardNumber = decodeText(r.bytes(20));
  const certificateNumber = decodeText(r.bytes(40));
  const issuingAuthority = decodeText(r.bytes(r.u8()));
  return { layout: '2011', status: null, time: null, icReadResult: null, name, certificateNumber, issuingAuthority, expiry: null, idCardNumber };
}

function driver2013(r: ByteReader, layout: '2013' | '2019'): Jt808DriverIdentity {
  const status = r.u8();
  if (status !== 1 && status !== 2) throw new Jt808Truncated(`driver status ${status}`);
  const timeField = r.bytes(6);
  const time = decodeBcdTime(timeField);
  if (time === null) throw new Jt808Truncated('driver identity time is not BCD');
  const d: Jt808DriverIdentity = {
    layout,
    status,
    time,
    icReadResult: null,
    name: null,
    certificateNumber: null,
    issuingAuthority: null,
    expiry: null,
    idCardNumber: null,
  };
  if (status !== 1) return d;
  d.icReadResult = r.u8();
  if (d.icReadResult !== 0) return d;
  d.name = decodeText(r.bytes(r.u8()));
  d.certificateNumber = decodeText(r.bytes(20));
  d.issuingAuthority = decodeText(r.bytes(r.u8()));
  d.expiry = decodeBcdDate(r.bytes(4));
  if (layout === '2019') d.idCardNumber = decodeText(r.bytes(20));
  return d;
}
