import { Redis } from 'ioredis';

// Tests that need Redis run when REDIS_URL is set (CI sets it) and otherwise are skipped with the reason in
// their name, so that a run without Redis says what it did not test.
export const redisUrl = process.env.REDIS_URL;
export const describeWithRedis: jest.Describe = redisUrl
  ? describe
  : (((name: string, fn: () => void) => describe.skip(`${name} [skipped: REDIS_URL is not set]`, fn)) as unknown as jest.Describe);

// Removes what an app left in Redis under its QUEUE_PREFIX (BullMQ's queues, job schedulers and metrics), so that
// test runs do not pile keys up in a developer's Redis. Prefixes are [a-z0-9_], so nothing needs escaping in MATCH.
export async function deleteRedisKeys(url: string, prefix: string): Promise<number> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
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
