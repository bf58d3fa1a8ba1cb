import { JT808_MAX_BODY_LENGTH, JT808_MESSAGE_ID } from '../terminal/jt808/jt808.constants.js';
import type { Jt808Version } from '../terminal/jt808/jt808.decoder.js';
import type { Jt808PositionInput } from '../terminal/jt808/jt808.encoder.js';
import { stringToBcd } from '../terminal/jt808/jt808.fields.js';
import { JT808_DELIMITER, JT808_ESCAPE } from '../terminal/jt808/jt808.frame-decoder.js';

// The simulator's hot path: 0x0200 and 0x0704 frames written straight into one scratch buffer per terminal,
// then escaped into a single (pooled) Buffer for the socket. The codec's encodeMessage(encodeLocation()) builds
// the same bytes from some twenty small Buffers per message; at 20,000 positions/s on a machine shared with the
// server that garbage matters. Only the items a simulated fix carries are supported (mileage 0x01, satellites
// 0x31); anything else goes through the codec (see canWriteFast). The spec checks byte equality with the codec.

// Largest payload: 2019 header (17) + 1023-byte body + check code, with room for one item written past the limit
// before the length check throws.
const SCRATCH_BYTES = 2048;

export type FastLocation = Pick<Jt808PositionInput, 'alarm' | 'status' | 'latitude' | 'longitude' | 'altitude' | 'speedKmh' | 'direction'> & {
  time: Date;
  extras?: { mileageKm?: number; satellites?: number };
};

// Whether a position uses only what TerminalFrameWriter writes.
export function canWriteFast(p: Jt808PositionInput): p is Jt808PositionInput & FastLocation {
  if (!(p.time instanceof Date)) return false;
  if ((p.rawItems && p.rawItems.length > 0) || p.trailingHex) return false;
  const extras = p.extras as Record<string, unknown> | undefined;
  if (extras) {
    for (const key in extras) if (key !== 'mileageKm' && key !== 'satellites' && extras[key] !== undefined) return false;
  }
  return true;
}

export class TerminalFrameWriter {
  private readonly scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
  private readonly is2019: boolean;
  private readonly headerLength: number;
  private readonly timeBcd = Buffer.alloc(6);
  private timeSecond = Number.NaN;

  constructor(phone: string, version: Jt808Version = '2013', protocolVersion = 1) {
    this.is2019 = version === '2019';
    this.headerLength = this.is2019 ? 17 : 12;
    // The constant part of the header, written once: id and properties are filled per message.
    let o = 4;
    if (this.is2019) this.scratch[o++] = protocolVersion & 0xff;
    stringToBcd(phone, this.is2019 ? 10 : 6).copy(this.scratch, o);
  }

  // A complete 0x0200 frame, delimiters included.
  location(serial: number, p: FastLocation): Buffer {
    const start = this.header(JT808_MESSAGE_ID.LOCATION, serial);
    return this.finish(JT808_MESSAGE_ID.LOCATION, start, this.writeLocation(start, p));
  }

  // A complete 0x0704 frame: type 0 normal batch, 1 blind-area back-fill.
  batch(serial: number, type: number, positions: readonly FastLocation[]): Buffer {
    const start = this.header(JT808_MESSAGE_ID.BATCH_LOCATION, serial);
    const s = this.scratch;
    s.writeUInt16BE(positions.length & 0xffff, start);
    s[start + 2] = type & 0xff;
    let o = start + 3;
    for (const p of positions) {
      const end = this.writeLocation(o + 2, p);
      s.writeUInt16BE(end - o - 2, o);
      o = end;
      if (o - start > JT808_MAX_BODY_LENGTH) {
        throw new RangeError(`a batch of ${positions.length} positions does not fit a ${JT808_MAX_BODY_LENGTH}-byte JT/T 808 body`);
      }
    }
    return this.finish(JT808_MESSAGE_ID.BATCH_LOCATION, start, o);
  }

  // Writes id and serial; returns where the body starts.
  private header(messageId: number, serial: number): number {
    this.scratch.writeUInt16BE(messageId, 0);
    this.scratch.writeUInt16BE(serial & 0xffff, this.headerLength - 2);
    return this.headerLength;
  }

  // The 28 fixed bytes of §8.18 and the supported items; same rounding and sign rules as encodeLocation().
  private writeLocation(o: number, p: FastLocation): number {
    const s = this.scratch;
    let status = p.status ?? 2;
    if (p.latitude !== 0) status = p.latitude < 0 ? status | 0b0100 : status & ~0b0100;
    if (p.longitude !== 0) status = p.longitude < 0 ? status | 0b1000 : status & ~0b1000;
    s.writeUInt32BE((p.alarm ?? 0) >>> 0, o);
    s.writeUInt32BE(status >>> 0, o + 4);
    s.writeUInt32BE(Math.round(Math.abs(p.latitude) * 1e6) >>> 0, o + 8);
    s.writeUInt32BE(Math.round(Math.abs(p.longitude) * 1e6) >>> 0, o + 12);
    s.writeInt16BE(Math.max(-0x8000, Math.min(0x7fff, Math.round(p.altitude ?? 0))) || 0, o + 16);
    s.writeUInt16BE(Math.round((p.speedKmh ?? 0) * 10) & 0xffff, o + 18);
    s.writeUInt16BE(Math.round(p.direction ?? 0) & 0xffff, o + 20);
    this.bcdTime(p.time).copy(s, o + 22);
    o += 28;
    const e = p.extras;
    if (e?.mileageKm !== undefined) {
      s[o] = 0x01;
      s[o + 1] = 4;
      s.writeUInt32BE(Math.round(e.mileageKm * 10) >>> 0, o + 2);
      o += 6;
    }
    if (e?.satellites !== undefined) {
      s[o] = 0x31;
      s[o + 1] = 1;
      s[o + 2] = e.satellites & 0xff;
      o += 3;
    }
    return o;
  }

  // Properties, check code, escaping and delimiters, into a Buffer of exactly the frame's size.
  private finish(messageId: number, bodyStart: number, end: number): Buffer {
    const s = this.scratch;
    const bodyLength = end - bodyStart;
    if (bodyLength > JT808_MAX_BODY_LENGTH) throw new RangeError(`body of ${bodyLength} bytes for 0x${messageId.toString(16)}`);
    s.writeUInt16BE(bodyLength | (this.is2019 ? 1 << 14 : 0), 2);
    let check = 0;
    let escapes = 0;
    for (let i = 0; i < end; i++) {
      const b = s[i]!;
      check ^= b;
      if (b === JT808_DELIMITER || b === JT808_ESCAPE) escapes++;
    }
    s[end] = check;
    if (check === JT808_DELIMITER || check === JT808_ESCAPE) escapes++;
    const out = Buffer.allocUnsafe(end + 1 + escapes + 2);
    let j = 0;
    out[j++] = JT808_DELIMITER;
    for (let i = 0; i <= end; i++) {
      const b = s[i]!;
      if (b === JT808_DELIMITER || b === JT808_ESCAPE) {
        out[j++] = JT808_ESCAPE;
        out[j++] = b === JT808_DELIMITER ? 0x02 : 0x01;
      } else {
        out[j++] = b;
      }
    }
    out[j] = JT808_DELIMITER;
    return out;
  }

  // YYMMDDhhmmss in GMT+8 (§4.1), cached per second; days → civil date without allocating a Date.
  private bcdTime(time: Date): Buffer {
    const ms = time.getTime();
    const second = Math.floor((ms + 8 * 3_600_000) / 1000);
    if (second === this.timeSecond) return this.timeBcd;
    const days = Math.floor(second / 86_400);
    const secOfDay = second - days * 86_400;
    // Howard Hinnant's civil_from_days.
    const z = days + 719_468;
    const era = Math.floor(z / 146_097);
    const doe = z - era * 146_097;
    const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
    const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
    const mp = Math.floor((5 * doy + 2) / 153);
    const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
    const month = mp < 10 ? mp + 3 : mp - 9;
    const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    if (!(year >= 2000 && year <= 2099)) throw new RangeError(`time ${String(time)} is outside 2000-2099`);
    const fields = [year - 2000, month, day, Math.floor(secOfDay / 3600), Math.floor((secOfDay % 3600) / 60), secOfDay % 60];
    for (let i = 0; i < 6; i++) this.timeBcd[i] = ((Math.floor(fields[i]! / 10) % 10) << 4) | fields[i]! % 10;
    this.timeSecond = second;
    return this.timeBcd;
  }
}
