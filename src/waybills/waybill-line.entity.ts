import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { Waybill } from './waybill.entity.js';
import { Waybill as WaybillEntity } from './waybill.entity.js';

export const QUANTITY_UNITS = ['kg', 't', 'L', 'm3'] as const;
export type QuantityUnit = (typeof QUANTITY_UNITS)[number];
export type LineFlags = {
  highlyToxic?: boolean; // 剧毒
  explosivePrecursor?: boolean; // 易制爆
  highHazard?: boolean; // the plan's list: ammonium nitrate, nitrocellulose, sodium cyanide
  highConsequence?: boolean; // ADR 1.10.3.1.2
  hazardousWaste?: boolean;
};

// One goods line: what the shipper declares, what was loaded and what arrived (DOMAIN.md 3.1(a) lines[]).
@Entity({ name: 'waybill_lines' })
@Check('waybill_lines_unit_ck', `unit IN ('kg','t','L','m3')`)
@Check('waybill_lines_quantity_ck', `declared_quantity > 0`)
@Index('waybill_lines_waybill_line_uq', ['waybillId', 'lineNo'], { unique: true })
@Index('waybill_lines_un_number_idx', ['unNumber'])
export class WaybillLine {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) waybillId!: string;
  @ManyToOne(() => WaybillEntity, (w) => w.lines, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'waybill_id', foreignKeyConstraintName: 'waybill_lines_waybill_id_fk' })
  waybill?: Waybill;
  @Column({ type: 'smallint' }) lineNo!: number;
  @Column({ type: 'char', length: 4 }) unNumber!: string;
  @Column({ type: 'varchar', length: 300 }) name!: string;
  @Column({ type: 'varchar', length: 8 }) hazardClass!: string;
  @Column({ type: 'text', array: true, default: () => `'{}'` }) subsidiaryRisks!: string[];
  @Column({ type: 'varchar', length: 3, nullable: true }) packingGroup!: string | null;
  @Column({ type: 'text', array: true, default: () => `'{}'` }) labels!: string[];
  @Column({ type: 'varchar', length: 8, nullable: true }) classificationCode!: string | null;
  @Column({ type: 'varchar', length: 16, nullable: true }) tunnelCode!: string | null;
  @Column({ type: 'varchar', length: 100, nullable: true }) packagingType!: string | null;
  @Column({ type: 'integer', nullable: true }) packageCount!: number | null;
  @Column({ type: 'numeric', precision: 14, scale: 3 }) declaredQuantity!: string;
  @Column({ type: 'varchar', length: 4 }) unit!: QuantityUnit;
  @Column({ type: 'boolean', default: false }) limitedQuantity!: boolean;
  @Column({ type: 'numeric', precision: 14, scale: 3, nullable: true }) loadedQuantity!: string | null;
  @Column({ type: 'integer', nullable: true }) loadedPackages!: number | null;
  @Column({ type: 'numeric', precision: 14, scale: 3, nullable: true }) receivedQuantity!: string | null;
  @Column({ type: 'integer', nullable: true }) receivedPackages!: number | null;
  // "One book one label" (一书一签): the safety data sheet and label this line travels with.
  @Column({ type: 'varchar', length: 300, nullable: true }) sdsRef!: string | null;
  @Column({ type: 'varchar', length: 300, nullable: true }) labelRef!: string | null;
  @Column({ type: 'jsonb', default: () => `'{}'` }) flags!: LineFlags;
}
