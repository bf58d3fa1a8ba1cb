// The load generator of the benchmarks: jobs of HTTP steps run by `concurrency` virtual clients over keep-alive
// connections. By default it runs in a worker thread (bench/load-worker.ts), so that the clients do not share the
// app's event loop: like clients on the same machine, they share its cores but not its thread. BENCH_CLIENT=main
// runs them on the app's own thread instead (the client's work then counts against the app).
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { currentThreadId, HttpClient, runPool } from './harness.js';

// One HTTP call. `path` may name an earlier step's answer id as {0.id}, {1.id}, ...
export type Step = {
  method: string;
  path: string;
  body?: unknown;
  token?: string;
  expect: number; // the status that counts as success
  keepBody?: boolean; // return the whole answer (for checks), not just its id, status and qr
};
export type Job = Step[];

export type StepResult = {
  status: number;
  ms: number;
  id?: string;
  state?: string; // the answer's `status` field (a waybill's status)
  outcome?: string; // the answer's `outcome` field (a pre-loading check's)
  qr?: string;
  verdict?: { genuine?: boolean; known?: boolean; current?: boolean };
  body?: unknown;
  error?: string; // the answer, shortened, when the status was not the expected one
};
export type JobResult = { ok: boolean; ms: number; steps: StepResult[] };
export type RunResult = { seconds: number; results: JobResult[]; maxInFlight?: number };

// One job: its steps one after another, stopping at the first unexpected status.
async function runJob(http: HttpClient, job: Job): Promise<JobResult> {
  const t0 = performance.now();
  const steps: StepResult[] = [];
  let ok = true;
  for (const step of job) {
    const path = step.path.replace(/\{(\d+)\.id\}/g, (_, k: string) => steps[Number(k)]?.id ?? 'missing');
    let r;
    try {
      r = await http.request(step.method, path, step.body, step.token);
    } catch (e) {
      steps.push({ status: 0, ms: 0, error: (e as Error).message });
      ok = false;
      break;
    }
    const b = r.body as Record<string, unknown> | undefined;
    const s: StepResult = { status: r.status, ms: r.ms };
    if (b && typeof b === 'object') {
      if (typeof b.id === 'string') s.id = b.id;
      if (typeof b.status === 'string') s.state = b.status;
      if (typeof b.outcome === 'string') s.outcome = b.outcome;
      if (typeof b.qr === 'string') s.qr = b.qr;
      if ('genuine' in b) s.verdict = { genuine: b.genuine as boolean, known: b.known as boolean, current: b.current as boolean };
    }
    if (step.keepBody) s.body = r.body;
    steps.push(s);
    if (r.status !== step.expect) {
      s.error = JSON.stringify(r.body).slice(0, 300);
      ok = false;
      break;
    }
  }
  return { ok, ms: performance.now() - t0, steps };
}

// Closed loop: `concurrency` clients, each starting its next job when its last one is answered.
export async function runJobs(http: HttpClient, jobs: readonly Job[], concurrency: number): Promise<RunResult> {
  const results: JobResult[] = new Array(jobs.length);
  const seconds = await runPool(jobs, concurrency, async (job, i) => {
    results[i] = await runJob(http, job);
  });
  return { seconds, results };
}

// Open loop: job i is started at t0 + i / ratePerSecond whether or not earlier ones were answered (arrivals do
// not wait for the server, as separate loading sites would not). A job's `ms` counts from its scheduled start,
// so a client that falls behind schedule shows up as latency (no coordinated omission). The HTTP agent holds at
// most `sockets` connections; a request beyond that waits for one, and that wait counts too.
export async function runJobsOpenLoop(http: HttpClient, jobs: readonly Job[], ratePerSecond: number): Promise<RunResult> {
  const results: JobResult[] = new Array(jobs.length);
  const t0 = performance.now();
  const interval = 1000 / ratePerSecond;
  let inFlight = 0;
  let maxInFlight = 0;
  const running: Promise<void>[] = [];
  for (let i = 0; i < jobs.length; i++) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    running.push(
      runJob(http, jobs[i]!).then((r) => {
        inFlight--;
        results[i] = { ...r, ms: performance.now() - due };
      }),
    );
  }
  await Promise.all(running);
  return { seconds: (performance.now() - t0) / 1000, results, maxInFlight };
}

export interface LoadClient {
  readonly where: 'worker thread' | 'main thread';
  readonly tid: number | null; // the client's thread (Linux), for its CPU time
  run(jobs: readonly Job[], concurrency: number): Promise<RunResult>;
  // Open loop at a fixed arrival rate (see runJobsOpenLoop).
  runOpen(jobs: readonly Job[], ratePerSecond: number): Promise<RunResult>;
  close(): Promise<void>;
}

export async function startLoadClient(baseUrl: string, sockets: number): Promise<LoadClient> {
  if (process.env.BENCH_CLIENT === 'main') {
    const http = new HttpClient(baseUrl, sockets);
    return {
      where: 'main thread',
      tid: currentThreadId(),
      run: (jobs, concurrency) => runJobs(http, jobs, concurrency),
      runOpen: (jobs, rate) => runJobsOpenLoop(http, jobs, rate),
      close: async () => http.close(),
    };
  }
  const worker = new Worker(new URL('./load-worker.js', import.meta.url), { workerData: { baseUrl, sockets } });
  let pending: { resolve: (r: RunResult) => void; reject: (e: Error) => void } | undefined;
  const tid = await new Promise<number | null>((resolve, reject) => {
    worker.once('message', (m: { tid: number | null }) => resolve(m.tid));
    worker.once('error', reject);
  });
  worker.on('message', (r: RunResult) => {
    const p = pending;
    pending = undefined;
    p?.resolve(r);
  });
  worker.on('error', (e) => {
    const p = pending;
    pending = undefined;
    p?.reject(e);
  });
  const send = (message: { jobs: readonly Job[]; concurrency?: number; ratePerSecond?: number }) =>
    new Promise<RunResult>((resolve, reject) => {
      if (pending) return reject(new Error('one run at a time'));
      pending = { resolve, reject };
      worker.postMessage(message);
    });
  return {
    where: 'worker thread',
    tid,
    run: (jobs, concurrency) => send({ jobs, concurrency }),
    runOpen: (jobs, ratePerSecond) => send({ jobs, ratePerSecond }),
    close: async () => {
      await worker.terminate();
    },
  };
}
