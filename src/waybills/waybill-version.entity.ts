import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Waybill } from './waybill.entity.js';

// The full document of every issued version, as signed: a QR of an older version verifies as genuine but
// superseded, and the print view of any version can be produced again.
@Entity({ name: 'waybill_versions' })
export class WaybillVersion {
  @PrimaryColumn({ type: 'uuid' }) waybillId!: string;
  @PrimaryColumn({ type: 'integer' }) version!: number;
  @ManyToOne(() => Waybill, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'waybill_id', foreignKeyConstraintName: 'waybill_versions_waybill_id_fk' })
  waybill?: Waybill;
  // As signed, stored as written (json, not jsonb: migration 1795950000000-json-records).
  @Column({ type: 'json' }) document!: Record<string, unknown>;
  @Column({ type: 'char', length: 64 }) documentHash!: string;
  @Column({ type: 'text' }) qr!: string;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
