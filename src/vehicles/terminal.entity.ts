import { JoinColumn, ManyToOne, Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Vehicle } from './vehicle.entity.js';
import { Organisation } from '../accounts/organisation.entity.js';

// A vehicle terminal: JT/T 808 (identified by its terminal phone number, sent as BCD in every header) or a
// socket.io app terminal (token). The auth code is issued at JT/T 808 registration (0x8100).
@Entity({ name: 'terminals' })
@Check('terminals_protocol_ck', `protocol IN ('jt808','app')`)
@Check('terminals_protocol_version_ck', `protocol_version IS NULL OR protocol_version IN ('2011','2013','2019')`)
@Check('terminals_status_ck', `status IN ('active','retired')`)
@Index('terminals_phone_uq', ['phone'], { unique: true, where: `status = 'active'` })
@Index('terminals_vehicle_id_uq', ['vehicleId'], { unique: true, where: `status = 'active' AND vehicle_id IS NOT NULL` })
@Index('terminals_organisation_id_idx', ['organisationId'])
export class Terminal {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) organisationId!: string;
  @ManyToOne(() => Organisation, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'organisation_id', foreignKeyConstraintName: 'terminals_organisation_id_fk' })
  organisation?: Organisation;
  @Column({ type: 'varchar', length: 8, default: 'jt808' }) protocol!: 'jt808' | 'app';
  // Terminal phone number: 12 digits (JT/T 808-2011/2013) or up to 20 (2019).
  @Column({ type: 'varchar', length: 20 }) phone!: string;
  @Column({ type: 'varchar', length: 30, nullable: true }) deviceId!: string | null;
  // Forces header parsing for terminals that set the 2019 version bit on 2013 frames, or the reverse.
  @Column({ type: 'varchar', length: 4, nullable: true }) protocolVersion!: '2011' | '2013' | '2019' | null;
  @Column({ type: 'uuid', nullable: true }) vehicleId!: string | null;
  @ManyToOne(() => Vehicle, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'vehicle_id', foreignKeyConstraintName: 'terminals_vehicle_id_fk' })
  vehicle?: Vehicle;
  @Column({ type: 'varchar', length: 64, nullable: true, select: false }) authCode!: string | null;
  @Column({ type: 'char', length: 64, nullable: true, select: false }) appTokenHash!: string | null;
  @Column({ type: 'timestamptz', nullable: true }) lastSeenAt!: Date | null;
  @Column({ type: 'varchar', length: 16, default: 'active' }) status!: 'active' | 'retired';
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}
