import net from 'node:net';
import { decodeJt808, type Jt808Message } from '../../src/tracking/terminal/jt808/jt808.decoder.js';
import { encodeMessage } from '../../src/tracking/terminal/jt808/jt808.encoder.js';
import { unescape } from '../../src/tracking/terminal/jt808/jt808.frame-decoder.js';

// A bare JT/T 808 terminal for the e2e specs: writes whatever bytes it is given (valid frames, split frames,
// garbage) and hands back each platform frame exactly as it came off the wire, so that replies can be compared byte
// for byte with the encoder's output.

export type Received = { raw: Buffer; message: Jt808Message };

export class Jt808TestClient {
  serial = 0;
  private buffer = Buffer.alloc(0);
  private readonly frames: Received[] = [];
  private waiting: (() => void) | null = null;
  readonly closed: Promise<void>;
  private isClosed = false;

  private constructor(
    private readonly socket: net.Socket,
    public phone: string,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        this.waiting?.();
        resolve();
      }),
    );
  }

  static connect(port: number, phone: string): Promise<Jt808TestClient> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ host: '127.0.0.1', port });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        socket.setNoDelay(true);
        resolve(new Jt808TestClient(socket, phone));
      });
    });
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  // A complete wire frame from this terminal, with the next serial number; `packet` makes it one subpackage (分包).
  frame(
    messageId: number,
    body: Buffer = Buffer.alloc(0),
    options: { phone?: string; serial?: number; packet?: { total: number; index: number } } = {},
  ): Buffer {
    const serial = options.serial ?? this.serial++;
    return encodeMessage({ messageId, phone: options.phone ?? this.phone, serial, body, packet: options.packet ?? null });
  }

  write(...chunks: Buffer[]): void {
    for (const c of chunks) this.socket.write(c);
  }

  // The next platform frame (raw wire bytes, 7e to 7e, and decoded).
  async read(timeoutMs = 5_000): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.isClosed) throw new Error('connection closed while waiting for a reply');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no reply within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiting = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.waiting = null;
    }
    return this.frames.shift()!;
  }

  async readMany(n: number, timeoutMs = 10_000): Promise<Received[]> {
    const out: Received[] = [];
    for (let i = 0; i < n; i++) out.push(await this.read(timeoutMs));
    return out;
  }

  // Resolves with nothing if no frame arrives within `ms`; fails if one does.
  async expectSilence(ms = 300): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    if (this.frames.length > 0) throw new Error(`unexpected reply: ${this.frames[0]!.raw.toString('hex')}`);
  }

  async request(messageId: number, body?: Buffer, options?: { phone?: string; serial?: number }): Promise<Received> {
    this.write(this.frame(messageId, body, options));
    return this.read();
  }

  end(): Promise<void> {
    this.socket.end();
    const force = setTimeout(() => this.socket.destroy(), 1_000);
    return this.closed.then(() => clearTimeout(force));
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const start = this.buffer.indexOf(0x7e);
      if (start < 0) {
        this.buffer = Buffer.alloc(0);
        break;
      }
      const end = this.buffer.indexOf(0x7e, start + 1);
      if (end < 0) {
        this.buffer = this.buffer.subarray(start);
        break;
      }
      const raw = Buffer.from(this.buffer.subarray(start, end + 1));
      this.buffer = this.buffer.subarray(end + 1);
      const decoded = decodeJt808(unescape(raw.subarray(1, -1)).payload);
      if (!decoded.ok) throw new Error(`the platform sent a frame that does not decode: ${decoded.error} ${raw.toString('hex')}`);
      this.frames.push({ raw, message: decoded.message });
    }
    this.waiting?.();
  }
}
