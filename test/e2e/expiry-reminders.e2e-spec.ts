import type { Job } from 'bullmq';
import request from 'supertest';
import { verifyDelivery } from '../../src/notifications/webhook.rules.js';
import { QueueService } from '../../src/queue/queue.service.js';
import { shanghaiDate } from '../../src/vehicles/certificate.rules.js';
import { EXPIRY_SCAN_SCHEDULER_ID, ExpiryReminderService, type ExpiryScanResult } from '../../src/vehicles/expiry-reminder.service.js';
import { EXPIRY_SCAN_JOB, VEHICLES_QUEUE } from '../../src/vehicles/vehicles.queue.js';
import { bearer, startTestApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createOrgWithUser } from '../helpers/fixtures.js';
import { idNumberWithCheck } from '../helpers/ids.js';
import { eventually, startReceiver, type Receiver } from './notifications-receiver.js';

// Certificates here end in 2036, so that the scan every worker runs at start (as of the real today) finds
// nothing to remind about, and only the scans these tests run for chosen days do.
const OVERRIDES = { WEBHOOK_BACKOFF_MS: '50', WEBHOOK_MAX_ATTEMPTS: '5' };

let seq = 0;

// Runs the scan as a queued job, as the scheduler does, and waits for its result.
async function runScan(t: TestApp, today: string): Promise<ExpiryScanResult> {
  const queues = t.app.get(QueueService);
  const worker = queues.getWorker(VEHICLES_QUEUE)!;
  const jobId = `test-scan-${today}-${++seq}`;
  const done = new Promise<ExpiryScanResult>((resolve, reject) => {
    const completed = (job: Job, result: unknown) => {
      if (job.id !== jobId) return;
      off();
      resolve(result as ExpiryScanResult);
    };
    const failed = (job: Job | undefined, err: Error) => {
      if (job?.id !== jobId) return;
      off();
      reject(err);
    };
    const off = () => worker.off('completed', completed).off('failed', failed);
    worker.on('completed', completed).on('failed', failed);
  });
  await queues.add(VEHICLES_QUEUE, EXPIRY_SCAN_JOB, { today }, { jobId });
  return done;
}

const count = async (t: TestApp, sql: string, params: unknown[] = []) => Number((await t.ds.query(sql, params))[0].n);

describe('certificate expiry reminders', () => {
  let db: TestDatabase;
  let t: TestApp;
  let carrier: Awaited<ReturnType<typeof createOrgWithUser>>;
  let receiver: Receiver;
  let secret: string;
  let webhookId: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp(OVERRIDES, db);
    carrier = await createOrgWithUser(t, 'carrier');
    // The carrier's receiver fails the first two attempts of every delivery.
    receiver = await startReceiver(({ forDelivery }) => (forDelivery <= 2 ? 500 : 200));
    const hook = await request(t.http).post('/webhooks').set(bearer(carrier.token)).send({ url: receiver.url, kinds: ['certificate.expiring', 'certificate.expired'] });
    expect(hook.status).toBe(201);
    secret = hook.body.secret;
    webhookId = hook.body.webhook.id;

    const org = carrier.org.id;
    const insert = async (sql: string, params: unknown[]) => ((await t.ds.query(sql, params)) as { id: string }[])[0]!.id;
    // 道路运输证 ends 2036-03-08: 7 days after 2036-03-01. Insurance ends 2036-03-31: 30 days after.
    ids.vehicle = await insert(
      `INSERT INTO vehicles (organisation_id, plate_number, plate_colour, kind, transport_cert_valid_until, insurance_valid_until, driving_licence_valid_until)
       VALUES ($1, '蒙B12345', 'yellow', 'tractor', '2036-03-08', '2036-03-31', '2040-01-01') RETURNING id`,
      [org],
    );
    // Tank inspection ends on 2036-03-01 itself.
    ids.tank = await insert(`INSERT INTO tanks (organisation_id, number, kind, next_inspection_date) VALUES ($1, 'GT-001', 'atmospheric', '2036-03-01') RETURNING id`, [org]);
    // An escort's driving licence date is not a certificate he needs; his 从业资格证 is.
    ids.escort = await insert(
      `INSERT INTO people (organisation_id, name, id_number, categories, driving_licence_valid_until, qualification_valid_until)
       VALUES ($1, '李押运', $2, '{escort}', '2036-03-02', '2036-03-02') RETURNING id`,
      [org, idNumberWithCheck('15020319850312123')],
    );
    // Retired records and far-off dates are never reminded.
    await insert(`INSERT INTO vehicles (organisation_id, plate_number, plate_colour, kind, transport_cert_valid_until, status) VALUES ($1, '蒙B99999', 'yellow', 'truck', '2036-03-02', 'retired') RETURNING id`, [org]);
    await insert(`INSERT INTO tanks (organisation_id, number, kind, next_inspection_date) VALUES ($1, 'GT-002', 'atmospheric', '2036-05-01') RETURNING id`, [org]);
  });

  const allDelivered = (n: number) =>
    eventually(async () => {
      const rows: { status: string; attempts: number }[] = await t.ds.query(`SELECT status, attempts FROM webhook_deliveries WHERE endpoint_id = $1`, [webhookId]);
      return rows.length === n && rows.every((r) => r.status === 'delivered') ? rows : undefined;
    }, 20_000, `${n} delivered webhooks`);

  afterAll(async () => {
    await receiver?.close();
    await t?.close();
    await db?.drop();
  });

  it('should schedule the scan daily at 01:00 Shanghai time and run it once at start', async () => {
    const queue = t.app.get(QueueService).getQueue(VEHICLES_QUEUE);
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers).toEqual([expect.objectContaining({ key: EXPIRY_SCAN_SCHEDULER_ID, pattern: '0 1 * * *', tz: 'Asia/Shanghai' })]);
    const boot = await eventually(async () => {
      const job = await queue.getJob(`${EXPIRY_SCAN_JOB}-boot-${shanghaiDate(new Date())}`);
      return job?.finishedOn ? job : undefined;
    });
    expect(boot.returnvalue).toMatchObject({ today: shanghaiDate(new Date()), created: 0 });
  });

  it('should remind once per certificate and threshold, however often the scan runs on a day', async () => {
    const first = await runScan(t, '2036-03-01');
    expect(first).toMatchObject({ today: '2036-03-01', due: 4, created: 4 });
    const second = await runScan(t, '2036-03-01');
    expect(second).toMatchObject({ due: 4, created: 0 });
    // Two scans at the same moment on the next day, when the escort's certificate reaches its last day: the
    // unique key lets exactly one of them insert that reminder.
    const service = t.app.get(ExpiryReminderService);
    const racing = await Promise.all([service.scan({ today: '2036-03-02' }), service.scan({ today: '2036-03-02' })]);
    expect(racing.map((r) => r.created).sort()).toEqual([0, 1]);

    const reminders: { subject_type: string; certificate: string; expires_on: string; threshold: number; notification_id: string | null }[] = await t.ds.query(
      `SELECT subject_type, certificate, expires_on::text, threshold, notification_id FROM certificate_reminders ORDER BY certificate, threshold`,
    );
    expect(reminders.map(({ notification_id: _, ...r }) => r)).toEqual([
      { subject_type: 'person', certificate: 'person.qualification', expires_on: '2036-03-02', threshold: 0 },
      { subject_type: 'person', certificate: 'person.qualification', expires_on: '2036-03-02', threshold: 7 },
      { subject_type: 'tank', certificate: 'tank.inspection', expires_on: '2036-03-01', threshold: 0 },
      { subject_type: 'vehicle', certificate: 'vehicle.liabilityInsurance', expires_on: '2036-03-31', threshold: 30 },
      { subject_type: 'vehicle', certificate: 'vehicle.transportCertificate', expires_on: '2036-03-08', threshold: 7 },
    ]);
    expect(reminders.every((r) => r.notification_id)).toBe(true);
    expect(await count(t, `SELECT count(*) AS n FROM notifications WHERE organisation_id = $1`, [carrier.org.id])).toBe(5);

    const list = await request(t.http).get('/notifications').set(bearer(carrier.token));
    expect(list.body.items.map((n: { title: string }) => n.title).sort()).toEqual([
      '证件即将到期：GT-001 罐体定期检验 今天到期',
      '证件即将到期：李押运 从业资格证 1天后到期',
      '证件即将到期：李押运 从业资格证 今天到期',
      '证件即将到期：蒙B12345 承运人责任险 30天后到期',
      '证件即将到期：蒙B12345 道路运输证 7天后到期',
    ]);
    const transport = list.body.items.find((n: { data: { certificate: string } }) => n.data.certificate === 'vehicle.transportCertificate');
    expect(transport).toMatchObject({
      kind: 'certificate.expiring',
      severity: 'warning',
      data: { subject: { type: 'vehicle', id: ids.vehicle, label: '蒙B12345' }, expiresOn: '2036-03-08', daysLeft: 7, threshold: 7 },
    });
  });

  it('should deliver each reminder to the webhook once, retrying a receiver that failed', async () => {
    const deliveries = await allDelivered(5);
    // Each delivery met two 500s and got through on its third attempt, and was not sent after that.
    expect(deliveries.map((d) => [d.status, d.attempts])).toEqual(Array(5).fill(['delivered', 3]));
    expect(receiver.received).toHaveLength(15);
    const accepted = receiver.received.filter((r) => r.answeredWith === 200);
    expect(new Set(accepted.map((r) => r.headers['x-hazway-delivery'])).size).toBe(5);
    expect(accepted).toHaveLength(5);
    for (const r of receiver.received) {
      const headers = { timestamp: r.headers['x-hazway-timestamp'] as string, signature: r.headers['x-hazway-signature'] as string };
      expect(verifyDelivery(secret, headers, r.rawBody)).toBe(true);
    }
  });

  it('should step through the 30, 7 and 0 day reminders of one certificate over three days', async () => {
    const org = carrier.org.id;
    const [{ id }] = await t.ds.query(
      `INSERT INTO vehicles (organisation_id, plate_number, plate_colour, kind, next_safety_inspection) VALUES ($1, '蒙A00001', 'yellow', 'truck', '2036-06-30') RETURNING id`,
      [org],
    );
    const reminders = () =>
      t.ds.query(`SELECT threshold FROM certificate_reminders WHERE subject_id = $1 ORDER BY created_at`, [id]).then((r: { threshold: number }[]) => r.map((x) => x.threshold));
    await runScan(t, '2036-05-30'); // 31 days left: nothing yet
    expect(await reminders()).toEqual([]);
    for (const [day, expected] of [
      ['2036-05-31', [30]],
      ['2036-06-20', [30]], // 10 days left: still the 30-day step
      ['2036-06-23', [30, 7]],
      ['2036-06-30', [30, 7, 0]],
      ['2036-07-05', [30, 7, 0]], // expired: the 0 step was sent already
    ] as const) {
      await runScan(t, day);
      await runScan(t, day);
      expect(await reminders()).toEqual(expected);
    }
    const titles: { title: string }[] = await t.ds.query(
      `SELECT n.title FROM certificate_reminders r JOIN notifications n ON n.id = r.notification_id WHERE r.subject_id = $1 ORDER BY r.threshold DESC`,
      [id],
    );
    expect(titles.map((x) => x.title)).toEqual([
      '证件即将到期：蒙A00001 安全技术检验 30天后到期',
      '证件即将到期：蒙A00001 安全技术检验 7天后到期',
      '证件即将到期：蒙A00001 安全技术检验 今天到期',
    ]);
    // Renewed: a new end date starts a new series.
    await t.ds.query(`UPDATE vehicles SET next_safety_inspection = '2037-06-30' WHERE id = $1`, [id]);
    await runScan(t, '2037-06-30');
    expect(await reminders()).toEqual([30, 7, 0, 0]);
  });

  it('should send nothing again after a restart on the same database', async () => {
    await allDelivered(await count(t, `SELECT count(*) AS n FROM notifications`));
    const before = {
      reminders: await count(t, `SELECT count(*) AS n FROM certificate_reminders`),
      notifications: await count(t, `SELECT count(*) AS n FROM notifications`),
      deliveries: await count(t, `SELECT count(*) AS n FROM webhook_deliveries`),
    };
    const queue = t.app.get(QueueService).getQueue(VEHICLES_QUEUE);
    const bootId = `${EXPIRY_SCAN_JOB}-boot-${shanghaiDate(new Date())}`;
    const bootFinishedOn = (await queue.getJob(bootId))?.finishedOn;
    expect(bootFinishedOn).toEqual(expect.any(Number));
    await t.close();

    t = await startTestApp(OVERRIDES, db);
    for (const day of ['2036-03-01', '2036-06-30']) expect(await runScan(t, day)).toMatchObject({ created: 0 });
    // The start-up scan of the same day was not run a second time.
    expect((await t.app.get(QueueService).getQueue(VEHICLES_QUEUE).getJob(bootId))?.finishedOn).toBe(bootFinishedOn);
    expect({
      reminders: await count(t, `SELECT count(*) AS n FROM certificate_reminders`),
      notifications: await count(t, `SELECT count(*) AS n FROM notifications`),
      deliveries: await count(t, `SELECT count(*) AS n FROM webhook_deliveries`),
    }).toEqual(before);
    const received = receiver.received.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received).toHaveLength(received);
  });
});
