import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { UnrecoverableError, type Job, type JobsOptions, type Processor, type RepeatOptions } from 'bullmq';
import { z } from 'zod';
import { RepeatFilter } from '../common/repeat-filter.js';
import { ENV, type Env } from '../config/env.js';
import { HealthService } from '../ops/health.service.js';
import { MetricsService } from '../ops/metrics.service.js';
import { JOB_HANDLER, type JobHandlerMeta } from './job-handler.decorator.js';
import { createQueueBackend, type AnyQueue, type AnyWorker, type QueueBackend } from './queue.backend.js';
import { buildRegistry, QueueDeclarations, type BoundHandler, type QueueDeclaration, type QueueRegistry } from './queue.registry.js';

// Retries for transient failures (a webhook endpoint down, a lock timeout); completed jobs are dropped to keep
// the backend small, failed ones kept for inspection and manual retry.
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 5_000 },
  removeOnComplete: true,
  removeOnFail: false,
};

const SCRAPE_TIMEOUT_MS = 2_000;
const SHUTDOWN_GRACE_MS = 5_000;

export type JobCounts = Record<string, Record<string, number>>;

// Owns every BullMQ queue and worker of the process. Queues exist in every role (the api enqueues); workers
// run only in the 'worker' role. Everything is closed on app.close(), workers first.
@Injectable()
export class QueueService implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Queue');
  // Repeated queue errors, logged once per kind and 30 s (reportError).
  private readonly errorRepeats = new RepeatFilter(30_000);
  private registry?: QueueRegistry;
  private backend?: QueueBackend;
  private readonly queues = new Map<string, AnyQueue>();
  private readonly workers = new Map<string, AnyWorker>();
  private closed = false;

  constructor(
    @Inject(ENV) private readonly env: Env,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    health: HealthService,
    metrics: MetricsService,
  ) {
    health.register({ name: 'queue', check: () => this.checkQueues() });
    if (env.REDIS_URL) {
      health.register({
        name: 'redis',
        check: async () => {
          if (!this.backend?.ping) return { status: 'down', error: 'not started' };
          if (this.backend.isDown?.()) return { status: 'down', error: REDIS_DOWN };
          await this.backend.ping();
          return { status: 'up' };
        },
      });
    }
    const service = this;
    metrics.gauge({
      name: 'hazway_queue_jobs',
      help: 'BullMQ jobs by queue and state, read from the queue backend on each scrape',
      labelNames: ['queue', 'state'],
      async collect() {
        this.reset();
        // Redis away: its commands would wait in ioredis' offline queue until it is back, one more per scrape.
        if (service.backend?.isDown?.()) return;
        try {
          const counts = await withTimeout(service.counts(), SCRAPE_TIMEOUT_MS);
          for (const [queue, states] of Object.entries(counts)) {
            for (const [state, n] of Object.entries(states)) this.set({ queue, state }, n);
          }
        } catch (err) {
          // A scrape still answers with every other metric when the queue backend is down.
          service.logger.warn({ msg: 'queue counts unavailable for metrics', err });
        }
      },
    });
  }

  // Boot fails here, before any connection is opened, when declarations and handlers do not match.
  onModuleInit() {
    this.setUp();
  }

  onApplicationBootstrap() {
    if (!this.env.ROLES.includes('worker')) return;
    for (const [queue, { concurrency, jobs }] of this.setUp()) {
      const worker = this.backend!.createWorker(queue, this.processor(queue, jobs), { concurrency });
      worker.on('failed', (job, err) => {
        if (!job) return;
        const maxAttempts = job.opts.attempts ?? 1;
        const final = err instanceof UnrecoverableError || job.attemptsMade >= maxAttempts;
        const fields = { queue, jobId: job.id, jobName: job.name, attempt: job.attemptsMade, maxAttempts, err };
        if (final) this.logger.error({ msg: 'job failed', ...fields });
        else this.logger.warn({ msg: 'job failed, will retry', ...fields });
      });
      worker.on('error', this.reportError('queue worker error', queue));
      this.workers.set(queue, worker);
    }
    if (this.workers.size) this.logger.log(`workers started on ${this.backend!.kind}: ${[...this.workers.keys()].join(', ')}`);
  }

  async onModuleDestroy() {
    this.closed = true;
    // With Redis down nothing can finish, and a graceful close would wait for it forever.
    const force = this.backend?.isDown?.() ?? false;
    const closing = (async () => {
      // Workers first: a graceful close lets running jobs finish, and those may still enqueue follow-up jobs.
      await settle([...this.workers.values()].map((w) => w.close(force)), this.logger);
      await settle([...this.queues.values()].map((q) => q.close()), this.logger);
    })();
    // A backend lost during shutdown must not keep the process from exiting. A job cut short is retried
    // later (BullMQ runs jobs at least once, so handlers are idempotent).
    await withTimeout(closing, SHUTDOWN_GRACE_MS).catch((err: Error) =>
      this.logger.warn({ msg: 'queues did not close in time, leaving them', err }),
    );
    await this.backend?.close();
    this.workers.clear();
    this.queues.clear();
  }

  // Enqueues a declared job. Data is checked against the handler's schema here, so that a bad payload fails
  // the caller rather than a worker later.
  async add<T>(queue: string, name: string, data: T, opts?: JobsOptions): Promise<Job<T>> {
    this.checkData(queue, name, data);
    return this.queue(queue).add(name, data, opts);
  }

  // Creates or updates a repeating job: a cron `pattern` (with `tz`) or `every` milliseconds. Idempotent by
  // schedulerId (the job name unless given), so every process may call it at boot.
  async upsertScheduler(
    queue: string,
    name: string,
    repeat: Omit<RepeatOptions, 'key'>,
    data: unknown = {},
    schedulerId = name,
  ): Promise<void> {
    this.checkData(queue, name, data);
    await this.queue(queue).upsertJobScheduler(schedulerId, repeat, { name, data });
  }

  async removeScheduler(queue: string, schedulerId: string): Promise<boolean> {
    return this.queue(queue).removeJobScheduler(schedulerId);
  }

  // Jobs per queue and state (waiting, active, delayed, prioritized, failed, completed, waiting-children).
  async counts(): Promise<JobCounts> {
    return Object.fromEntries(await Promise.all([...this.queues].map(async ([name, q]) => [name, await q.getJobCounts()] as const)));
  }

  // The BullMQ objects themselves, for operations and tests (events, obliterate). Enqueue through add().
  getQueue(queue: string): AnyQueue {
    return this.queue(queue);
  }
  getWorker(queue: string): AnyWorker | undefined {
    return this.workers.get(queue);
  }

  private setUp(): QueueRegistry {
    if (this.closed) throw new Error('the queue service is closed');
    if (this.registry) return this.registry;
    const registry = buildRegistry(...this.discover());
    this.backend = createQueueBackend(this.env);
    for (const queue of registry.keys()) {
      const q = this.backend.createQueue(queue, { defaultJobOptions: DEFAULT_JOB_OPTIONS });
      q.on('error', this.reportError('queue error', queue));
      this.queues.set(queue, q);
    }
    this.registry = registry;
    return registry;
  }

  private discover(): [QueueDeclaration[], BoundHandler[]] {
    const declarations: QueueDeclaration[] = [];
    const handlers: BoundHandler[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (instance instanceof QueueDeclarations) {
        declarations.push(...instance.items);
        continue;
      }
      // Singleton class providers only: a request-scoped instance does not exist at boot.
      if (!instance || !wrapper.metatype || wrapper.inject || !wrapper.isDependencyTreeStatic()) continue;
      const proto = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(proto)) {
        const fn = instance[method] as (...args: unknown[]) => Promise<unknown>;
        const meta = Reflect.getMetadata(JOB_HANDLER, fn) as JobHandlerMeta | undefined;
        if (!meta) continue;
        handlers.push({ ...meta, where: `${instance.constructor.name}.${method}`, run: (data, job) => fn.call(instance, data, job) });
      }
    }
    return [declarations, handlers];
  }

  private checkData(queue: string, name: string, data: unknown) {
    const handler = this.setUp().get(queue)?.jobs.get(name);
    if (!handler) throw new Error(`job "${name}" is not declared on queue "${queue}"`);
    const parsed = handler.schema?.safeParse(data);
    if (parsed && !parsed.success) throw new Error(`invalid data for job "${name}" on queue "${queue}": ${z.prettifyError(parsed.error)}`);
  }

  private queue(queue: string): AnyQueue {
    this.setUp();
    const q = this.queues.get(queue);
    if (!q) throw new Error(`queue "${queue}" is not declared`);
    return q;
  }

  private processor(queue: string, jobs: Map<string, BoundHandler>): Processor {
    return async (job: Job) => {
      const handler = jobs.get(job.name);
      // Retrying cannot help either failure: fail the job at once.
      if (!handler) throw new UnrecoverableError(`queue "${queue}" has no handler for job "${job.name}"`);
      if (!handler.schema) return handler.run(job.data, job);
      const parsed = handler.schema.safeParse(job.data);
      if (!parsed.success) {
        throw new UnrecoverableError(`invalid data for job "${job.name}" on queue "${queue}": ${z.prettifyError(parsed.error)}`);
      }
      return handler.run(parsed.data, job);
    };
  }

  // Without a listener an 'error' event (a lost connection) would crash the process.
  private reportError(msg: string, queue: string) {
    return (err: Error) => {
      // A Redis outage is reported once, by the connection (queue.backend.ts), not on every reconnect attempt.
      if (this.backend?.isDown?.()) return;
      // On PostgreSQL every queue and worker reports every failed poll while the database is away (21 lines for a
      // 5 s restart in the fault test, 42-71 for longer ones): the first of each kind, then one per 30 s with the
      // count of those held back (`repeated`), whichever queue it came from.
      const { log, held } = this.errorRepeats.admit(`${msg}: ${err?.message}`);
      if (log) this.logger.error({ msg, queue, err, ...(held ? { repeated: held } : {}) });
    };
  }

  private async checkQueues() {
    if (!this.backend) return { status: 'down' as const, error: 'not started' };
    // Answered at once while Redis is away, instead of after the health timeout, and without queueing commands
    // (BullMQ's connection waits for Redis to come back: maxRetriesPerRequest null).
    if (this.backend.isDown?.()) return { status: 'down' as const, error: REDIS_DOWN, backend: this.backend.kind };
    await this.backend.ping?.();
    await Promise.all([...this.queues.values()].map((q) => q.getJobCounts('waiting')));
    return { status: 'up' as const, backend: this.backend.kind, queues: this.queues.size, workers: this.workers.size };
  }
}

const REDIS_DOWN = 'Redis unreachable, reconnecting: jobs wait until it is back';

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function settle(closing: Promise<unknown>[], logger: Logger) {
  for (const r of await Promise.allSettled(closing)) {
    if (r.status === 'rejected') logger.warn({ msg: 'error while closing queues', err: r.reason as Error });
  }
}
