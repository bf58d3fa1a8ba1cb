import type { Jt808Header } from './jt808.decoder.js';

// Reassembly of subpackaged (分包) JT/T 808 messages, for one connection. Pure: no I/O, no timers, time is passed in
// (`now`, in ms, any monotonic clock). The session feeds it the fragments the decoder returns ({ kind: 'fragment' })
// and decodes the body it hands back once a message is complete; the server's sweep calls sweep() to learn which
// messages have stalled (JT/T 808-2013 分包消息: the receiver may ask for missing packages with 0x8003).
//
// The standard numbers the packages of a message with consecutive serials, so every fragment names its message by
// (phone, message id, first serial = serial − (index − 1)). The total is part of the message's identity too: a
// fragment that names a message in progress with another total is refused (TOTAL_CHANGED) rather than starting a
// second message under the same serials.
//
// Bounded: at most `maxMessages` messages and `maxBytes` body bytes per connection, and `maxTotal` packages per
// message (a package body is at most 1023 bytes). Going beyond a limit drops the oldest message, which is reported.
//
// A completed message is kept (its body only) until it expires, so that a re-sent completing fragment (the terminal
// got no ACK because storing the message failed or the ACK was lost) completes it again and is stored again (the
// storage is idempotent), instead of starting a new message that can never complete.

export type Jt808SubpackageLimits = {
  // Messages in progress (and completed ones still kept) per connection; a new one beyond it drops the oldest.
  maxMessages: number;
  // Body bytes held per connection, all messages together; beyond it the oldest messages are dropped.
  maxBytes: number;
  // Packages per message; a larger total is refused (TOO_MANY_PACKAGES).
  maxTotal: number;
  // A message with no new fragment for this long is reported once as missing packages (0x8003), and dropped if it
  // is still incomplete after as long again. Completed messages are forgotten after twice this.
  timeoutMs: number;
};

export const DEFAULT_SUBPACKAGE_LIMITS: Jt808SubpackageLimits = {
  maxMessages: 8,
  // Two messages of the largest size allowed.
  maxBytes: 2 * 256 * 1023,
  maxTotal: 256,
  timeoutMs: 30_000,
};

export type Jt808SubpackageRefusal =
  | 'BAD_TOTAL' // total 0
  | 'BAD_INDEX' // index 0 or > total
  | 'TOTAL_CHANGED' // the message is in progress with another total
  | 'CONFLICTING_REPEAT' // a package received before, with other bytes
  | 'TOO_MANY_PACKAGES' // total > maxTotal
  | 'TOO_LARGE'; // the message alone holds more than maxBytes

export type Jt808SubpackageDropReason =
  | 'too_many_messages' // the oldest message made room for a new one
  | 'too_many_bytes' // the oldest message made room for the bytes of another
  | 'timeout' // still incomplete a timeout after its missing packages were requested
  | 'closed'; // the connection closed or its terminal authenticated again

// A message given up before it completed (a completed one expiring is not reported).
export type Jt808SubpackageDrop = {
  reason: Jt808SubpackageDropReason;
  messageId: number;
  phone: string;
  firstSerial: number;
  total: number;
  received: number;
};

export type Jt808AddResult =
  | { kind: 'accepted'; received: number; total: number }
  // The same package with the same bytes again (the terminal did not get our ACK): nothing changes.
  | { kind: 'repeat' }
  | { kind: 'refused'; reason: Jt808SubpackageRefusal; detail: string }
  // All packages are in: `header` is the message's (id, phone, version, first serial, no packet fields) and `body`
  // the packages' bodies in index order, for the ordinary body decoder.
  | { kind: 'complete'; header: Jt808Header; body: Buffer; again: boolean };

// The packages a stalled message still lacks, to be asked for with 0x8003 (once per message).
export type Jt808ResendRequest = {
  header: Pick<Jt808Header, 'messageId' | 'phone' | 'version' | 'protocolVersion'>;
  firstSerial: number;
  total: number;
  missing: number[];
};

type Pending = {
  header: Jt808Header; // of the first fragment received
  firstSerial: number;
  total: number;
  parts: (Buffer | undefined)[]; // by index - 1; views of `body` once complete
  received: number;
  bytes: number;
  deadline: number;
  requested: boolean;
  // Set once complete: the index whose arrival completed it, and the body.
  completedBy: number;
  body: Buffer | null;
};

export class Jt808Subpackages {
  // Insertion order is age: the first entry is the oldest message.
  private readonly messages = new Map<string, Pending>();
  private bytes = 0;

  constructor(private readonly limits: Jt808SubpackageLimits = DEFAULT_SUBPACKAGE_LIMITS) {}

  // Messages held (in progress or completed and kept), and their body bytes.
  get size(): number {
    return this.messages.size;
  }

  get heldBytes(): number {
    return this.bytes;
  }

  // One fragment (a decoded header with `packet`, and its body). `dropped`: messages given up to make room.
  add(header: Jt808Header, body: Buffer, now: number): { result: Jt808AddResult; dropped: Jt808SubpackageDrop[] } {
    const dropped: Jt808SubpackageDrop[] = [];
    const refused = (reason: Jt808SubpackageRefusal, detail: string) => ({ result: { kind: 'refused', reason, detail } as Jt808AddResult, dropped });
    const packet = header.packet;
    if (!packet) return refused('BAD_TOTAL', 'no subpackage fields');
    const { total, index } = packet;
    if (total < 1) return refused('BAD_TOTAL', `total ${total}`);
    if (index < 1 || index > total) return refused('BAD_INDEX', `index ${index} of ${total}`);
    // Package 1 of 1: some terminals set the subpackage flag on a message that fits one frame. It is the whole
    // message (refusing it would refuse every re-send too); nothing is held, as for an ordinary frame.
    if (total === 1) return { result: { kind: 'complete', header: { ...header, packet: null }, body, again: false }, dropped };
    if (total > this.limits.maxTotal) return refused('TOO_MANY_PACKAGES', `total ${total}, at most ${this.limits.maxTotal}`);

    const firstSerial = (header.serial - (index - 1)) & 0xffff;
    const key = `${header.phone}/${header.messageId}/${firstSerial}`;
    let m = this.messages.get(key);
    if (m && m.total !== total) return refused('TOTAL_CHANGED', `total ${total}, the message in progress has ${m.total}`);

    const previous = m?.parts[index - 1];
    if (m && previous) {
      if (!previous.equals(body)) return refused('CONFLICTING_REPEAT', `package ${index} of ${total} again with other bytes`);
      // The package that completed the message, again: it completes it again (its ACK is the store's). Any other
      // package again was answered already.
      if (m.body && index === m.completedBy) {
        m.deadline = now + 2 * this.limits.timeoutMs;
        return { result: { kind: 'complete', header: m.header, body: m.body, again: true }, dropped };
      }
      return { result: { kind: 'repeat' }, dropped };
    }

    if (!m) {
      this.makeRoom(key, 'too_many_messages', () => this.messages.size >= this.limits.maxMessages, dropped);
      m = {
        header: { ...header, serial: firstSerial, packet: null },
        firstSerial,
        total,
        parts: new Array<Buffer | undefined>(total),
        received: 0,
        bytes: 0,
        deadline: 0,
        requested: false,
        completedBy: 0,
        body: null,
      };
      this.messages.set(key, m);
    }
    this.makeRoom(key, 'too_many_bytes', () => this.bytes + body.length > this.limits.maxBytes, dropped);
    if (this.bytes + body.length > this.limits.maxBytes) {
      // Only this message is left and it alone is too large (maxBytes below maxTotal × 1023).
      this.messages.delete(key);
      this.bytes -= m.bytes;
      dropped.push(drop('too_many_bytes', m));
      return refused('TOO_LARGE', `${m.bytes + body.length} bytes, at most ${this.limits.maxBytes}`);
    }

    m.parts[index - 1] = body;
    m.received++;
    m.bytes += body.length;
    this.bytes += body.length;
    m.deadline = now + this.limits.timeoutMs;
    if (m.received < total) return { result: { kind: 'accepted', received: m.received, total }, dropped };

    const whole = Buffer.concat(m.parts as Buffer[], m.bytes);
    // The packages become views of the body (no second copy), so that repeats are still compared byte for byte.
    let at = 0;
    m.parts = (m.parts as Buffer[]).map((p) => whole.subarray(at, (at += p.length)));
    m.body = whole;
    m.completedBy = index;
    m.header = { ...m.header, bodyLength: whole.length };
    m.deadline = now + 2 * this.limits.timeoutMs;
    return { result: { kind: 'complete', header: m.header, body: whole, again: false }, dropped };
  }

  // Stalled messages: each reported once in `requests` with its missing packages, then dropped a timeout later if
  // still incomplete. Completed messages past their time are forgotten without a word.
  sweep(now: number): { requests: Jt808ResendRequest[]; dropped: Jt808SubpackageDrop[] } {
    const requests: Jt808ResendRequest[] = [];
    const dropped: Jt808SubpackageDrop[] = [];
    for (const [key, m] of this.messages) {
      if (now < m.deadline) continue;
      if (!m.body && !m.requested) {
        m.requested = true;
        m.deadline = now + this.limits.timeoutMs;
        const missing: number[] = [];
        for (let i = 0; i < m.total; i++) if (!m.parts[i]) missing.push(i + 1);
        const { messageId, phone, version, protocolVersion } = m.header;
        requests.push({ header: { messageId, phone, version, protocolVersion }, firstSerial: m.firstSerial, total: m.total, missing });
        continue;
      }
      this.remove(key, m);
      if (!m.body) dropped.push(drop('timeout', m));
    }
    return { requests, dropped };
  }

  // Frees everything (the connection closed); returns the messages that were still incomplete.
  clear(): Jt808SubpackageDrop[] {
    const incomplete = [...this.messages.values()].filter((m) => !m.body);
    this.messages.clear();
    this.bytes = 0;
    return incomplete.map((m) => drop('closed', m));
  }

  // Drops messages other than `keep` while `full()` holds: completed ones first (nothing is lost), then the oldest.
  private makeRoom(keep: string, reason: Jt808SubpackageDropReason, full: () => boolean, dropped: Jt808SubpackageDrop[]): void {
    for (const completedOnly of [true, false]) {
      for (const [key, m] of this.messages) {
        if (!full()) return;
        if (key === keep || (completedOnly && !m.body)) continue;
        this.remove(key, m);
        if (!m.body) dropped.push(drop(reason, m));
      }
    }
  }

  private remove(key: string, m: Pending): void {
    this.messages.delete(key);
    this.bytes -= m.body ? m.body.length : m.bytes;
  }
}

const drop = (reason: Jt808SubpackageDropReason, m: Pending): Jt808SubpackageDrop => ({
  reason,
  messageId: m.header.messageId,
  phone: m.header.phone,
  firstSerial: m.firstSerial,
  total: m.total,
  received: m.received,
});
