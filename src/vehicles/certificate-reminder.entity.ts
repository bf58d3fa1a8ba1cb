import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Organisation } from '../accounts/organisation.entity.js';
import { Notification } from '../notifications/notification.entity.js';

export const REMINDER_SUBJECT_TYPES = ['vehicle', 'tank', 'person'] as const;
export type ReminderSubjectType = (typeof REMINDER_SUBJECT_TYPES)[number];

// One expiry reminder sent for one certificate at one threshold (30 / 7 / 0 days). The unique constraint is
// what makes the daily scan send each reminder exactly once, however often it runs: the scan inserts with
// ON CONFLICT DO NOTHING and notifies only for rows it inserted. A renewed certificate has a new expires_on
// and so gets fresh reminders.
@Entity({ name: 'certificate_reminders' })
@Check('certificate_reminders_subject_type_ck', `subject_type IN ('vehicle','tank','person')`)
@Check('certificate_reminders_threshold_ck', `threshold >= 0`)
@Unique('certificate_reminders_uq', ['subjectType', 'subjectId', 'certificate', 'expiresOn', 'threshold'])
@Index('certificate_reminders_organisation_created_idx', ['organisationId', 'createdAt'])
export class CertificateReminder {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'varchar', length: 16 }) subjectType!: ReminderSubjectType;
  @Column({ type: 'uuid' }) subjectId!: string;
  // The stable key of qualification.rules.ts, e.g. vehicle.transportCertificate.
  @Column({ type: 'varchar', length: 64 }) certificate!: string;
  @Column({ type: 'date' }) expiresOn!: string;
  @Column({ type: 'smallint' }) threshold!: number;
  @Column({ type: 'uuid' }) organisationId!: string;
  @ManyToOne(() => Organisation, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organisation_id', foreignKeyConstraintName: 'certificate_reminders_organisation_id_fk' })
  organisation?: Organisation;
  @Column({ type: 'uuid', nullable: true }) notificationId!: string | null;
  @ManyToOne(() => Notification, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'notification_id', foreignKeyConstraintName: 'certificate_reminders_notification_id_fk' })
  notification?: Notification;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
