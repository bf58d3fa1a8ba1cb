import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Organisation } from '../accounts/organisation.entity.js';

export const NOTIFICATION_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type NotificationSeverity = (typeof NOTIFICATION_SEVERITIES)[number];

// A message to an organisation (certificate expiring, alarm, waybill status), stored so that it can be read
// later, pushed live to the organisation's room and delivered to its webhooks. `kind` is a dotted event name
// ('certificate.expiring') that webhook endpoints filter on.
@Entity({ name: 'notifications' })
@Check('notifications_severity_ck', `severity IN ('info','warning','critical')`)
@Index('notifications_organisation_created_idx', ['organisationId', 'createdAt'])
export class Notification {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) organisationId!: string;
  @ManyToOne(() => Organisation, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organisation_id', foreignKeyConstraintName: 'notifications_organisation_id_fk' })
  organisation?: Organisation;
  @Column({ type: 'varchar', length: 64 }) kind!: string;
  @Column({ type: 'varchar', length: 16 }) severity!: NotificationSeverity;
  @Column({ type: 'varchar', length: 200 }) title!: string;
  @Column({ type: 'text', default: '' }) body!: string;
  @Column({ type: 'jsonb', default: () => `'{}'` }) data!: Record<string, unknown>;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @Column({ type: 'timestamptz', nullable: true }) readAt!: Date | null;
}
