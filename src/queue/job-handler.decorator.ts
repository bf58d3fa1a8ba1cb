import { SetMetadata } from '@nestjs/common';
import type { Job } from 'bullmq';
import type { z } from 'zod';

export const JOB_HANDLER = 'hazway:job-handler';

export type JobHandlerMeta = { queue: string; name: string; schema?: z.ZodType };

// What a handler method looks like: the (parsed, when a schema is given) job data, then the BullMQ job for
// attemptsMade, id, updateProgress and the like. Its return value becomes the job's result.
export type JobHandlerFn<T = unknown> = (data: T, job: Job) => Promise<unknown>;

// Marks a provider method as the handler of one declared job. QueueService finds these at boot; a handler for
// a job no module declared with QueueModule.forFeature fails the boot, and so does a declared job with none.
// With a zod schema, data is checked when enqueued and parsed again before the handler runs (a job that fails
// the schema is not retried: it would fail the same way every time).
export const JobHandler = (queue: string, name: string, schema?: z.ZodType): MethodDecorator =>
  SetMetadata(JOB_HANDLER, { queue, name, schema } satisfies JobHandlerMeta);
