import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { NotificationsService } from '../../src/notifications/notifications.service.js';
import { WebhookDeliveryProcessor } from '../../src/notifications/webhook-delivery.processor.js';
import { bearer, startTestApp, type TestApp } from '../helpers/app.js';
import { createOrgWithUser } from '../helpers/fixtures.js';
import { eventually } from './notifications-receiver.js';

// A webhook receiver that goes through an outage: first it takes requests and never answers (every attempt
// times out), then it answers 500, then it recovers. Every notification must end up delivered, and no delivery
// may reach the receiver again after the receiver has answered it with a 2xx.

type Phase = 'hang' | 'error' | 'ok';
type Seen = { delivery: string; phase: Phase; status: number | 'no answer' };

async function flakyReceiver() {
  let phase: Phase = 'hang';
  const seen: Seen[] = [];
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const delivery = String(req.headers['x-hazway-delivery']);
      const at = phase;
      if (at === 'hang') {
        // Holds the request until Hazway gives up on it (WEBHOOK_TIMEOUT_MS) and closes the connection.
        const entry: Seen = { delivery, phase: at, status: 'no answer' };
        seen.push(entry);
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      const status = at === 'error' ? 500 : 200;
      seen.push({ delivery, phase: at, status });
      res.writeHead(status).end(status === 200 ? 'ok' : 'down');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    seen,
    setPhase: (p: Phase) => (phase = p),
    close: () => {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('webhook deliveries through a receiver outage (e2e)', () => {
  let t: TestApp;
  let receiver: Awaited<ReturnType<typeof flakyReceiver>>;

  beforeAll(async () => {
    // Attempts time out after 300 ms; retries after 50, 100, 200, 400, 800, 1600 ms...; up to 12 attempts.
    t = await startTestApp({ WEBHOOK_TIMEOUT_MS: '300', WEBHOOK_BACKOFF_MS: '50', WEBHOOK_MAX_ATTEMPTS: '12' });
    receiver = await flakyReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.close();
  });

  it('should retry through timeouts and errors, deliver every notification, and never resend one answered 2xx', async () => {
    const carrier = await createOrgWithUser(t, 'carrier');
    const hook = await request(t.http).post('/webhooks').set(bearer(carrier.token)).send({ url: receiver.url });
    expect(hook.status).toBe(201);
    const webhookId = hook.body.webhook.id as string;
    const notifications = t.app.get(NotificationsService);

    const N = 20;
    for (let i = 0; i < N; i++) {
      await notifications.notify(carrier.org.id, {
        kind: 'certificate.expiring',
        severity: 'warning',
        title: `证件即将到期 #${i}`,
        body: `webhook outage test ${i}`,
        data: { i },
      });
    }
    await eventually(async () => (receiver.seen.filter((s) => s.phase === 'hang').length >= N ? true : undefined), 20_000, 'every delivery to time out once');
    receiver.setPhase('error');
    await eventually(async () => (receiver.seen.filter((s) => s.phase === 'error').length >= N ? true : undefined), 30_000, 'every delivery to get a 500');
    receiver.setPhase('ok');

    type Delivery = { id: string; status: string; attempts: number; lastStatusCode: number | null };
    const deliveries = await eventually(async () => {
      const res = await request(t.http).get(`/webhooks/${webhookId}/deliveries?limit=100`).set(bearer(carrier.token));
      const items = res.body.items as Delivery[];
      return items.length === N && items.every((d) => d.status === 'delivered' || d.status === 'dead') ? items : undefined;
    }, 60_000, 'every delivery to settle');
    // Nothing is still on its way (a late retry would show up here).
    await new Promise((r) => setTimeout(r, 1_000));

    const byDelivery = new Map<string, Seen[]>();
    for (const s of receiver.seen) byDelivery.set(s.delivery, [...(byDelivery.get(s.delivery) ?? []), s]);
    const okAnswers = receiver.seen.filter((s) => s.status === 200).length;
    console.log(
      `webhook outage: ${N} notifications; receiver saw ${receiver.seen.length} requests ` +
        `(${receiver.seen.filter((s) => s.phase === 'hang').length} left unanswered, ${receiver.seen.filter((s) => s.phase === 'error').length} answered 500, ${okAnswers} answered 200); ` +
        `deliveries: ${deliveries.filter((d) => d.status === 'delivered').length} delivered, ${deliveries.filter((d) => d.status === 'dead').length} dead; ` +
        `attempts per delivery ${Math.min(...deliveries.map((d) => d.attempts))}-${Math.max(...deliveries.map((d) => d.attempts))}`,
    );

    expect(deliveries.every((d) => d.status === 'delivered' && d.lastStatusCode === 200)).toBe(true);
    expect(byDelivery.size).toBe(N);
    for (const d of deliveries) {
      const requests = byDelivery.get(d.id)!;
      // Exactly one 2xx per delivery, and it is the last request the receiver saw for it.
      expect(requests.filter((s) => s.status === 200)).toHaveLength(1);
      expect(requests.at(-1)!.status).toBe(200);
      expect(d.attempts).toBe(requests.length);
    }
    expect(okAnswers).toBe(N);
  });

  it('should not send a delivery again while another run of its job is still waiting for the receiver', async () => {
    // The same job run twice at once: BullMQ does that when a job's lock is not renewed in time (a busy event
    // loop) and another worker takes it over. The scale-out script (bench/scaleout.ts) found a receiver getting
    // such a delivery twice.
    let requests = 0;
    const slow = http.createServer((req, res) => {
      requests++;
      req.resume();
      req.on('end', () => setTimeout(() => res.writeHead(200).end('ok'), 150));
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    try {
      const carrier = await createOrgWithUser(t, 'carrier');
      const hook = await request(t.http)
        .post('/webhooks')
        .set(bearer(carrier.token))
        .send({ url: `http://127.0.0.1:${(slow.address() as AddressInfo).port}/slow` });
      expect(hook.status).toBe(201);
      // Stored without the queue: this test runs the job itself.
      const stored = await t.ds.transaction((m) =>
        t.app.get(NotificationsService).store(m, carrier.org.id, { kind: 'certificate.expiring', severity: 'warning', title: '并发投递', body: '', data: {} }),
      );
      const [deliveryId] = stored.deliveryIds;
      const processor = t.app.get(WebhookDeliveryProcessor);
      const job = { attemptsMade: 0, opts: { attempts: 12 } } as never;
      const [first, second] = await Promise.allSettled([processor.deliver({ deliveryId: deliveryId! }, job), processor.deliver({ deliveryId: deliveryId! }, job)]);
      expect(requests).toBe(1);
      expect([first.status, second.status].sort()).toEqual(['fulfilled', 'rejected']);
      const refused = (first.status === 'rejected' ? first : second) as PromiseRejectedResult;
      expect(String(refused.reason)).toContain('in progress elsewhere');
      // The retry of the refused run, once the first is over, finds it delivered.
      expect(await processor.deliver({ deliveryId: deliveryId! }, job)).toEqual({ skipped: 'delivered' });
      const [row] = await t.ds.query(`SELECT status, attempts FROM webhook_deliveries WHERE id = $1`, [deliveryId]);
      expect(row).toEqual({ status: 'delivered', attempts: 1 });
      expect(requests).toBe(1);
    } finally {
      slow.closeAllConnections();
      await new Promise<void>((resolve) => slow.close(() => resolve()));
    }
  });
});
