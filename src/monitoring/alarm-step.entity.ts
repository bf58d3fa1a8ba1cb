import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Alarm } from './alarm.entity.js';

export const ALARM_STEP_KINDS = ['opened', 'severity', 'acknowledged', 'escalated', 'closed'] as const;
export type AlarmStepKind = (typeof ALARM_STEP_KINDS)[number];

// The handling trail of an alarm episode: opened, severity changed, acknowledged (with a note), escalated, closed
// (by its rule or with a disposition). Kept with the episode (DOMAIN.md: retain event and handling >= 3 years);
// the people's steps are also in the audit trail.
@Entity({ name: 'alarm_steps' })
@Check('alarm_steps_kind_ck', `kind IN ('opened','severity','acknowledged','escalated','closed')`)
@Index('alarm_steps_alarm_idx', ['alarmId', 'at'])
export class AlarmStep {
  // Increasing: the order the steps were taken in (`at` of an 'opened' step is the fix time, which may be earlier).
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' }) id!: string;
  @Column({ type: 'uuid' }) alarmId!: string;
  @ManyToOne(() => Alarm, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'alarm_id', foreignKeyConstraintName: 'alarm_steps_alarm_id_fk' })
  alarm?: Alarm;
  @Column({ type: 'varchar', length: 16 }) kind!: AlarmStepKind;
  @Column({ type: 'timestamptz' }) at!: Date;
  @Column({ type: 'uuid', nullable: true }) actorUserId!: string | null;
  @Column({ type: 'uuid', nullable: true }) actorOrganisationId!: string | null;
  @Column({ type: 'text', nullable: true }) note!: string | null;
  @Column({ type: 'jsonb', default: () => `'{}'` }) data!: Record<string, unknown>;
}
