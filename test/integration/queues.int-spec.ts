import { Redis } from 'ioredis';
import { Global, Injectable, Module, type Type } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { UnrecoverableError, type Job } from 'bullmq';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { ConfigModule } from '../../src/config/config.module.js';
import { loadEnv } from '../../src/config/env.js';
import { DatabaseModule } from '../../src/database/database.module.js';
import { HealthService } from '../../src/ops/health.service.js';
import { MetricsService } from '../../src/ops/metrics.service.js';
import { OpsModule } from '../../src/ops/ops.module.js';
import { JobHandler } from '../../src/queue/job-handler.decorator.js';
import { deleteQueueKeys, type AnyWorker } from '../../src/queue/queue.backend.js';
import { QueueModule } from '../../src/queue/queue.module.js';
import { QueueService } from '../../src/queue/queue.service.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { describeWithRedis, redisUrl } from '../helpers/redis.js';

const Greeting = z.object({ to: z.string().min(1) });

@Injectable()
class ProbeJobs {
  @JobHandler('probe', 'flaky')
  async flaky(data: { n: number }, job: Job) {
    // Fails its first attempt only, like a webhook endpoint that was down for a moment.
    if (job.attemptsMade === 0) throw new Error('transient failure');
    return { doubled: data.n * 2 };
  }

  @JobHandler('probe', 'greet', Greeting)
  async greet(data: z.infer<typeof Greeting>) {
    return `hello ${data.to}`;
  }

  @JobHandler('probe', 'tick')
  async tick() {
    return 'tick';
  }
}

@Module({ imports: [QueueModule.forFeature([{ queue: 'probe', jobs: ['flaky', 'greet', 'tick'] }])], providers: [ProbeJobs] })
class ProbeModule {}

// A unique prefix per app, so that runs sharing one Redis (or one database) never see each other's jobs.
const envFor = (overrides: Record<string, string>) =>
  loadEnv({
    NODE_ENV: 'test',
    ROLES: 'worker',
    QUEUE_PREFIX: `t_${randomBytes(4).toString('hex')}`,
    DATABASE_URL: 'postgres://unused@127.0.0.1/unused',
    ...overrides,
  });

async function boot(imports: (Type | ReturnType<typeof ConfigModule.forRoot>)[]): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({ imports }).compile();
  if (!process.env.TEST_LOG_LEVEL) moduleRef.useLogger(false);
  try {
    await moduleRef.init();
  } catch (e) {
    await moduleRef.close();
    throw e;
  }
  return moduleRef;
}

type Outcome = { job: Job; result?: unknown; err?: Error };

// The next 'completed' or 'failed' event of a job with this name. Listen before adding the job: it may finish
// before add() returns.
function next(worker: AnyWorker, event: 'completed' | 'failed', name: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const listener = (job: Job | undefined, value: unknown) => {
      if (job?.name !== name) return;
      worker.off(event, listener);
      resolve(event === 'completed' ? { job, result: value } : { job, err: value as Error });
    };
    worker.on(event, listener);
  });
}

function roundTrip(backend: 'postgres' | 'redis') {
  return () => {
    let db: TestDatabase;
    let app: TestingModule;
    let queues: QueueService;
    let worker: AnyWorker;

    beforeAll(async () => {
      db = await createTestDatabase();
      const env = envFor({ DATABASE_URL: db.url, ...(backend === 'redis' ? { REDIS_URL: redisUrl! } : {}) });
      app = await boot([ConfigModule.forRoot(env), DatabaseModule, OpsModule, QueueModule, ProbeModule]);
      queues = app.get(QueueService);
      worker = queues.getWorker('probe')!;
    });

    afterAll(async () => {
      // The database goes with its data; Redis keys must be removed.
      if (backend === 'redis') await queues?.getQueue('probe').obliterate({ force: true });
      await app?.close();
      await db?.drop();
    });

    it('should retry a failing job and complete it on the second attempt', async () => {
      const failed = next(worker, 'failed', 'flaky');
      const completed = next(worker, 'completed', 'flaky');
      // A short fixed backoff keeps the test fast; the default is exponential from 5 s.
      await queues.add('probe', 'flaky', { n: 21 }, { backoff: { type: 'fixed', delay: 10 } });

      expect((await failed).err?.message).toBe('transient failure');
      const { job, result } = await completed;
      expect(job.attemptsMade).toBe(2);
      expect(result).toEqual({ doubled: 42 });
    });

    it('should fail a job with an unknown name at once, without retrying', async () => {
      const failed = next(worker, 'failed', 'no-such-job');
      // Straight onto the BullMQ queue, as an older or newer version of the app might: add() refuses the name.
      const added = await queues.getQueue('probe').add('no-such-job', {});

      const { job, err } = await failed;
      expect(err).toBeInstanceOf(UnrecoverableError);
      expect(err?.message).toBe('queue "probe" has no handler for job "no-such-job"');
      expect(job.attemptsMade).toBe(1);
      expect(await queues.getQueue('probe').getJobState(added.id!)).toBe('failed');
    });

    it('should refuse to enqueue an undeclared job', async () => {
      await expect(queues.add('probe', 'no-such-job', {})).rejects.toThrow('job "no-such-job" is not declared on queue "probe"');
      await expect(queues.add('nowhere', 'flaky', {})).rejects.toThrow('job "flaky" is not declared on queue "nowhere"');
    });

    it('should check job data against the handler schema when enqueued and when run', async () => {
      await expect(queues.add('probe', 'greet', { to: '' })).rejects.toThrow('invalid data for job "greet" on queue "probe"');

      const failed = next(worker, 'failed', 'greet');
      await queues.getQueue('probe').add('greet', { to: 42 });
      const { job, err } = await failed;
      expect(err).toBeInstanceOf(UnrecoverableError);
      expect(job.attemptsMade).toBe(1);

      const completed = next(worker, 'completed', 'greet');
      await queues.add('probe', 'greet', { to: 'loading staff' });
      expect((await completed).result).toBe('hello loading staff');
    });

    it('should run a scheduled job', async () => {
      const completed = next(worker, 'completed', 'tick');
      // The first run of an `every` scheduler is due at once.
      await queues.upsertScheduler('probe', 'tick', { every: 60_000 });
      expect((await completed).result).toBe('tick');

      await queues.upsertScheduler('probe', 'tick', { every: 120_000 });
      expect(await queues.getQueue('probe').getJobSchedulersCount()).toBe(1);
      expect(await queues.removeScheduler('probe', 'tick')).toBe(true);
    });

    it('should report job counts, health and the queue gauge', async () => {
      const counts = await queues.counts();
      expect(counts.probe).toMatchObject({ waiting: expect.any(Number), active: expect.any(Number), failed: expect.any(Number) });

      const health = await app.get(HealthService).check();
      expect(health.checks.queue).toMatchObject({ status: 'up', backend, queues: 1, workers: 1 });
      if (backend === 'redis') expect(health.checks.redis).toMatchObject({ status: 'up' });
      else expect(health.checks.redis).toBeUndefined();

      const metrics = await app.get(MetricsService).registry.metrics();
      expect(metrics).toContain(`hazway_queue_jobs{queue="probe",state="failed"} ${counts.probe.failed}`);
    });
  };
}

describe('queues on PostgreSQL', roundTrip('postgres'));
describeWithRedis('queues on Redis', roundTrip('redis'));

// Health and metrics without a database: wiring checks fail before anything connects.
@Global()
@Module({
  providers: [MetricsService, { provide: HealthService, useValue: new HealthService({ query: async () => [] } as unknown as DataSource) }],
  exports: [MetricsService, HealthService],
})
class OpsStubModule {}

describe('queue wiring at boot', () => {
  @Module({ imports: [QueueModule.forFeature([{ queue: 'vehicles', jobs: ['qualification-expiry-scan'] }])] })
  class VehiclesWithoutHandler {}

  @Module({ providers: [ProbeJobs] })
  class HandlersWithoutDeclaration {}

  it('should fail when a declared job has no handler', async () => {
    await expect(boot([ConfigModule.forRoot(envFor({})), OpsStubModule, QueueModule, VehiclesWithoutHandler])).rejects.toThrow(
      `job "qualification-expiry-scan" on queue "vehicles" is declared but has no handler`,
    );
  });

  it('should fail when a handler has no declared job', async () => {
    await expect(boot([ConfigModule.forRoot(envFor({})), OpsStubModule, QueueModule, HandlersWithoutDeclaration])).rejects.toThrow(
      `ProbeJobs.flaky handles job "flaky" on queue "probe", which no module declares`,
    );
  });
});

describeWithRedis('deleteQueueKeys (Redis)', () => {
  it("should delete every key of a prefix, a queue's included, and nothing of another prefix", async () => {
    const [mine, other] = [`t_${randomBytes(4).toString('hex')}`, `t_${randomBytes(4).toString('hex')}`];
    const redis = new Redis(redisUrl!);
    try {
      for (const prefix of [mine, other]) {
        await redis.set(`${prefix}:plain`, '1');
        await redis.hset(`${prefix}:probe:meta`, 'x', '1');
      }
      expect(await deleteQueueKeys(redisUrl!, mine)).toBe(2);
      expect(await redis.keys(`${mine}:*`)).toEqual([]);
      expect((await redis.keys(`${other}:*`)).sort()).toEqual([`${other}:plain`, `${other}:probe:meta`]);
      expect(await deleteQueueKeys(redisUrl!, other)).toBe(2);
    } finally {
      redis.disconnect();
    }
  });
});
