import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Waybill } from '../waybills/waybill.entity.js';

// One pre-loading check (装货前查验, DOMAIN.md 3.1(b); PL-33: who, when, where, results, evidence). Immutable:
// nothing updates a row once written; a new check is a new row.
@Entity({ name: 'loading_checks' })
@Check('loading_checks_outcome_ck', `outcome IN ('pass','fail')`)
@Check('loading_checks_started_from_ck', `started_from IN ('qr','number')`)
@Index('loading_checks_waybill_idx', ['waybillId', 'waybillVersion'])
@Index('loading_checks_site_day_idx', ['loadingSiteId', 'checkedAt'])
export class LoadingCheck {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) waybillId!: string;
  @ManyToOne(() => Waybill, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'waybill_id', foreignKeyConstraintName: 'loading_checks_waybill_id_fk' })
  waybill?: Waybill;
  @Column({ type: 'integer' }) waybillVersion!: number;
  // The loading site organisation and the named place (gate) where the check was made.
  @Column({ type: 'uuid' }) loadingSiteId!: string;
  @Column({ type: 'uuid', nullable: true }) placeId!: string | null;
  @Column({ type: 'uuid', nullable: true }) operatorPersonId!: string | null;
  @Column({ type: 'uuid', nullable: true }) checkedByUserId!: string | null;
  @Column({ type: 'varchar', length: 8 }) startedFrom!: 'qr' | 'number';
  @Column({ type: 'varchar', length: 8 }) outcome!: 'pass' | 'fail';
  // Every rule's outcome with its evidence, the manual checklist, the severities in force, and the snapshot: json,
  // stored as written (migration 1795950000000-json-records says why not jsonb).
  @Column({ type: 'json' }) results!: Record<string, unknown>[];
  @Column({ type: 'json' }) checklist!: Record<string, unknown>[];
  @Column({ type: 'json' }) severities!: Record<string, string>;
  @Column({ type: 'json' }) snapshot!: Record<string, unknown>;
  @Column({ type: 'text', array: true, default: () => `'{}'` }) failedRules!: string[];
  @CreateDateColumn({ type: 'timestamptz' }) checkedAt!: Date;
}
