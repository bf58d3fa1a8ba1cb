// The JT/T 808 fuzz run itself, shared by `npm run fuzz:jt808` (bench/fuzz-jt808.ts, a million frames) and the
// always-on e2e spec (test/e2e/fuzz-jt808.e2e-spec.ts, a few thousand): many TCP connections send random and
// mutated frames (jt808-mutations.ts) in random chunks, some of them after authenticating as a terminal of their
// own, while a few well-behaved terminals report positions one at a time and wait for each 0x8001. Self-contained
// on purpose (raw sockets, its own framing), so that it tests the server rather than sharing its codec.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { chunks, escapePayload, fixChecksum, mutate, MUTATIONS, rng, unescapeWire, type Mutation, type Rng } from './jt808-mutations.js';

export type FuzzTerminal = { phone: string; authCode: string };
export type GoodTerminal = FuzzTerminal & { vehicleId: string };

export type Jt808FuzzOptions = {
  host: string;
  port: number;
  frames: number; // bad frames to send in total
  connections: number; // concurrent fuzzing connections
  corpus: readonly Buffer[]; // real frames (unescaped payloads)
  fuzzTerminals: readonly FuzzTerminal[]; // codes a fuzzing connection may authenticate with first
  goodTerminals: readonly GoodTerminal[];
  goodIntervalMs?: number; // one 0x0200 per terminal this often (default 100)
  ackTimeoutMs?: number; // a well-behaved report without 0x8001 within this is a failure (default 30 s)
  syncTimeoutMs?: number; // how long a fuzzing connection waits for the server to get through its burst (30 s)
  seed?: number;
  weights?: Partial<Record<Mutation, number>>;
  maxBlob?: number;
  progressMs?: number;
  onProgress?: (p: { seconds: number; framesSent: number; connections: number; goodAcked: number }) => void;
  // Stop early (the server process died): checked between writes.
  aborted?: () => boolean;
};

export type GoodResult = {
  terminals: number;
  authenticated: number;
  sent: number;
  acked: number;
  nacked: number;
  timedOut: number;
  disconnects: number;
  ackMs: { p50: number; p99: number; max: number };
  // vehicleId -> fix times (ms since 1970) the server acknowledged
  ackedFixes: Map<string, number[]>;
};

export type Jt808FuzzResult = {
  seconds: number;
  framesSent: number;
  bytesSent: number;
  byMutation: Record<Mutation, number>;
  connections: { opened: number; authenticatedFirst: number; closedByServer: number; endedByClient: number; resetByClient: number; connectErrors: number };
  replyFrames: number; // frames the server wrote back to the fuzzing connections
  good: GoodResult;
};

// Default mix: mostly small mutated frames; the big ones (huge bodies, buffers without a delimiter) rarer, so that
// a million frames stay within a few hundred MB on the wire.
export const DEFAULT_WEIGHTS: Record<Mutation, number> = {
  valid: 4,
  bitFlip: 10,
  bitFlipFixed: 14,
  truncate: 8,
  lengthLie: 8,
  escape: 8,
  checksum: 6,
  hugeBody: 2,
  versionBits: 8,
  noDelimiter: 0.4,
  randomFrame: 8,
  idSwap: 8,
  items: 10,
  batch: 6,
};

function picker(r: Rng, weights: Record<Mutation, number>): () => Mutation {
  const entries = MUTATIONS.map((m) => [m, Math.max(0, weights[m] ?? 0)] as const);
  const total = entries.reduce((a, [, w]) => a + w, 0);
  return () => {
    let x = r.next() * total;
    for (const [m, w] of entries) if ((x -= w) < 0) return m;
    return entries[entries.length - 1]![0];
  };
}

// ------------------------------------------------------------------------------------------- frames of our own

function header(messageId: number, bodyLength: number, phone: string, serial: number): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(messageId, 0);
  h.writeUInt16BE(bodyLength & 0x3ff, 2);
  Buffer.from(phone.padStart(12, '0'), 'hex').copy(h, 4);
  h.writeUInt16BE(serial & 0xffff, 10);
  return h;
}

export const wireFrame = (messageId: number, phone: string, serial: number, body: Buffer) =>
  escapePayload(fixChecksum(Buffer.concat([header(messageId, body.length, phone, serial), body, Buffer.alloc(1)])));

export const authFrame = (t: FuzzTerminal, serial = 0) => wireFrame(0x0102, t.phone, serial, Buffer.from(t.authCode, 'latin1'));

function bcd(date: Date): Buffer {
  const d = new Date(date.getTime() + 8 * 3600_000);
  const two = (n: number) => ((Math.floor(n / 10) % 10) << 4) | n % 10;
  return Buffer.from([d.getUTCFullYear() - 2000, d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()].map(two));
}

// A sane 0x0200 body: ACC on, fixed, near Baotou, 40 km/h east.
export function locationBody(fix: Date, step: number): Buffer {
  const b = Buffer.alloc(28);
  b.writeUInt32BE(0, 0);
  b.writeUInt32BE(0x3, 4);
  b.writeUInt32BE(40_600_000, 8);
  b.writeUInt32BE(109_800_000 + step * 110, 12);
  b.writeUInt16BE(1050, 16);
  b.writeUInt16BE(400, 18);
  b.writeUInt16BE(90, 20);
  bcd(fix).copy(b, 22);
  return b;
}

// Platform replies out of a byte stream: { messageId, replySerial, result } of each 0x8001.
class ReplyReader {
  private buf: Buffer = Buffer.alloc(0);
  frames = 0;
  push(chunk: Buffer): { replySerial: number; result: number }[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: { replySerial: number; result: number }[] = [];
    for (;;) {
      const start = this.buf.indexOf(0x7e);
      if (start < 0) {
        this.buf = Buffer.alloc(0);
        break;
      }
      const end = this.buf.indexOf(0x7e, start + 1);
      if (end < 0) {
        this.buf = this.buf.subarray(start);
        break;
      }
      const p = unescapeWire(this.buf.subarray(start, end + 1));
      this.buf = this.buf.subarray(end + 1);
      if (p.length === 0) continue;
      this.frames++;
      const is2019 = (p.readUInt16BE(2) & 0x4000) !== 0;
      const at = is2019 ? 17 : 12;
      if (p.length >= at + 5 && p.readUInt16BE(0) === 0x8001) out.push({ replySerial: p.readUInt16BE(at), result: p[at + 4]! });
    }
    return out;
  }
}

// ------------------------------------------------------------------------------------------- well-behaved terminals

class GoodReporter {
  sent = 0;
  acked = 0;
  nacked = 0;
  timedOut = 0;
  disconnects = 0;
  authenticated = false;
  readonly ackedFixes: number[] = [];
  readonly latencies: number[] = [];
  private socket!: net.Socket;
  private readonly reader = new ReplyReader();
  private waiting: { serial: number; resolve: (result: number | null) => void } | null = null;
  private stopping = false;
  private serial = 0;

  constructor(
    private readonly t: GoodTerminal,
    private readonly host: string,
    private readonly port: number,
    private readonly ackTimeoutMs: number,
  ) {}

  async start(): Promise<void> {
    this.socket = net.createConnection({ host: this.host, port: this.port });
    this.socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    this.socket.on('error', () => undefined);
    this.socket.on('data', (c: Buffer) => {
      for (const r of this.reader.push(c)) {
        if (this.waiting && r.replySerial === this.waiting.serial) {
          const w = this.waiting;
          this.waiting = null;
          w.resolve(r.result);
        }
      }
    });
    this.socket.on('close', () => {
      if (!this.stopping) this.disconnects++;
      this.waiting?.resolve(null);
      this.waiting = null;
    });
    const result = await this.request(0x0102, Buffer.from(this.t.authCode, 'latin1'));
    if (result !== 0) throw new Error(`well-behaved terminal ${this.t.phone}: authentication answered ${result}`);
    this.authenticated = true;
  }

  private request(messageId: number, body: Buffer): Promise<number | null> {
    const serial = this.serial++ & 0xffff;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (this.waiting?.serial !== serial) return;
        this.waiting = null;
        this.timedOut++;
        resolve(null);
      }, this.ackTimeoutMs);
      this.waiting = {
        serial,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      this.socket.write(wireFrame(messageId, this.t.phone, serial, body));
    });
  }

  // One report at a time, `intervalMs` apart, until stop(); fix times one second apart from `from`.
  async run(from: number, intervalMs: number, until: () => boolean): Promise<void> {
    for (let k = 0; !until() && !this.socket.destroyed; k++) {
      const fix = from + k * 1000;
      const t0 = performance.now();
      this.sent++;
      const result = await this.request(0x0200, locationBody(new Date(fix), k));
      if (result === 0) {
        this.acked++;
        this.ackedFixes.push(fix);
        this.latencies.push(performance.now() - t0);
      } else if (result !== null) this.nacked++;
      const wait = intervalMs - (performance.now() - t0);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }

  close(): Promise<void> {
    this.stopping = true;
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 2000).unref();
    });
  }
}

const pct = (sorted: number[], p: number) => (sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 10) / 10 : 0);

// ------------------------------------------------------------------------------------------- the run

export async function runJt808Fuzz(o: Jt808FuzzOptions): Promise<Jt808FuzzResult> {
  const seed = o.seed ?? 808;
  const weights = { ...DEFAULT_WEIGHTS, ...o.weights };
  const started = performance.now();
  const byMutation = Object.fromEntries(MUTATIONS.map((m) => [m, 0])) as Record<Mutation, number>;
  const conn = { opened: 0, authenticatedFirst: 0, closedByServer: 0, endedByClient: 0, resetByClient: 0, connectErrors: 0 };
  let framesSent = 0;
  let bytesSent = 0;
  let replyFrames = 0;
  let done = false;
  const stop = () => done || (o.aborted?.() ?? false);

  // Well-behaved terminals first: authenticated before any garbage arrives, reporting until the fuzzing ends.
  const good = o.goodTerminals.map((t) => new GoodReporter(t, o.host, o.port, o.ackTimeoutMs ?? 30_000));
  await Promise.all(good.map((g) => g.start()));
  const from = Math.floor(Date.now() / 1000) * 1000 - 3 * 3600_000; // an hour's worth of fix times one second apart, all in the past
  const goodRuns = good.map((g) => g.run(from, o.goodIntervalMs ?? 100, () => done));

  let progressTimer: NodeJS.Timeout | undefined;
  if (o.onProgress) {
    progressTimer = setInterval(
      () => o.onProgress!({ seconds: Math.round((performance.now() - started) / 1000), framesSent, connections: conn.opened, goodAcked: good.reduce((a, g) => a + g.acked, 0) }),
      o.progressMs ?? 5000,
    );
  }

  // One fuzzing connection: maybe authenticate, then a burst of bad frames in random chunks, then a heartbeat
  // (after a lone 0x7e that ends whatever frame the burst left open) whose reply tells that the server has got
  // through the burst; then end or reset. Without that wait the connection would close while the server is still
  // on its first frames, and the rest would be dropped unread (a closed connection's frames are not handled).
  const SYNC_SERIAL = 0xbeef;
  const connection = async (r: Rng, pick: () => Mutation) => {
    const socket = net.createConnection({ host: o.host, port: o.port });
    conn.opened++;
    const reader = new ReplyReader();
    let closedByUs = false;
    let synced: () => void = () => undefined;
    const sync = new Promise<void>((resolve) => (synced = resolve));
    const closed = new Promise<void>((resolve) => socket.once('close', () => (synced(), resolve())));
    socket.on('error', () => undefined);
    socket.on('data', (c: Buffer) => {
      if (reader.push(c).some((x) => x.replySerial === SYNC_SERIAL)) synced();
    });
    const ok = await new Promise<boolean>((resolve) => {
      socket.once('connect', () => resolve(true));
      socket.once('close', () => resolve(false));
    });
    if (!ok) {
      conn.connectErrors++;
      return;
    }
    const auth = o.fuzzTerminals.length > 0 && r.next() < 0.8 ? o.fuzzTerminals[r.int(o.fuzzTerminals.length)]! : null;
    const parts: Buffer[] = [];
    if (auth) {
      parts.push(authFrame(auth));
      conn.authenticatedFirst++;
    }
    // Unauthenticated connections are closed after 5 refusals: their bursts are short.
    const burst = Math.min(o.frames - framesSent, auth ? 5 + r.int(r.next() < 0.1 ? 1000 : 60) : 3 + r.int(20));
    for (let i = 0; i < burst; i++) {
      const f = mutate(r, { corpus: o.corpus, phone: auth?.phone ?? null, maxBlob: o.maxBlob }, pick());
      byMutation[f.mutation]++;
      parts.push(f.wire);
    }
    framesSent += burst;
    parts.push(Buffer.from([0x7e]), wireFrame(0x0002, auth?.phone ?? '013500000000', SYNC_SERIAL, Buffer.alloc(0)));
    const stream = Buffer.concat(parts);
    for (const c of chunks(r, stream)) {
      if (socket.destroyed || stop()) break;
      bytesSent += c.length;
      if (!socket.write(c)) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 30_000); // a server that never reads again: give up on this connection
          socket.once('drain', () => (clearTimeout(t), resolve()));
          socket.once('close', () => (clearTimeout(t), resolve()));
        });
      }
    }
    const timer = setTimeout(synced, o.syncTimeoutMs ?? 30_000);
    await sync;
    clearTimeout(timer);
    if (!socket.destroyed) {
      closedByUs = true;
      if (r.next() < 0.15) {
        socket.resetAndDestroy();
        conn.resetByClient++;
      } else {
        socket.end();
        conn.endedByClient++;
        // Give up on a server that does not close its side.
        setTimeout(() => socket.destroy(), 5_000).unref();
      }
    }
    await closed;
    if (!closedByUs) conn.closedByServer++;
    replyFrames += reader.frames;
  };

  const workers = Array.from({ length: o.connections }, async (_, w) => {
    const r = rng(seed * 1000 + w);
    const pick = picker(r, weights);
    while (framesSent < o.frames && !stop()) await connection(r, pick);
  });
  await Promise.all(workers);
  done = true;
  clearInterval(progressTimer);
  await Promise.all(goodRuns);
  await Promise.all(good.map((g) => g.close()));

  const lat = good.flatMap((g) => g.latencies).sort((a, b) => a - b);
  return {
    seconds: (performance.now() - started) / 1000,
    framesSent,
    bytesSent,
    byMutation,
    connections: conn,
    replyFrames,
    good: {
      terminals: good.length,
      authenticated: good.filter((g) => g.authenticated).length,
      sent: good.reduce((a, g) => a + g.sent, 0),
      acked: good.reduce((a, g) => a + g.acked, 0),
      nacked: good.reduce((a, g) => a + g.nacked, 0),
      timedOut: good.reduce((a, g) => a + g.timedOut, 0),
      disconnects: good.reduce((a, g) => a + g.disconnects, 0),
      ackMs: { p50: pct(lat, 50), p99: pct(lat, 99), max: pct(lat, 100) },
      ackedFixes: new Map(o.goodTerminals.map((t, i) => [t.vehicleId, good[i]!.ackedFixes])),
    },
  };
}
