import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Organisation } from '../accounts/organisation.entity.js';

export const PERMIT_TYPES = ['highly_toxic_pass', 'explosives', 'fireworks', 'radioactive', 'hazardous_waste_manifest'] as const;
export type PermitType = (typeof PERMIT_TYPES)[number];
export const PERMIT_STATUSES = ['valid', 'used', 'returned', 'revoked'] as const;
export type PermitGoods = { unNumber: string; maxQuantity: number; unit: 'kg' | 't' | 'L' | 'm3' };

// Permits some goods need for a trip (DOMAIN.md 1.6, 3.1(a) Permit; PL-19, PL-20): 剧毒化学品道路运输通行证,
// 民用爆炸物品运输许可证, 烟花爆竹道路运输许可证, radioactive, 危险废物转移联单.
@Entity({ name: 'permits' })
@Check('permits_type_ck', `type IN ('highly_toxic_pass','explosives','fireworks','radioactive','hazardous_waste_manifest')`)
@Check('permits_status_ck', `status IN ('valid','used','returned','revoked')`)
@Check('permits_window_ck', `valid_until > valid_from`)
@Index('permits_number_uq', ['type', 'number'], { unique: true })
@Index('permits_organisation_id_idx', ['organisationId'])
export class Permit {
  @PrimaryGeneratedColumn('uuid') id!: string;
  // The holder: the shipper (剧毒 pass is applied for by the shipper) or the carrier.
  @Column({ type: 'uuid' }) organisationId!: string;
  @ManyToOne(() => Organisation, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'organisation_id', foreignKeyConstraintName: 'permits_organisation_id_fk' })
  organisation?: Organisation;
  @Column({ type: 'varchar', length: 32 }) type!: PermitType;
  @Column({ type: 'varchar', length: 64 }) number!: string;
  @Column({ type: 'varchar', length: 100 }) issuer!: string;
  @Column({ type: 'timestamptz' }) validFrom!: Date;
  @Column({ type: 'timestamptz' }) validUntil!: Date;
  @Column({ type: 'boolean', default: true }) singleUse!: boolean;
  // Allowed route as an encoded polyline (@googlemaps/polyline-codec, precision 5), when the permit fixes one.
  @Column({ type: 'text', nullable: true }) route!: string | null;
  @Column({ type: 'varchar', length: 200, nullable: true }) origin!: string | null;
  @Column({ type: 'varchar', length: 200, nullable: true }) destination!: string | null;
  @Column({ type: 'text', array: true, default: () => `'{}'` }) vehiclePlates!: string[];
  @Column({ type: 'uuid', array: true, default: () => `'{}'` }) personIds!: string[];
  @Column({ type: 'jsonb', default: () => `'[]'` }) goods!: PermitGoods[];
  @Column({ type: 'varchar', length: 16, default: 'valid' }) status!: (typeof PERMIT_STATUSES)[number];
  @Column({ type: 'uuid', nullable: true }) usedByWaybillId!: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}
