import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { LoadingCheck } from './loading-check.entity.js';

// Loading after a passing check (DOMAIN.md 3.1(b) PL-22, PL-32): who loaded, when, what, seals, filling ratio and
// mass checks, and the post-loading closures.
@Entity({ name: 'loading_records' })
@Index('loading_records_waybill_idx', ['waybillId', 'waybillVersion'], { unique: true })
export class LoadingRecord {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) waybillId!: string;
  @Column({ type: 'integer' }) waybillVersion!: number;
  @Column({ type: 'uuid' }) checkId!: string;
  @ManyToOne(() => LoadingCheck, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'check_id', foreignKeyConstraintName: 'loading_records_check_id_fk' })
  check?: LoadingCheck;
  @Column({ type: 'uuid', nullable: true }) operatorPersonId!: string | null;
  @Column({ type: 'uuid', nullable: true }) startedByUserId!: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) startedAt!: Date;
  @Column({ type: 'timestamptz', nullable: true }) finishedAt!: Date | null;
  @Column({ type: 'jsonb', nullable: true }) lines!: Record<string, unknown>[] | null;
  @Column({ type: 'text', array: true, default: () => `'{}'` }) seals!: string[];
  @Column({ type: 'jsonb', nullable: true }) checks!: Record<string, unknown> | null; // PL-22 mass / filling, PL-32 closures
}
