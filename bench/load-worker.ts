// Worker thread of bench/load-client.ts: runs the jobs it is sent and posts the results back.
import { parentPort, workerData } from 'node:worker_threads';
import { currentThreadId, HttpClient } from './harness.js';
import { runJobs, runJobsOpenLoop, type Job } from './load-client.js';

const { baseUrl, sockets } = workerData as { baseUrl: string; sockets: number };
const http = new HttpClient(baseUrl, sockets);
parentPort!.postMessage({ tid: currentThreadId() });

parentPort!.on('message', async ({ jobs, concurrency, ratePerSecond }: { jobs: Job[]; concurrency?: number; ratePerSecond?: number }) => {
  parentPort!.postMessage(ratePerSecond ? await runJobsOpenLoop(http, jobs, ratePerSecond) : await runJobs(http, jobs, concurrency ?? 1));
});
