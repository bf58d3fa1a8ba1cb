import net from 'node:net';
import { JT808_MESSAGE_ID } from '../terminal/jt808/jt808.constants.js';
import { decodeJt808, type Jt808Message } from '../terminal/jt808/jt808.decoder.js';
import { platformGeneralReply, registerReply, type Jt808ReplyHeader } from '../terminal/jt808/jt808.encoder.js';
import { Jt808FrameDecoder } from '../terminal/jt808/jt808.frame-decoder.js';

// A tiny JT/T 808 platform for the simulator's specs (node:net + the codec, nothing of the real server): answers
// 0x0100 with 0x8100 and an auth code, checks the code on 0x0102, and answers everything else with 0x8001. Knobs
// for the unpleasant cases: replies cut into pieces across TCP writes, replies held back and sent in reverse
// order, messages left unanswered, connections dropped after N frames.

export type FakePlatformOptions = {
  knownPhones?: ReadonlySet<string>; // others get 0x8100 result 4 (no such terminal); all are known without it
  authCodeFor?: (phone: string) => string; // default `AC` + phone
  // Result for a message, or 'ignore' to leave it unanswered. Default 0 (auth: 0 for the right code, else 1).
  answer?: (m: Jt808Message) => number | 'ignore' | undefined;
  splitReplies?: boolean; // every reply written in 3 pieces on separate ticks
  reverseEvery?: number; // hold replies until this many are due, then send them last first
  closeAfterFrames?: number; // destroy a connection after receiving this many frames on it
};

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

export class FakeJt808Platform {
  readonly received: Jt808Message[] = [];
  readonly sockets = new Set<net.Socket>();
  private readonly server: net.Server;
  private serial = 0;

  constructor(private readonly options: FakePlatformOptions = {}) {
    this.server = net.createServer((socket) => this.accept(socket));
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  count(messageId: number): number {
    return this.received.filter((m) => m.header.messageId === messageId).length;
  }

  start(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve(this.port));
    });
  }

  // Drops every connection (as a platform restart would).
  dropAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  stop(): Promise<void> {
    this.dropAll();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const frames = new Jt808FrameDecoder();
    const held: Buffer[] = [];
    let seen = 0;
    let writing = Promise.resolve();
    const send = (bytes: Buffer) => {
      if (!this.options.splitReplies) {
        socket.write(bytes);
        return;
      }
      // Keep replies in order while each is cut into pieces written on separate ticks.
      writing = writing.then(async () => {
        const cut1 = Math.max(1, Math.floor(bytes.length / 3));
        const cut2 = Math.max(cut1 + 1, Math.floor((2 * bytes.length) / 3));
        for (const piece of [bytes.subarray(0, cut1), bytes.subarray(cut1, cut2), bytes.subarray(cut2)]) {
          if (socket.destroyed) return;
          socket.write(piece);
          await tick();
        }
      });
    };
    socket.on('data', (chunk: Buffer) => {
      for (const frame of frames.push(chunk)) {
        seen++;
        const decoded = decodeJt808(frame);
        if (decoded.ok) {
          this.received.push(decoded.message);
          const reply = this.reply(decoded.message);
          if (reply) {
            if (this.options.reverseEvery) {
              held.push(reply);
              if (held.length >= this.options.reverseEvery) for (const r of held.splice(0).reverse()) send(r);
            } else {
              send(reply);
            }
          }
        }
        if (this.options.closeAfterFrames !== undefined && seen >= this.options.closeAfterFrames) {
          socket.destroy();
          return;
        }
      }
    });
  }

  private reply(m: Jt808Message): Buffer | null {
    const header: Jt808ReplyHeader = { phone: m.header.phone, serial: this.serial++ & 0xffff, version: m.header.version, protocolVersion: m.header.protocolVersion };
    const custom = this.options.answer?.(m);
    if (custom === 'ignore') return null;
    const phone = m.header.phone.replace(/^0+(?=\d{12}$)/, '');
    const code = (this.options.authCodeFor ?? ((p: string) => `AC${p}`))(phone);
    if (m.kind === 'register') {
      const known = !this.options.knownPhones || this.options.knownPhones.has(phone);
      const result = (custom ?? (known ? 0 : 4)) as 0 | 1 | 2 | 3 | 4;
      return registerReply(header, { replySerial: m.header.serial, result, authCode: result === 0 ? code : null });
    }
    let result = custom ?? 0;
    if (m.kind === 'auth' && custom === undefined) result = m.body.authCode === code ? 0 : 1;
    // Platform messages (0x8xxx) and terminal replies (0x0001) get no answer.
    if (m.header.messageId === JT808_MESSAGE_ID.TERMINAL_GENERAL_REPLY || m.header.messageId & 0x8000) return null;
    return platformGeneralReply(header, { replySerial: m.header.serial, replyId: m.header.messageId, result: result as 0 | 1 | 2 | 3 | 4 });
  }
}
