import { randomBytes } from 'node:crypto';
import { LiveBackend } from '../../src/live/live.backend.js';
import { describeWithRedis, redisUrl } from '../helpers/redis.js';

// The live fan-out's Redis clients at shutdown: both end, and nothing is left that keeps the process alive. (Calling
// ioredis's disconnect() on a client that quit had already ended armed a 2 s timer waiting for a 'close' that had
// happened: every process, and every Jest worker, stayed up 2 s after its shutdown.)
describeWithRedis('LiveBackend shutdown (Redis)', () => {
  it('should end both clients and leave no timer holding the process', async () => {
    const backend = await LiveBackend.connect(redisUrl!, `hz-test-${randomBytes(3).toString('hex')}`);
    expect(backend.redisStatus()).toEqual({ publisher: 'ready', subscriber: 'ready' });

    // Timers of a second or more created during the shutdown, until they fire or are cleared.
    const pending = new Map<NodeJS.Timeout, number>();
    const { setTimeout: realSet, clearTimeout: realClear } = globalThis;
    globalThis.setTimeout = ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      const h: NodeJS.Timeout = realSet(() => {
        pending.delete(h);
        fn(...args);
      }, ms);
      if ((ms ?? 0) >= 1000) pending.set(h, ms!);
      return h;
    }) as typeof setTimeout;
    globalThis.clearTimeout = ((h: NodeJS.Timeout) => {
      pending.delete(h);
      realClear(h);
    }) as typeof clearTimeout;
    try {
      await backend.onApplicationShutdown();
    } finally {
      globalThis.setTimeout = realSet;
      globalThis.clearTimeout = realClear;
    }

    expect(backend.redisStatus()).toEqual({ publisher: 'end', subscriber: 'end' });
    const holding = [...pending].filter(([h]) => h.hasRef()).map(([, ms]) => ms);
    for (const [h] of pending) realClear(h);
    expect(holding).toEqual([]);
  });
});
