import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Waybill } from './waybill.entity.js';

// Append-only, hash-chained trail of a waybill: hash = SHA-256(prevHash + canonical event), so changing,
// removing or reordering a stored event breaks the chain (hash-chain.ts; GET /waybills/:id/events/verify).
@Entity({ name: 'waybill_events' })
@Index('waybill_events_seq_uq', ['waybillId', 'seq'], { unique: true })
export class WaybillEvent {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' }) id!: string;
  @Column({ type: 'uuid' }) waybillId!: string;
  @ManyToOne(() => Waybill, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'waybill_id', foreignKeyConstraintName: 'waybill_events_waybill_id_fk' })
  waybill?: Waybill;
  @Column({ type: 'integer' }) seq!: number;
  @Column({ type: 'timestamptz' }) at!: Date;
  @Column({ type: 'varchar', length: 32 }) type!: string;
  @Column({ type: 'varchar', length: 16, nullable: true }) fromStatus!: string | null;
  @Column({ type: 'varchar', length: 16 }) toStatus!: string;
  @Column({ type: 'integer' }) version!: number;
  @Column({ type: 'uuid', nullable: true }) actorUserId!: string | null;
  @Column({ type: 'uuid', nullable: true }) actorOrganisationId!: string | null;
  @Column({ type: 'varchar', length: 16 }) actorRole!: string;
  @Column({ type: 'jsonb', default: () => `'{}'` }) payload!: Record<string, unknown>;
  @Column({ type: 'char', length: 64, nullable: true }) prevHash!: string | null;
  @Column({ type: 'char', length: 64 }) hash!: string;
}
