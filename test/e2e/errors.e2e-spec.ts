import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app.js';

describe('error shape', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ BODY_LIMIT: '16kb' });
  });
  afterAll(() => t?.close());

  it('should answer an unknown route with ROUTE_NOT_FOUND and a request id', async () => {
    const res = await request(t.http).get('/no/such/route');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ status: 404, code: 'ROUTE_NOT_FOUND', message: 'No such route', requestId: expect.any(String) });
    expect(res.headers['x-request-id']).toBe(res.body.requestId);
  });

  it('should echo a caller-supplied request id', async () => {
    const res = await request(t.http).get('/nope').set('X-Request-Id', 'abc-123-def-456');
    expect(res.body.requestId).toBe('abc-123-def-456');
  });

  it('should answer malformed JSON with MALFORMED_JSON', async () => {
    const res = await request(t.http).post('/auth/login').set('Content-Type', 'application/json').send('{"username": ');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 400, code: 'MALFORMED_JSON', requestId: expect.any(String) });
  });

  it('should answer an oversized body with BODY_TOO_LARGE and the limit', async () => {
    const res = await request(t.http)
      .post('/auth/login')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ username: 'x'.repeat(20_000), password: 'y' }));
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: 'BODY_TOO_LARGE', details: { limit: 16 * 1024 } });
  });

  it('should list every field error with a stable code', async () => {
    const res = await request(t.http).post('/auth/login').send({ username: 42 });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details.fields).toEqual([
      { path: 'username', code: 'INVALID_TYPE', message: expect.any(String) },
      { path: 'password', code: 'INVALID_TYPE', message: expect.any(String) },
    ]);
  });

  it('should reject a malformed path parameter before touching the database', async () => {
    const token = await t.adminToken();
    const res = await request(t.http).get('/organisations/not-a-uuid').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', details: { fields: [{ path: '(root)', code: 'INVALID_FORMAT' }] } });
  });

  it('should never send a stack trace', async () => {
    const res = await request(t.http).post('/auth/login').set('Content-Type', 'application/json').send('[[[');
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(js|ts):\d+/);
  });
});
