import type { z } from 'zod';
import type { JobHandlerFn } from './job-handler.decorator.js';

// What a module declares with QueueModule.forFeature. concurrency: jobs of this queue one worker process runs
// at once (default 1).
export type QueueDeclaration = { queue: string; jobs: readonly string[]; concurrency?: number };

// The provider QueueModule.forFeature adds to a module; QueueService collects them all at boot.
export class QueueDeclarations {
  constructor(readonly items: QueueDeclaration[]) {}
}

export type BoundHandler = { queue: string; name: string; schema?: z.ZodType; where: string; run: JobHandlerFn };

export type QueueRegistry = Map<string, { concurrency: number; jobs: Map<string, BoundHandler> }>;

export class QueueWiringError extends Error {
  constructor(readonly problems: string[]) {
    super('Queue wiring is inconsistent:\n' + problems.map((p) => `  - ${p}`).join('\n'));
    this.name = 'QueueWiringError';
  }
}

// Queue names become Redis key parts and PostgreSQL column values; job names appear in logs and metrics.
const NAME = /^[a-z][a-z0-9-]*$/;

// Pairs every declared job with exactly one handler, and collects every mismatch into one error, so a boot that
// fails says everything there is to fix at once (immich refuses to boot on unhandled job names too).
export function buildRegistry(declarations: QueueDeclaration[], handlers: BoundHandler[]): QueueRegistry {
  const problems: string[] = [];
  const declared = new Map<string, { concurrency: number; jobs: Set<string> }>();
  for (const d of declarations) {
    if (!NAME.test(d.queue)) problems.push(`queue name "${d.queue}" must be lower-case kebab-case`);
    const entry = declared.get(d.queue) ?? { concurrency: 1, jobs: new Set<string>() };
    entry.concurrency = Math.max(entry.concurrency, d.concurrency ?? 1);
    for (const job of d.jobs) {
      if (!NAME.test(job)) problems.push(`job name "${job}" on queue "${d.queue}" must be lower-case kebab-case`);
      entry.jobs.add(job);
    }
    declared.set(d.queue, entry);
  }

  const registry: QueueRegistry = new Map();
  for (const [queue, { concurrency }] of declared) registry.set(queue, { concurrency, jobs: new Map() });
  for (const h of handlers) {
    const jobs = registry.get(h.queue)?.jobs;
    if (!jobs || !declared.get(h.queue)!.jobs.has(h.name)) {
      problems.push(
        `${h.where} handles job "${h.name}" on queue "${h.queue}", which no module declares ` +
          `(QueueModule.forFeature([{ queue: '${h.queue}', jobs: ['${h.name}'] }]))`,
      );
    } else if (jobs.has(h.name)) {
      problems.push(`job "${h.name}" on queue "${h.queue}" has two handlers: ${jobs.get(h.name)!.where} and ${h.where}`);
    } else {
      jobs.set(h.name, h);
    }
  }
  for (const [queue, { jobs }] of declared) {
    for (const job of jobs) {
      if (!registry.get(queue)!.jobs.has(job)) {
        problems.push(`job "${job}" on queue "${queue}" is declared but has no handler (@JobHandler('${queue}', '${job}'))`);
      }
    }
  }
  if (problems.length) throw new QueueWiringError(problems);
  return registry;
}
