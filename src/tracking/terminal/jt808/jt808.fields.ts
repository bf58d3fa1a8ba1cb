import iconv from 'iconv-lite';

// Field-level helpers shared by the JT/T 808 decoder and encoder: BCD, the UTC+8 BCD clock, GBK strings,
// the XOR check code and a bounds-checked reader.

// JT/T 808 strings are GBK (§4.1); GB18030 is a superset, so decoding never loses a character a terminal sent.
const CHARSET = 'gb18030';

// XOR of every byte from the header to the end of the body (§4.4.4 校验码).
export function xorChecksum(buf: Buffer, start = 0, end = buf.length): number {
  let x = 0;
  for (let i = start; i < end; i++) x ^= buf[i];
  return x;
}

// Phone numbers are BCD; a few devices put hex nibbles there (traccar fixtures), so the
// string is simply the hex of the bytes and encodes back byte for byte.
export const bcdToString = (buf: Buffer): string => buf.toString('hex');

export function stringToBcd(digits: string, bytes: number): Buffer {
  if (!/^[0-9a-fA-F]*$/.test(digits) || digits.length > bytes * 2) {
    throw new RangeError(`"${digits}" does not fit a ${bytes}-byte BCD field`);
  }
  return Buffer.from(digits.padStart(bytes * 2, '0'), 'hex');
}

const isBcd = (buf: Buffer) => buf.every((b) => (b >> 4) <= 9 && (b & 0x0f) <= 9);
const bcdByte = (b: number) => (b >> 4) * 10 + (b & 0x0f);
const toBcdByte = (n: number) => ((Math.floor(n / 10) % 10) << 4) | n % 10;

// Terminal clocks report Beijing time (GMT+8) as BCD YYMMDDhhmmss (§4.1: "时区为 GMT+8"); the century is 20.
// Returns null when the field is not a real date (non-BCD nibbles, month 13, all zeros...).
export const decodeBcdTime = (buf: Buffer): Date | null => (buf.length === 6 ? decodeBcdTimeAt(buf, 0) : null);

// The same, read in place: the 6 bytes of `buf` from `at`.
export function decodeBcdTimeAt(buf: Buffer, at: number): Date | null {
  if (at < 0 || at + 6 > buf.length) return null;
  for (let i = at; i < at + 6; i++) if (buf[i]! >> 4 > 9 || (buf[i]! & 0x0f) > 9) return null;
  const year = 2000 + bcdByte(buf[at]!);
  const mo = bcdByte(buf[at + 1]!);
  const dd = bcdByte(buf[at + 2]!);
  const hh = bcdByte(buf[at + 3]!);
  const mi = bcdByte(buf[at + 4]!);
  const ss = bcdByte(buf[at + 5]!);
  // 31 February is refused here, not rolled over into March by Date.UTC.
  if (mo < 1 || mo > 12 || dd < 1 || dd > daysInMonth(year, mo) || hh > 23 || mi > 59 || ss > 59) return null;
  return new Date(Date.UTC(year, mo - 1, dd, hh - 8, mi, ss));
}

const daysInMonth = (year: number, month: number): number =>
  month === 2 ? ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;

export function encodeBcdTime(date: Date): Buffer {
  const t = new Date(date.getTime() + 8 * 3600_000);
  const year = t.getUTCFullYear();
  if (Number.isNaN(year) || year < 2000 || year > 2099) throw new RangeError(`time ${String(date)} is outside 2000-2099`);
  return Buffer.from(
    [year - 2000, t.getUTCMonth() + 1, t.getUTCDate(), t.getUTCHours(), t.getUTCMinutes(), t.getUTCSeconds()].map(toBcdByte),
  );
}

// BCD YYYYMMDD (driver certificate expiry) → 'YYYY-MM-DD', or null for zeros / non-BCD.
export function decodeBcdDate(buf: Buffer): string | null {
  if (buf.length !== 4 || !isBcd(buf)) return null;
  const s = buf.toString('hex');
  const [y, m, d] = [Number(s.slice(0, 4)), Number(s.slice(4, 6)), Number(s.slice(6, 8))];
  if (y === 0 || m < 1 || m > 12 || d < 1 || d > 31) return null;
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
}

export function encodeBcdDate(date: string | null): Buffer {
  if (date === null) return Buffer.alloc(4);
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new RangeError(`date "${date}" is not YYYY-MM-DD`);
  return Buffer.from(m[1] + m[2] + m[3], 'hex');
}

// Fixed-width string fields are padded with 0x00 (§4.1 STRING / BYTE[n]); strip the padding on both sides
// because some terminals left-pad.
export function decodeText(buf: Buffer): string {
  return iconv.decode(buf, CHARSET).replace(/^\0+|\0+$/g, '');
}

export const encodeText = (text: string): Buffer => iconv.encode(text, CHARSET);

// Right-padded with 0x00 to `length`; too long a value is a caller bug, not something to truncate silently.
export function encodeFixedText(text: string, length: number): Buffer {
  const bytes = encodeText(text);
  if (bytes.length > length) throw new RangeError(`"${text}" is ${bytes.length} bytes, the field holds ${length}`);
  return Buffer.concat([bytes, Buffer.alloc(length - bytes.length)]);
}

export class Jt808Truncated extends Error {}

// Reads big-endian fields and throws Jt808Truncated (caught by the decoder) instead of RangeError.
export class ByteReader {
  constructor(
    private readonly buf: Buffer,
    public offset = 0,
    private readonly end = buf.length,
  ) {}

  get remaining(): number {
    return this.end - this.offset;
  }

  private take(n: number): number {
    if (n < 0 || this.offset + n > this.end) throw new Jt808Truncated(`need ${n} bytes at ${this.offset}, have ${this.remaining}`);
    const at = this.offset;
    this.offset += n;
    return at;
  }

  // Methods, not arrow-function fields: a reader is made for every position decoded, and fields would give each one
  // six closures of its own (5 % of what the ingest server allocated, bench/README.md session 10).
  u8(): number {
    return this.buf.readUInt8(this.take(1));
  }
  u16(): number {
    return this.buf.readUInt16BE(this.take(2));
  }
  i16(): number {
    return this.buf.readInt16BE(this.take(2));
  }
  u32(): number {
    return this.buf.readUInt32BE(this.take(4));
  }
  bytes(n: number): Buffer {
    const at = this.take(n);
    return this.buf.subarray(at, at + n);
  }
  // Steps over n bytes and returns where they start: for reading them in place, without a Buffer view each.
  skip(n: number): number {
    return this.take(n);
  }
  rest(): Buffer {
    return this.bytes(this.remaining);
  }
}
