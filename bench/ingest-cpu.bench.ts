// CPU cost of the ingest server's own work per position, without the database and without the other processes
// of the end-to-end benchmark: `npm run bench:build && node dist/bench/ingest-cpu.bench.js [terminals] [frames]`
// (BENCH_APP_DIST=<folder> runs another build of the app, for A/B comparisons).
//
// The real JT/T 808 session (frame splitting, decoding, auth, ACK encoding, metrics), the real PositionsService
// (plausibility, waybill links, rows, live forwarding) and the real PositionWriter (group commit) run on this
// thread; only the sockets and the database are replaced: frames are pushed into the sessions as socket chunks,
// replies are collected, and the store builds the batch's COPY text (copyData, the real one) and answers at once.
// What is left out: socket syscalls, pg's protocol work and PostgreSQL itself (the end-to-end benchmark has those).
// Measured: process CPU time (user + system) per position, over `frames` 0x0200 reports from `terminals`
// authenticated sessions, after a warm-up of the same size; the median of 5 rounds.
import { fromDist, log } from './harness.js';

const terminals = Number(process.argv[2] ?? 2000);
const frames = Number(process.argv[3] ?? 200_000);
const AUTH = 'hazway-bench-808';

const { Jt808Session, DEFAULT_SESSION_LIMITS } = await fromDist('tracking/terminal/jt808-session.js');
const { TerminalMetrics } = await fromDist('tracking/terminal/terminal.metrics.js');
const { hashAuthCode } = await fromDist('tracking/terminal/terminal-directory.js');
const { encodeMessage, encodeAuth, encodeLocation } = await fromDist('tracking/terminal/jt808/jt808.encoder.js');
const { PositionsService } = await fromDist('tracking/positions/positions.service.js');
const { PositionWriter } = await fromDist('tracking/positions/position-writer.js');
const { copyData } = await fromDist('tracking/positions/position-store.js');
const { MetricsService } = await fromDist('ops/metrics.service.js');

const uuid = (i: number) => `${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`;
const phone = (i: number) => `0138${String(i).padStart(8, '0')}`;

const metrics = new MetricsService();
let copyBytes = 0;
const store = {
  async write(rows: unknown[]) {
    copyBytes += copyData(rows).length;
    return { inserted: rows.length, insertedOrdinals: null };
  },
};
const ds = { query: async () => [] };
const positions = new PositionsService(ds, { DATABASE_URL: 'postgres://bench@127.0.0.1:1/none' }, metrics);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
(positions as any).writer = new PositionWriter(store, positions.config.writer, new MetricsService());
let live = 0;
positions.onLive((batch: unknown[]) => (live += batch.length));

const directory = {
  byPhone: new Map<string, unknown>(),
  async findByPhone(p: string) {
    return this.byPhone.get(p) ?? null;
  },
  async setAuthCodeHash() {},
  async touch() {
    return [];
  },
};
let replies = 0;
const host = {
  directory,
  positions,
  metrics: new TerminalMetrics(metrics, { connections: () => terminals, authenticated: () => terminals, paused: () => false }),
  logger: { log() {}, warn() {}, debug() {}, error() {} },
  limits: { ...DEFAULT_SESSION_LIMITS, maxPendingFrames: 1 << 30 },
  holdReading: false,
  authenticated() {},
  seen() {},
};
const socket = () => ({
  writableLength: 0,
  destroyed: false,
  write(b: Buffer) {
    replies += b.length;
    return true;
  },
  end() {},
  destroy() {},
  pause() {},
  resume() {},
});

const sessions: any[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
for (let i = 0; i < terminals; i++) {
  const id = uuid(i + 1);
  directory.byPhone.set(phone(i + 1), {
    id: uuid(i + 100001),
    organisationId: uuid(999999),
    protocol: 'jt808',
    protocolVersion: '2013',
    vehicleId: id,
    vehicleActive: true,
    authCodeHash: hashAuthCode(AUTH),
  });
  const s = new Jt808Session(socket(), host, i, 'bench');
  s.onData(encodeMessage({ messageId: 0x0102, phone: phone(i + 1), serial: 0, body: encodeAuth({ authCode: AUTH }) }));
  sessions.push(s);
}
await Promise.all(sessions.map((s) => s.settled()));

// Frames prepared before the clock starts: 1 fix per second per terminal along a line near Ordos.
const start = Date.now() - 3 * 3600_000;
function prepare(round: number): Buffer[][] {
  const per = Math.ceil(frames / terminals);
  return sessions.map((_, i) =>
    Array.from({ length: per }, (_, k) => {
      const n = round * per + k;
      const body = encodeLocation({
        latitude: 39.6 + i * 1e-4 + n * 1e-5,
        longitude: 109.8 + n * 1e-5,
        speedKmh: 60,
        direction: 90,
        altitude: 1300,
        status: 2,
        time: new Date(start + n * 1000),
        extras: { mileageKm: 1000 + n / 100 },
      });
      return encodeMessage({ messageId: 0x0200, phone: phone(i + 1), serial: (n + 1) & 0xffff, body });
    }),
  );
}

async function round(r: number): Promise<number> {
  const input = prepare(r);
  const per = input[0]!.length;
  global.gc?.();
  const cpu = process.cpuUsage();
  // Like the network would: one chunk per frame, terminals interleaved; a turn of the event loop every 2,000.
  let n = 0;
  for (let k = 0; k < per; k++) {
    for (let i = 0; i < sessions.length; i++) {
      sessions[i].onData(input[i]![k]!);
      if (++n % 2000 === 0) await new Promise((res) => setImmediate(res));
    }
  }
  await Promise.all(sessions.map((s) => s.settled()));
  const c = process.cpuUsage(cpu);
  return (c.user + c.system) / n;
}

await round(0); // warm-up
const results: number[] = [];
for (let r = 1; r <= 5; r++) results.push(await round(r));
const sorted = [...results].sort((a, b) => a - b);
const median = sorted[2]!;
log(`rounds (µs CPU per position): ${results.map((x) => x.toFixed(1)).join(', ')}`);
console.log(
  JSON.stringify({
    ingestCpu: { terminals, framesPerRound: frames, medianMicrosecondsPerPosition: Number(median.toFixed(2)), positionsPerCoreSecond: Math.round(1e6 / median), live, replyBytes: replies, copyBytes, dist: process.env.BENCH_APP_DIST ?? 'dist' },
  }),
);
await positions.onModuleDestroy();
process.exit(0);
