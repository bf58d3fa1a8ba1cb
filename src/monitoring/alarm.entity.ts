import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { AlarmSeverity, MonitorRuleId } from './rules/monitoring.types.js';

export const ALARM_STATUSES = ['open', 'acknowledged', 'closed'] as const;
export type AlarmStatus = (typeof ALARM_STATUSES)[number];

// An alarm episode (DOMAIN.md 3.1(c) "Alarm handling workflow"): one row per (vehicle, rule, key) from the signal
// that opened it until the rule (or a person) closed it, not one row per position. At most one episode per
// (vehicle, rule, key) is not closed: the partial unique index makes a duplicate impossible even when two
// processes race. `historical` episodes come from back-filled or out-of-order positions, evaluated for the record
// on a state of their own: they have their own episodes (the same key may be open live and in the record), and are
// never streamed, notified or escalated.
@Entity({ name: 'alarms' })
@Check('alarms_status_ck', `status IN ('open','acknowledged','closed')`)
@Check('alarms_severity_ck', `severity IN ('info','warn','alarm','critical')`)
@Index('alarms_not_closed_uq', ['vehicleId', 'ruleId', 'key', 'historical'], { unique: true, where: `status <> 'closed'` })
@Index('alarms_carrier_opened_idx', ['carrierId', 'openedAt'])
@Index('alarms_region_opened_idx', ['regionCode', 'openedAt'])
@Index('alarms_waybill_idx', ['waybillId'])
@Index('alarms_opened_idx', ['openedAt'])
export class Alarm {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'varchar', length: 8 }) ruleId!: MonitorRuleId;
  @Column({ type: 'varchar', length: 100, default: '' }) key!: string;
  @Column({ type: 'varchar', length: 8 }) severity!: AlarmSeverity;
  @Column({ type: 'varchar', length: 16, default: 'open' }) status!: AlarmStatus;
  @Column({ type: 'uuid' }) vehicleId!: string;
  @Column({ type: 'varchar', length: 20, default: '' }) plate!: string;
  @Column({ type: 'uuid', nullable: true }) waybillId!: string | null;
  @Column({ type: 'varchar', length: 24, nullable: true }) waybillNumber!: string | null;
  // The carrier owning the vehicle, and its GB/T 2260 code: who may see and handle the alarm.
  @Column({ type: 'uuid' }) carrierId!: string;
  @Column({ type: 'char', length: 6 }) regionCode!: string;
  // openedAt / lastAt / closedAt are fix times (when it happened on the road); raisedAt is when the platform stored
  // it (acknowledgement time and escalation count from there).
  @Column({ type: 'timestamptz' }) openedAt!: Date;
  @CreateDateColumn({ type: 'timestamptz' }) raisedAt!: Date;
  @Column({ type: 'timestamptz' }) lastAt!: Date;
  @Column({ type: 'timestamptz', nullable: true }) closedAt!: Date | null;
  @Column({ type: 'integer', default: 1 }) signals!: number;
  @Column({ type: 'jsonb', default: () => `'{}'` }) evidence!: Record<string, unknown>;
  @Column({ type: 'text' }) messageZh!: string;
  @Column({ type: 'text' }) messageEn!: string;
  @Column({ type: 'boolean', default: false }) historical!: boolean;
  @Column({ type: 'uuid', nullable: true }) acknowledgedBy!: string | null;
  @Column({ type: 'timestamptz', nullable: true }) acknowledgedAt!: Date | null;
  @Column({ type: 'text', nullable: true }) disposition!: string | null;
  // null with closedAt set: closed by its rule (the condition ended).
  @Column({ type: 'uuid', nullable: true }) closedBy!: string | null;
  @Column({ type: 'timestamptz', nullable: true }) escalatedAt!: Date | null;
}
