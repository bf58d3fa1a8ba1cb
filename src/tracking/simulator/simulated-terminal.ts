import { EventEmitter } from 'node:events';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { JT808_MESSAGE_ID, JT808_TERMINAL_RESULT } from '../terminal/jt808/jt808.constants.js';
import { decodeJt808, type Jt808Message, type Jt808Version } from '../terminal/jt808/jt808.decoder.js';
import { encodeAuth, encodeBatch, encodeLocation, encodeMessage, encodeRegister, terminalGeneralReply, type Jt808PositionInput } from '../terminal/jt808/jt808.encoder.js';
import { xorChecksum } from '../terminal/jt808/jt808.fields.js';
import { Jt808FrameDecoder } from '../terminal/jt808/jt808.frame-decoder.js';
import type { LatencyHistogram } from './latency-histogram.js';
import { canWriteFast, TerminalFrameWriter, type FastLocation } from './terminal-frame-writer.js';

// The terminal side of JT/T 808 over TCP, for the simulator, the benchmarks and the tests: connect, register
// (0x0100 → 0x8100 + auth code), authenticate (0x0102 → 0x8001), heartbeat (0x0002), report positions (0x0200,
// 0x0704) and match the platform's 0x8001 replies to requests by serial number. Several requests may be
// outstanding at once (pipelining). Failures never throw out of an event handler: they reject the promise of the
// request concerned (TerminalError with a code) or are emitted as 'disconnect' / 'frameError' events, and this
// class never emits 'error' (an 'error' event without a listener would crash the process).

export type TerminalErrorCode =
  | 'CONNECT_FAILED' // the TCP connection could not be made (or timed out)
  | 'NOT_CONNECTED' // a request while no connection is open
  | 'DISCONNECTED' // the connection closed with the request still waiting for its reply
  | 'CLOSED' // close() was called with the request still waiting
  | 'TIMEOUT' // no reply within replyTimeoutMs
  | 'REGISTER_REFUSED' // 0x8100 with a result other than 0 (see `result`), or a 0x8001 answer to 0x0100
  | 'AUTH_REFUSED' // 0x8001 to 0x0102 with a result other than 0
  | 'NO_AUTH_CODE'; // authenticate() before any registration and without a code

export class TerminalError extends Error {
  constructor(
    readonly code: TerminalErrorCode,
    message: string,
    readonly result?: number,
  ) {
    super(message);
    this.name = 'TerminalError';
  }
}

// The platform's answer to one request.
export type TerminalAck = {
  serial: number; // the terminal's serial number of the request
  messageId: number; // what was sent
  replyId: number; // what the platform says it answers
  result: number; // 0x8001 result: 0 ok, 1 failure, 2 message error, 3 not supported, 4 alarm confirmed
  latencyMs: number; // from write to reply
};

export type RegisterResult = { authCode: string; latencyMs: number };

export type TerminalRegistration = {
  province: number; // GB/T 2260 first two digits, e.g. 15 Inner Mongolia
  city: number; // GB/T 2260 last four digits, e.g. 600 for Ordos (150600)
  manufacturer: string; // 5 bytes (11 in 2019)
  model: string; // 20 bytes (30 in 2019)
  terminalId: string; // 7 bytes (30 in 2019)
  plateColour: number; // JT/T 697.7: 1 blue, 2 yellow, ... 0 = not plated
  plate: string;
};

export type SimulatedTerminalOptions = {
  host: string;
  port: number;
  phone: string; // 12 digits for 2013 headers (BCD[6]), up to 20 for 2019
  version?: Jt808Version; // header layout, default '2013'
  protocolVersion?: number; // 2019 header byte, default 1
  imei?: string; // 2019 0x0102
  softwareVersion?: string; // 2019 0x0102
  authCode?: string | null; // a code from an earlier registration
  replyTimeoutMs?: number; // default 10 s
  connectTimeoutMs?: number; // default 5 s
  // Record every reply's latency here (shared by many terminals in the simulator); see also `latency`.
  latency?: LatencyHistogram;
  // Answer platform commands (0x8103, 0x8300 text...) with 0x0001 result 0, as a compliant terminal does.
  answerCommands?: boolean; // default true
};

export type TerminalCounters = {
  sent: number; // requests written
  acked: number; // replies with result 0
  failed: number; // nacked + timedOut + aborted
  nacked: number; // replies with another result
  timedOut: number;
  aborted: number; // requests lost with their connection
  unmatched: number; // replies to no outstanding request (late after a timeout, or a platform bug)
  badFrames: number; // frames from the platform that did not decode
  commands: number; // platform-initiated messages
};

type Pending = {
  serial: number;
  messageId: number;
  sentAt: number;
  deadline: number;
  expect: 'general' | 'register';
  resolve: (value: unknown) => void;
  reject: (error: TerminalError) => void;
};

const HEARTBEAT_BODY = Buffer.alloc(0);

// Timeouts and lost connections fail requests by the thousand when the platform is overloaded; a stack trace for
// each (always the same timer callback) cost the load generator a fifth of its CPU then, taken from the server
// it shares the machine with.
function withoutStack(code: TerminalErrorCode, message: string): TerminalError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new TerminalError(code, message);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

export class SimulatedTerminal extends EventEmitter {
  readonly phone: string;
  readonly version: Jt808Version;
  authCode: string | null;
  authenticated = false;
  // Where reply latencies go; the simulator sets it once set-up is over, so that registration does not count.
  latency: LatencyHistogram | null;
  readonly counters: TerminalCounters = { sent: 0, acked: 0, failed: 0, nacked: 0, timedOut: 0, aborted: 0, unmatched: 0, badFrames: 0, commands: 0 };

  private readonly options: SimulatedTerminalOptions;
  private readonly replyTimeoutMs: number;
  private readonly writer: TerminalFrameWriter;
  private readonly frames = new Jt808FrameDecoder({ maxFrameLength: 1100 });
  private readonly pending = new Map<number, Pending>();
  private socket: net.Socket | null = null;
  private connecting: Promise<void> | null = null;
  private closing = false;
  private serial = 0;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;

  constructor(options: SimulatedTerminalOptions) {
    super();
    this.options = options;
    this.phone = options.phone;
    this.version = options.version ?? '2013';
    this.authCode = options.authCode ?? null;
    this.latency = options.latency ?? null;
    this.replyTimeoutMs = options.replyTimeoutMs ?? 10_000;
    this.writer = new TerminalFrameWriter(options.phone, this.version, options.protocolVersion ?? 1);
  }

  get connected(): boolean {
    return this.socket !== null && !this.closing;
  }

  // Requests waiting for their reply.
  get inFlight(): number {
    return this.pending.size;
  }

  // True while the socket's write buffer is above its high-water mark (the platform reads slower than we write).
  get congested(): boolean {
    return this.socket?.writableNeedDrain ?? false;
  }

  connect(): Promise<void> {
    if (this.socket && !this.closing) return Promise.resolve();
    if (this.connecting) return this.connecting;
    this.connecting = new Promise<void>((resolve, reject) => {
      const socket = net.createConnection({ host: this.options.host, port: this.options.port });
      let lastError: Error | undefined;
      let settled = false;
      const timeout = setTimeout(() => {
        socket.destroy(new Error(`connect timeout after ${this.options.connectTimeoutMs ?? 5_000} ms`));
      }, this.options.connectTimeoutMs ?? 5_000);
      socket.on('error', (e) => {
        lastError = e;
      });
      socket.once('connect', () => {
        clearTimeout(timeout);
        settled = true;
        socket.setNoDelay(true);
        this.frames.reset();
        this.closing = false;
        this.authenticated = false;
        this.socket = socket;
        this.connecting = null;
        resolve();
      });
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.on('close', () => {
        clearTimeout(timeout);
        if (!settled) {
          settled = true;
          this.connecting = null;
          const reason = lastError?.message ?? 'closed before connecting';
          reject(new TerminalError('CONNECT_FAILED', `${this.phone}: cannot connect to ${this.options.host}:${this.options.port}: ${reason}`));
          return;
        }
        this.onClose(socket, lastError);
      });
    });
    return this.connecting;
  }

  // 0x0100 → 0x8100. Keeps the auth code; a result other than 0 rejects with REGISTER_REFUSED and the result
  // (1 vehicle already registered, 2 no such vehicle, 3 terminal already registered, 4 no such terminal).
  async register(reg: TerminalRegistration): Promise<RegisterResult> {
    const body = encodeRegister(
      {
        provinceId: reg.province,
        cityId: reg.city,
        manufacturerId: reg.manufacturer,
        model: reg.model,
        terminalId: reg.terminalId,
        plateColor: reg.plateColour,
        plate: reg.plate,
      },
      this.version,
    );
    const reply = await this.request<{ result: number; authCode: string | null; latencyMs: number }>(JT808_MESSAGE_ID.REGISTER, () => body, 'register');
    if (reply.result !== 0) {
      throw new TerminalError('REGISTER_REFUSED', `${this.phone}: registration refused with result ${reply.result}`, reply.result);
    }
    this.authCode = reply.authCode ?? '';
    return { authCode: this.authCode, latencyMs: reply.latencyMs };
  }

  // 0x0102 → 0x8001 result 0. Needed on every new connection.
  async authenticate(authCode: string | null = this.authCode): Promise<TerminalAck> {
    if (authCode === null) throw new TerminalError('NO_AUTH_CODE', `${this.phone}: no auth code: register first`);
    const body = encodeAuth({ authCode, imei: this.options.imei ?? null, softwareVersion: this.options.softwareVersion ?? null }, this.version);
    const ack = await this.request<TerminalAck>(JT808_MESSAGE_ID.AUTH, () => body, 'general');
    if (ack.result !== 0) throw new TerminalError('AUTH_REFUSED', `${this.phone}: authentication refused with result ${ack.result}`, ack.result);
    this.authCode = authCode;
    this.authenticated = true;
    return ack;
  }

  heartbeat(): Promise<TerminalAck> {
    return this.request<TerminalAck>(JT808_MESSAGE_ID.HEARTBEAT, () => HEARTBEAT_BODY, 'general');
  }

  // 0x0200. Resolves with the platform's reply whatever its result (check ack.result); rejects on timeout or
  // a lost connection.
  sendLocation(position: Jt808PositionInput): Promise<TerminalAck> {
    if (canWriteFast(position)) {
      return this.requestFrame<TerminalAck>(JT808_MESSAGE_ID.LOCATION, 'general', (serial) => this.writer.location(serial, position));
    }
    // Encoded inside the request so that impossible input (a time outside 2000-2099) rejects instead of throwing.
    return this.request<TerminalAck>(JT808_MESSAGE_ID.LOCATION, () => encodeLocation(position), 'general');
  }

  // 0x0704: type 0 normal batch, 1 blind-area back-fill (补报).
  sendBatch(type: 0 | 1, positions: readonly Jt808PositionInput[]): Promise<TerminalAck> {
    if (positions.every(canWriteFast)) {
      return this.requestFrame<TerminalAck>(JT808_MESSAGE_ID.BATCH_LOCATION, 'general', (serial) => this.writer.batch(serial, type, positions as readonly FastLocation[]));
    }
    return this.request<TerminalAck>(JT808_MESSAGE_ID.BATCH_LOCATION, () => encodeBatch(type, positions), 'general');
  }

  // A fresh connection (the platform expects 0x0102 again on it; authenticated is false until then).
  async reconnect(): Promise<void> {
    await this.close();
    await this.connect();
  }

  // Ends the connection; outstanding requests reject with CLOSED.
  close(): Promise<void> {
    const socket = this.socket;
    if (!socket) return this.connecting ? this.connecting.then(() => this.close(), () => undefined) : Promise.resolve();
    this.closing = true;
    this.failAll('CLOSED', 'the terminal was closed');
    return new Promise<void>((resolve) => {
      const force = setTimeout(() => socket.destroy(), 1_000);
      socket.once('close', () => {
        clearTimeout(force);
        resolve();
      });
      socket.end();
    });
  }

  private request<T>(messageId: number, body: () => Buffer, expect: Pending['expect']): Promise<T> {
    return this.requestFrame<T>(messageId, expect, (serial) =>
      encodeMessage({ messageId, phone: this.phone, serial, version: this.version, protocolVersion: this.version === '2019' ? (this.options.protocolVersion ?? 1) : null, body: body() }),
    );
  }

  private requestFrame<T>(messageId: number, expect: Pending['expect'], frame: (serial: number) => Buffer): Promise<T> {
    const socket = this.socket;
    if (!socket || this.closing) {
      this.counters.failed++;
      this.counters.aborted++;
      return Promise.reject(new TerminalError('NOT_CONNECTED', `${this.phone}: not connected`));
    }
    const serial = this.nextSerial();
    let bytes: Buffer;
    try {
      bytes = frame(serial);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<T>((resolve, reject) => {
      const sentAt = performance.now();
      this.pending.set(serial, { serial, messageId, sentAt, deadline: sentAt + this.replyTimeoutMs, expect, resolve: resolve as (v: unknown) => void, reject });
      this.counters.sent++;
      this.armTimer();
      socket.write(bytes);
    });
  }

  // 0-65535, skipping a number still waiting for its reply (only possible with 65,536 outstanding).
  private nextSerial(): number {
    for (let i = 0; i < 0x10000; i++) {
      const s = this.serial;
      this.serial = (s + 1) & 0xffff;
      if (!this.pending.has(s)) return s;
    }
    throw new RangeError('65,536 requests outstanding');
  }

  private onData(chunk: Buffer): void {
    for (const frame of this.frames.push(chunk)) {
      if (!this.fastGeneralReply(frame)) this.onMessage(frame);
    }
  }

  // 0x8001 is nearly every frame the platform sends: read it in place instead of decoding a full message.
  private fastGeneralReply(f: Buffer): boolean {
    if (f.length < 4) return false;
    if (f.readUInt16BE(0) !== JT808_MESSAGE_ID.PLATFORM_GENERAL_REPLY) return false;
    const props = f.readUInt16BE(2);
    if ((props & 0x3ff) !== 5 || (props & 0x3c00) !== 0) return false; // other length, encryption or subpackage
    const hl = props & 0x4000 ? 17 : 12;
    if (f.length !== hl + 6 || xorChecksum(f, 0, f.length - 1) !== f[f.length - 1]) return false;
    this.settle(f.readUInt16BE(hl), { replyId: f.readUInt16BE(hl + 2), result: f[hl + 4]!, authCode: null }, 'general');
    return true;
  }

  private onMessage(frame: Buffer): void {
    const decoded = decodeJt808(frame);
    if (!decoded.ok) {
      this.counters.badFrames++;
      this.emit('frameError', { error: decoded.error, detail: decoded.detail });
      return;
    }
    const m = decoded.message;
    switch (m.kind) {
      case 'platformGeneralReply':
        this.settle(m.body.replySerial, { replyId: m.body.replyId, result: m.body.result, authCode: null }, 'general');
        return;
      case 'registerReply':
        this.settle(m.body.replySerial, { replyId: JT808_MESSAGE_ID.REGISTER, result: m.body.result, authCode: m.body.authCode }, 'register');
        return;
      default:
        this.onCommand(m);
    }
  }

  private onCommand(m: Jt808Message): void {
    this.counters.commands++;
    this.emit('command', m);
    // Platform messages have ids 0x8xxx; anything else from the platform is not a command to answer.
    if (this.options.answerCommands === false || (m.header.messageId & 0x8000) === 0) return;
    this.socket?.write(
      terminalGeneralReply(
        { phone: this.phone, serial: this.nextSerial(), version: this.version, protocolVersion: this.version === '2019' ? (this.options.protocolVersion ?? 1) : null },
        { replySerial: m.header.serial, replyId: m.header.messageId, result: JT808_TERMINAL_RESULT.SUCCESS },
      ),
    );
  }

  private settle(replySerial: number, reply: { replyId: number; result: number; authCode: string | null }, kind: 'general' | 'register'): void {
    const p = this.pending.get(replySerial);
    if (!p) {
      this.counters.unmatched++;
      return;
    }
    this.pending.delete(replySerial);
    if (this.pending.size === 0) this.armTimer();
    const latencyMs = performance.now() - p.sentAt;
    this.latency?.record(latencyMs);
    if (reply.result === 0) this.counters.acked++;
    else {
      this.counters.nacked++;
      this.counters.failed++;
    }
    if (p.expect === 'register') {
      // A platform may answer a register it cannot parse with 0x8001 (result 2/3): a refusal all the same.
      const result = kind === 'register' ? reply.result : reply.result || 0xff;
      p.resolve({ result, authCode: reply.authCode, latencyMs });
      return;
    }
    p.resolve({ serial: p.serial, messageId: p.messageId, replyId: reply.replyId, result: reply.result, latencyMs });
  }

  // One timer per terminal, for the oldest outstanding request (the map keeps sending order, and every request
  // has the same timeout, so deadlines are in order too).
  private armTimer(): void {
    const first = this.pending.values().next();
    if (first.done) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.timerAt = Infinity;
      return;
    }
    const at = first.value.deadline;
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    // Unref'd: an open socket keeps the process alive while requests wait; the timer alone must not.
    this.timer = setTimeout(() => this.expire(), Math.max(0, at - performance.now()) + 1).unref();
  }

  private expire(): void {
    this.timer = null;
    this.timerAt = Infinity;
    const now = performance.now();
    for (const p of this.pending.values()) {
      if (p.deadline > now) break;
      this.pending.delete(p.serial);
      this.counters.timedOut++;
      this.counters.failed++;
      p.reject(withoutStack('TIMEOUT', `${this.phone}: no reply to 0x${p.messageId.toString(16).padStart(4, '0')} serial ${p.serial} within ${this.replyTimeoutMs} ms`));
    }
    this.armTimer();
  }

  private failAll(code: 'DISCONNECTED' | 'CLOSED', message: string): void {
    if (this.pending.size === 0) return;
    const all = [...this.pending.values()];
    this.pending.clear();
    this.armTimer();
    for (const p of all) {
      this.counters.aborted++;
      this.counters.failed++;
      p.reject(withoutStack(code, `${this.phone}: ${message} before the reply to 0x${p.messageId.toString(16).padStart(4, '0')} serial ${p.serial}`));
    }
  }

  private onClose(socket: net.Socket, error: Error | undefined): void {
    if (this.socket !== socket) return;
    const expected = this.closing;
    this.socket = null;
    this.closing = false;
    this.authenticated = false;
    this.failAll('DISCONNECTED', error ? `connection lost (${error.message})` : 'the platform closed the connection');
    this.emit('disconnect', { expected, error });
  }
}
