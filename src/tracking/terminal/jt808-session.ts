import { performance } from 'node:perf_hooks';
import type { DriverSignIn, PositionRecord } from '../positions/position.js';
import { PositionRejectedError } from '../positions/position-writer.js';
import { JT808_MESSAGE_ID, JT808_PLATFORM_RESULT, JT808_REGISTER_RESULT, type Jt808PlatformResult, type Jt808RegisterResult } from './jt808/jt808.constants.js';
import { decodeJt808, decodeJt808Body, type Jt808DecodeResult, type Jt808Header, type Jt808Message, type Jt808Version } from './jt808/jt808.decoder.js';
import { platformGeneralReply, registerReply, resendSubpackagesRequest } from './jt808/jt808.encoder.js';
import { Jt808FrameDecoder, type Jt808FrameDiscard } from './jt808/jt808.frame-decoder.js';
import {
  DEFAULT_SUBPACKAGE_LIMITS,
  Jt808Subpackages,
  type Jt808SubpackageDrop,
  type Jt808SubpackageLimits,
  type Jt808SubpackageRefusal,
} from './jt808/jt808.subpackages.js';
import { batchRecords, locationRecords, unreadableItems, type MappedPositions } from './jt808-positions.js';
import { authCodeMatches, hashAuthCode, newAuthCode, type DirectoryTerminal, type TerminalDirectory, type TerminalProtocolVersion } from './terminal-directory.js';
import type { RefusalReason, TerminalMetrics } from './terminal.metrics.js';
import { maskCertificate } from '../../vehicles/id-number.rules.js';

// One JT/T 808 connection: bytes → frames (Jt808FrameDecoder) → messages (decodeJt808) → register / authenticate /
// store / reply. The TCP server (terminal.server.ts) owns the sockets and everything shared; this holds the few
// fields one connection needs, because thousands of terminals sit idle between heartbeats: no timer, no buffer
// beyond the frame decoder's, no closure per frame kept after it is answered.
//
// Order. Frames are handled one after the other: an 0x0102 settles before the 0x0200 behind it is looked at (the
// frames behind a register/auth wait in `backlog`). A report does not hold up the frames behind it, though: its
// positions go to PositionsService.ingest() at once (the writer batches them with everyone else's, in submission
// order) and its reply waits in a slot of `slots`, which are written strictly in frame order, the ready ones of a
// turn in one socket write. So a terminal that pipelines (the simulator does) gets its ACKs in the order it sent,
// each only after the durable write of that report.
//
// Subpackaged messages (分包) are put back together per connection (jt808/jt808.subpackages.ts, created on the
// first fragment only). Each fragment is answered at once (0 accepted, 2 inconsistent, 3 too large), except the one
// that completes its message: that one gets the whole message's answer, for a report only after its durable write.
// The server's sweep asks for missing packages with 0x8003 (sweepSubpackages); nothing here keeps a timer.

export type SessionSocket = {
  write(data: Buffer): boolean;
  end(callback?: () => void): unknown;
  destroy(): unknown;
  pause(): unknown;
  resume(): unknown;
  readonly writableLength: number;
  readonly destroyed: boolean;
};

export type SessionLimits = {
  // Frames read and not yet answered; beyond it the socket is paused until replies catch up.
  maxPendingFrames: number;
  // Refused authentications and requests before authentication; the connection is closed at this count.
  maxStrikes: number;
  // Replies queued in the socket because the terminal does not read them; beyond it the connection is dropped.
  maxWriteBufferBytes: number;
  maxFrameLength: number;
  // Reassembly of subpackaged messages: messages, bytes and packages held per connection, and the timeout.
  subpackages: Jt808SubpackageLimits;
};

export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  maxPendingFrames: 64,
  maxStrikes: 5,
  maxWriteBufferBytes: 256 * 1024,
  // Largest legal payload is 1045 bytes (2019 header with subpackage fields + 1023-byte body + check code).
  maxFrameLength: 1100,
  subpackages: DEFAULT_SUBPACKAGE_LIMITS,
};

// Message ids whose subpackages are put together: those handled when they come whole. Fragments of any other id
// (a 0x0801 photo, say) are answered 3 (not supported) at once instead of being held to the same end.
const REASSEMBLED_IDS: ReadonlySet<number> = new Set([JT808_MESSAGE_ID.LOCATION, JT808_MESSAGE_ID.BATCH_LOCATION, JT808_MESSAGE_ID.DRIVER_IDENTITY]);

// Answer to a refused fragment: 2 (message error) when it contradicts itself or its message, 3 (not supported)
// when the message is larger than this platform takes.
const REFUSAL_RESULT: Record<Jt808SubpackageRefusal, Jt808PlatformResult> = {
  BAD_TOTAL: JT808_PLATFORM_RESULT.MESSAGE_ERROR,
  BAD_INDEX: JT808_PLATFORM_RESULT.MESSAGE_ERROR,
  TOTAL_CHANGED: JT808_PLATFORM_RESULT.MESSAGE_ERROR,
  CONFLICTING_REPEAT: JT808_PLATFORM_RESULT.MESSAGE_ERROR,
  TOO_MANY_PACKAGES: JT808_PLATFORM_RESULT.NOT_SUPPORTED,
  TOO_LARGE: JT808_PLATFORM_RESULT.NOT_SUPPORTED,
};

type Log = { log(msg: string): void; warn(msg: string): void; debug(msg: string): void; error(msg: string): void };

// What a session needs from the server; a plain object in the unit specs.
export interface SessionHost {
  readonly directory: TerminalDirectory;
  readonly positions: { ingest(records: readonly PositionRecord[]): Promise<unknown>; driverIdentity?(signIn: DriverSignIn): void };
  readonly metrics: TerminalMetrics;
  readonly logger: Log;
  readonly limits: SessionLimits;
  // True while no socket may be read: position writes are behind, or the server is shutting down.
  readonly holdReading: boolean;
  authenticated(session: Jt808Session, on: boolean): void;
  // An authenticated terminal sent a valid frame (last_seen_at, batched by the server).
  seen(session: Jt808Session): void;
}

// What a handled frame answers, built into bytes only when its turn to be written comes (the platform's serial
// numbers then follow the order on the wire).
type Reply =
  | { kind: 'general'; header: Jt808Header; replyId: number; result: Jt808PlatformResult }
  | { kind: 'register'; header: Jt808Header; result: Jt808RegisterResult; authCode: string | null };

// `reply` is wrapped in an object so that awaiting the handler does not await the write behind it.
type Outcome = { messageId: number; reply: Reply | null | Promise<Reply | null>; close?: boolean };

// A handled frame waiting for its turn to be answered. `error`: storing its report failed, nothing is written.
type ReplySlot = { at: number; ready: boolean; reply: Reply | null; close: boolean; error: unknown };

const NO_REPLY: Outcome = { messageId: -1, reply: null };

const general = (h: Jt808Header, result: Jt808PlatformResult): Reply => ({ kind: 'general', header: h, replyId: h.messageId, result });

export const headerVersion = (v: TerminalProtocolVersion | null): Jt808Version | undefined =>
  v === '2019' ? '2019' : v === '2011' || v === '2013' ? '2013' : undefined;

export class Jt808Session {
  // Bound by a successful 0x0102; null before.
  phone: string | null = null;
  terminalId: string | null = null;
  vehicleId: string | null = null;
  organisationId: string | null = null;
  // performance.now() of the last frame that decoded (idle detection), and of the last last_seen report.
  lastFrameAt: number;
  seenReportedAt = -Infinity;
  pending = 0;
  paused = false;
  // No further frame is handled (logout, too many refusals, idle, shutting down); `ended`: socket.end() was called.
  closing = false;
  private ended = false;
  private readonly frames: Jt808FrameDecoder;
  private version: Jt808Version | undefined;
  private serial = 0;
  private strikes = 0;
  private malformed = 0;
  private unacked = 0;
  // Frames read while a register/auth lookup is in progress: handled once it has settled, in order.
  private backlog: { frame: Buffer; at: number }[] | null = null;
  // One slot per handled frame, in frame order; the head is written as soon as its reply is known.
  private readonly slots: ReplySlot[] = [];
  private slotHead = 0;
  private idleWaiters: (() => void)[] = [];
  // Subpackaged messages in progress; null until the first fragment, and again once none is held.
  private subpackages: Jt808Subpackages | null = null;
  private subpackageWarnings = 0;

  constructor(
    readonly socket: SessionSocket,
    private readonly host: SessionHost,
    readonly id: number,
    readonly remote: string,
  ) {
    this.lastFrameAt = performance.now();
    this.frames = new Jt808FrameDecoder({ maxFrameLength: host.limits.maxFrameLength, onDiscard: (e) => this.onDiscard(e) });
  }

  get authenticated(): boolean {
    return this.terminalId !== null;
  }

  // ------------------------------------------------------------------------------------------- socket events

  onData(chunk: Buffer): void {
    if (this.closing) return;
    const frames = this.frames.push(chunk);
    if (frames.length === 0) return;
    const at = performance.now();
    for (const frame of frames) this.enqueue(frame, at);
  }

  onClose(): void {
    this.closing = true;
    if (this.authenticated) this.host.authenticated(this, false);
    this.freeSubpackages();
  }

  // Called by the server's sweep: asks with 0x8003 for the missing packages of messages stalled for a timeout, and
  // drops those still incomplete a timeout later. `now` is performance.now().
  sweepSubpackages(now: number): void {
    const pending = this.subpackages;
    if (!pending || this.closing) return;
    const { requests, dropped } = pending.sweep(now);
    this.subpackagesDropped(dropped);
    if (pending.size === 0) this.subpackages = null;
    const socket = this.socket;
    if (requests.length === 0 || socket.destroyed || socket.writableLength > this.host.limits.maxWriteBufferBytes) return;
    const out: Buffer[] = [];
    for (const r of requests) {
      // A body holds 1023 bytes: 255 indexes in 2013 (BYTE count), 509 in 2019; maxTotal keeps below either.
      const indexes = r.missing.slice(0, r.header.version === '2019' ? 509 : 255);
      const header = { phone: r.header.phone, serial: this.nextSerial(), version: r.header.version, protocolVersion: r.header.protocolVersion };
      out.push(resendSubpackagesRequest(header, { firstSerial: r.firstSerial, indexes }));
      this.host.metrics.resendRequested();
      this.host.logger.debug(
        `jt808 #${this.id} ${this.who()}: 0x${hex4(r.header.messageId)} from serial ${r.firstSerial} lacks package(s) ${indexes.join(', ')} of ${r.total}: asked again (0x8003)`,
      );
    }
    this.write(out);
  }

  // Pause or resume reading: the server says when nobody may read, and a terminal that sends faster than its
  // replies can be written waits for them.
  updateFlow(): void {
    if (this.socket.destroyed) return;
    const hold = this.host.holdReading || this.pending >= this.host.limits.maxPendingFrames;
    if (hold && !this.paused) {
      this.paused = true;
      this.socket.pause();
    } else if (!hold && this.paused) {
      this.paused = false;
      this.socket.resume();
    }
  }

  // Resolves once every frame read so far is handled and answered (or left unanswered).
  settled(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  // The server's sweep found nothing from this terminal for too long, or its record changed under it.
  close(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.closing = true;
    this.host.logger.debug(`jt808 #${this.id} ${this.who()}: closing (${reason})`);
    // Once the replies are flushed the socket is released, without waiting for a terminal that may never answer
    // the FIN (a vehicle out of coverage).
    const socket = this.socket;
    socket.end(() => socket.destroy());
  }

  // ------------------------------------------------------------------------------------------- pipeline

  // Synchronous for everything but register and auth (a directory lookup): a report is decoded, handed to
  // storage and given its reply slot in the same turn of the event loop, without a promise chain per frame. The
  // frames behind a register/auth wait in `backlog` until it has settled.
  private enqueue(frame: Buffer, at: number): void {
    this.pending++;
    this.updateFlow();
    if (this.backlog) {
      this.backlog.push({ frame, at });
      return;
    }
    this.process(frame, at);
  }

  private process(frame: Buffer, at: number): void {
    const slot: ReplySlot = { at, ready: false, reply: null, close: false, error: undefined };
    this.slots.push(slot);
    let outcome: Outcome | Promise<Outcome>;
    try {
      outcome = this.closing ? NO_REPLY : this.handle(frame);
    } catch (e) {
      this.fill(slot, null, e);
      return;
    }
    if (!(outcome instanceof Promise)) {
      this.settleSlot(slot, outcome);
      return;
    }
    this.backlog = [];
    outcome.then(
      (o) => this.settleSlot(slot, o),
      (e: unknown) => this.fill(slot, null, e),
    ).finally(() => this.resumeBacklog());
  }

  private resumeBacklog(): void {
    const waiting = this.backlog ?? [];
    this.backlog = null;
    for (let i = 0; i < waiting.length; i++) {
      this.process(waiting[i]!.frame, waiting[i]!.at);
      // Another register/auth: the rest waits for it.
      const held = this.backlog as { frame: Buffer; at: number }[] | null;
      if (held) {
        for (let j = i + 1; j < waiting.length; j++) held.push(waiting[j]!);
        return;
      }
    }
  }

  private settleSlot(slot: ReplySlot, outcome: Outcome): void {
    slot.close = outcome.close ?? false;
    const reply = outcome.reply;
    if (reply instanceof Promise) {
      reply.then(
        (r) => this.fill(slot, r, undefined),
        (e: unknown) => this.fill(slot, null, e),
      );
    } else {
      this.fill(slot, reply, undefined);
    }
  }

  private fill(slot: ReplySlot, reply: Reply | null, error: unknown): void {
    slot.ready = true;
    slot.reply = reply;
    slot.error = error;
    if (this.slots[this.slotHead] === slot) this.flushReplies();
  }

  // Writes the replies that are ready at the head, in frame order, in one socket write.
  private flushReplies(): void {
    let out: Buffer[] | null = null;
    let answered = 0;
    while (this.slotHead < this.slots.length) {
      const slot = this.slots[this.slotHead]!;
      if (!slot.ready) break;
      this.slots[this.slotHead++] = undefined as unknown as ReplySlot;
      answered++;
      if (slot.error !== undefined) this.replyFailed(slot.error);
      else if (slot.reply) {
        const bytes = this.encodeReply(slot.reply, slot.at);
        if (bytes) (out ??= []).push(bytes);
      }
      if (slot.close) {
        if (out) this.write(out);
        out = null;
        this.close('closed after reply');
      }
    }
    if (this.slotHead === this.slots.length) {
      this.slots.length = 0;
      this.slotHead = 0;
    } else if (this.slotHead >= 64) {
      // A terminal that always has a report outstanding never empties the list: drop the answered prefix.
      this.slots.splice(0, this.slotHead);
      this.slotHead = 0;
    }
    if (out) this.write(out);
    if (answered === 0) return;
    this.pending -= answered;
    this.updateFlow();
    if (this.pending === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private write(buffers: Buffer[]): void {
    const socket = this.socket;
    if (socket.destroyed) return;
    socket.write(buffers.length === 1 ? buffers[0]! : Buffer.concat(buffers));
  }

  private replyFailed(e: unknown): void {
    // Nothing is written: the terminal re-sends after its timeout, and the idempotent write stores it once.
    const reason = e instanceof Error ? e.constructor.name : 'Error';
    this.host.metrics.unacknowledged(reason);
    // A database outage fails every report of every connection: the first few per connection are logged, the
    // metric counts them all.
    if (++this.unacked > 3) return;
    this.host.logger.warn(`jt808 #${this.id} ${this.who()}: not acknowledged: ${e instanceof Error ? e.message : String(e)}`);
  }

  // The reply's bytes, or null when the connection is gone or dropped because the terminal stopped reading.
  private encodeReply(reply: Reply, receivedAt: number): Buffer | null {
    const socket = this.socket;
    if (socket.destroyed) return null;
    if (socket.writableLength > this.host.limits.maxWriteBufferBytes) {
      // The terminal stopped reading: holding its replies would grow without bound.
      this.host.logger.warn(`jt808 #${this.id} ${this.who()}: ${socket.writableLength} bytes of replies unread, dropping the connection`);
      this.closing = true;
      socket.destroy();
      return null;
    }
    const header = { phone: reply.header.phone, serial: this.nextSerial(), version: reply.header.version, protocolVersion: reply.header.protocolVersion };
    const bytes =
      reply.kind === 'general'
        ? platformGeneralReply(header, { replySerial: reply.header.serial, replyId: reply.replyId, result: reply.result })
        : registerReply(header, { replySerial: reply.header.serial, result: reply.result, authCode: reply.authCode });
    this.host.metrics.ack(reply.header.messageId, (performance.now() - receivedAt) / 1000);
    return bytes;
  }

  private nextSerial(): number {
    const s = this.serial;
    this.serial = (s + 1) & 0xffff;
    return s;
  }

  // ------------------------------------------------------------------------------------------- frames

  private decode(frame: Buffer): { result: Jt808DecodeResult; needs2019: boolean } {
    const result = decodeJt808(frame, this.version ? { versionOverride: this.version } : {});
    if (result.ok || this.version || result.error !== 'BAD_LENGTH') return { result, needs2019: false };
    // A 2019 header without its version bit only decodes once the terminal's override is known. Before that,
    // register and auth are tried in the 2019 layout, and accepted only if the terminal's record says 2019.
    const alt = decodeJt808(frame, { versionOverride: '2019' });
    if (alt.ok && (alt.message.kind === 'register' || alt.message.kind === 'auth')) return { result: alt, needs2019: true };
    return { result, needs2019: false };
  }

  // An Outcome now, or a promise of one for register and auth (the directory lookup).
  private handle(frame: Buffer): Outcome | Promise<Outcome> {
    const { result, needs2019 } = this.decode(frame);
    if (!result.ok) return this.malformedFrame(result.error, result.detail, result.header);
    const m = result.message;
    const h = m.header;
    this.host.metrics.frame(h.messageId);
    this.lastFrameAt = performance.now();
    if (this.authenticated && h.phone === this.phone) this.host.seen(this);

    switch (m.kind) {
      // A refusal that used up the last strike has set `closing`: the reply goes out, then the connection ends.
      case 'register':
        return this.register(h, needs2019).then((reply) => ({ messageId: h.messageId, reply, close: this.closing }));
      case 'auth':
        return this.authenticate(h, m.body.authCode, needs2019).then((reply) => ({ messageId: h.messageId, reply, close: this.closing }));
      case 'terminalGeneralReply':
        // The terminal answering a platform command; none is sent yet, so there is nothing to match it with.
        return NO_REPLY;
      default:
        break;
    }
    if (!this.authenticated || h.phone !== this.phone) return this.refuse(h, this.authenticated ? 'wrong_phone' : 'not_authenticated');
    return this.handleAuthenticated(m);
  }

  // `replyTo`: the frame being answered. It is the message's own header, except for a message put together from
  // subpackages, which is answered to the fragment that completed it.
  private handleAuthenticated(m: Jt808Message, replyTo: Jt808Header = m.header): Outcome {
    const h = m.header;
    switch (m.kind) {
      case 'heartbeat':
        return { messageId: h.messageId, reply: general(replyTo, JT808_PLATFORM_RESULT.SUCCESS) };
      case 'logout':
        // JT/T 808 §8.5 终端注销: answered, then the connection ends. The auth code stays valid; a new
        // registration replaces it.
        this.host.logger.log(`jt808 #${this.id} ${this.who()}: logged out`);
        this.closing = true;
        return { messageId: h.messageId, reply: general(replyTo, JT808_PLATFORM_RESULT.SUCCESS), close: true };
      case 'location':
        return this.store(h, locationRecords(m.body, this.binding(), new Date()), 0, 0, replyTo);
      case 'batchLocation': {
        const mapped = batchRecords(m.body, this.binding(), new Date());
        const unreadable = unreadableItems(m.body);
        if (unreadable > 0) {
          this.host.logger.warn(`jt808 #${this.id} ${this.who()}: 0x0704 with ${unreadable} unreadable item(s) of ${m.body.count}`);
        }
        return this.store(h, mapped, m.body.batchType, unreadable, replyTo);
      }
      case 'driverIdentity': {
        // Logged (vehicle, sign-in/out, masked certificate number) and handed to monitoring, which checks the card
        // against the waybill's crew (TR-16). 2011 terminals send no status: a report with a name is a sign-in.
        const d = m.body;
        const event = d.status === 2 ? 'card removed' : d.status === 1 ? (d.icReadResult === 0 ? 'card read' : `card read failed (${d.icReadResult})`) : 'identity';
        this.host.logger.log(`jt808 #${this.id} ${this.who()}: driver ${event}, certificate ${maskCertificate(d.certificateNumber)}`);
        if (this.vehicleId) {
          this.host.positions.driverIdentity?.({
            vehicleId: this.vehicleId,
            at: d.time ?? new Date(),
            inserted: d.status !== 2,
            readOk: d.status === null || d.icReadResult === 0,
            readResult: d.icReadResult,
            name: d.name,
            certificateNumber: d.certificateNumber,
            idCardNumber: d.idCardNumber,
          });
        }
        return { messageId: h.messageId, reply: general(replyTo, JT808_PLATFORM_RESULT.SUCCESS) };
      }
      case 'fragment':
        return this.fragment(m);
      default:
        // RSA-encrypted bodies, platform messages sent by a terminal, and ids this platform does not handle.
        return { messageId: h.messageId, reply: general(replyTo, JT808_PLATFORM_RESULT.NOT_SUPPORTED) };
    }
  }

  // One subpackage (JT/T 808-2013 分包消息: each package may be answered with 0x8001). The fragment that completes
  // its message is answered as the whole message would be: for a report, once its positions are stored.
  private fragment(m: Extract<Jt808Message, { kind: 'fragment' }>): Outcome {
    const h = m.header;
    const metrics = this.host.metrics;
    if (!REASSEMBLED_IDS.has(h.messageId) || h.encryption !== 0) {
      metrics.fragment('not_supported');
      return { messageId: h.messageId, reply: general(h, JT808_PLATFORM_RESULT.NOT_SUPPORTED) };
    }
    const { result, dropped } = (this.subpackages ??= new Jt808Subpackages(this.host.limits.subpackages)).add(h, m.body, performance.now());
    this.subpackagesDropped(dropped);
    switch (result.kind) {
      case 'accepted':
      case 'repeat':
        metrics.fragment(result.kind);
        return { messageId: h.messageId, reply: general(h, JT808_PLATFORM_RESULT.SUCCESS) };
      case 'refused':
        metrics.fragment('refused');
        this.subpackageWarning(`0x${hex4(h.messageId)} package ${h.packet!.index} of ${h.packet!.total} (serial ${h.serial}) refused: ${result.reason} (${result.detail})`);
        return { messageId: h.messageId, reply: general(h, REFUSAL_RESULT[result.reason]) };
      case 'complete': {
        metrics.fragment('completed');
        if (!result.again) metrics.reassembled(h.messageId);
        const decoded = decodeJt808Body(result.header, result.body);
        if (!decoded.ok) {
          // Put together but unreadable: result 2, as for a malformed whole message.
          metrics.malformedFrame(decoded.error);
          this.subpackageWarning(`0x${hex4(h.messageId)} of ${result.body.length} bytes from serial ${result.header.serial} does not decode: ${decoded.error} (${decoded.detail})`);
          return { messageId: h.messageId, reply: general(h, JT808_PLATFORM_RESULT.MESSAGE_ERROR) };
        }
        return this.handleAuthenticated(decoded.message, h);
      }
      default:
        return assertNever(result);
    }
  }

  private subpackagesDropped(dropped: readonly Jt808SubpackageDrop[]): void {
    for (const d of dropped) {
      this.host.metrics.reassemblyDropped(d.reason);
      if (d.reason !== 'closed') {
        this.subpackageWarning(`0x${hex4(d.messageId)} from serial ${d.firstSerial} dropped with ${d.received} of ${d.total} package(s): ${d.reason}`);
      }
    }
  }

  // The first few per connection, then one in a hundred: a terminal sending nonsense must not flood the log.
  private subpackageWarning(message: string): void {
    if (++this.subpackageWarnings <= 3 || this.subpackageWarnings % 100 === 0) this.host.logger.warn(`jt808 #${this.id} ${this.who()}: ${message}`);
  }

  private freeSubpackages(): void {
    const pending = this.subpackages;
    if (!pending) return;
    this.subpackages = null;
    this.subpackagesDropped(pending.clear());
  }

  private malformedFrame(error: string, detail: string, header: Jt808Header | null): Outcome {
    this.malformed++;
    this.host.metrics.malformedFrame(error);
    // The first few per connection, then one in a thousand: a terminal sending garbage must not flood the log.
    if (this.malformed <= 3 || this.malformed % 1000 === 0) {
      const id = header ? ` 0x${header.messageId.toString(16).padStart(4, '0')} serial ${header.serial}` : '';
      this.host.logger.warn(`jt808 #${this.id} ${this.who()}: malformed frame${id} skipped: ${error} (${detail}); ${this.malformed} so far`);
    }
    // §8.2 result 2 (message error) when it can be addressed, so that the terminal may re-send. Once the terminal
    // is known, a "header" with some other phone is line noise cut out between two frames: not answered.
    const addressable = header !== null && (this.phone === null || header.phone === this.phone);
    return addressable ? { messageId: header.messageId, reply: general(header, JT808_PLATFORM_RESULT.MESSAGE_ERROR) } : NO_REPLY;
  }

  private onDiscard(e: Jt808FrameDiscard): void {
    if (e.reason === 'OVERSIZED') this.host.metrics.malformedFrame('OVERSIZED');
    else if (e.reason === 'INVALID_ESCAPE') this.host.metrics.malformedFrame('INVALID_ESCAPE');
  }

  private refuse(h: Jt808Header, reason: RefusalReason): Outcome {
    this.host.metrics.refusal(reason);
    const close = this.strike();
    if (this.strikes <= 3) this.host.logger.warn(`jt808 #${this.id} ${this.who()}: 0x${h.messageId.toString(16).padStart(4, '0')} from ${h.phone} refused (${reason})`);
    return { messageId: h.messageId, reply: general(h, JT808_PLATFORM_RESULT.FAILURE), close };
  }

  // True when this strike is the last one allowed: the reply goes out, then the connection is closed.
  private strike(): boolean {
    this.strikes++;
    if (this.strikes < this.host.limits.maxStrikes) return false;
    this.host.logger.warn(`jt808 #${this.id} ${this.who()}: ${this.strikes} refused requests, closing the connection`);
    this.closing = true;
    return true;
  }

  // ------------------------------------------------------------------------------------------- register / auth

  // 0x0100 → 0x8100 (§8.6). The terminal must be on record (active, JT/T 808) with an active vehicle; a new random
  // code replaces any earlier one. Registration does not authenticate: 0x0102 follows with the code.
  private async register(h: Jt808Header, needs2019: boolean): Promise<Reply | null> {
    this.unbind();
    const t = await this.lookup(h.phone);
    if (t === undefined) return null;
    if (t && needs2019 && t.protocolVersion !== '2019') return this.malformedFrame('BAD_LENGTH', 'a 2019 header from a terminal not set to 2019', h).reply as Reply | null;
    let result: Jt808RegisterResult = JT808_REGISTER_RESULT.OK;
    let reason: RefusalReason | null = null;
    if (!t || t.protocol !== 'jt808') [result, reason] = [JT808_REGISTER_RESULT.NO_SUCH_TERMINAL, 'unknown_terminal'];
    else if (!t.vehicleId || !t.vehicleActive) [result, reason] = [JT808_REGISTER_RESULT.NO_SUCH_VEHICLE, 'no_vehicle'];
    if (reason) {
      this.host.metrics.refusal(reason);
      this.host.logger.warn(`jt808 #${this.id} ${this.who()}: registration of ${h.phone} refused (${reason})`);
      this.strike();
      return { kind: 'register', header: h, result, authCode: null };
    }
    const code = newAuthCode();
    try {
      await this.host.directory.setAuthCodeHash(t!.id, hashAuthCode(code));
    } catch (e) {
      // Unanswered: the terminal registers again after its timeout.
      this.host.logger.warn(`jt808 #${this.id} ${this.who()}: registration of ${h.phone} not stored: ${(e as Error).message}`);
      return null;
    }
    this.version = headerVersion(t!.protocolVersion) ?? this.version;
    this.host.logger.log(`jt808 #${this.id} ${this.who()}: terminal ${h.phone} registered for vehicle ${t!.vehicleId}`);
    return { kind: 'register', header: h, result: JT808_REGISTER_RESULT.OK, authCode: code };
  }

  // 0x0102 → 0x8001 (§8.8). Only the code issued to this very terminal (by phone) opens the session, which is then
  // bound to that terminal's vehicle: everything it reports is stored for that vehicle and no other.
  private async authenticate(h: Jt808Header, code: string, needs2019: boolean): Promise<Reply | null> {
    this.unbind();
    const t = await this.lookup(h.phone);
    if (t === undefined) return null;
    let reason: RefusalReason | null = null;
    if (!t || t.protocol !== 'jt808' || (needs2019 && t.protocolVersion !== '2019')) reason = 'unknown_terminal';
    else if (!t.vehicleId || !t.vehicleActive) reason = 'no_vehicle';
    else if (!authCodeMatches(code, t.authCodeHash)) reason = 'bad_auth_code';
    if (reason) {
      this.host.metrics.refusal(reason);
      this.host.logger.warn(`jt808 #${this.id} ${this.who()}: authentication of ${h.phone} refused (${reason})`);
      this.strike();
      return general(h, JT808_PLATFORM_RESULT.FAILURE);
    }
    this.phone = h.phone;
    this.terminalId = t!.id;
    this.vehicleId = t!.vehicleId;
    this.organisationId = t!.organisationId;
    this.version = headerVersion(t!.protocolVersion) ?? this.version;
    this.strikes = 0;
    this.host.authenticated(this, true);
    this.host.seen(this);
    this.host.logger.debug(`jt808 #${this.id} ${this.who()}: authenticated`);
    return general(h, JT808_PLATFORM_RESULT.SUCCESS);
  }

  // undefined: the lookup failed (database away) and the request stays unanswered.
  private async lookup(phone: string): Promise<DirectoryTerminal | null | undefined> {
    try {
      return await this.host.directory.findByPhone(phone);
    } catch (e) {
      this.host.logger.warn(`jt808 #${this.id} ${this.who()}: terminal lookup for ${phone} failed: ${(e as Error).message}`);
      return undefined;
    }
  }

  private unbind(): void {
    if (!this.authenticated) return;
    // Packages of the terminal that was authenticated here are not completed by whoever authenticates next.
    this.freeSubpackages();
    this.host.authenticated(this, false);
    this.phone = this.terminalId = this.vehicleId = this.organisationId = null;
  }

  // ------------------------------------------------------------------------------------------- positions

  private binding() {
    return { vehicleId: this.vehicleId!, terminalId: this.terminalId! };
  }

  // Hands the positions to storage now and answers once they are committed (§8.18: 0x8001 for each 0x0200, one
  // for a whole 0x0704). A record the pipeline refuses as malformed is answered with result 2, since re-sending the
  // same bytes cannot help; any other failure (database away, shutting down) leaves the report unanswered.
  //
  // Success (0) means every position of the report is stored (DESIGN.md "Nothing acknowledged is lost"). A position
  // that cannot be stored (no usable fix time: `mapped.dropped`; an unreadable 0x0704 item: `unreadable`) makes the
  // answer 2 (message error). 0x8001 has one result for the whole message and the standard has no partial ACK, so
  // for a 0x0704 with some items readable: the readable ones are stored, and the answer, after their write, is 2.
  // 0 would claim items that were never stored; 1 (failure) asks for the same bytes again, which cannot help; 2
  // says the message itself is wrong. A terminal that re-sends it anyway costs a duplicate write, no duplicate rows
  // (positions are unique by vehicle and fix time).
  private store(h: Jt808Header, mapped: MappedPositions, batchType: number, unreadable: number, replyTo: Jt808Header = h): Outcome {
    const backfill = h.messageId === JT808_MESSAGE_ID.BATCH_LOCATION && batchType === 1;
    const metrics = this.host.metrics;
    metrics.positionsReceived(h.messageId, backfill, mapped.records.length);
    metrics.positionsDropped('batch_item_malformed', unreadable);
    if (mapped.dropped > 0) {
      metrics.positionsDropped('time_invalid', mapped.dropped);
      this.host.logger.warn(`jt808 #${this.id} ${this.who()}: ${mapped.dropped} position(s) without a valid fix time not stored`);
    }
    const result = mapped.dropped + unreadable > 0 ? JT808_PLATFORM_RESULT.MESSAGE_ERROR : JT808_PLATFORM_RESULT.SUCCESS;
    if (mapped.records.length === 0) return { messageId: h.messageId, reply: general(replyTo, result) };
    const reply = this.host.positions.ingest(mapped.records).then(
      () => general(replyTo, result),
      (e: unknown) => {
        if (!(e instanceof PositionRejectedError)) throw e;
        metrics.unacknowledged('PositionRejectedError');
        this.host.logger.warn(`jt808 #${this.id} ${this.who()}: report refused by storage: ${e.message}`);
        return general(replyTo, JT808_PLATFORM_RESULT.MESSAGE_ERROR);
      },
    );
    return { messageId: h.messageId, reply };
  }

  private who(): string {
    return this.phone ? `${this.phone} (vehicle ${this.vehicleId})` : this.remote;
  }
}

const hex4 = (n: number) => n.toString(16).padStart(4, '0');

function assertNever(x: never): never {
  throw new Error(`unhandled case ${JSON.stringify(x)}`);
}
