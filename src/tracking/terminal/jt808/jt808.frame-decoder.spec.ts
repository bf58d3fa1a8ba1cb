import { hex, jt808Fixture, JT808_FRAMES, payloadOf, wireOf } from '../../../../test/fixtures/jt808/frames.js';
import {
  escape,
  Jt808FrameDecoder,
  unescape,
  type Jt808FrameDiscard,
} from './jt808.frame-decoder.js';

// Frames come out without their 0x7e delimiters (the decoder's input); traccar's frame decoder keeps them, so
// its expected "7e307e087d557e" is "307e087d55" here.
const inner = (h: string) => hex(h).subarray(1, -1);

describe(Jt808FrameDecoder.name, () => {
  describe('traccar and SmallChi cases (frames.json)', () => {
    it('should unescape 7d02→7e and 7d01→7d', () => {
      const f = jt808Fixture('traccar-frame-7e307d02');
      expect(new Jt808FrameDecoder().push(wireOf(f))).toEqual([inner(f.asserted.expectedUnescapedFrame as string)]);
    });

    it('should skip junk before the first 7e', () => {
      const f = jt808Fixture('traccar-frame-24247e30');
      expect(f.hex.startsWith('2424')).toBe(true);
      const d = new Jt808FrameDecoder();
      expect(d.push(wireOf(f))).toEqual([inner(f.asserted.expectedUnescapedFrame as string)]);
      expect(d.stats.junkBytes).toBe(2);
    });

    it('should decode a frame made only of escapes (SmallChi ReadEncodeTest)', () => {
      const f = jt808Fixture('smallchi-escape-only');
      expect(new Jt808FrameDecoder().push(wireOf(f))).toEqual([Buffer.from([0x7e, 0x7d, 0x7e, 0x7d])]);
    });

    it('should give the unescaped payload of every corpus frame sent over the wire', () => {
      for (const f of JT808_FRAMES) {
        if (f.asserted.kind === 'frame-decoder-output' || f.id === 'go-jt808-neg-incomplete') continue;
        const frames = new Jt808FrameDecoder().push(wireOf(f));
        expect({ id: f.id, frames: frames.map((b) => b.toString('hex')) }).toEqual({ id: f.id, frames: [payloadOf(f).toString('hex')] });
      }
    });

    it('should hold a frame without its closing 7e (go-jt808 ErrUnqualifiedData)', () => {
      const d = new Jt808FrameDecoder();
      expect(d.push(wireOf(jt808Fixture('go-jt808-neg-incomplete')))).toEqual([]);
      expect(d.buffered).toBe(6);
    });

    it("should keep an unescaped 7d check code right before the closing 7e (go-jt808 'compatible' case)", () => {
      const discards: Jt808FrameDiscard[] = [];
      const d = new Jt808FrameDecoder({ onDiscard: (e) => discards.push(e) });
      expect(d.push(wireOf(jt808Fixture('go-jt808-neg-lenient')))).toEqual([hex('0002000000000000067900007d')]);
      expect(d.stats.invalidEscapes).toBe(1);
      expect(discards).toEqual([{ reason: 'INVALID_ESCAPE', byte: 0x7e }]);
    });
  });

  describe('escapes', () => {
    it('should keep 7d followed by another byte and process that byte normally', () => {
      const d = new Jt808FrameDecoder();
      expect(d.push(hex('7e 01 7d 03 7d 7d 02 05 7e'))).toEqual([hex('01 7d 03 7d 7e 05')]);
      expect(d.stats.invalidEscapes).toBe(2);
    });

    it('should resolve an escape split across two chunks', () => {
      const d = new Jt808FrameDecoder();
      expect(d.push(hex('7e 01 7d'))).toEqual([]);
      expect(d.push(hex('02 03 7e'))).toEqual([hex('01 7e 03')]);
    });

    it('should round-trip escape() through the stream decoder for every byte value', () => {
      const payload = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const wire = Buffer.concat([hex('7e'), escape(payload), hex('7e')]);
      expect(wire.subarray(1, -1).includes(0x7e)).toBe(false);
      expect(new Jt808FrameDecoder().push(wire)).toEqual([payload]);
      expect(unescape(escape(payload))).toEqual({ payload, invalidEscapes: 0 });
    });
  });

  describe('stream handling', () => {
    it('should wait for the rest of a frame split across TCP chunks', () => {
      const d = new Jt808FrameDecoder();
      expect(d.push(hex('7e3030'))).toEqual([]);
      expect(d.push(hex('557e'))).toEqual([hex('303055')]);
    });

    it('should return every frame of a chunk, with spec or shared delimiters', () => {
      expect(new Jt808FrameDecoder().push(hex('7e01027e7e03047e'))).toEqual([hex('0102'), hex('0304')]);
      expect(new Jt808FrameDecoder().push(hex('7e01027e03047e'))).toEqual([hex('0102'), hex('0304')]);
    });

    it('should ignore empty frames', () => {
      const d = new Jt808FrameDecoder();
      expect(d.push(hex('7e7e7e7e017e7e'))).toEqual([hex('01')]);
      expect(d.stats.frames).toBe(1);
    });

    it('should give the same frames for any chunking of a real stream', () => {
      const ids = ['smallchi-reader-escaped-0200', 'traccar-L85', 'go-jt808-0200', 'traccar-L14', 'smallchi-0002-Test3'];
      const stream = Buffer.concat([hex('2424'), ...ids.map((id) => wireOf(jt808Fixture(id)))]);
      const expected = ids.map((id) => payloadOf(jt808Fixture(id)));
      for (let size = 1; size <= stream.length; size += size < 8 ? 1 : 7) {
        const d = new Jt808FrameDecoder();
        const out: Buffer[] = [];
        for (let i = 0; i < stream.length; i += size) out.push(...d.push(stream.subarray(i, i + size)));
        expect(out).toEqual(expected);
      }
    });
  });

  describe('bounded memory', () => {
    it('should drop an oversized frame and resynchronise on the next 7e', () => {
      const discards: Jt808FrameDiscard[] = [];
      const d = new Jt808FrameDecoder({ maxFrameLength: 16, onDiscard: (e) => discards.push(e) });
      const garbage = Buffer.alloc(100, 0x41);
      expect(d.push(Buffer.concat([hex('7e'), garbage, hex('7e 0102 7e')]))).toEqual([hex('0102')]);
      expect(d.stats.oversizedFrames).toBe(1);
      expect(d.stats.oversizedBytes).toBe(17);
      expect(d.stats.junkBytes).toBe(83);
      expect(discards).toEqual([
        { reason: 'JUNK', bytes: 83 },
        { reason: 'OVERSIZED', bytes: 17 },
      ]);
    });

    it('should never buffer more than maxFrameLength, whatever arrives', () => {
      const d = new Jt808FrameDecoder({ maxFrameLength: 64 });
      d.push(hex('7e'));
      for (let i = 0; i < 1000; i++) {
        d.push(Buffer.alloc(97, i % 2 ? 0x7d : 0x31));
        expect(d.buffered).toBeLessThanOrEqual(64);
      }
      expect(d.push(hex('7e 0a0b 7e'))).toEqual([hex('0a0b')]);
    });

    it('should accept a frame of exactly maxFrameLength bytes', () => {
      const d = new Jt808FrameDecoder({ maxFrameLength: 4 });
      expect(d.push(hex('7e 01020304 7e'))).toEqual([hex('01020304')]);
      expect(d.push(hex('7e 0102030405 7e'))).toEqual([]);
      expect(d.stats.oversizedFrames).toBe(1);
    });

    it('should count junk that never meets a 7e without keeping it', () => {
      const d = new Jt808FrameDecoder();
      expect(d.push(Buffer.alloc(10_000, 0x24))).toEqual([]);
      expect(d.buffered).toBe(0);
      expect(d.stats.junkBytes).toBe(10_000);
    });

    it('should start over after reset()', () => {
      const d = new Jt808FrameDecoder();
      d.push(hex('7e0102'));
      d.reset();
      expect(d.buffered).toBe(0);
      expect(d.push(hex('03 7e 04 7e'))).toEqual([hex('04')]);
    });
  });
});
