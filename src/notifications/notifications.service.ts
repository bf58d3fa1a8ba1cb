import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import type { Principal } from '../accounts/principal.js';
import { NotFoundError } from '../common/errors.js';
import { ENV, type Env } from '../config/env.js';
import { orgRoom } from '../live/live.rooms.js';
import { LiveService } from '../live/live.service.js';
import { QueueService } from '../queue/queue.service.js';
import { Notification } from './notification.entity.js';
import { NotifyInputSchema, type DeliveryJob, type ListNotifications, type NotifyInput } from './notifications.dto.js';

export const NOTIFICATIONS_QUEUE = 'notifications';
export const WEBHOOK_DELIVERY_JOB = 'webhook-delivery';

// A notification committed to the database, with the webhook deliveries created for it; publish() sends it on.
export type StoredNotification = { notification: Notification; deliveryIds: string[] };

export type NotificationView = Pick<Notification, 'id' | 'kind' | 'severity' | 'title' | 'body' | 'data' | 'createdAt' | 'readAt'>;

export const notificationView = (n: Notification): NotificationView => ({
  id: n.id,
  kind: n.kind,
  severity: n.severity,
  title: n.title,
  body: n.body,
  data: n.data,
  createdAt: n.createdAt,
  readAt: n.readAt,
});

// Notifications to organisations: stored (GET /notifications), pushed live to the organisation's /watch room
// (event 'notification'), and delivered to each matching active webhook endpoint through the 'notifications'
// queue (webhook-delivery.processor.ts). Other modules call notify(), or store() inside their own transaction
// and publish() after it commits.
@Injectable()
export class NotificationsService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Notifications');

  constructor(
    private readonly ds: DataSource,
    private readonly live: LiveService,
    private readonly queues: QueueService,
    @Inject(ENV) private readonly env: Env,
  ) {}

  async notify(organisationId: string, input: NotifyInput): Promise<NotificationView> {
    const stored = await this.ds.transaction((m) => this.store(m, organisationId, input));
    await this.publish([stored]);
    return notificationView(stored.notification);
  }

  // Writes the notification and one pending delivery per matching active endpoint, in the caller's
  // transaction: they commit or roll back with whatever caused them.
  async store(m: EntityManager, organisationId: string, input: NotifyInput): Promise<StoredNotification> {
    const n = NotifyInputSchema.parse(input);
    const notification = await m.save(Notification, m.create(Notification, { organisationId, ...n, readAt: null }));
    const deliveries: { id: string }[] = await m.query(
      `INSERT INTO webhook_deliveries (endpoint_id, notification_id)
       SELECT id, $1 FROM webhook_endpoints
        WHERE organisation_id = $2 AND active AND (cardinality(kinds) = 0 OR $3 = ANY(kinds))
       RETURNING id`,
      [notification.id, organisationId, n.kind],
    );
    return { notification, deliveryIds: deliveries.map((d) => d.id) };
  }

  // After the commit. Never throws: the notifications are stored whatever happens here, and a delivery that
  // could not be enqueued stays 'pending' until the next worker start enqueues it (onApplicationBootstrap).
  async publish(stored: StoredNotification[]): Promise<void> {
    for (const { notification } of stored) {
      this.live.emit([orgRoom(notification.organisationId)], 'notification', notificationView(notification));
    }
    await this.enqueueDeliveries(stored.flatMap((s) => s.deliveryIds));
  }

  // A worker that starts picks up deliveries left pending or failed by a crash between commit and enqueue,
  // or by a lost queue. Job ids are the delivery ids, so a delivery still queued is not queued twice.
  async onApplicationBootstrap() {
    if (!this.env.ROLES.includes('worker')) return;
    try {
      const rows: { id: string }[] = await this.ds.query(
        `SELECT id FROM webhook_deliveries WHERE status IN ('pending', 'failed') ORDER BY created_at LIMIT 10000`,
      );
      if (rows.length) {
        await this.enqueueDeliveries(rows.map((r) => r.id));
        this.logger.log(`re-enqueued ${rows.length} unfinished webhook deliveries`);
      }
    } catch (err) {
      this.logger.error({ msg: 'could not re-enqueue unfinished webhook deliveries', err });
    }
  }

  async list(p: Principal, q: ListNotifications) {
    const repo = this.ds.getRepository(Notification);
    const qb = repo.createQueryBuilder('n').where('n.organisation_id = :org', { org: p.organisationId });
    if (q.unread === true) qb.andWhere('n.read_at IS NULL');
    if (q.unread === false) qb.andWhere('n.read_at IS NOT NULL');
    const [rows, total] = await qb.orderBy('n.created_at', 'DESC').addOrderBy('n.id', 'DESC').take(q.limit).skip(q.offset).getManyAndCount();
    const unread = await repo.countBy({ organisationId: p.organisationId, readAt: IsNull() });
    return { items: rows.map(notificationView), total, unread, limit: q.limit, offset: q.offset };
  }

  // Idempotent: marking a read notification again keeps its first read time. Only the caller's organisation's.
  async markRead(p: Principal, id: string): Promise<NotificationView> {
    const repo = this.ds.getRepository(Notification);
    await repo.update({ id, organisationId: p.organisationId, readAt: IsNull() }, { readAt: () => 'now()' });
    const n = await repo.findOneBy({ id, organisationId: p.organisationId });
    if (!n) throw new NotFoundError('NOTIFICATION_NOT_FOUND', 'No such notification');
    return notificationView(n);
  }

  private async enqueueDeliveries(ids: string[]): Promise<void> {
    for (const deliveryId of ids) {
      try {
        await this.queues.add<DeliveryJob>(NOTIFICATIONS_QUEUE, WEBHOOK_DELIVERY_JOB, { deliveryId }, {
          jobId: `delivery-${deliveryId}`,
          attempts: this.env.WEBHOOK_MAX_ATTEMPTS,
          backoff: { type: 'exponential', delay: this.env.WEBHOOK_BACKOFF_MS },
        });
      } catch (err) {
        this.logger.error({ msg: 'could not enqueue a webhook delivery; it stays pending until a worker restarts', deliveryId, err });
      }
    }
  }
}
