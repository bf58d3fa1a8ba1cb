import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

// The plan's blacklists (黑名单): an authority bars an organisation, vehicle or person from dangerous-goods
// work for a period. Entries are lifted, never deleted.
@Entity({ name: 'blacklist_entries' })
@Check('blacklist_entries_subject_type_ck', `subject_type IN ('organisation','vehicle','person')`)
@Check('blacklist_entries_dates_ck', `valid_until IS NULL OR valid_until >= valid_from`)
@Index('blacklist_entries_subject_idx', ['subjectType', 'subjectId'])
@Index('blacklist_entries_subject_organisation_id_idx', ['subjectOrganisationId'])
export class BlacklistEntry {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'varchar', length: 16 }) subjectType!: 'organisation' | 'vehicle' | 'person';
  @Column({ type: 'uuid' }) subjectId!: string;
  // The organisation the subject belongs to (itself for an organisation), for region scoping.
  @Column({ type: 'uuid' }) subjectOrganisationId!: string;
  @Column({ type: 'varchar', length: 500 }) reason!: string;
  @Column({ type: 'uuid' }) issuedByOrganisationId!: string;
  @Column({ type: 'uuid', nullable: true }) issuedByUserId!: string | null;
  @Column({ type: 'date' }) validFrom!: string;
  @Column({ type: 'date', nullable: true }) validUntil!: string | null;
  @Column({ type: 'timestamptz', nullable: true }) liftedAt!: Date | null;
  @Column({ type: 'uuid', nullable: true }) liftedByUserId!: string | null;
  @Column({ type: 'varchar', length: 500, nullable: true }) liftReason!: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
