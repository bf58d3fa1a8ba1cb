import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { describeWithRedis, redisUrl } from '../helpers/redis.js';

// The whole app chooses its queue backend from REDIS_URL and reports it in /health and /metrics.
describe('queue backend of the app, without REDIS_URL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('should report the PostgreSQL queue backend as up and no redis check', async () => {
    const res = await request(t.http).get('/health');
    expect(res.status).toBe(200);
    expect(res.body.checks.queue).toMatchObject({ status: 'up', backend: 'postgres' });
    expect(res.body.checks.redis).toBeUndefined();
  });

  it('should describe the queue gauge in /metrics', async () => {
    const res = await request(t.http).get('/metrics');
    expect(res.text).toContain('# TYPE hazway_queue_jobs gauge');
  });
});

describeWithRedis('queue backend of the app, with REDIS_URL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ REDIS_URL: redisUrl! });
  });
  afterAll(() => t?.close());

  it('should report the Redis queue backend and Redis itself as up', async () => {
    const res = await request(t.http).get('/health');
    expect(res.status).toBe(200);
    expect(res.body.checks).toMatchObject({ queue: { status: 'up', backend: 'redis' }, redis: { status: 'up' } });
  });
});
