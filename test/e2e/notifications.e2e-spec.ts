import { io, type Socket } from 'socket.io-client';
import request from 'supertest';
import { NotificationsService } from '../../src/notifications/notifications.service.js';
import { WebhookDeliveryProcessor } from '../../src/notifications/webhook-delivery.processor.js';
import { verifyDelivery } from '../../src/notifications/webhook.rules.js';
import { bearer, startTestApp, type TestApp } from '../helpers/app.js';
import { createOrgWithUser } from '../helpers/fixtures.js';
import { eventually, startReceiver, type Answer, type Receiver } from './notifications-receiver.js';

describe('notifications and webhooks', () => {
  let t: TestApp;
  let notifications: NotificationsService;
  let carrier: Awaited<ReturnType<typeof createOrgWithUser>>;
  let rival: Awaited<ReturnType<typeof createOrgWithUser>>;
  const receivers: Receiver[] = [];
  const sockets: Socket[] = [];

  beforeAll(async () => {
    // Short retries so that a delivery's whole life fits in a test: 50 ms, 100 ms, 200 ms.
    t = await startTestApp({ WEBHOOK_BACKOFF_MS: '50', WEBHOOK_MAX_ATTEMPTS: '4', WEBHOOK_TIMEOUT_MS: '2000' });
    notifications = t.app.get(NotificationsService);
    carrier = await createOrgWithUser(t, 'carrier');
    rival = await createOrgWithUser(t, 'carrier');
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await Promise.all(receivers.map((r) => r.close()));
    await t?.close();
  });

  const receiver = async (answer?: Answer) => {
    const r = await startReceiver(answer);
    receivers.push(r);
    return r;
  };
  const addWebhook = async (url: string, kinds?: string[], token = carrier.token) => {
    const res = await request(t.http).post('/webhooks').set(bearer(token)).send({ url, kinds });
    expect(res.status).toBe(201);
    return res.body as { webhook: { id: string }; secret: string };
  };
  const deliveriesOf = async (webhookId: string) => {
    const res = await request(t.http).get(`/webhooks/${webhookId}/deliveries`).set(bearer(carrier.token));
    expect(res.status).toBe(200);
    return res.body.items as { id: string; status: string; attempts: number; lastStatusCode: number | null; lastError: string | null; deliveredAt: string | null }[];
  };
  const settled = (webhookId: string) =>
    eventually(async () => {
      const [d] = await deliveriesOf(webhookId);
      return d && (d.status === 'delivered' || d.status === 'dead') ? d : undefined;
    }, 15_000, 'the delivery to settle');
  const sample = (over: Record<string, unknown> = {}) => ({
    kind: 'certificate.expiring',
    severity: 'warning' as const,
    title: '证件即将到期：蒙B12345 道路运输证 7天后到期',
    body: '车辆 蒙B12345的道路运输证有效期至 2036-03-08',
    data: { certificate: 'vehicle.transportCertificate', daysLeft: 7 },
    ...over,
  });

  it("should list the organisation's own notifications, newest first, and mark them read", async () => {
    const first = await notifications.notify(carrier.org.id, sample({ title: '第一条' }));
    const second = await notifications.notify(carrier.org.id, sample({ title: '第二条' }));
    await notifications.notify(rival.org.id, sample({ title: '别人的' }));

    const list = await request(t.http).get('/notifications?limit=10').set(bearer(carrier.token));
    expect(list.status).toBe(200);
    expect(list.body.items.map((n: { title: string }) => n.title)).toEqual(['第二条', '第一条']);
    expect(list.body).toMatchObject({ total: 2, unread: 2 });

    const read = await request(t.http).post(`/notifications/${first.id}/read`).set(bearer(carrier.token));
    expect(read.status).toBe(200);
    expect(read.body.readAt).not.toBeNull();
    const again = await request(t.http).post(`/notifications/${first.id}/read`).set(bearer(carrier.token));
    expect(again.body.readAt).toBe(read.body.readAt);

    const unread = await request(t.http).get('/notifications?unread=true').set(bearer(carrier.token));
    expect(unread.body.items.map((n: { id: string }) => n.id)).toEqual([second.id]);
    expect(unread.body.unread).toBe(1);
  });

  it("should answer another organisation's notification as not found", async () => {
    const theirs = await notifications.notify(rival.org.id, sample());
    const res = await request(t.http).post(`/notifications/${theirs.id}/read`).set(bearer(carrier.token));
    expect([res.status, res.body.code]).toEqual([404, 'NOTIFICATION_NOT_FOUND']);
    const [{ read_at }] = await t.ds.query(`SELECT read_at FROM notifications WHERE id = $1`, [theirs.id]);
    expect(read_at).toBeNull();
  });

  it("should push a notification live to the organisation's watchers only", async () => {
    const watch = (token: string) => {
      const s = io(`${t.url}/watch`, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token } });
      sockets.push(s);
      return new Promise<Socket>((resolve, reject) => s.once('connect', () => resolve(s)).once('connect_error', reject));
    };
    const mine = await watch(carrier.token);
    const theirs = await watch(rival.token);
    const got: unknown[] = [];
    theirs.on('notification', (n) => got.push(n));
    const pushed = new Promise((resolve) => mine.once('notification', resolve));
    const n = await notifications.notify(carrier.org.id, sample({ title: '实时' }));
    await expect(pushed).resolves.toMatchObject({ id: n.id, title: '实时', kind: 'certificate.expiring' });
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual([]);
  });

  it('should show a webhook secret once and let only an org_admin manage webhooks', async () => {
    const r = await receiver();
    const created = await addWebhook(r.url, ['certificate.expiring']);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{32}$/);
    const list = await request(t.http).get('/webhooks').set(bearer(carrier.token));
    expect(list.status).toBe(200);
    expect(list.body).toContainEqual(expect.objectContaining({ id: created.webhook.id, url: r.url, kinds: ['certificate.expiring'], active: true }));
    expect(JSON.stringify(list.body)).not.toContain(created.secret);

    const dispatcher = await createOrgWithUser(t, 'carrier', { roles: ['carrier'] });
    const refused = await request(t.http).post('/webhooks').set(bearer(dispatcher.token)).send({ url: r.url });
    expect([refused.status, refused.body.code]).toEqual([403, 'ROLE_REQUIRED']);
    const bad = await request(t.http).post('/webhooks').set(bearer(carrier.token)).send({ url: 'ftp://example.com/x' });
    expect([bad.status, bad.body.details.fields[0].path]).toEqual([400, 'url']);

    const foreign = await request(t.http).delete(`/webhooks/${created.webhook.id}`).set(bearer(rival.token));
    expect([foreign.status, foreign.body.code]).toEqual([404, 'WEBHOOK_NOT_FOUND']);
    const foreignLog = await request(t.http).get(`/webhooks/${created.webhook.id}/deliveries`).set(bearer(rival.token));
    expect(foreignLog.status).toBe(404);
    const removed = await request(t.http).delete(`/webhooks/${created.webhook.id}`).set(bearer(carrier.token));
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ active: false });
    expect(removed.body.deactivatedAt).not.toBeNull();
  });

  it('should retry a failing receiver with backoff and deliver exactly once, signed', async () => {
    // Fails twice, then accepts.
    const r = await receiver(({ n }) => (n <= 2 ? 500 : 204));
    const { webhook, secret } = await addWebhook(r.url);
    const n = await notifications.notify(carrier.org.id, sample());

    const delivery = await settled(webhook.id);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 204, lastError: null });
    expect(r.received.map((x) => x.answeredWith)).toEqual([500, 500, 204]);
    expect(r.received.filter((x) => x.answeredWith < 300)).toHaveLength(1);
    for (const x of r.received) {
      expect(x.headers['x-hazway-delivery']).toBe(delivery.id);
      expect(x.headers['x-hazway-event']).toBe('certificate.expiring');
      expect(x.headers['content-type']).toMatch(/^application\/json/);
      const headers = { timestamp: x.headers['x-hazway-timestamp'] as string, signature: x.headers['x-hazway-signature'] as string };
      expect(headers.signature).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(verifyDelivery(secret, headers, x.rawBody)).toBe(true);
      expect(verifyDelivery('whsec_wrong', headers, x.rawBody)).toBe(false);
    }
    expect(JSON.parse(r.received[2]!.rawBody)).toMatchObject({
      id: delivery.id,
      event: 'certificate.expiring',
      organisationId: carrier.org.id,
      notification: { id: n.id, title: n.title, data: { daysLeft: 7 } },
    });

    // Running the job again (a duplicate, a re-enqueue after a restart) sends nothing more.
    const again = await t.app.get(WebhookDeliveryProcessor).deliver({ deliveryId: delivery.id }, { attemptsMade: 0, opts: { attempts: 4 } } as never);
    expect(again).toEqual({ skipped: 'delivered' });
    expect(r.received).toHaveLength(3);
    await request(t.http).delete(`/webhooks/${webhook.id}`).set(bearer(carrier.token));
  });

  it('should give up after WEBHOOK_MAX_ATTEMPTS and mark the delivery dead', async () => {
    const r = await receiver(() => 503);
    const { webhook } = await addWebhook(r.url);
    await notifications.notify(carrier.org.id, sample());
    const delivery = await settled(webhook.id);
    expect(delivery).toMatchObject({ status: 'dead', attempts: 4, lastStatusCode: 503, deliveredAt: null });
    expect(delivery.lastError).toContain('HTTP 503');
    await new Promise((r) => setTimeout(r, 300));
    expect(r.received).toHaveLength(4);
    await request(t.http).delete(`/webhooks/${webhook.id}`).set(bearer(carrier.token));
  });

  it('should record a receiver that cannot be reached as a failed attempt', async () => {
    const r = await receiver();
    const url = r.url;
    await r.close();
    receivers.splice(receivers.indexOf(r), 1);
    const { webhook } = await addWebhook(url);
    await notifications.notify(carrier.org.id, sample());
    const delivery = await settled(webhook.id);
    expect(delivery).toMatchObject({ status: 'dead', attempts: 4, lastStatusCode: null });
    expect(delivery.lastError).toMatch(/fetch failed|ECONNREFUSED/);
    await request(t.http).delete(`/webhooks/${webhook.id}`).set(bearer(carrier.token));
  });

  it("should deliver only the kinds an endpoint asked for, only to the organisation's active endpoints", async () => {
    const alarms = await receiver();
    const all = await receiver();
    const wantsAlarms = await addWebhook(alarms.url, ['alarm.raised']);
    const wantsAll = await addWebhook(all.url);
    const theirs = await receiver();
    await addWebhook(theirs.url, [], rival.token);

    await notifications.notify(carrier.org.id, sample());
    await settled(wantsAll.webhook.id);
    expect(await deliveriesOf(wantsAlarms.webhook.id)).toEqual([]);
    expect(all.received).toHaveLength(1);
    expect(theirs.received).toHaveLength(0);
  });
});
