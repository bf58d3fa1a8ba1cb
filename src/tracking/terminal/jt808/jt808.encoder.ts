import {
  JT808_MAX_BODY_LENGTH,
  JT808_MESSAGE_ID,
  type Jt808PlatformResult,
  type Jt808RegisterResult,
  type Jt808TerminalResult,
} from './jt808.constants.js';
import {
  type Jt808DriverIdentity,
  type Jt808GeneralReply,
  type Jt808LocationExtras,
  type Jt808Message,
  type Jt808RawItem,
  type Jt808Register,
  type Jt808RegisterReply,
  type Jt808Version,
} from './jt808.decoder.js';
import {
  encodeBcdDate,
  encodeBcdTime,
  encodeFixedText,
  encodeText,
  stringToBcd,
  xorChecksum,
} from './jt808.fields.js';
import { JT808_DELIMITER } from './jt808.frame-decoder.js';

// JT/T 808 encoder: pure functions from structured data to bytes. Platform replies (0x8001, 0x8100) for the
// terminal server, and terminal messages (0x0100, 0x0102, 0x0002, 0x0200, 0x0704...) for the simulator and
// the round-trip specs. Unlike the decoder these throw RangeError on impossible input (a 1024-byte body, a
// 13-digit phone, a year outside 2000-2099): that is a bug in the caller, not data from the wire.

export type Jt808EncodeHeader = {
  messageId: number;
  phone: string; // BCD digits; left-padded with zeros to 12 (2013) or 20 (2019)
  serial: number; // the sender's own flow number (0-65535)
  version?: Jt808Version; // default '2013'
  protocolVersion?: number | null; // 2019 only, default 1
  encryption?: number; // default 0
  packet?: { total: number; index: number } | null;
};

// Header + body + check code, unescaped and without delimiters (what decodeJt808() takes).
export function encodePayload(input: Jt808EncodeHeader & { body?: Buffer }): Buffer {
  const body = input.body ?? EMPTY;
  if (body.length > JT808_MAX_BODY_LENGTH) {
    throw new RangeError(`body of ${body.length} bytes: JT/T 808 bodies hold ${JT808_MAX_BODY_LENGTH}, subpackage it`);
  }
  const is2019 = input.version === '2019';
  const props =
    body.length | (((input.encryption ?? 0) & 0x7) << 10) | (input.packet ? 1 << 13 : 0) | (is2019 ? 1 << 14 : 0);
  const phone = phoneBcd(input.phone, is2019 ? 10 : 6);
  // One allocation: every platform reply goes through here.
  const length = 4 + (is2019 ? 1 : 0) + phone.length + 2 + (input.packet ? 4 : 0) + body.length + 1;
  const out = Buffer.allocUnsafe(length);
  let o = out.writeUInt16BE(input.messageId & 0xffff, 0);
  o = out.writeUInt16BE(props, o);
  if (is2019) o = out.writeUInt8((input.protocolVersion ?? 1) & 0xff, o);
  o += phone.copy(out, o);
  o = out.writeUInt16BE(input.serial & 0xffff, o);
  if (input.packet) {
    o = out.writeUInt16BE(input.packet.total & 0xffff, o);
    o = out.writeUInt16BE(input.packet.index & 0xffff, o);
  }
  o += body.copy(out, o);
  out[o] = xorChecksum(out, 0, o);
  return out;
}

const EMPTY = Buffer.alloc(0);

// Phone numbers as BCD, cached: a server answers the same few thousand terminals all day. Read-only copies out.
const PHONE_CACHE_MAX = 100_000;
const phoneCache = new Map<string, Buffer>();
function phoneBcd(phone: string, bytes: number): Buffer {
  const key = bytes === 6 ? phone : `${phone}/${bytes}`;
  let bcd = phoneCache.get(key);
  if (bcd === undefined) {
    bcd = stringToBcd(phone, bytes);
    if (phoneCache.size >= PHONE_CACHE_MAX) phoneCache.clear();
    phoneCache.set(key, bcd);
  }
  return bcd;
}

// A complete frame for the wire: 0x7e + escaped payload + 0x7e.
export function encodeMessage(input: Jt808EncodeHeader & { body?: Buffer }): Buffer {
  return frameOf(encodePayload(input));
}

// 0x7e + escaped payload + 0x7e, in one allocation.
function frameOf(payload: Buffer): Buffer {
  let extra = 0;
  for (let i = 0; i < payload.length; i++) if (payload[i] === JT808_DELIMITER || payload[i] === 0x7d) extra++;
  const out = Buffer.allocUnsafe(payload.length + extra + 2);
  out[0] = JT808_DELIMITER;
  let j = 1;
  for (let i = 0; i < payload.length; i++) {
    const b = payload[i]!;
    if (b === JT808_DELIMITER || b === 0x7d) {
      out[j++] = 0x7d;
      out[j++] = b === JT808_DELIMITER ? 0x02 : 0x01;
    } else out[j++] = b;
  }
  out[j] = JT808_DELIMITER;
  return out;
}

// Replies go back in the terminal's own header layout and phone; `serial` is the platform's flow number.
export type Jt808ReplyHeader = {
  phone: string;
  serial: number;
  version: Jt808Version;
  protocolVersion?: number | null;
};

// 0x8001 platform general reply (§8.2). JT/T 808 §8.18: every 0x0200 is acknowledged with it.
export function platformGeneralReply(
  header: Jt808ReplyHeader,
  reply: { replySerial: number; replyId: number; result: Jt808PlatformResult },
): Buffer {
  // One per acknowledged report: no spread, no intermediate buffers.
  return encodeMessage({
    messageId: JT808_MESSAGE_ID.PLATFORM_GENERAL_REPLY,
    phone: header.phone,
    serial: header.serial,
    version: header.version,
    protocolVersion: header.protocolVersion ?? null,
    body: encodeGeneralReply(reply),
  });
}

// 0x8100 register reply (§8.6); the auth code is only sent with result 0.
export function registerReply(
  header: Jt808ReplyHeader,
  reply: { replySerial: number; result: Jt808RegisterResult; authCode?: string | null },
): Buffer {
  return encodeMessage({
    ...replyHeader(header),
    messageId: JT808_MESSAGE_ID.REGISTER_REPLY,
    body: encodeRegisterReplyBody({ replySerial: reply.replySerial, result: reply.result, authCode: reply.authCode ?? null }),
  });
}

// 0x8003 补传分包请求 (JT/T 808-2013 §8.4, table 6): asks the terminal to send again the packages of a subpackaged
// message that did not arrive. `firstSerial` is the serial of the message's first package (原始消息流水号).
export function resendSubpackagesRequest(header: Jt808ReplyHeader, request: { firstSerial: number; indexes: readonly number[] }): Buffer {
  return encodeMessage({
    ...replyHeader(header),
    messageId: JT808_MESSAGE_ID.RESEND_SUBPACKAGES,
    body: encodeResendSubpackagesBody(request, header.version),
  });
}

// Original serial (WORD), count of packages (BYTE in 2011/2013, WORD in 2019), then each package index (WORD). The
// 2013 text gives the count as BYTE; the 2019 width follows yezhihao/jt808-server (Apache-2.0), T8003.java:
// `@Field(length = 1, desc = "重传包总数", version = {-1, 0})` and `@Field(length = 2, ..., version = 1)`.
export function encodeResendSubpackagesBody(request: { firstSerial: number; indexes: readonly number[] }, version: Jt808Version = '2013'): Buffer {
  const n = request.indexes.length;
  const countBytes = version === '2019' ? 2 : 1;
  if (n === 0 || n > (countBytes === 1 ? 0xff : 0xffff)) throw new RangeError(`${n} package indexes do not fit a ${version} 0x8003`);
  const b = Buffer.alloc(2 + countBytes + 2 * n);
  let o = b.writeUInt16BE(request.firstSerial & 0xffff, 0);
  o = countBytes === 1 ? b.writeUInt8(n, o) : b.writeUInt16BE(n, o);
  for (const index of request.indexes) {
    if (!Number.isInteger(index) || index < 1 || index > 0xffff) throw new RangeError(`package index ${index}`);
    o = b.writeUInt16BE(index, o);
  }
  return b;
}

// 0x0001 terminal general reply, for the simulator.
export function terminalGeneralReply(
  header: Jt808ReplyHeader,
  reply: { replySerial: number; replyId: number; result: Jt808TerminalResult },
): Buffer {
  return encodeMessage({ ...replyHeader(header), messageId: JT808_MESSAGE_ID.TERMINAL_GENERAL_REPLY, body: encodeGeneralReply(reply) });
}

const replyHeader = (h: Jt808ReplyHeader) => ({
  phone: h.phone,
  serial: h.serial,
  version: h.version,
  protocolVersion: h.protocolVersion ?? null,
});

export function encodeGeneralReply(reply: Jt808GeneralReply): Buffer {
  const b = Buffer.allocUnsafe(5);
  b.writeUInt16BE(reply.replySerial & 0xffff, 0);
  b.writeUInt16BE(reply.replyId & 0xffff, 2);
  b[4] = reply.result & 0xff;
  return b;
}

export function encodeRegisterReplyBody(reply: Jt808RegisterReply): Buffer {
  const code = reply.result === 0 ? encodeText(reply.authCode ?? '') : Buffer.alloc(0);
  return Buffer.concat([u16(reply.replySerial), u8(reply.result), code]);
}

export type Jt808RegisterInput = Omit<Jt808Register, 'layout'> & { layout?: Jt808Register['layout'] };

const REGISTER_WIDTHS = { '2011': [5, 8, 7], '2013': [5, 20, 7], '2019': [11, 30, 30] } as const;

// 0x0100 body. The layout defaults to the header version's (2013 for a 2013 header).
export function encodeRegister(reg: Jt808RegisterInput, version: Jt808Version = '2013'): Buffer {
  const layout = reg.layout ?? (version === '2019' ? '2019' : '2013');
  const [mfr, model, id] = REGISTER_WIDTHS[layout];
  return Buffer.concat([
    u16(reg.provinceId),
    u16(reg.cityId),
    encodeFixedText(reg.manufacturerId, mfr),
    encodeFixedText(reg.model, model),
    encodeFixedText(reg.terminalId, id),
    u8(reg.plateColor),
    encodeText(reg.plate),
  ]);
}

// 0x0102 body: 2013 is the bare auth code; 2019 is length + code + IMEI[15] + software version[20].
export function encodeAuth(auth: { authCode: string; imei?: string | null; softwareVersion?: string | null }, version: Jt808Version = '2013'): Buffer {
  const code = encodeText(auth.authCode);
  if (version === '2013') return code;
  if (code.length > 0xff) throw new RangeError('auth code longer than 255 bytes');
  return Buffer.concat([u8(code.length), code, encodeFixedText(auth.imei ?? '', 15), encodeFixedText(auth.softwareVersion ?? '', 20)]);
}

// What the simulator (and a decoded Jt808Position) provides for 0x0200 / 0x0704.
export type Jt808PositionInput = {
  alarm?: number; // default 0
  status?: number; // default 2 (positioned); bits 2/3 (south/west) follow the coordinates' signs (kept as given for 0)
  latitude: number;
  longitude: number;
  altitude?: number;
  speedKmh?: number;
  direction?: number;
  time: Date | null; // null only when timeBcd carries the clock as sent (re-encoding a decoded frame)
  timeBcd?: string;
  extras?: Jt808LocationExtras;
  rawItems?: Jt808RawItem[]; // written after the standard items, in this order
  trailingHex?: string | null;
};

// 0x0200 body (§8.18): 28 fixed bytes, then the additional items.
export function encodeLocation(p: Jt808PositionInput): Buffer {
  let status = p.status ?? 2;
  if (p.latitude !== 0) status = p.latitude < 0 ? status | 0b0100 : status & ~0b0100;
  if (p.longitude !== 0) status = p.longitude < 0 ? status | 0b1000 : status & ~0b1000;
  const time = p.time ? encodeBcdTime(p.time) : Buffer.from(p.timeBcd ?? '', 'hex');
  if (time.length !== 6) throw new RangeError('position needs a time (or a 6-byte timeBcd)');
  return Buffer.concat([
    u32(p.alarm ?? 0),
    u32(status >>> 0),
    u32(Math.round(Math.abs(p.latitude) * 1e6)),
    u32(Math.round(Math.abs(p.longitude) * 1e6)),
    i16(Math.round(p.altitude ?? 0)),
    u16(Math.round((p.speedKmh ?? 0) * 10)),
    u16(Math.round(p.direction ?? 0)),
    time,
    encodeExtras(p.extras ?? {}),
    ...(p.rawItems ?? []).map((item) => tlv(item.id, Buffer.from(item.hex, 'hex'))),
    Buffer.from(p.trailingHex ?? '', 'hex'),
  ]);
}

// 0x0704 body (§8.50): count, type (0 normal, 1 blind-area back-fill), then length-prefixed 0x0200 bodies.
export function encodeBatch(type: 0 | 1 | number, positions: readonly Jt808PositionInput[]): Buffer {
  return Buffer.concat([u16(positions.length), u8(type), batchItems(positions)]);
}

function batchItems(positions: readonly Jt808PositionInput[]): Buffer {
  return Buffer.concat(
    positions.map((p) => {
      const body = encodeLocation(p);
      return Buffer.concat([u16(body.length), body]);
    }),
  );
}

// Standard items in ascending id order (the order the 2013 table lists them).
function encodeExtras(extras: Jt808LocationExtras): Buffer {
  const items: [number, Buffer][] = [];
  const e = extras;
  if (e.mileageKm !== undefined) items.push([0x01, u32(Math.round(e.mileageKm * 10))]);
  if (e.fuelL !== undefined) items.push([0x02, u16(Math.round(e.fuelL * 10))]);
  if (e.recorderSpeedKmh !== undefined) items.push([0x03, u16(Math.round(e.recorderSpeedKmh * 10))]);
  if (e.alarmEventId !== undefined) items.push([0x04, u16(e.alarmEventId)]);
  if (e.tirePressure !== undefined) items.push([0x05, Buffer.from(e.tirePressure)]);
  if (e.carriageTemperatureC !== undefined) {
    const t = Math.round(e.carriageTemperatureC);
    items.push([0x06, u16(t < 0 ? 0x8000 | Math.min(-t, 0x7fff) : Math.min(t, 0x7fff))]);
  }
  if (e.overspeed !== undefined) {
    const { locationType, areaId } = e.overspeed;
    items.push([0x11, areaId === null ? u8(locationType) : Buffer.concat([u8(locationType), u32(areaId)])]);
  }
  if (e.areaRoute !== undefined) items.push([0x12, Buffer.concat([u8(e.areaRoute.locationType), u32(e.areaRoute.areaId), u8(e.areaRoute.direction)])]);
  if (e.routeDriveTime !== undefined) {
    items.push([0x13, Buffer.concat([u32(e.routeDriveTime.routeId), u16(e.routeDriveTime.seconds), u8(e.routeDriveTime.result)])]);
  }
  if (e.vehicleSignals !== undefined) items.push([0x25, u32(e.vehicleSignals.word)]);
  if (e.ioStatus !== undefined) items.push([0x2a, u16(e.ioStatus.word)]);
  if (e.analog !== undefined) items.push([0x2b, u32((((e.analog.ad1 & 0xffff) << 16) | (e.analog.ad0 & 0xffff)) >>> 0)]);
  if (e.signalStrength !== undefined) items.push([0x30, u8(e.signalStrength)]);
  if (e.satellites !== undefined) items.push([0x31, u8(e.satellites)]);
  return Buffer.concat(items.map(([id, value]) => tlv(id, value)));
}

function tlv(id: number, value: Buffer): Buffer {
  if (value.length > 0xff) throw new RangeError(`additional item 0x${id.toString(16)} is ${value.length} bytes (max 255)`);
  return Buffer.concat([u8(id), u8(value.length), value]);
}

// 0x0702 body in the given layout (see the decoder for the three editions).
export function encodeDriverIdentity(d: Jt808DriverIdentity): Buffer {
  if (d.layout === '2011') {
    const name = encodeText(d.name ?? '');
    const authority = encodeText(d.issuingAuthority ?? '');
    return Buffer.concat([
      u8(name.length),
      name,
      encodeFixedText(d.idCardNumber ?? '', 20),
      encodeFixedText(d.certificateNumber ?? '', 40),
      u8(authority.length),
      authority,
    ]);
  }
  if (!d.time) throw new RangeError('driver identity needs a time');
  const parts = [u8(d.status ?? 1), encodeBcdTime(d.time)];
  if (d.status === 1) {
    parts.push(u8(d.icReadResult ?? 0));
    if ((d.icReadResult ?? 0) === 0) {
      const name = encodeText(d.name ?? '');
      const authority = encodeText(d.issuingAuthority ?? '');
      parts.push(u8(name.length), name, encodeFixedText(d.certificateNumber ?? '', 20), u8(authority.length), authority, encodeBcdDate(d.expiry));
      if (d.layout === '2019') parts.push(encodeFixedText(d.idCardNumber ?? '', 20));
    }
  }
  return Buffer.concat(parts);
}

// The body of any decoded message, so that encodeMessage({ ...m.header, body: encodeBody(m) }) rebuilds it.
export function encodeBody(m: Jt808Message): Buffer {
  switch (m.kind) {
    case 'terminalGeneralReply':
    case 'platformGeneralReply':
      return encodeGeneralReply(m.body);
    case 'heartbeat':
    case 'logout':
      return Buffer.alloc(0);
    case 'register':
      return encodeRegister(m.body, m.header.version);
    case 'auth':
      return encodeAuth(m.body, m.header.version);
    case 'location':
      return encodeLocation(m.body);
    case 'batchLocation': {
      // The declared count and any malformed tail are written back as received.
      const { count, batchType, positions, malformed } = m.body;
      return Buffer.concat([u16(count), u8(batchType), batchItems(positions), ...malformed.map((x) => Buffer.from(x.hex, 'hex'))]);
    }
    case 'driverIdentity':
      return encodeDriverIdentity(m.body);
    case 'registerReply':
      return encodeRegisterReplyBody(m.body);
    case 'fragment':
    case 'encrypted':
    case 'unknown':
      return m.body;
    default:
      return assertNever(m);
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled JT/T 808 message ${JSON.stringify(x)}`);
}

const u8 = (n: number) => Buffer.from([n & 0xff]);
function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff);
  return b;
}
function i16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(Math.max(-0x8000, Math.min(0x7fff, n)));
  return b;
}
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}
