import { isoDayPrefix, splitIsoTime } from '../../common/iso-time.js';

// A growable Buffer that PostgreSQL COPY text is written into field by field: numbers and times as digits straight
// into the bytes, short ASCII byte by byte, other text with one Buffer.write. Building each line as a string first
// (template parts, number-to-string conversions, then a copy into the Buffer) allocated about 1.4 KB of short-lived
// strings a position row, a sixth of what the ingest server allocated at 22,000 positions/s (bench/README.md,
// session 10).
const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000];
const ZERO = 48;

export class CopyText {
  private buf: Buffer;
  private at = 0;
  private readonly parts = [0, 0, 0, 0, 0]; // time()'s, from splitIsoTime

  constructor(initialBytes = 4096) {
    this.buf = Buffer.allocUnsafe(Math.max(64, initialBytes));
  }

  get length() {
    return this.at;
  }

  // Room for `bytes` more (callers reserve once per line, plus what its text may need).
  reserve(bytes: number): void {
    if (this.at + bytes <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + bytes));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  // One byte: a tab, a newline, a letter.
  byte(b: number): void {
    this.buf[this.at++] = b;
  }

  // Text known to be ASCII (UUIDs, codes, literals), reserved by the caller. Short text byte by byte: a Buffer.write
  // call costs more than copying a UUID's 36 characters.
  ascii(s: string): void {
    const n = s.length;
    if (n > 64) {
      this.at += this.buf.write(s, this.at, 'latin1');
      return;
    }
    const buf = this.buf;
    let at = this.at;
    for (let i = 0; i < n; i++) buf[at++] = s.charCodeAt(i);
    this.at = at;
  }

  // Any text, as UTF-8 (at most 3 bytes per UTF-16 unit: reserved here).
  utf8(s: string): void {
    this.reserve(s.length * 3);
    this.at += this.buf.write(s, this.at, 'utf8');
  }

  // An integer as String() writes it; anything else (a fraction, beyond 2^53) through String() itself.
  int(n: number): void {
    if (!Number.isSafeInteger(n)) return this.ascii(String(n));
    if (n < 0) {
      this.byte(45); // '-'
      n = -n;
    }
    this.digits(n, 0);
  }

  // A number with at most `places` decimals as String() writes it, without V8's shortest-round-trip formatting of
  // doubles (terminals report lat/lon in millionths of a degree and speed and mileage in tenths, so the value times
  // 10^places is an integer, written as one). Anything else, and magnitudes from 1e9, through String().
  decimal(v: number, places: 1 | 6): void {
    const scale = POW10[places]!;
    const n = Math.round(v * scale);
    if (!(Math.abs(v) < 1e9) || n / scale !== v) return this.ascii(String(v));
    let a = n;
    if (n < 0) {
      this.byte(45);
      a = -n;
    }
    const int = Math.floor(a / scale);
    let frac = a - int * scale;
    this.digits(int, 0);
    if (frac === 0) return;
    let width: number = places;
    while (frac % 10 === 0) {
      frac /= 10;
      width--;
    }
    this.byte(46); // '.'
    this.digits(frac, width);
  }

  // `new Date(ms).toISOString()` (isoTime's parts, written as digits). Times outside 1970-9999 and invalid ones go
  // to toISOString itself (which throws RangeError for the latter).
  time(ms: number): void {
    const p = this.parts;
    if (!splitIsoTime(ms, p)) return this.ascii(new Date(ms).toISOString());
    this.ascii(isoDayPrefix(p[0]!));
    this.digits(p[1]!, 2);
    this.byte(58); // ':'
    this.digits(p[2]!, 2);
    this.byte(58);
    this.digits(p[3]!, 2);
    this.byte(46);
    this.digits(p[4]!, 3);
    this.byte(90); // 'Z'
  }

  // What was written, sharing this writer's memory.
  result(): Buffer {
    return this.buf.subarray(0, this.at);
  }

  // A non-negative safe integer in decimal, left-padded with zeros to `width` digits.
  private digits(n: number, width: number): void {
    let count = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) count++;
    if (count < width) {
      for (let i = count; i < width; i++) this.buf[this.at++] = ZERO;
    }
    const end = this.at + count;
    let p = end;
    do {
      const q = Math.floor(n / 10);
      this.buf[--p] = ZERO + (n - q * 10);
      n = q;
    } while (n > 0);
    this.at = end;
  }
}
