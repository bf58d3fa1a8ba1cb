import { JoinColumn, ManyToOne, Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Vehicle } from './vehicle.entity.js';
import { Organisation } from '../accounts/organisation.entity.js';

export const TANK_KINDS = ['atmospheric', 'pressure_vessel', 'portable', 'tank_container'] as const;
export type TankMedium = { unNumber: string; concentration?: string };

// A tank (常压罐体 GB 18564, 移动式压力容器, 可移动罐柜, 罐箱) and what it may carry (DOMAIN.md 3.1(a) Tank;
// PL-12 inspection, PL-13 approved media, PL-15 last cargo).
@Entity({ name: 'tanks' })
@Check('tanks_kind_ck', `kind IN ('atmospheric','pressure_vessel','portable','tank_container')`)
@Check('tanks_status_ck', `status IN ('active','retired')`)
@Index('tanks_number_uq', ['organisationId', 'number'], { unique: true, where: `status = 'active'` })
@Index('tanks_organisation_id_idx', ['organisationId'])
export class Tank {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) organisationId!: string;
  @ManyToOne(() => Organisation, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'organisation_id', foreignKeyConstraintName: 'tanks_organisation_id_fk' })
  organisation?: Organisation;
  @Column({ type: 'varchar', length: 32 }) number!: string;
  @Column({ type: 'varchar', length: 20 }) kind!: (typeof TANK_KINDS)[number];
  @Column({ type: 'integer', nullable: true }) volumeL!: number | null;
  @Column({ type: 'smallint', default: 1 }) compartments!: number;
  // ADR 4.3.4.1.1 tank code, e.g. LGBF, where known.
  @Column({ type: 'varchar', length: 16, nullable: true }) tankCode!: string | null;
  // 适装介质列表: UN numbers from the catalogue, with concentration where it matters.
  @Column({ type: 'jsonb', default: () => `'[]'` }) media!: TankMedium[];
  @Column({ type: 'varchar', length: 64, nullable: true }) inspectionReportNo!: string | null;
  @Column({ type: 'date', nullable: true }) nextInspectionDate!: string | null;
  // 使用登记证 of a pressure vessel.
  @Column({ type: 'varchar', length: 64, nullable: true }) pressureRegistrationNo!: string | null;
  @Column({ type: 'char', length: 4, nullable: true }) lastCargoUn!: string | null;
  @Column({ type: 'boolean', default: false }) cleaned!: boolean;
  @Column({ type: 'uuid', nullable: true }) vehicleId!: string | null;
  @ManyToOne(() => Vehicle, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'vehicle_id', foreignKeyConstraintName: 'tanks_vehicle_id_fk' })
  vehicle?: Vehicle;
  @Column({ type: 'varchar', length: 16, default: 'active' }) status!: 'active' | 'retired';
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}
