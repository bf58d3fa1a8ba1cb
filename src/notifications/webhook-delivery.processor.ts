import { Inject, Injectable } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { DataSource } from 'typeorm';
import { ENV, type Env } from '../config/env.js';
import { JobHandler } from '../queue/job-handler.decorator.js';
import { DeliveryJobSchema, type DeliveryJob } from './notifications.dto.js';
import { NOTIFICATIONS_QUEUE, WEBHOOK_DELIVERY_JOB } from './notifications.service.js';
import { webhookPolicy } from './webhooks.service.js';
import { postWebhook, WebhookAddressError } from './webhook-http.js';
import { isSuccess, retryDelay, signDelivery } from './webhook.rules.js';

type Row = {
  id: string;
  status: string;
  endpoint_active: boolean;
  url: string;
  secret: string;
  organisation_id: string;
  notification_id: string;
  kind: string;
  severity: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  created_at: Date;
};

const USER_AGENT = 'Hazway-Webhooks/1';

// POSTs one notification to one webhook endpoint. A non-2xx answer, a redirect, a network error or no
// answer within WEBHOOK_TIMEOUT_MS fails the attempt: the job throws, and BullMQ retries it with exponential
// backoff from WEBHOOK_BACKOFF_MS, up to WEBHOOK_MAX_ATTEMPTS attempts in all; then the delivery is 'dead'.
// The delivery row is read before each attempt, so that a delivery the receiver has acknowledged with a 2xx
// is never sent again, whatever the queue does (a job run twice, a re-enqueue after a restart).
@Injectable()
export class WebhookDeliveryProcessor {
  constructor(
    private readonly ds: DataSource,
    @Inject(ENV) private readonly env: Env,
  ) {}

  @JobHandler(NOTIFICATIONS_QUEUE, WEBHOOK_DELIVERY_JOB, DeliveryJobSchema)
  async deliver({ deliveryId }: DeliveryJob, job: Job) {
    const [row]: Row[] = await this.ds.query(
      `SELECT d.id, d.status, e.active AS endpoint_active, e.url, e.secret, e.organisation_id,
              n.id AS notification_id, n.kind, n.severity, n.title, n.body, n.data, n.created_at
         FROM webhook_deliveries d
         JOIN webhook_endpoints e ON e.id = d.endpoint_id
         JOIN notifications n ON n.id = d.notification_id
        WHERE d.id = $1`,
      [deliveryId],
    );
    if (!row) return { skipped: 'gone' };
    if (row.status === 'delivered' || row.status === 'dead') return { skipped: row.status };
    if (!row.endpoint_active) {
      await this.finish(deliveryId, { status: 'dead', lastStatusCode: null, lastError: 'endpoint removed' });
      return { skipped: 'endpoint removed' };
    }

    // Claims the attempt. A claimed attempt is 'pending' with last_attempt_at set until it finishes ('delivered',
    // 'failed', 'dead'); while it runs, a second run of the same job (BullMQ moves a job whose lock was not renewed
    // in time, e.g. on a busy event loop, back to waiting, and another worker takes it) must not send again: a
    // receiver that answers 2xx to the first request would get the delivery twice. That run is retried later
    // instead. An attempt older than the lease (its worker died mid-request) may be taken over.
    const leaseMs = attemptLeaseMs(this.env.WEBHOOK_TIMEOUT_MS);
    const [claimed]: { attempts: number }[] = await this.ds.query(
      `UPDATE webhook_deliveries SET status = 'pending', attempts = attempts + 1, last_attempt_at = now(), updated_at = now()
        WHERE id = $1 AND (status = 'failed' OR (status = 'pending' AND (last_attempt_at IS NULL OR last_attempt_at < now() - make_interval(secs => $2::double precision / 1000))))
        RETURNING attempts`,
      [deliveryId, leaseMs],
    ).then((r: [{ attempts: number }[], number]) => r[0]);
    if (!claimed) {
      const [now]: { status: string }[] = await this.ds.query(`SELECT status FROM webhook_deliveries WHERE id = $1`, [deliveryId]);
      if (!now || now.status === 'delivered' || now.status === 'dead') return { skipped: 'finished elsewhere' };
      // Not a failed attempt of this delivery: BullMQ retries the job later, when the running attempt is over.
      throw new Error(`webhook delivery ${deliveryId}: an attempt is in progress elsewhere; trying again later`);
    }
    const attempts = claimed.attempts;

    const body = JSON.stringify({
      id: row.id,
      event: row.kind,
      organisationId: row.organisation_id,
      notification: {
        id: row.notification_id,
        kind: row.kind,
        severity: row.severity,
        title: row.title,
        body: row.body,
        data: row.data,
        createdAt: row.created_at,
      },
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    let statusCode: number | null = null;
    let error: string | null = null;
    let forbidden = false;
    try {
      // No redirect is followed: it would send the signed body somewhere nobody configured. Loopback, private and
      // link-local addresses are refused, also when a public name resolves to one (webhook-address.rules.ts).
      const res = await postWebhook(
        row.url,
        {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': USER_AGENT,
          'x-hazway-event': row.kind,
          'x-hazway-delivery': row.id,
          'x-hazway-timestamp': timestamp,
          'x-hazway-signature': signDelivery(row.secret, timestamp, body),
        },
        body,
        { timeoutMs: this.env.WEBHOOK_TIMEOUT_MS, policy: webhookPolicy(this.env) },
      );
      statusCode = res.status;
      if (!isSuccess(res.status)) error = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
    } catch (e) {
      forbidden = e instanceof WebhookAddressError;
      error = forbidden ? `address refused: ${(e as Error).message}` : describeFetchError(e, this.env.WEBHOOK_TIMEOUT_MS);
    }

    if (error === null) {
      await this.finish(deliveryId, { status: 'delivered', lastStatusCode: statusCode, lastError: null, delivered: true });
      return { status: statusCode, attempts };
    }

    // Either limit ends it: the delivery's own count (which survives a re-enqueue) or the job's attempts.
    // A refused address is final too: trying again cannot make it allowed.
    const final = forbidden || attempts >= this.env.WEBHOOK_MAX_ATTEMPTS || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (final) {
      await this.finish(deliveryId, { status: 'dead', lastStatusCode: statusCode, lastError: error });
      throw new UnrecoverableError(`webhook delivery ${deliveryId} is dead after ${attempts} attempts: ${error}`);
    }
    const nextAttemptAt = new Date(Date.now() + retryDelay(this.env.WEBHOOK_BACKOFF_MS, job.attemptsMade + 1));
    await this.finish(deliveryId, { status: 'failed', lastStatusCode: statusCode, lastError: error, nextAttemptAt });
    throw new Error(`webhook delivery ${deliveryId} failed (attempt ${attempts}): ${error}`);
  }

  private async finish(
    id: string,
    r: { status: 'delivered' | 'failed' | 'dead'; lastStatusCode: number | null; lastError: string | null; nextAttemptAt?: Date; delivered?: boolean },
  ) {
    await this.ds.query(
      `UPDATE webhook_deliveries
          SET status = $2, last_status_code = $3::smallint, last_error = $4, next_attempt_at = $5::timestamptz,
              delivered_at = CASE WHEN $6::boolean THEN now() ELSE delivered_at END, updated_at = now()
        WHERE id = $1`,
      [id, r.status, r.lastStatusCode ?? null, r.lastError?.slice(0, 500) ?? null, r.nextAttemptAt ?? null, r.delivered ?? false],
    );
  }
}

// How long a claimed attempt is presumed alive: its request's timeout, plus time for the answer to be recorded.
export const attemptLeaseMs = (timeoutMs: number) => 2 * timeoutMs + 30_000;

function describeFetchError(e: unknown, timeoutMs: number): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  // undici reports "fetch failed" with the socket error as the cause.
  const cause = err?.cause;
  if (cause) return `${err.message}: ${cause.code ?? cause.message ?? String(cause)}`;
  return err?.message ?? String(e);
}
