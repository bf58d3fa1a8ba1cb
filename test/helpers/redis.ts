// Tests that need Redis run when REDIS_URL is set (CI sets it) and otherwise are skipped with the reason in
// their name, so that a run without Redis says what it did not test.
export const redisUrl = process.env.REDIS_URL;
export const describeWithRedis: jest.Describe = redisUrl
  ? describe
  : (((name: string, fn: () => void) => describe.skip(`${name} [skipped: REDIS_URL is not set]`, fn)) as unknown as jest.Describe);

