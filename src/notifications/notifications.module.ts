import { Module } from '@nestjs/common';
import { QueueModule } from '../queue/queue.module.js';
import { NotificationsController, WebhooksController } from './notifications.controller.js';
import { NOTIFICATIONS_QUEUE, NotificationsService, WEBHOOK_DELIVERY_JOB } from './notifications.service.js';
import { WebhookDeliveryProcessor } from './webhook-delivery.processor.js';
import { WebhooksService } from './webhooks.service.js';

// Notifications to organisations: stored, pushed live, delivered to webhooks. Depends on nothing but the
// shared plumbing (database, queue, live); domain modules import it and call NotificationsService.
@Module({
  imports: [QueueModule.forFeature([{ queue: NOTIFICATIONS_QUEUE, jobs: [WEBHOOK_DELIVERY_JOB], concurrency: 4 }])],
  controllers: [NotificationsController, WebhooksController],
  providers: [NotificationsService, WebhooksService, WebhookDeliveryProcessor],
  exports: [NotificationsService],
})
export class NotificationsModule {}
