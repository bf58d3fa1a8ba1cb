import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const ORGANISATION_KINDS = ['platform', 'shipper', 'carrier', 'loading_site', 'consignee', 'authority'] as const;
export type OrganisationKind = (typeof ORGANISATION_KINDS)[number];

@Entity({ name: 'organisations' })
@Check('organisations_kind_ck', `kind IN ('platform','shipper','carrier','loading_site','consignee','authority')`)
@Check('organisations_status_ck', `status IN ('active','retired')`)
@Check('organisations_region_code_ck', `region_code ~ '^[0-9]{6}$'`)
@Index('organisations_uscc_uq', ['uscc'], { unique: true, where: 'uscc IS NOT NULL' })
@Index('organisations_region_code_idx', ['regionCode'])
export class Organisation {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'varchar', length: 16 }) kind!: OrganisationKind;
  @Column({ type: 'varchar', length: 200 }) name!: string;
  // Unified social credit code (统一社会信用代码, GB 32100), 18 characters.
  @Column({ type: 'varchar', length: 18, nullable: true }) uscc!: string | null;
  // GB/T 2260 administrative division code of the registered address; for an authority, its jurisdiction.
  @Column({ type: 'char', length: 6 }) regionCode!: string;
  @Column({ type: 'varchar', length: 300, nullable: true }) address!: string | null;
  @Column({ type: 'varchar', length: 32, nullable: true }) contactPhone!: string | null;
  @Column({ type: 'varchar', length: 16, default: 'active' }) status!: 'active' | 'retired';
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}
