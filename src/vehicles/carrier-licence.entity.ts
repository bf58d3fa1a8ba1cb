import { JoinColumn, ManyToOne, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Organisation } from '../accounts/organisation.entity.js';

// 道路运输经营许可证 (road dangerous-goods transport licence) of a carrier: its business scope is a list of
// classes/divisions, with a separate endorsement for highly toxic (剧毒) chemicals (Order 29 art. 9, 22; PL-05).
@Entity({ name: 'carrier_licences' })
@Index('carrier_licences_organisation_id_uq', ['organisationId'], { unique: true })
export class CarrierLicence {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) organisationId!: string;
  @ManyToOne(() => Organisation, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organisation_id', foreignKeyConstraintName: 'carrier_licences_organisation_id_fk' })
  organisation?: Organisation;
  @Column({ type: 'varchar', length: 32 }) number!: string;
  @Column({ type: 'date', nullable: true }) validFrom!: string | null;
  @Column({ type: 'date' }) validUntil!: string;
  @Column({ type: 'text', array: true }) scope!: string[];
  @Column({ type: 'boolean', default: false }) highlyToxic!: boolean;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}
