import { performance } from 'node:perf_hooks';
import type { Jt808Version } from '../terminal/jt808/jt808.decoder.js';
import { LatencyHistogram, type LatencySummary } from './latency-histogram.js';
import { prepareRoute, RouteWalker, seedFor, type LatLon, type RouteWalkerOptions, type SimulatedFix, type SpeedProfile, type WalkerBehaviours } from './route-walker.js';
import { SimulatedTerminal, TerminalError, type TerminalAck } from './simulated-terminal.js';

// N simulated JT/T 808 terminals in one process: they connect, register (or authenticate with known auth codes)
// and then report positions along a route at a steady rate, and the run returns what the platform achieved
// (acknowledged positions/s, ACK latency percentiles). Used by `npm run simulate`, the benchmarks, the demo and
// tests.
//
// Schedule: one timer for all terminals. Terminal i sends its k-th message at start + phase_i + k × interval,
// phases spread evenly over one interval, so the offered load is flat (no drift: times are computed from the
// start, not accumulated; no bursts: at most one late message is caught up, older missed slots are dropped and
// counted as `missed`).
//
// Fix times: at up to 1 position/s per terminal they follow the clock. JT/T 808 times have whole seconds and the
// platform keeps one position per vehicle and second, so above 1/s fix time advances 1 s per position (a time
// lapse) and starts far enough in the past to end near "now", keeping every position distinct and plausible. (An
// endless run above 1/s has no end to aim at: its fix times start now and run ahead of the clock.) Behaviour
// windows (overspeed, stop...) are in fix time too.

export type SimulatedTerminalSpec = {
  phone: string; // 12 digits (2013 header) or up to 20 (2019)
  plate: string; // e.g. 蒙Z00001
  plateColour?: number; // JT/T 697.7 code, default 2 (yellow: dangerous-goods trucks)
  authCode?: string | null; // from an earlier registration: authenticate directly
  terminalId?: string; // 0x0100 terminal id (7 characters in 2013), default from the phone
  province?: number; // default 15 (Inner Mongolia)
  city?: number; // default 600 (Ordos, 150600)
  manufacturer?: string; // default HZSIM
  model?: string; // default HZ-SIM-808
  speed?: Partial<SpeedProfile>;
  behaviours?: WalkerBehaviours;
};

export type SimulationPhase = 'setup' | 'report' | 'drain';

export type SimulationProgress = {
  phase: SimulationPhase;
  elapsedS: number; // since the reporting started (since set-up started, during set-up)
  terminals: number;
  online: number;
  setupDone: number;
  setupFailed: number;
  sent: number; // positions
  acked: number;
  failed: number;
  inFlight: number; // messages
  windowPositionsPerSecond: number; // acked positions/s since the previous progress report
  latencyMs: LatencySummary; // since the measured time began (since the start, before it)
  windowLatencyMs: LatencySummary; // of the ACKs since the previous progress report (min and max to the 1 % bucket)
};

export type SimulationStats = {
  terminals: number;
  online: number; // reporting at the end of the run
  setupFailures: Record<string, number>; // reason → terminals, e.g. REGISTER_REFUSED:4 (no such terminal)
  setupS: number;
  durationS: number; // reporting time (measured, after any warm-up)
  ratePerTerminal: number;
  batchSize: number;
  targetPositionsPerSecond: number; // what the online terminals were asked to offer
  sent: number; // positions written
  acked: number; // positions acknowledged with result 0
  failed: number; // nacked + timedOut + aborted
  nacked: number; // answered with a result other than 0
  timedOut: number;
  aborted: number; // lost with a connection
  missed: number; // schedule slots dropped because the process fell behind (or the terminal was offline)
  throttled: number; // slots dropped because a terminal had maxInFlight messages outstanding
  silent: number; // fixes not sent because of a 'silent' behaviour
  messagesSent: number;
  heartbeats: number;
  disconnects: number;
  reconnects: number;
  positionsPerSecond: number; // acked / reporting time (up to the last acknowledgement); of the measured time after a warm-up
  sentPerSecond: number; // sent / the whole reporting time, warm-up included
  latencyMs: LatencySummary; // ACK latency of position messages (answered in the measured time)
  warmup: { durationS: number; acked: number; latencyMs: LatencySummary } | null; // with warmupS: positions acked during it, and their latency
  authCodes: Record<string, string>; // phone → auth code, to authenticate directly next time
};

export type SimulationOptions = {
  host: string;
  port: number;
  // Several servers (processes) on one host: terminal i connects to ports[i % ports.length], as an L4 balancer
  // spreading connections round-robin would.
  ports?: readonly number[];
  terminals: readonly SimulatedTerminalSpec[];
  ratePerTerminal: number; // positions per second per terminal (0.1 = every 10 s)
  durationS: number; // reporting time after set-up (and after the warm-up); Infinity runs until `signal` aborts
  // Seconds of reporting before the measured time (a server that has just started is still compiling and filling its
  // caches): the run reports for warmupS + durationS; latencyMs and positionsPerSecond are of the measured time, the
  // counts (sent, acked, failures...) of the whole run, and `warmup` has the warm-up's own figures.
  warmupS?: number;
  onMeasure?: () => void; // when the measured time starts (the warm-up's end)
  route: readonly LatLon[];
  batchSize?: number; // > 1: send 0x0704 batches of this many positions (at rate / batchSize messages/s)
  version?: Jt808Version;
  register?: boolean; // register even terminals that have an auth code
  replyTimeoutMs?: number; // default 10 s
  connectTimeoutMs?: number;
  connectConcurrency?: number; // terminals setting up at once, default 100
  maxInFlight?: number; // per terminal, default 256
  heartbeatS?: number; // heartbeat after this long without sending, default 30
  reconnect?: boolean; // reconnect and re-authenticate lost connections, default true
  speed?: Partial<SpeedProfile>;
  atEnd?: RouteWalkerOptions['atEnd'];
  seed?: number;
  progressIntervalMs?: number; // default 5 s
  onProgress?: (progress: SimulationProgress) => void;
  onAuthCode?: (phone: string, authCode: string) => void;
  onTerminal?: (terminal: SimulatedTerminal, spec: SimulatedTerminalSpec) => void; // each terminal once created
  signal?: AbortSignal;
  now?: () => number; // wall clock for fix times (ms), default Date.now
};

type Slot = {
  index: number;
  spec: SimulatedTerminalSpec;
  terminal: SimulatedTerminal;
  walker: RouteWalker | null;
  ready: boolean; // set up (registered / authenticated) at least once
  online: boolean;
  reconnecting: boolean;
  reconnectAt: number;
  reconnectDelayMs: number;
  nextDue: number;
  lastSentAt: number;
  silent: boolean;
};

const MAX_RECONNECT_DELAY_MS = 15_000;

// Fixes of one 0x0704: 0x0704 bodies hold 1023 bytes, a fix with mileage and satellites takes 39.
export const MAX_BATCH_SIZE = Math.floor((1023 - 3) / 39);

export function registrationFor(spec: SimulatedTerminalSpec, version: Jt808Version) {
  return {
    province: spec.province ?? 15,
    city: spec.city ?? 600,
    manufacturer: spec.manufacturer ?? 'HZSIM',
    model: spec.model ?? 'HZ-SIM-808',
    // 7 characters in 2013 (upper-case letters and digits), 30 in 2019.
    terminalId: spec.terminalId ?? (version === '2019' ? `S${spec.phone}` : `S${spec.phone.slice(-6)}`),
    plateColour: spec.plateColour ?? 2,
    plate: spec.plate,
  };
}

export async function runSimulation(options: SimulationOptions): Promise<SimulationStats> {
  const rate = options.ratePerTerminal;
  const batchSize = options.batchSize ?? 1;
  if (!(rate > 0)) throw new RangeError('ratePerTerminal must be positive');
  if (!(options.durationS > 0)) throw new RangeError('durationS must be positive');
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new RangeError(`batchSize must be an integer from 1 to ${MAX_BATCH_SIZE}`);
  }
  const version = options.version ?? '2013';
  const route = prepareRoute(options.route);
  const clock = options.now ?? Date.now;
  let latency = new LatencyHistogram();
  const warmupS = options.warmupS ?? 0;
  if (!(warmupS >= 0)) throw new RangeError('warmupS must not be negative');
  let warmup: SimulationStats['warmup'] = null;
  let measureStart = 0;
  let ackedAtMeasure = 0;
  const maxInFlight = options.maxInFlight ?? 256;
  const heartbeatMs = (options.heartbeatS ?? 30) * 1000;
  const reconnect = options.reconnect ?? true;
  const signal = options.signal;
  const n = options.terminals.length;

  const c = { sent: 0, acked: 0, nacked: 0, timedOut: 0, aborted: 0, missed: 0, throttled: 0, silent: 0, messagesSent: 0, heartbeats: 0, disconnects: 0, reconnects: 0 };
  const setupFailures: Record<string, number> = {};
  const authCodes: Record<string, string> = {};
  let phase: SimulationPhase = 'setup';
  let setupDone = 0;
  let setupFailed = 0;
  let lastAckAt = 0;

  const slots: Slot[] = options.terminals.map((spec, index) => {
    const terminal = new SimulatedTerminal({
      host: options.host,
      port: options.ports?.length ? options.ports[index % options.ports.length]! : options.port,
      phone: spec.phone,
      version,
      authCode: spec.authCode ?? null,
      replyTimeoutMs: options.replyTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs,
    });
    const slot: Slot = { index, spec, terminal, walker: null, ready: false, online: false, reconnecting: false, reconnectAt: 0, reconnectDelayMs: 1000, nextDue: 0, lastSentAt: 0, silent: false };
    terminal.on('disconnect', ({ expected }: { expected: boolean }) => {
      if (expected || phase === 'drain') return;
      if (slot.online) c.disconnects++;
      slot.online = false;
      slot.reconnectAt = performance.now() + slot.reconnectDelayMs;
    });
    options.onTerminal?.(terminal, spec);
    return slot;
  });

  const reason = (e: unknown) => (e instanceof TerminalError ? (e.result === undefined ? e.code : `${e.code}:${e.result}`) : e instanceof Error ? e.message : String(e));

  // Connect, then authenticate with a known code or register first. A refused code falls back to registering.
  async function bringUp(slot: Slot): Promise<void> {
    const t = slot.terminal;
    await t.connect();
    if (t.authCode !== null && !options.register) {
      try {
        await t.authenticate();
        return;
      } catch (e) {
        if (!(e instanceof TerminalError && e.code === 'AUTH_REFUSED')) throw e;
      }
    }
    const { authCode } = await t.register(registrationFor(slot.spec, version));
    authCodes[slot.spec.phone] = authCode;
    options.onAuthCode?.(slot.spec.phone, authCode);
    await t.authenticate(authCode);
  }

  const online = () => slots.reduce((sum, s) => sum + (s.online ? 1 : 0), 0);
  const inFlight = () => slots.reduce((sum, s) => sum + s.terminal.inFlight, 0);

  // ---- progress
  const setupStart = performance.now();
  let reportStart = 0;
  let lastProgressAt = setupStart;
  let lastProgressAcked = 0;
  let windowBase = { of: latency, copy: latency.copy() };
  const progress = () => {
    if (!options.onProgress) return;
    const now = performance.now();
    const windowS = (now - lastProgressAt) / 1000;
    options.onProgress({
      phase,
      elapsedS: Math.round((now - (phase === 'setup' ? setupStart : reportStart)) / 100) / 10,
      terminals: n,
      online: online(),
      setupDone,
      setupFailed,
      sent: c.sent,
      acked: c.acked,
      failed: c.nacked + c.timedOut + c.aborted,
      inFlight: inFlight(),
      windowPositionsPerSecond: windowS > 0 ? Math.round((c.acked - lastProgressAcked) / windowS) : 0,
      latencyMs: latency.summary(),
      // A new histogram replaced the old one when the measured time began: all of it is then in the window.
      windowLatencyMs: (windowBase.of === latency ? latency.since(windowBase.copy) : latency).summary(),
    });
    windowBase = { of: latency, copy: latency.copy() };
    lastProgressAt = now;
    lastProgressAcked = c.acked;
  };
  const progressTimer = setInterval(progress, options.progressIntervalMs ?? 5_000);

  try {
    // ---- set-up, connectConcurrency terminals at a time
    let next = 0;
    const worker = async () => {
      while (next < n && !signal?.aborted) {
        const slot = slots[next++]!;
        try {
          await bringUp(slot);
          slot.online = true;
          slot.ready = true;
          setupDone++;
          if (slot.terminal.authCode !== null) authCodes[slot.spec.phone] = slot.terminal.authCode;
        } catch (e) {
          setupFailed++;
          const key = reason(e);
          setupFailures[key] = (setupFailures[key] ?? 0) + 1;
          await slot.terminal.close();
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(n, options.connectConcurrency ?? 100) }, worker));
    const setupS = (performance.now() - setupStart) / 1000;

    // ---- reporting
    phase = 'report';
    const sendIntervalMs = (batchSize / rate) * 1000;
    const fixStepS = Math.max(1, 1 / rate);
    const reportingS = warmupS + options.durationS;
    const reportsPerTerminal = Number.isFinite(reportingS) ? reportingS * rate : 0;
    // Time lapse above 1/s: start in the past so that the last fix is about now.
    const backShiftMs = Math.max(0, reportsPerTerminal * fixStepS - reportingS) * 1000;
    reportStart = performance.now();
    lastProgressAt = reportStart;
    lastProgressAcked = c.acked;
    const wallStart = clock();
    for (const slot of slots) {
      // Terminals that failed set-up stay out of the run (they are in setupFailures, not in `missed`).
      if (!slot.ready) continue;
      const phaseMs = (sendIntervalMs * slot.index) / Math.max(1, n);
      slot.nextDue = reportStart + phaseMs;
      slot.lastSentAt = reportStart;
      slot.terminal.latency = latency;
      slot.walker = new RouteWalker(route, {
        stepS: fixStepS,
        // The last fix of each batch carries the sending time.
        startTime: wallStart - backShiftMs + phaseMs - (batchSize - 1) * fixStepS * 1000,
        speed: { ...options.speed, ...slot.spec.speed },
        seed: seedFor(options.seed ?? 808, slot.index),
        spread: { index: slot.index, count: n },
        atEnd: options.atEnd,
        behaviours: slot.spec.behaviours,
      });
    }

    const onAck = (positions: number) => (ack: TerminalAck) => {
      if (ack.result === 0) c.acked += positions;
      else c.nacked += positions;
      lastAckAt = performance.now();
    };
    const onFail = (positions: number) => (e: unknown) => {
      if (e instanceof TerminalError && e.code === 'TIMEOUT') c.timedOut += positions;
      else c.aborted += positions;
    };
    const ignore = () => undefined;

    // Fixes for one message (the walker moves on for every slot, sent or not, so tracks stay continuous).
    const fixes = (slot: Slot): SimulatedFix[] => {
      const out: SimulatedFix[] = [];
      for (let i = 0; i < batchSize; i++) {
        const fix = slot.walker!.next();
        if (fix) out.push(fix);
        else c.silent++;
      }
      slot.silent = out.length === 0;
      return out;
    };
    const skip = (slot: Slot) => {
      for (let i = 0; i < batchSize; i++) slot.walker!.next();
    };

    const send = (slot: Slot, now: number) => {
      const batch = fixes(slot);
      if (batch.length === 0) return;
      const t = slot.terminal;
      const promise = batch.length === 1 && batchSize === 1 ? t.sendLocation(batch[0]!) : t.sendBatch(0, batch);
      promise.then(onAck(batch.length), onFail(batch.length));
      c.sent += batch.length;
      c.messagesSent++;
      slot.lastSentAt = now;
    };

    const bringBack = (slot: Slot) => {
      slot.reconnecting = true;
      slot.terminal
        .connect()
        .then(() => slot.terminal.authenticate())
        .then(
          () => {
            slot.reconnecting = false;
            if (phase !== 'report') return;
            slot.online = true;
            slot.reconnectDelayMs = 1000;
            c.reconnects++;
          },
          () => {
            slot.reconnecting = false;
            slot.reconnectDelayMs = Math.min(MAX_RECONNECT_DELAY_MS, slot.reconnectDelayMs * 2);
            slot.reconnectAt = performance.now() + slot.reconnectDelayMs;
            if (slot.terminal.connected) slot.terminal.close().then(ignore, ignore);
          },
        );
    };

    // The warm-up's end: its latencies and acks are set aside, the measured time starts.
    const measure = () => {
      const now = performance.now();
      if (warmupS > 0) {
        warmup = { durationS: Math.round((now - reportStart) / 100) / 10, acked: c.acked, latencyMs: latency.summary() };
        latency = new LatencyHistogram();
        for (const slot of slots) if (slot.terminal.latency) slot.terminal.latency = latency;
      }
      measureStart = now;
      ackedAtMeasure = c.acked;
      options.onMeasure?.();
    };
    const measureTimer = warmupS > 0 ? setTimeout(measure, warmupS * 1000) : undefined;
    measureTimer?.unref();
    if (!measureTimer) measure();
    // Nobody to report for: no point waiting out the duration.
    const endAt = setupDone === 0 ? reportStart : reportStart + reportingS * 1000;
    // Slots due in [reportStart, endAt) are sent; a tick late past the end still sends the last ones.
    const tick = () => {
      const now = Math.min(performance.now(), endAt - 1e-6);
      for (const slot of slots) {
        if (!slot.walker) continue;
        if (!slot.online) {
          if (reconnect && !slot.reconnecting && slot.terminal.authCode !== null && now >= slot.reconnectAt && slot.reconnectAt > 0) bringBack(slot);
          while (slot.nextDue <= now) {
            skip(slot);
            c.missed += batchSize;
            slot.nextDue += sendIntervalMs;
          }
          continue;
        }
        if (slot.nextDue > now) {
          if (!slot.silent && now - slot.lastSentAt >= heartbeatMs) {
            slot.lastSentAt = now;
            c.heartbeats++;
            slot.terminal.heartbeat().then(ignore, ignore);
          }
          continue;
        }
        if (slot.terminal.inFlight >= maxInFlight || slot.terminal.congested) {
          skip(slot);
          c.throttled += batchSize;
        } else {
          send(slot, now);
        }
        slot.nextDue += sendIntervalMs;
        // More than one interval behind: drop those slots rather than burst.
        while (now - slot.nextDue >= sendIntervalMs) {
          skip(slot);
          c.missed += batchSize;
          slot.nextDue += sendIntervalMs;
        }
      }
    };

    const tickMs = Math.max(1, Math.min(20, Math.floor(sendIntervalMs / 2)));
    await new Promise<void>((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearInterval(timer);
        if (endTimer) clearTimeout(endTimer);
        signal?.removeEventListener('abort', finish);
        resolve();
      };
      const timer = setInterval(() => {
        tick();
        if (performance.now() >= endAt) finish();
      }, tickMs);
      const endTimer = Number.isFinite(endAt)
        ? setTimeout(() => {
            tick();
            finish();
          }, Math.max(0, endAt - performance.now()))
        : null;
      if (signal?.aborted) finish();
      signal?.addEventListener('abort', finish);
      tick();
    });
    const reportEnd = performance.now();
    clearTimeout(measureTimer);
    if (measureStart === 0) measure();

    // ---- drain: wait for the replies still due (each times out on its own), then disconnect.
    phase = 'drain';
    const drainUntil = reportEnd + (options.replyTimeoutMs ?? 10_000) + 1_000;
    while (inFlight() > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
    const stillOnline = online();
    await Promise.allSettled(slots.map((s) => s.terminal.close()));
    for (const s of slots) s.online = false;

    const durationS = (reportEnd - measureStart) / 1000;
    const ackSpanS = Math.max(durationS, lastAckAt > 0 ? (lastAckAt - measureStart) / 1000 : 0);
    const measuredAcked = c.acked - ackedAtMeasure;
    const round1 = (x: number) => Math.round(x * 10) / 10;
    return {
      terminals: n,
      online: stillOnline,
      setupFailures,
      setupS: round1(setupS),
      durationS: round1(durationS),
      ratePerTerminal: rate,
      batchSize,
      targetPositionsPerSecond: round1(setupDone * rate),
      sent: c.sent,
      acked: c.acked,
      failed: c.nacked + c.timedOut + c.aborted,
      nacked: c.nacked,
      timedOut: c.timedOut,
      aborted: c.aborted,
      missed: c.missed,
      throttled: c.throttled,
      silent: c.silent,
      messagesSent: c.messagesSent,
      heartbeats: c.heartbeats,
      disconnects: c.disconnects,
      reconnects: c.reconnects,
      positionsPerSecond: ackSpanS > 0 ? round1(measuredAcked / ackSpanS) : 0,
      sentPerSecond: reportEnd > reportStart ? round1(c.sent / ((reportEnd - reportStart) / 1000)) : 0,
      latencyMs: latency.summary(),
      warmup,
      authCodes,
    };
  } finally {
    clearInterval(progressTimer);
    phase = 'drain';
    // On an exception above, leave no socket behind.
    await Promise.allSettled(slots.map((s) => s.terminal.close()));
  }
}
