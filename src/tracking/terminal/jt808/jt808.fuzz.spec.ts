import { JT808_FRAMES, payloadOf, wireOf } from '../../../../test/fixtures/jt808/frames.js';
import { JT808_MESSAGE_ID } from './jt808.constants.js';
import { decodeJt808, type Jt808DecodeOptions, type Jt808DecodeResult } from './jt808.decoder.js';
import { encodePayload } from './jt808.encoder.js';
import { Jt808FrameDecoder } from './jt808.frame-decoder.js';

// Property-style checks with a seeded PRNG (mulberry32), so a failure reproduces: the codec never throws and
// never reports INTERNAL_ERROR (a decoder bug), whatever bytes arrive and however TCP splits them.

function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  // Bytes biased towards the ones the codec treats specially.
  const byte = () => (next() < 0.25 ? [0x7e, 0x7d, 0x01, 0x02, 0x00, 0xff][int(6)] : int(256));
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, byte));
  return { next, int, byte, bytes };
}

const OPTIONS: Jt808DecodeOptions[] = [{}, { lenient: true }, { versionOverride: '2013' }, { versionOverride: '2019', lenient: true }];

function decodeAll(frame: Buffer): Jt808DecodeResult[] {
  return OPTIONS.map((o) => decodeJt808(frame, o));
}

const noInternalError = (results: Jt808DecodeResult[]) => results.filter((r) => !r.ok && r.error === 'INTERNAL_ERROR');

// Runs every option set on a frame and records the frame if any of them hit a decoder bug. decodeJt808 turns
// exceptions into INTERNAL_ERROR, so a throw from inside the decoder shows up here too.
function check(frame: Buffer, bugs: string[]): Jt808DecodeResult[] {
  const results = decodeAll(frame);
  if (noInternalError(results).length > 0) bugs.push(frame.toString('hex'));
  return results;
}

describe('jt808 codec under random input', () => {
  it('should never throw on 5,000 random frames', () => {
    const r = prng(808);
    const bugs: string[] = [];
    for (let i = 0; i < 5_000; i++) check(r.bytes(r.int(80)), bugs);
    expect(bugs).toEqual([]);
  });

  it('should never throw on 5,000 well-framed messages with random bodies (every body decoder reached)', () => {
    const r = prng(2013);
    const ids = [...Object.values(JT808_MESSAGE_ID), 0x0900];
    let decoded = 0;
    const bugs: string[] = [];
    for (let i = 0; i < 5_000; i++) {
      const frame = encodePayload({
        messageId: ids[r.int(ids.length)],
        phone: r.bytes(6).toString('hex'),
        serial: r.int(65536),
        version: r.next() < 0.3 ? '2019' : '2013',
        protocolVersion: r.int(256),
        encryption: r.next() < 0.05 ? 1 : 0,
        packet: r.next() < 0.05 ? { total: r.int(65536), index: r.int(65536) } : null,
        body: r.bytes(r.next() < 0.5 ? r.int(40) : r.int(300)),
      });
      if (check(frame, bugs)[0].ok) decoded++;
    }
    expect(bugs).toEqual([]);
    // Sanity: the generator really reaches the body decoders, not just the header checks.
    expect(decoded).toBeGreaterThan(1_000);
  });

  it('should never throw on 3,000 mutations of real frames', () => {
    const r = prng(2019);
    const payloads = JT808_FRAMES.map(payloadOf).filter((p) => p.length > 12);
    const bugs: string[] = [];
    for (let i = 0; i < 3_000; i++) {
      const p = Buffer.from(payloads[r.int(payloads.length)]);
      const mutated = (() => {
        switch (r.int(4)) {
          case 0: // flip a byte in the body, then fix the check code so the body parser runs
            p[12 + r.int(p.length - 13)] = r.byte();
            p[p.length - 1] = p.subarray(0, -1).reduce((x, b) => x ^ b, 0);
            return p;
          case 1: // truncate
            return p.subarray(0, r.int(p.length));
          case 2: // append junk
            return Buffer.concat([p, r.bytes(1 + r.int(20))]);
          default: // lie about the body length
            p.writeUInt16BE((p.readUInt16BE(2) & 0xfc00) | r.int(1024), 2);
            return p;
        }
      })();
      check(mutated, bugs);
    }
    expect(bugs).toEqual([]);
  });

  it('should never throw, and stay bounded, on 2,000 random streams split at random', () => {
    const r = prng(0x7e7d);
    const bugs: string[] = [];
    let overLimit = 0;
    for (let i = 0; i < 2_000; i++) {
      const maxFrameLength = 16 + r.int(200);
      const d = new Jt808FrameDecoder({ maxFrameLength });
      const stream = r.bytes(r.int(600));
      for (let at = 0; at < stream.length; ) {
        const size = 1 + r.int(64);
        const frames = d.push(stream.subarray(at, at + size));
        at += size;
        if (d.buffered > maxFrameLength) overLimit++;
        for (const f of frames) {
          if (f.length > maxFrameLength) overLimit++;
          check(f, bugs);
        }
      }
    }
    expect({ bugs, overLimit }).toEqual({ bugs: [], overLimit: 0 });
  });

  it('should give the same frames for 1,000 random splits of a stream of real frames and junk', () => {
    const r = prng(1078);
    const wires = JT808_FRAMES.filter((f) => f.asserted.kind !== 'error').map(wireOf);
    const mismatches: string[] = [];
    for (let i = 0; i < 1_000; i++) {
      // Junk without 0x7e between frames, so that every frame is recovered.
      const parts = Array.from({ length: 1 + r.int(6) }, () => [r.bytes(r.int(8)).filter((b) => b !== 0x7e), wires[r.int(wires.length)]]);
      const stream = Buffer.concat(parts.flat().map((b) => Buffer.from(b)));
      const whole = new Jt808FrameDecoder().push(stream);
      const d = new Jt808FrameDecoder();
      const split: Buffer[] = [];
      for (let at = 0; at < stream.length; ) {
        const size = 1 + r.int(40);
        split.push(...d.push(stream.subarray(at, at + size)));
        at += size;
      }
      const key = (frames: Buffer[]) => frames.map((f) => f.toString('hex')).join('|');
      if (key(split) !== key(whole) || whole.length < parts.length) mismatches.push(stream.toString('hex'));
    }
    expect(mismatches).toEqual([]);
  });
});
