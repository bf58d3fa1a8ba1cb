// Worker thread of bench:ingest's load process: the authority watcher on /watch, on an event loop of its own, so
// that parsing its large `positions` events (about 2,600 positions every 120 ms at 22,000/s) does not delay the
// simulated terminals reading their ACKs, and the terminals do not delay it. Real watchers and terminals are
// different machines.
//
// Send times come through shared memory (SentTimes): the terminals' thread writes, for each position, the time just
// before its frame was written; this thread reads it when the position arrives (same process, same clock).
import { parentPort, workerData } from 'node:worker_threads';
import { fromDist } from './harness.js';

// Per vehicle, SLOTS fix times (whole seconds, as JT/T 808 carries them) and the send time of each. The simulator
// advances a vehicle's fix time by a second per position, so at 11 positions/s a slot is reused after 23 s: far
// longer than any position takes to reach the watcher.
const SLOTS = 256;

export class SentTimes {
  readonly keys: Int32Array;
  readonly at: Float64Array;

  constructor(
    readonly vehicles: number,
    buffers?: { keys: SharedArrayBuffer; at: SharedArrayBuffer },
  ) {
    this.keys = new Int32Array(buffers?.keys ?? new SharedArrayBuffer(4 * vehicles * SLOTS));
    this.at = new Float64Array(buffers?.at ?? new SharedArrayBuffer(8 * vehicles * SLOTS));
    if (!buffers) this.keys.fill(-1); // nothing sent yet
  }

  get buffers() {
    return { keys: this.keys.buffer as SharedArrayBuffer, at: this.at.buffer as SharedArrayBuffer };
  }

  sent(vehicle: number, fixSecond: number, now: number) {
    const j = vehicle * SLOTS + (fixSecond % SLOTS);
    this.at[j] = now;
    Atomics.store(this.keys, j, fixSecond);
  }

  // The send time of this position, once (a position received twice is unmatched the second time).
  take(vehicle: number, fixSecond: number): number | undefined {
    const j = vehicle * SLOTS + (fixSecond % SLOTS);
    if (Atomics.compareExchange(this.keys, j, fixSecond, -1) !== fixSecond) return undefined;
    return this.at[j];
  }
}

export type WatcherData = { url: string; token: string; region: string; vehicleIds: string[]; buffers: SentTimes['buffers'] };
// latencyMs: positions received after the warm-up's end ('measure'); warmupLatencyMs: before it (null without one).
export type WatcherResult = { events: number; received: number; unmatched: number; latencyMs: Record<string, number>; warmupLatencyMs: Record<string, number> | null };

async function main() {
  const data = workerData as WatcherData;
  const { LatencyHistogram } = await fromDist('tracking/simulator/latency-histogram.js');
  const { io } = await import('socket.io-client');
  const index = new Map(data.vehicleIds.map((id, i) => [id, i]));
  const sent = new SentTimes(data.vehicleIds.length, data.buffers);
  let latency = new LatencyHistogram();
  let warmupLatencyMs: Record<string, number> | null = null;
  let events = 0;
  let received = 0;
  let unmatched = 0;
  const socket = io(`${data.url}/watch`, { auth: { token: data.token }, transports: ['websocket'], reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (e: Error) => reject(new Error(`watcher connect: ${e.message}`)));
  });
  socket.on('positions', (items: { vehicleId: string; fixTime: string }[]) => {
    const now = Date.now();
    events++;
    for (const it of items) {
      const v = index.get(it.vehicleId);
      const t = v === undefined ? undefined : sent.take(v, Math.floor(Date.parse(it.fixTime) / 1000));
      if (t === undefined) {
        unmatched++;
        continue;
      }
      received++;
      latency.record(now - t);
    }
  });
  const ack = (await socket.timeout(10_000).emitWithAck('subscribe', { region: data.region })) as { ok: boolean; code?: string };
  if (!ack.ok) throw new Error(`watcher subscribe refused: ${JSON.stringify(ack)}`);
  parentPort!.postMessage({ kind: 'ready' });
  parentPort!.on('message', (m: 'measure' | 'stop') => {
    if (m === 'measure') {
      warmupLatencyMs = latency.summary();
      latency = new LatencyHistogram();
      return;
    }
    socket.close();
    const result: WatcherResult = { events, received, unmatched, latencyMs: latency.summary(), warmupLatencyMs };
    parentPort!.postMessage({ kind: 'done', result });
  });
}

if (parentPort && (workerData as WatcherData | undefined)?.buffers) {
  main().catch((e: Error) => parentPort!.postMessage({ kind: 'error', message: e.stack ?? String(e) }));
}
