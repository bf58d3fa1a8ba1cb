import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';
import { Notification } from './notification.entity.js';
import { WebhookEndpoint } from './webhook-endpoint.entity.js';

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'dead'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

// One notification to one endpoint. pending: not tried yet; failed: the last attempt failed and another is
// scheduled (next_attempt_at); delivered: the receiver answered 2xx, never sent again; dead: given up after
// WEBHOOK_MAX_ATTEMPTS attempts, or the endpoint was removed. The id goes out as X-Hazway-Delivery so that
// receivers can drop a repeat.
@Entity({ name: 'webhook_deliveries' })
@Check('webhook_deliveries_status_ck', `status IN ('pending','delivered','failed','dead')`)
@Unique('webhook_deliveries_endpoint_notification_uq', ['endpointId', 'notificationId'])
@Index('webhook_deliveries_endpoint_created_idx', ['endpointId', 'createdAt'])
@Index('webhook_deliveries_notification_id_idx', ['notificationId'])
export class WebhookDelivery {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) endpointId!: string;
  @ManyToOne(() => WebhookEndpoint, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'endpoint_id', foreignKeyConstraintName: 'webhook_deliveries_endpoint_id_fk' })
  endpoint?: WebhookEndpoint;
  @Column({ type: 'uuid' }) notificationId!: string;
  @ManyToOne(() => Notification, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'notification_id', foreignKeyConstraintName: 'webhook_deliveries_notification_id_fk' })
  notification?: Notification;
  @Column({ type: 'varchar', length: 16, default: 'pending' }) status!: DeliveryStatus;
  @Column({ type: 'smallint', default: 0 }) attempts!: number;
  @Column({ type: 'smallint', nullable: true }) lastStatusCode!: number | null;
  @Column({ type: 'varchar', length: 500, nullable: true }) lastError!: string | null;
  @Column({ type: 'timestamptz', nullable: true }) lastAttemptAt!: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) nextAttemptAt!: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) deliveredAt!: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}
