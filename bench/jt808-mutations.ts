// Bad JT/T 808 input for the fuzz runs (bench/fuzz-jt808.ts, test/e2e/fuzz-jt808.e2e-spec.ts): random bytes and
// mutations of real frames (test/fixtures/jt808/frames.json, the shared corpus). Pure and seeded, so a run can be
// repeated; it re-implements the check code and the escaping on purpose (no import of the codec under test), and
// imports nothing from src/ so that the benchmark build (bench/tsconfig.json) compiles it alone.

export const MUTATIONS = [
  'valid', // a real frame as it is
  'bitFlip', // 1-4 bits flipped anywhere, check code left wrong
  'bitFlipFixed', // 1-4 bits flipped in the body, check code recomputed (the body decoders run)
  'truncate', // cut anywhere, sometimes with the check code recomputed
  'lengthLie', // body length bits say anything, check code recomputed
  'escape', // raw 0x7d followed by anything, 0x7d right before the closing 0x7e, doubled or missing 0x7e
  'checksum', // only the check code wrong
  'hugeBody', // the body padded to 1023 bytes (legal maximum) or far beyond the frame limit
  'versionBits', // bit 14 (2019), bit 15 (reserved), bit 13 (subpackage) and encryption bits toggled
  'noDelimiter', // 1-64 KiB without a single 0x7e (an oversized buffer)
  'randomFrame', // 0x7e + random bytes + 0x7e
  'idSwap', // another message id on this body (a location body read as register...), check code recomputed
  'items', // a location with random additional items (lengths that lie), check code recomputed
  'batch', // a 0x0704 whose counts and item lengths lie, check code recomputed
] as const;
export type Mutation = (typeof MUTATIONS)[number];

export type Rng = { next(): number; int(n: number): number; byte(): number; bytes(n: number): Buffer; pick<T>(xs: readonly T[]): T };

// mulberry32: small, fast, seedable.
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  const u32 = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const next = () => u32() / 4294967296;
  const int = (n: number) => Math.floor(next() * n);
  const byte = () => (next() < 0.2 ? SPECIAL[int(SPECIAL.length)]! : int(256));
  const bytes = (n: number) => {
    const b = Buffer.allocUnsafe(n);
    if (n <= 256) {
      for (let i = 0; i < n; i++) b[i] = byte();
      return b;
    }
    // Large blobs: four plain random bytes per step, then a sprinkle of the special ones.
    let i = 0;
    for (; i + 4 <= n; i += 4) b.writeUInt32LE(u32(), i);
    for (; i < n; i++) b[i] = u32() & 0xff;
    for (let k = n >>> 5; k > 0; k--) b[int(n)] = SPECIAL[int(SPECIAL.length)]!;
    return b;
  };
  return { next, int, byte, bytes, pick: (xs) => xs[int(xs.length)]! };
}
const SPECIAL = [0x7e, 0x7d, 0x01, 0x02, 0x00, 0xff];

export function xor(buf: Buffer, start = 0, end = buf.length): number {
  let x = 0;
  for (let i = start; i < end; i++) x ^= buf[i]!;
  return x;
}

// Recomputes the check code (last byte) of an unescaped payload in place.
export function fixChecksum(p: Buffer): Buffer {
  if (p.length > 0) p[p.length - 1] = xor(p, 0, p.length - 1);
  return p;
}

export function escapePayload(p: Buffer): Buffer {
  let extra = 0;
  for (let i = 0; i < p.length; i++) if (p[i] === 0x7e || p[i] === 0x7d) extra++;
  const out = Buffer.allocUnsafe(p.length + extra + 2);
  let j = 0;
  out[j++] = 0x7e;
  for (let i = 0; i < p.length; i++) {
    const b = p[i]!;
    if (b === 0x7e || b === 0x7d) {
      out[j++] = 0x7d;
      out[j++] = b === 0x7e ? 0x02 : 0x01;
    } else out[j++] = b;
  }
  out[j] = 0x7e;
  return out;
}

export function unescapeWire(wire: Buffer): Buffer {
  const inner = wire.subarray(wire[0] === 0x7e ? 1 : 0, wire[wire.length - 1] === 0x7e ? wire.length - 1 : wire.length);
  const out: number[] = [];
  for (let i = 0; i < inner.length; i++) {
    if (inner[i] === 0x7d && (inner[i + 1] === 0x01 || inner[i + 1] === 0x02)) out.push(inner[++i] === 0x01 ? 0x7d : 0x7e);
    else out.push(inner[i]!);
  }
  return Buffer.from(out);
}

// The real frames as unescaped payloads (header + body + check code), from frames.json's { frames: [{ hex,
// encoding }] }.
export function corpusPayloads(json: { frames: { hex: string; encoding: string }[] }): Buffer[] {
  return json.frames
    .map((f) => {
      const raw = Buffer.from(f.hex, 'hex');
      const inner = raw.subarray(raw[0] === 0x7e ? 1 : 0, raw[raw.length - 1] === 0x7e ? raw.length - 1 : raw.length);
      return f.encoding === 'unescaped-payload' ? Buffer.from(inner) : unescapeWire(inner);
    })
    .filter((p) => p.length >= 13);
}

// Header facts of a 2013/2019 payload (enough to rewrite it).
const is2019 = (p: Buffer) => (p.readUInt16BE(2) & 0x4000) !== 0 && p.length >= 18;
const headerLength = (p: Buffer) => (is2019(p) ? 17 : 12) + ((p.readUInt16BE(2) & 0x2000) !== 0 ? 4 : 0);

// Writes `phone` (12 BCD digits) into a 2013 header, or the last 6 bytes of a 2019 one: mutated frames on an
// authenticated connection then reach the storage path instead of being refused as another terminal's.
export function withPhone(p: Buffer, phone: string): Buffer {
  const digits = Buffer.from(phone.padStart(12, '0'), 'hex');
  const at = is2019(p) ? 5 + 4 : 4;
  if (p.length >= at + 6) digits.copy(p, at);
  return p;
}

function bcdTime(r: Rng): Buffer {
  const d = new Date(Date.now() - r.int(90 * 86400_000) + 8 * 3600_000);
  const two = (n: number) => ((Math.floor(n / 10) % 10) << 4) | n % 10;
  return Buffer.from([d.getUTCFullYear() - 2000, d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()].map(two));
}

// A plausible-looking 0x0200 body with random additional items (their lengths may lie).
function locationBody(r: Rng): Buffer {
  const fixed = Buffer.alloc(28);
  fixed.writeUInt32BE(r.next() < 0.5 ? 0 : r.int(2 ** 32), 0);
  fixed.writeUInt32BE(r.next() < 0.7 ? 3 : r.int(2 ** 32), 4);
  fixed.writeUInt32BE(r.next() < 0.8 ? 40_000_000 + r.int(2_000_000) : r.int(2 ** 32), 8);
  fixed.writeUInt32BE(r.next() < 0.8 ? 109_000_000 + r.int(2_000_000) : r.int(2 ** 32), 12);
  fixed.writeUInt16BE(r.int(65536), 16);
  fixed.writeUInt16BE(r.int(65536), 18);
  fixed.writeUInt16BE(r.next() < 0.8 ? r.int(360) : r.int(65536), 20);
  (r.next() < 0.8 ? bcdTime(r) : r.bytes(6)).copy(fixed, 22);
  const items: Buffer[] = [];
  for (let i = r.int(8); i > 0; i--) {
    const id = r.next() < 0.6 ? r.pick([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x11, 0x12, 0x13, 0x25, 0x2a, 0x2b, 0x30, 0x31]) : r.int(256);
    const len = r.int(40);
    const declared = r.next() < 0.85 ? len : r.int(256);
    items.push(Buffer.from([id, declared]), r.bytes(len));
  }
  return Buffer.concat([fixed, ...items]);
}

function header(messageId: number, bodyLength: number, phone: string, serial: number): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(messageId, 0);
  h.writeUInt16BE(bodyLength & 0x3ff, 2);
  Buffer.from(phone.padStart(12, '0'), 'hex').copy(h, 4);
  h.writeUInt16BE(serial & 0xffff, 10);
  return h;
}

const payload = (messageId: number, body: Buffer, phone: string, serial: number) =>
  fixChecksum(Buffer.concat([header(messageId, body.length, phone, serial), body, Buffer.alloc(1)]));

export type MutatedFrame = { mutation: Mutation; wire: Buffer };

export type MutatorOptions = {
  corpus: readonly Buffer[];
  // The phone of the connection's authenticated terminal (frames are rewritten to it), or null.
  phone?: string | null;
  // Largest 'noDelimiter' buffer (bytes), default 64 KiB; 'hugeBody' goes up to twice the server's frame limit.
  maxBlob?: number;
};

const keepsPhone = (id: number) => id === 0x0100 || id === 0x0102 || id === 0x0003;

// One bad (or, for 'valid', good) frame for the wire.
export function mutate(r: Rng, opts: MutatorOptions, mutation: Mutation = r.pick(MUTATIONS)): MutatedFrame {
  const phone = opts.phone ?? null;
  // On an authenticated connection, real registrations, authentications and logouts are left out: rewritten to its
  // phone they would replace the fuzz terminal's auth code or end its session, and with their own phone they unbind
  // it, so that the rest of the burst would be refused unread. Unauthenticated connections get them all.
  let base = Buffer.from(r.pick(opts.corpus));
  for (let i = 0; phone && keepsPhone(base.readUInt16BE(0)) && i < 20; i++) base = Buffer.from(r.pick(opts.corpus));
  if (phone && r.next() < 0.95) fixChecksum(withPhone(base, phone));
  const hl = Math.min(headerLength(base), base.length - 1);
  const bodyAt = () => hl + r.int(Math.max(1, base.length - 1 - hl));
  const wire = (p: Buffer) => ({ mutation, wire: escapePayload(p) });
  switch (mutation) {
    case 'valid':
      return wire(base);
    case 'bitFlip': {
      for (let i = 1 + r.int(4); i > 0; i--) base[r.int(base.length)]! ^= 1 << r.int(8);
      return wire(base);
    }
    case 'bitFlipFixed': {
      for (let i = 1 + r.int(4); i > 0; i--) base[Math.min(base.length - 2, bodyAt())]! ^= 1 << r.int(8);
      return wire(fixChecksum(base));
    }
    case 'truncate': {
      const cut = base.subarray(0, r.int(base.length));
      return wire(r.next() < 0.5 ? fixChecksum(Buffer.from(cut)) : cut);
    }
    case 'lengthLie': {
      base.writeUInt16BE((base.readUInt16BE(2) & 0xfc00) | (r.next() < 0.5 ? r.int(1024) : 1023), 2);
      return wire(fixChecksum(base));
    }
    case 'escape': {
      const w = escapePayload(base);
      const at = 1 + r.int(Math.max(1, w.length - 2));
      switch (r.int(5)) {
        case 0: // raw 0x7d followed by a byte that is not 01/02
          return { mutation, wire: Buffer.concat([w.subarray(0, at), Buffer.from([0x7d, r.pick([0x00, 0x03, 0x7d, 0x7e, 0xff, r.int(256)])]), w.subarray(at)]) };
        case 1: // 0x7d as the last byte before the closing delimiter
          return { mutation, wire: Buffer.concat([w.subarray(0, w.length - 1), Buffer.from([0x7d, 0x7e])]) };
        case 2: // an unescaped 0x7e in the middle (splits the frame in two)
          return { mutation, wire: Buffer.concat([w.subarray(0, at), Buffer.from([0x7e]), w.subarray(at)]) };
        case 3: // no closing delimiter (the next frame's opening one closes it)
          return { mutation, wire: w.subarray(0, w.length - 1) };
        default: // long runs of escapes
          return { mutation, wire: Buffer.concat([Buffer.from([0x7e]), Buffer.alloc(1 + r.int(600), r.next() < 0.5 ? 0x7d : 0x01), Buffer.from([0x7e])]) };
      }
    }
    case 'checksum':
      base[base.length - 1]! ^= 1 + r.int(255);
      return wire(base);
    case 'hugeBody': {
      const size = r.next() < 0.5 ? 1023 : 1024 + r.int(2 * 1100);
      const body = Buffer.concat([base.subarray(hl, base.length - 1), r.bytes(Math.max(0, size - (base.length - 1 - hl)))]);
      const p = Buffer.concat([base.subarray(0, hl), body, Buffer.alloc(1)]);
      p.writeUInt16BE((p.readUInt16BE(2) & 0xfc00) | (body.length & 0x3ff), 2);
      return wire(fixChecksum(p));
    }
    case 'versionBits': {
      const bits = [0x4000, 0x8000, 0x2000, 0x0400, 0x0800, 0x1000];
      for (let i = 1 + r.int(2); i > 0; i--) base.writeUInt16BE(base.readUInt16BE(2) ^ r.pick(bits), 2);
      return wire(r.next() < 0.8 ? fixChecksum(base) : base);
    }
    case 'noDelimiter': {
      const n = 1024 + r.int((opts.maxBlob ?? 64 * 1024) - 1024);
      const blob = r.bytes(n);
      for (let i = blob.indexOf(0x7e); i >= 0; i = blob.indexOf(0x7e, i + 1)) blob[i] = 0x7d;
      return { mutation, wire: blob };
    }
    case 'randomFrame':
      return wire(r.bytes(r.int(r.next() < 0.9 ? 64 : 1200)));
    case 'idSwap': {
      const ids = [0x0001, 0x0002, 0x0003, 0x0100, 0x0102, 0x0200, 0x0704, 0x0702, 0x0900, 0x8001, 0x8100, r.int(65536)];
      const id = r.pick(ids);
      base.writeUInt16BE(phone && keepsPhone(id) ? 0x0200 : id, 0);
      return wire(fixChecksum(base));
    }
    case 'items':
      return wire(payload(0x0200, locationBody(r), phone ?? base.subarray(4, 10).toString('hex'), r.int(65536)));
    case 'batch': {
      const items = Array.from({ length: r.int(6) }, () => {
        const b = locationBody(r);
        const len = Buffer.alloc(2);
        len.writeUInt16BE(r.next() < 0.8 ? b.length : r.int(65536));
        return Buffer.concat([len, b]);
      });
      const head = Buffer.from([0, 0, r.int(3)]);
      head.writeUInt16BE(r.next() < 0.7 ? items.length : r.int(65536), 0);
      let body = Buffer.concat([head, ...items]);
      if (body.length > 1023) body = body.subarray(0, 1023);
      return wire(payload(0x0704, body, phone ?? base.subarray(4, 10).toString('hex'), r.int(65536)));
    }
  }
}

// Splits a buffer into TCP-sized pieces at random points (1 byte up to `max`).
export function chunks(r: Rng, buf: Buffer, max = 4096): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < buf.length; ) {
    const n = 1 + r.int(r.next() < 0.2 ? 16 : max);
    out.push(buf.subarray(at, at + n));
    at += n;
  }
  return out;
}
