import fc from 'fast-check';
import { JT808_MESSAGE_ID } from './jt808.constants.js';
import { decodeJt808, type Jt808DecodeError, type Jt808DecodeOptions, type Jt808Message } from './jt808.decoder.js';
import {
  encodeAuth,
  encodeBatch,
  encodeLocation,
  encodePayload,
  encodeRegister,
  platformGeneralReply,
  registerReply,
  type Jt808PositionInput,
} from './jt808.encoder.js';
import { escape, Jt808FrameDecoder, unescape } from './jt808.frame-decoder.js';

// Property-based tests (fast-check) of the JT/T 808 codec: any bytes, any TCP split. A failing run prints the
// seed and the shrunk counterexample; `fc.assert(..., { seed, path })` replays it. Run counts stay moderate so
// that `npm test` takes seconds; `npm run fuzz:jt808` is the volume run against a live server.

const RUNS = 300;

// Bytes biased towards the ones the codec treats specially (delimiter, escape, escape codes, 0x00, 0xff).
const byte = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 255 }) },
  { weight: 1, arbitrary: fc.constantFrom(0x7e, 0x7d, 0x01, 0x02, 0x00, 0xff) },
);
const bytes = (maxLength: number) => fc.array(byte, { maxLength }).map((a) => Buffer.from(a));

// Cut a buffer at the given (sorted, deduplicated) positions.
function split(buf: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let from = 0;
  for (const c of at) {
    parts.push(buf.subarray(from, c));
    from = c;
  }
  parts.push(buf.subarray(from));
  return parts;
}

const hexes = (frames: Buffer[]) => frames.map((f) => f.toString('hex'));

const TYPED_ERRORS: Jt808DecodeError[] = ['TOO_SHORT', 'BAD_CHECKSUM', 'BAD_LENGTH', 'TRUNCATED_BODY'];
const OPTIONS: Jt808DecodeOptions[] = [{}, { lenient: true }, { versionOverride: '2013' }, { versionOverride: '2019' }, { versionOverride: '2019', lenient: true }];

// decodeJt808 turns a throw into INTERNAL_ERROR; any other throw would escape it. Both are bugs.
function expectTotal(frame: Buffer): void {
  for (const o of OPTIONS) {
    const r = decodeJt808(frame, o);
    if (!r.ok) expect(TYPED_ERRORS).toContain(r.error);
  }
}

describe('JT/T 808 frame decoder (properties)', () => {
  it('should yield the same frames and the same counters however the stream is split into chunks', () => {
    fc.assert(
      fc.property(bytes(600), fc.array(fc.nat(), { maxLength: 40 }), fc.integer({ min: 8, max: 1100 }), (stream, cuts, maxFrameLength) => {
        const whole = new Jt808FrameDecoder({ maxFrameLength });
        const wholeFrames = whole.push(stream);
        const chunked = new Jt808FrameDecoder({ maxFrameLength });
        const chunkedFrames = split(stream, cuts).flatMap((c) => chunked.push(c));
        expect(hexes(chunkedFrames)).toEqual(hexes(wholeFrames));
        expect(chunked.stats).toEqual(whole.stats);
        expect(chunked.buffered).toBe(whole.buffered);
      }),
      { numRuns: RUNS },
    );
  });

  it('should never hold or emit more than maxFrameLength bytes, whatever arrives', () => {
    fc.assert(
      fc.property(fc.array(bytes(300), { maxLength: 10 }), fc.integer({ min: 1, max: 200 }), (chunks, maxFrameLength) => {
        const d = new Jt808FrameDecoder({ maxFrameLength });
        for (const c of chunks) {
          for (const f of d.push(c)) expect(f.length).toBeLessThanOrEqual(maxFrameLength);
          expect(d.buffered).toBeLessThanOrEqual(maxFrameLength);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('should recover every escaped payload from a stream of frames and junk, split anywhere', () => {
    const junk = bytes(20).map((b) => b.filter((x) => x !== 0x7e)); // junk without a delimiter, as between frames
    fc.assert(
      fc.property(fc.array(fc.tuple(junk, bytes(200).filter((p) => p.length > 0)), { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 30 }), (parts, cuts) => {
        const stream = Buffer.concat(parts.flatMap(([j, p]) => [j, Buffer.from([0x7e]), escape(p), Buffer.from([0x7e])]));
        const d = new Jt808FrameDecoder();
        const frames = split(stream, cuts).flatMap((c) => d.push(c));
        // Junk before a frame is skipped (outside) or becomes a frame of its own (between two delimiters), and such a
        // frame may equal a payload: every payload must come out, in order, among the frames (a subsequence).
        const expected = parts.map(([, p]) => p.toString('hex'));
        let found = 0;
        for (const h of hexes(frames)) if (found < expected.length && h === expected[found]) found++;
        expect(expected.slice(found)).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('should unescape what escape produced', () => {
    fc.assert(
      fc.property(bytes(300), (p) => {
        expect(unescape(escape(p))).toEqual({ payload: p, invalidEscapes: 0 });
        expect(escape(p).includes(0x7e)).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });
});

// A frame with a consistent header (length and check code right), so that the body decoders run.
const wellFramed = fc
  .record({
    messageId: fc.constantFrom(...Object.values(JT808_MESSAGE_ID), 0x0900, 0x0001, 0x8103),
    phone: fc.stringMatching(/^[0-9]{12}$/),
    serial: fc.integer({ min: 0, max: 0xffff }),
    version: fc.constantFrom('2013' as const, '2019' as const),
    protocolVersion: fc.integer({ min: 0, max: 255 }),
    encryption: fc.constantFrom(0, 0, 0, 1, 7),
    packet: fc.option(fc.record({ total: fc.integer({ min: 0, max: 0xffff }), index: fc.integer({ min: 0, max: 0xffff }) }), { freq: 8 }),
    body: bytes(400),
  })
  .map((h) => encodePayload(h));

describe('JT/T 808 message decoder (properties)', () => {
  it('should answer any byte sequence with a message or one of its typed errors, never a throw', () => {
    fc.assert(fc.property(bytes(200), (frame) => expectTotal(frame)), { numRuns: RUNS * 3 });
  });

  it('should decode well-framed messages with any body without throwing (every body decoder reached)', () => {
    fc.assert(fc.property(wellFramed, (frame) => expectTotal(frame)), { numRuns: RUNS * 3 });
  });

  it('should stay total on well-framed messages with one byte changed, truncated or extended', () => {
    const mutated = fc
      .tuple(wellFramed, fc.nat(), byte, fc.constantFrom('flip', 'cut', 'grow', 'length'))
      .map(([f, at, b, how]) => {
        const p = Buffer.from(f);
        if (how === 'flip') p[at % p.length] = b;
        if (how === 'cut') return p.subarray(0, at % p.length);
        if (how === 'grow') return Buffer.concat([p, Buffer.alloc(1 + (at % 40), b)]);
        if (how === 'length') p.writeUInt16BE((p.readUInt16BE(2) & 0xfc00) | (at & 0x3ff), 2);
        return p;
      });
    fc.assert(fc.property(mutated, (frame) => expectTotal(frame)), { numRuns: RUNS * 3 });
  });
});

// -------------------------------------------------------------------------------------------- round trips

const phone12 = fc.stringMatching(/^[0-9]{12}$/);
const version = fc.constantFrom('2013' as const, '2019' as const);
// Whole seconds in 2000-2099 (the BCD clock's range).
const fixTime = fc.integer({ min: Date.UTC(2000, 0, 1, 0, 0, 0) / 1000, max: Date.UTC(2099, 11, 31, 15, 59, 59) / 1000 }).map((s) => new Date(s * 1000));

const positionInput: fc.Arbitrary<Jt808PositionInput> = fc.record({
  alarm: fc.integer({ min: 0, max: 0xffffffff }),
  latitude: fc.integer({ min: -90_000_000, max: 90_000_000 }).map((n) => n / 1e6),
  longitude: fc.integer({ min: -180_000_000, max: 180_000_000 }).map((n) => n / 1e6),
  altitude: fc.integer({ min: -0x8000, max: 0x7fff }),
  speedKmh: fc.integer({ min: 0, max: 0xffff }).map((n) => n / 10),
  direction: fc.integer({ min: 0, max: 359 }),
  time: fixTime,
  extras: fc.record(
    {
      mileageKm: fc.integer({ min: 0, max: 0xffffffff }).map((n) => n / 10),
      fuelL: fc.integer({ min: 0, max: 0xffff }).map((n) => n / 10),
      signalStrength: fc.integer({ min: 0, max: 255 }),
      satellites: fc.integer({ min: 0, max: 255 }),
    },
    { requiredKeys: [] },
  ),
});

function decoded(payload: Buffer): Jt808Message {
  const r = decodeJt808(payload);
  if (!r.ok) throw new Error(`${r.error}: ${r.detail}`);
  return r.message;
}

// The wire bytes of one platform frame → its message, through the stream decoder like a terminal would.
function fromWire(wire: Buffer): Jt808Message {
  const frames = new Jt808FrameDecoder().push(wire);
  expect(frames).toHaveLength(1);
  return decoded(frames[0]);
}

function expectSamePosition(got: Jt808Message, p: Jt808PositionInput) {
  expect(got.kind).toBe('location');
  if (got.kind !== 'location') return;
  expect(got.body).toMatchObject({
    alarm: p.alarm,
    latitude: p.latitude,
    longitude: p.longitude,
    altitude: p.altitude,
    speedKmh: p.speedKmh,
    direction: p.direction,
    time: p.time,
    issues: [],
    extras: p.extras,
  });
}

describe('JT/T 808 encode → decode round trips (properties)', () => {
  it('should round-trip the 0x8001 general reply the server sends, in both header layouts', () => {
    fc.assert(
      fc.property(phone12, fc.nat(0xffff), version, fc.nat(0xffff), fc.nat(0xffff), fc.constantFrom(0, 1, 2, 3, 4), (phone, serial, v, replySerial, replyId, result) => {
        const m = fromWire(platformGeneralReply({ phone, serial, version: v }, { replySerial, replyId, result: result as 0 }));
        expect(m.kind).toBe('platformGeneralReply');
        expect(m.header).toMatchObject({ messageId: 0x8001, serial, version: v, phone: v === '2019' ? phone.padStart(20, '0') : phone });
        expect(m.body).toEqual({ replySerial, replyId, result });
      }),
      { numRuns: RUNS },
    );
  });

  it('should round-trip the 0x8100 register reply, with its auth code on success only', () => {
    fc.assert(
      fc.property(phone12, fc.nat(0xffff), version, fc.nat(0xffff), fc.constantFrom(0, 1, 2, 3, 4), fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/), (phone, serial, v, replySerial, result, authCode) => {
        const m = fromWire(registerReply({ phone, serial, version: v }, { replySerial, result: result as 0, authCode }));
        expect(m.kind).toBe('registerReply');
        expect(m.body).toEqual({ replySerial, result, authCode: result === 0 ? authCode : null });
      }),
      { numRuns: RUNS },
    );
  });

  it('should round-trip 0x0200 positions (coordinates to 1e-6°, speed to 0.1 km/h, time to the second)', () => {
    fc.assert(
      fc.property(phone12, fc.nat(0xffff), version, positionInput, (phone, serial, v, p) => {
        expectSamePosition(decoded(encodePayload({ messageId: JT808_MESSAGE_ID.LOCATION, phone, serial, version: v, body: encodeLocation(p) })), p);
      }),
      { numRuns: RUNS },
    );
  });

  it('should round-trip 0x0704 batches item by item', () => {
    fc.assert(
      fc.property(phone12, fc.constantFrom(0, 1), fc.array(positionInput, { minLength: 1, maxLength: 12 }), (phone, type, ps) => {
        const m = decoded(encodePayload({ messageId: JT808_MESSAGE_ID.BATCH_LOCATION, phone, serial: 1, body: encodeBatch(type, ps) }));
        expect(m.kind).toBe('batchLocation');
        if (m.kind !== 'batchLocation') return;
        expect(m.body).toMatchObject({ batchType: type, count: ps.length, malformed: [] });
        expect(m.body.positions).toHaveLength(ps.length);
        m.body.positions.forEach((got, i) => expectSamePosition({ ...m, kind: 'location', body: got }, ps[i]!));
      }),
      { numRuns: RUNS / 3 },
    );
  });

  it('should round-trip 0x0100 register and 0x0102 auth bodies', () => {
    const ascii = (max: number) => fc.stringMatching(new RegExp(`^[A-Za-z0-9]{0,${max}}$`));
    fc.assert(
      fc.property(
        version,
        fc.record({ provinceId: fc.nat(0xffff), cityId: fc.nat(0xffff), manufacturerId: ascii(5), model: ascii(20), terminalId: ascii(7), plateColor: fc.nat(255), plate: fc.constantFrom('蒙B12345', '京A·D1234', 'LFV2A21K8A3000001', '') }),
        fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
        (v, reg, authCode) => {
          const r = decoded(encodePayload({ messageId: JT808_MESSAGE_ID.REGISTER, phone: '013912345678', serial: 0, version: v, body: encodeRegister(reg, v) }));
          expect(r.kind).toBe('register');
          expect(r.body).toMatchObject({ ...reg, plate: reg.plate });
          const a = decoded(encodePayload({ messageId: JT808_MESSAGE_ID.AUTH, phone: '013912345678', serial: 1, version: v, body: encodeAuth({ authCode }, v) }));
          expect(a.kind).toBe('auth');
          expect(a.body).toMatchObject({ authCode });
        },
      ),
      { numRuns: RUNS },
    );
  });
});
