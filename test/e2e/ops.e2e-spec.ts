import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app.js';

describe('operations endpoints', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('should report health of the database without signing in', async () => {
    const res = await request(t.http).get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', checks: { database: { status: 'up', latencyMs: expect.any(Number) } } });
  });

  it('should expose Prometheus metrics with HTTP latency by route pattern', async () => {
    await request(t.http).get('/organisations/00000000-0000-4000-8000-000000000000');
    const res = await request(t.http).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/hazway_http_request_duration_seconds_count\{method="GET",route="\/organisations\/:id",status="401"\} 1/);
    expect(res.text).toContain('hazway_process_resident_memory_bytes');
    expect(res.text).not.toContain('00000000-0000-4000-8000-000000000000');
  });

  it('should publish an OpenAPI document with the zod schemas of request bodies', async () => {
    const res = await request(t.http).get('/docs/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    const login = res.body.paths['/auth/login'].post.requestBody.content['application/json'].schema;
    expect(login).toMatchObject({ type: 'object', required: ['username', 'password'] });
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/organisations', '/users/{id}', '/api-keys', '/health']));
    expect((await request(t.http).get('/docs')).status).toBe(200);
  });
});
