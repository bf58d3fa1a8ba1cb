import { JoinColumn, ManyToOne, Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Organisation } from '../accounts/organisation.entity.js';

export const PERSON_CATEGORIES = ['driver', 'escort', 'loading_manager'] as const;
export const ENDORSEMENTS = ['highly_toxic', 'explosives'] as const;

// A driver, escort or loading operator (DOMAIN.md 3.1(a) Person; PL-07..PL-11, PL-31). The ID number is
// stored for identity checks at the gate and only ever shown masked.
@Entity({ name: 'people' })
@Check('people_status_ck', `status IN ('active','retired')`)
@Check('people_categories_ck', `categories <@ ARRAY['driver','escort','loading_manager']::text[]`)
@Index('people_id_number_uq', ['idNumber'], { unique: true, where: `status = 'active'` })
@Index('people_organisation_id_idx', ['organisationId'])
@Index('people_id_number_idx', ['idNumber'])
export class Person {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) organisationId!: string;
  @ManyToOne(() => Organisation, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'organisation_id', foreignKeyConstraintName: 'people_organisation_id_fk' })
  organisation?: Organisation;
  @Column({ type: 'varchar', length: 50 }) name!: string;
  @Column({ type: 'char', length: 18 }) idNumber!: string;
  @Column({ type: 'varchar', length: 32, nullable: true }) phone!: string | null;
  // 从业资格证 categories: 危险货物运输驾驶员 / 押运员 / 装卸管理人员.
  @Column({ type: 'text', array: true }) categories!: (typeof PERSON_CATEGORIES)[number][];
  @Column({ type: 'varchar', length: 8, nullable: true }) drivingLicenceClass!: string | null;
  @Column({ type: 'date', nullable: true }) drivingLicenceValidUntil!: string | null;
  @Column({ type: 'varchar', length: 32, nullable: true }) qualificationCertNumber!: string | null;
  @Column({ type: 'date', nullable: true }) qualificationValidUntil!: string | null;
  @Column({ type: 'text', array: true, default: () => `'{}'` }) endorsements!: (typeof ENDORSEMENTS)[number][];
  @Column({ type: 'varchar', length: 16, default: 'active' }) status!: 'active' | 'retired';
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}
