import { Logger } from '@nestjs/common';
import { createPostgresBackend, Queue, Worker, type IQueueBackend, type Processor, type QueueOptions, type WorkerOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { Env } from '../config/env.js';

// Job data is typed per handler (JobHandlerFn), not per queue.
export type AnyQueue = Queue<any, any, string, any, any, string, IQueueBackend, any>;
export type AnyWorker = Worker<any, any, string, IQueueBackend, any, any>;

type QueueOpts = Omit<QueueOptions, 'connection' | 'prefix'>;
type WorkerOpts = Omit<WorkerOptions, 'connection' | 'prefix'>;

export type QueueBackend = {
  kind: 'redis' | 'postgres';
  createQueue(name: string, opts: QueueOpts): AnyQueue;
  createWorker(name: string, processor: Processor, opts: WorkerOpts): AnyWorker;
  // Redis only: PING on the shared connection, for the 'redis' health check.
  ping?: () => Promise<void>;
  // Redis only: known to be unreachable right now (ioredis tracks it).
  isDown?: () => boolean;
  // Call after every queue and worker is closed.
  close(): Promise<void>;
};

// The one place that chooses and wires the BullMQ backend (DESIGN.md "Storage and infrastructure").
// The factory is passed to each constructor rather than set with setDefaultBackendFactory: that default is
// process-wide, and tests run both backends in one process.
export function createQueueBackend(env: Env): QueueBackend {
  if (env.REDIS_URL) {
    // One connection for every queue; BullMQ duplicates it for each worker's blocking reads.
    // maxRetriesPerRequest: null is what BullMQ workers require: commands wait for Redis to come back.
    const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: null });
    // ioredis reconnects by itself and emits 'error' on every failed attempt: say it once per outage.
    let down = false;
    redis.on('error', (err) => {
      if (!down) new Logger('Queue').error({ msg: 'Redis connection lost, reconnecting', err });
      down = true;
    });
    redis.on('ready', () => (down = false));
    const shared = { connection: redis, prefix: env.QUEUE_PREFIX };
    return {
      kind: 'redis',
      createQueue: (name, opts) => new Queue(name, { ...opts, ...shared }),
      createWorker: (name, processor, opts) => new Worker(name, processor, { ...opts, ...shared }),
      ping: async () => {
        await redis.ping();
      },
      isDown: () => redis.status !== 'ready',
      close: async () => {
        // BullMQ leaves a connection it was given open. quit() would wait forever for a Redis that is down.
        if (redis.status === 'ready') await redis.quit();
        else redis.disconnect();
      },
    };
  }
  if (!env.DATABASE_URL) throw new Error('DATABASE_URL is not set (main.ts starts the embedded PostgreSQL first)');
  // PostgreSQL ignores BullMQ's key prefix: the schema is its namespace, so QUEUE_PREFIX picks the schema.
  // Each Queue and Worker owns a small pool (plus, for a worker, one LISTEN connection): keep them small
  // beside the app's own pool. migrate: true creates or upgrades the schema under an advisory lock.
  const connection = {
    connectionString: env.DATABASE_URL,
    schema: `bullmq_${env.QUEUE_PREFIX}`,
    migrate: true,
    max: 4,
  };
  return {
    kind: 'postgres',
    createQueue: (name, opts) => new Queue(name, { ...opts, connection }, createPostgresBackend),
    createWorker: (name, processor, opts) => new Worker(name, processor, { ...opts, connection }, createPostgresBackend),
    close: async () => undefined, // each Queue and Worker closes the pool it created
  };
}

// Deletes every Redis key of a QUEUE_PREFIX (BullMQ's queues, job schedulers and metrics are all "<prefix>:..."):
// for tests and benchmarks, which give each run a prefix of its own and remove it afterwards. The prefix is
// [a-z][a-z0-9_]* (env.ts), so nothing in it needs escaping in MATCH. Returns how many keys went.
export async function deleteQueueKeys(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let deleted = 0;
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 500 }) as AsyncIterable<string[]>) {
      if (keys.length) deleted += await redis.unlink(...keys);
    }
    return deleted;
  } finally {
    redis.disconnect();
  }
}
