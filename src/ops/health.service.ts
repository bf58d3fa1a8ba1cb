import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export type Check = { status: 'up' | 'down'; latencyMs?: number; error?: string; [k: string]: unknown };
export type HealthContributor = { name: string; check: () => Promise<Omit<Check, 'latencyMs'>> };

const TIMEOUT_MS = 2_000;

async function timed(fn: () => Promise<Omit<Check, 'latencyMs'>>): Promise<Check> {
  const start = performance.now();
  try {
    const result = await Promise.race([
      fn(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS).unref()),
    ]);
    return { ...result, latencyMs: Math.round(performance.now() - start) } as Check;
  } catch (e) {
    return { status: 'down', error: (e as Error).message, latencyMs: Math.round(performance.now() - start) };
  }
}

// /health: the database always, plus whatever other modules register (queue backend, Redis).
@Injectable()
export class HealthService {
  private readonly contributors: HealthContributor[] = [];

  constructor(private readonly ds: DataSource) {
    this.register({
      name: 'database',
      check: async () => {
        await this.ds.query('SELECT 1');
        return { status: 'up' };
      },
    });
  }

  register(c: HealthContributor) {
    this.contributors.push(c);
  }

  async check(): Promise<{ status: 'ok' | 'error'; checks: Record<string, Check> }> {
    const results = await Promise.all(this.contributors.map(async (c) => [c.name, await timed(c.check)] as const));
    const checks = Object.fromEntries(results);
    return { status: results.every(([, r]) => r.status === 'up') ? 'ok' : 'error', checks };
  }
}
