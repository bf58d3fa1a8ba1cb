import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

// Who changed what, when, with the record before and after. Append-only: nothing updates or deletes rows.
@Entity({ name: 'audit_entries' })
@Index('audit_entries_entity_idx', ['entityType', 'entityId'])
@Index('audit_entries_organisation_id_idx', ['organisationId', 'at'])
export class AuditEntry {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' }) id!: string;
  @CreateDateColumn({ type: 'timestamptz' }) at!: Date;
  @Column({ type: 'uuid', nullable: true }) actorUserId!: string | null;
  @Column({ type: 'uuid', nullable: true }) actorApiKeyId!: string | null;
  // The organisation whose data changed, so that it can read its own audit trail.
  @Column({ type: 'uuid', nullable: true }) organisationId!: string | null;
  @Column({ type: 'varchar', length: 64 }) action!: string;
  @Column({ type: 'varchar', length: 64 }) entityType!: string;
  @Column({ type: 'varchar', length: 64 }) entityId!: string;
  @Column({ type: 'jsonb', nullable: true }) before!: Record<string, unknown> | null;
  @Column({ type: 'jsonb', nullable: true }) after!: Record<string, unknown> | null;
  @Column({ type: 'varchar', length: 64, nullable: true }) requestId!: string | null;
}
