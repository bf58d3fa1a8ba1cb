import { JoinColumn, ManyToOne, Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Organisation } from '../accounts/organisation.entity.js';
import type { PlateColour } from './plate.rules.js';

export const VEHICLE_KINDS = ['truck', 'tractor', 'trailer'] as const;
export const ADR_VEHICLE_TYPES = ['FL', 'AT', 'EX/II', 'EX/III'] as const;

// A motor vehicle or trailer of a carrier, with the certificates the pre-loading check reads
// (DOMAIN.md 3.1(a) Vehicle; PL-03, PL-04, PL-27).
@Entity({ name: 'vehicles' })
@Check('vehicles_kind_ck', `kind IN ('truck','tractor','trailer')`)
@Check('vehicles_plate_colour_ck', `plate_colour IN ('yellow','blue','green','yellow_green','black','white')`)
@Check('vehicles_status_ck', `status IN ('active','retired')`)
@Index('vehicles_plate_number_uq', ['plateNumber'], { unique: true, where: `status = 'active'` })
@Index('vehicles_organisation_id_idx', ['organisationId'])
// Every record of a plate, retired ones included (the blacklist follows plates).
@Index('vehicles_plate_number_idx', ['plateNumber'])
export class Vehicle {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) organisationId!: string;
  @ManyToOne(() => Organisation, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'organisation_id', foreignKeyConstraintName: 'vehicles_organisation_id_fk' })
  organisation?: Organisation;
  @Column({ type: 'varchar', length: 16 }) plateNumber!: string;
  @Column({ type: 'varchar', length: 16 }) plateColour!: PlateColour;
  @Column({ type: 'varchar', length: 16 }) kind!: (typeof VEHICLE_KINDS)[number];
  @Column({ type: 'varchar', length: 50, nullable: true }) model!: string | null;
  // 行驶证: valid until, and the next periodic safety inspection (检验有效期).
  @Column({ type: 'date', nullable: true }) drivingLicenceValidUntil!: string | null;
  @Column({ type: 'date', nullable: true }) nextSafetyInspection!: string | null;
  // 道路运输证: number, annual review (审验) valid until, business scope as classes/divisions.
  @Column({ type: 'varchar', length: 32, nullable: true }) transportCertNumber!: string | null;
  @Column({ type: 'date', nullable: true }) transportCertValidUntil!: string | null;
  @Column({ type: 'text', array: true, default: () => `'{}'` }) transportScope!: string[];
  @Column({ type: 'integer', nullable: true }) ratedLoadKg!: number | null;
  @Column({ type: 'integer', nullable: true }) totalMassKg!: number | null;
  // 承运人责任险.
  @Column({ type: 'varchar', length: 64, nullable: true }) insurancePolicy!: string | null;
  @Column({ type: 'date', nullable: true }) insuranceValidUntil!: string | null;
  @Column({ type: 'varchar', length: 8, nullable: true }) adrType!: (typeof ADR_VEHICLE_TYPES)[number] | null;
  // The usual trailer, tank and crew, for qualification status and as dispatch defaults.
  @Column({ type: 'uuid', nullable: true }) usualTrailerId!: string | null;
  @Column({ type: 'uuid', nullable: true }) usualTankId!: string | null;
  @Column({ type: 'uuid', nullable: true }) usualDriverId!: string | null;
  @Column({ type: 'uuid', nullable: true }) usualEscortId!: string | null;
  @Column({ type: 'varchar', length: 16, default: 'active' }) status!: 'active' | 'retired';
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}
