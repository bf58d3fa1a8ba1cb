// JT/T 808 §4.4.1 framing: every message travels as 0x7e <escaped payload> 0x7e, where inside the payload
// 0x7e is sent as 0x7d 0x02 and 0x7d as 0x7d 0x01. This turns a TCP byte stream into unescaped payloads
// (header + body + check code, without the delimiters), ready for decodeJt808().
//
// Choices:
// - Bytes before the first 0x7e are junk and are skipped.
// - A 0x7e closes the current frame and may also open the next one, so both "7e A 7e 7e B 7e" (spec) and
//   "7e A 7e B 7e" (shared delimiter, seen on some terminals) give A and B. Empty frames (7e 7e) are ignored.
//   The price: junk between two frames comes out as a frame of its own and is rejected by the decoder.
// - 0x7d followed by anything but 01/02 is an invalid escape. The 0x7d is kept as is and the next byte is
//   processed normally (go-jt808's "compatible" case: an unescaped 0x7d check code right before the closing 0x7e).
// - Memory is bounded: a frame longer than maxFrameLength unescaped bytes is dropped and the decoder skips to
//   the next 0x7e (resynchronises) instead of buffering garbage.
// - Nothing throws; every discarded byte is counted in `stats` and reported to `onDiscard`.

export const JT808_DELIMITER = 0x7e;
export const JT808_ESCAPE = 0x7d;

// Largest legal payload: 2019 header with subpackage fields (21) + 1023-byte body + check code = 1045 bytes.
// The default leaves room for terminals that overrun the 10-bit length.
export const JT808_DEFAULT_MAX_FRAME_LENGTH = 2048;

export type Jt808FrameDiscard =
  | { reason: 'JUNK'; bytes: number } // bytes outside any frame
  | { reason: 'OVERSIZED'; bytes: number } // a frame that outgrew maxFrameLength (bytes dropped so far)
  | { reason: 'INVALID_ESCAPE'; byte: number }; // 0x7d followed by `byte`; the 0x7d is kept

export type Jt808FrameStats = {
  frames: number;
  junkBytes: number;
  oversizedFrames: number;
  oversizedBytes: number;
  invalidEscapes: number;
};

export type Jt808FrameDecoderOptions = {
  maxFrameLength?: number;
  onDiscard?: (event: Jt808FrameDiscard) => void;
};

type State = 'outside' | 'inside';

export class Jt808FrameDecoder {
  readonly stats: Jt808FrameStats = { frames: 0, junkBytes: 0, oversizedFrames: 0, oversizedBytes: 0, invalidEscapes: 0 };
  private readonly maxFrameLength: number;
  private readonly onDiscard?: (event: Jt808FrameDiscard) => void;
  private readonly buf: Buffer;
  private length = 0;
  private state: State = 'outside';
  private escapePending = false;

  constructor(options: Jt808FrameDecoderOptions = {}) {
    this.maxFrameLength = Math.max(1, options.maxFrameLength ?? JT808_DEFAULT_MAX_FRAME_LENGTH);
    this.onDiscard = options.onDiscard;
    this.buf = Buffer.alloc(this.maxFrameLength);
  }

  // Unescaped bytes held for an incomplete frame (never more than maxFrameLength).
  get buffered(): number {
    return this.length;
  }

  reset(): void {
    this.length = 0;
    this.state = 'outside';
    this.escapePending = false;
  }

  push(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    let junk = 0;
    let oversized = 0;
    for (const byte of chunk) {
      if (this.state === 'outside') {
        if (byte === JT808_DELIMITER) this.openFrame();
        else junk++;
        continue;
      }
      if (this.escapePending) {
        this.escapePending = false;
        if (byte === 0x01 || byte === 0x02) {
          oversized += this.append(byte === 0x01 ? JT808_ESCAPE : JT808_DELIMITER);
          continue;
        }
        this.stats.invalidEscapes++;
        this.onDiscard?.({ reason: 'INVALID_ESCAPE', byte });
        oversized += this.append(JT808_ESCAPE);
        if (!this.insideFrame()) {
          // The kept 0x7d overflowed the frame: this byte belongs to the skipped garbage.
          if (byte === JT808_DELIMITER) this.openFrame();
          else junk++;
          continue;
        }
      }
      if (byte === JT808_DELIMITER) {
        if (this.length > 0) {
          frames.push(Buffer.from(this.buf.subarray(0, this.length)));
          this.stats.frames++;
        }
        this.openFrame();
      } else if (byte === JT808_ESCAPE) {
        this.escapePending = true;
      } else {
        oversized += this.append(byte);
      }
    }
    if (junk > 0) {
      this.stats.junkBytes += junk;
      this.onDiscard?.({ reason: 'JUNK', bytes: junk });
    }
    if (oversized > 0) this.onDiscard?.({ reason: 'OVERSIZED', bytes: oversized });
    return frames;
  }

  // A method rather than a field read so that TypeScript does not narrow it across append().
  private insideFrame(): boolean {
    return this.state === 'inside';
  }

  private openFrame(): void {
    this.state = 'inside';
    this.length = 0;
    this.escapePending = false;
  }

  // Returns how many bytes were dropped because the frame grew past the limit.
  private append(byte: number): number {
    if (this.length < this.maxFrameLength) {
      this.buf[this.length++] = byte;
      return 0;
    }
    const dropped = this.length + 1;
    this.stats.oversizedFrames++;
    this.stats.oversizedBytes += dropped;
    this.length = 0;
    this.state = 'outside';
    return dropped;
  }
}

// §4.4.1 escaping of a payload (header + body + check code). The caller adds the 0x7e delimiters.
export function escape(payload: Buffer): Buffer {
  let extra = 0;
  for (const b of payload) if (b === JT808_DELIMITER || b === JT808_ESCAPE) extra++;
  const out = Buffer.alloc(payload.length + extra);
  let j = 0;
  for (const b of payload) {
    if (b === JT808_DELIMITER || b === JT808_ESCAPE) {
      out[j++] = JT808_ESCAPE;
      out[j++] = b === JT808_DELIMITER ? 0x02 : 0x01;
    } else {
      out[j++] = b;
    }
  }
  return out;
}

// Reverse of escape() for one payload already cut out of the stream (tests, fixtures, UDP datagrams).
// Invalid escapes are kept as is, like the stream decoder does.
export function unescape(escaped: Buffer): { payload: Buffer; invalidEscapes: number } {
  const out = Buffer.alloc(escaped.length);
  let j = 0;
  let invalidEscapes = 0;
  for (let i = 0; i < escaped.length; i++) {
    const b = escaped[i];
    const next = escaped[i + 1];
    if (b === JT808_ESCAPE && (next === 0x01 || next === 0x02)) {
      out[j++] = next === 0x01 ? JT808_ESCAPE : JT808_DELIMITER;
      i++;
    } else {
      if (b === JT808_ESCAPE) invalidEscapes++;
      out[j++] = b;
    }
  }
  return { payload: out.subarray(0, j), invalidEscapes };
}
