import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Organisation } from '../accounts/organisation.entity.js';

// Where an organisation wants its notifications POSTed. The secret signs every delivery (HMAC-SHA256); it is
// kept in clear because signing needs it, never selected unless asked for, and shown to the caller once.
// Removing an endpoint deactivates it, so that its delivery history stays readable.
@Entity({ name: 'webhook_endpoints' })
@Index('webhook_endpoints_organisation_id_idx', ['organisationId'])
export class WebhookEndpoint {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) organisationId!: string;
  @ManyToOne(() => Organisation, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organisation_id', foreignKeyConstraintName: 'webhook_endpoints_organisation_id_fk' })
  organisation?: Organisation;
  @Column({ type: 'varchar', length: 2000 }) url!: string;
  @Column({ type: 'varchar', length: 100, nullable: true }) description!: string | null;
  @Column({ type: 'varchar', length: 100, select: false }) secret!: string;
  // Notification kinds to deliver; empty means every kind.
  @Column({ type: 'text', array: true, default: () => `'{}'` }) kinds!: string[];
  @Column({ type: 'boolean', default: true }) active!: boolean;
  @Column({ type: 'uuid', nullable: true }) createdByUserId!: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @Column({ type: 'timestamptz', nullable: true }) deactivatedAt!: Date | null;
}
