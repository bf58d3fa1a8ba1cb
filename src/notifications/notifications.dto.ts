import { z } from 'zod';
import { NOTIFICATION_SEVERITIES } from './notification.entity.js';
import { DELIVERY_STATUSES } from './webhook-delivery.entity.js';

const pagination = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
};

// Dotted lower-case event names: certificate.expiring, alarm.raised, waybill.delivered.
export const notificationKind = z.string().regex(/^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$/, 'must be a dotted lower-case name such as certificate.expiring').max(64);

// What NotificationsService.notify takes; checked there, since callers are other modules' code.
export const NotifyInputSchema = z.object({
  kind: notificationKind,
  severity: z.enum(NOTIFICATION_SEVERITIES),
  title: z.string().trim().min(1).max(200),
  body: z.string().max(10_000).default(''),
  data: z.record(z.string(), z.unknown()).default({}),
});
export type NotifyInput = z.input<typeof NotifyInputSchema>;

export const ListNotificationsSchema = z.object({
  unread: z.stringbool().optional(),
  ...pagination,
});
export type ListNotifications = z.infer<typeof ListNotificationsSchema>;

export const CreateWebhookSchema = z.object({
  // Plain http is allowed for receivers inside a private network; prefer https.
  url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).max(2000),
  description: z.string().trim().max(100).optional(),
  kinds: z.array(notificationKind).max(50).default([]),
});
export type CreateWebhook = z.infer<typeof CreateWebhookSchema>;

export const ListDeliveriesSchema = z.object({
  status: z.enum(DELIVERY_STATUSES).optional(),
  ...pagination,
});
export type ListDeliveries = z.infer<typeof ListDeliveriesSchema>;

export const DeliveryJobSchema = z.object({ deliveryId: z.uuid() });
export type DeliveryJob = z.infer<typeof DeliveryJobSchema>;
