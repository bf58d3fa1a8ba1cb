import request from 'supertest';
import { NotificationsService } from '../../src/notifications/notifications.service.js';
import { bearer, startTestApp, type TestApp } from '../helpers/app.js';
import { createOrgWithUser } from '../helpers/fixtures.js';
import { eventually, startReceiver, type Receiver } from './notifications-receiver.js';

// Webhooks cannot be pointed at the operator's own network (server-side request forgery): refused when registered,
// and refused again when a delivery connects (an endpoint stored while the policy allowed it, or a name that now
// resolves to a private address). WEBHOOK_ALLOW_PRIVATE=true (the test default, for local receivers) turns it off.

describe('webhook address policy (SSRF)', () => {
  let t: TestApp;
  let carrier: Awaited<ReturnType<typeof createOrgWithUser>>;
  let receiver: Receiver;

  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_ALLOW_PRIVATE: 'false', WEBHOOK_ALLOWED_HOSTS: 'receiver.example.net', WEBHOOK_BACKOFF_MS: '50', WEBHOOK_MAX_ATTEMPTS: '3' });
    carrier = await createOrgWithUser(t, 'carrier');
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.close();
  });

  it.each([
    'http://127.0.0.1:8080/hook',
    'http://localhost:3000/hook',
    'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
    'http://10.0.0.8/hook',
    'http://192.168.1.20/hook',
    'http://[::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://2130706433/hook',
  ])('should refuse to register %s with 400 WEBHOOK_URL_FORBIDDEN', async (url) => {
    const res = await request(t.http).post('/webhooks').set(bearer(carrier.token)).send({ url });
    expect([res.status, res.body.code]).toEqual([400, 'WEBHOOK_URL_FORBIDDEN']);
  });

  it('should register a public URL and a host the operator allowed', async () => {
    for (const url of ['https://hooks.example.com/hazway', 'http://receiver.example.net/hook']) {
      expect((await request(t.http).post('/webhooks').set(bearer(carrier.token)).send({ url, kinds: ['never.sent'] })).status).toBe(201);
    }
  });

  it('should not deliver to an endpoint stored with an internal address, and end the delivery at once', async () => {
    // Stored behind the API's back, as if registered while WEBHOOK_ALLOW_PRIVATE was true.
    const [{ id }] = await t.ds.query(
      `INSERT INTO webhook_endpoints (organisation_id, url, kinds, secret) VALUES ($1, $2, '{}', 'whsec_test') RETURNING id`,
      [carrier.org.id, receiver.url],
    );
    await t.app.get(NotificationsService).notify(carrier.org.id, { kind: 'ssrf.test', severity: 'info', title: 'x' });
    const delivery = await eventually(async () => {
      const res = await request(t.http).get(`/webhooks/${id}/deliveries`).set(bearer(carrier.token));
      const [d] = res.body.items as { status: string; attempts: number; lastError: string | null }[];
      return d && d.status === 'dead' ? d : undefined;
    }, 15_000, 'the delivery to end');
    expect(delivery).toMatchObject({ status: 'dead', attempts: 1 });
    expect(delivery.lastError).toMatch(/address refused: 127\.0\.0\.1/);
    expect(receiver.received).toEqual([]);
  });
});
