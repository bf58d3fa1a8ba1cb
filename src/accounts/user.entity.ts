import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { Organisation } from './organisation.entity.js';
import type { Role } from './roles.js';

@Entity({ name: 'users' })
@Check('users_status_ck', `status IN ('active','disabled')`)
@Index('users_username_uq', ['username'], { unique: true })
@Index('users_organisation_id_idx', ['organisationId'])
export class User {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) organisationId!: string;
  @ManyToOne(() => Organisation, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'organisation_id', foreignKeyConstraintName: 'users_organisation_id_fk' })
  organisation?: Organisation;
  // Stored lower-case; sign-in is case-insensitive.
  @Column({ type: 'varchar', length: 64 }) username!: string;
  @Column({ type: 'varchar', length: 100 }) displayName!: string;
  @Column({ type: 'varchar', length: 32, nullable: true }) phone!: string | null;
  @Column({ type: 'text', select: false }) passwordHash!: string;
  @Column({ type: 'text', array: true }) roles!: Role[];
  @Column({ type: 'varchar', length: 16, default: 'active' }) status!: 'active' | 'disabled';
  @Column({ type: 'boolean', default: false }) mustChangePassword!: boolean;
  @Column({ type: 'integer', default: 0 }) failedLogins!: number;
  @Column({ type: 'timestamptz', nullable: true }) lockedUntil!: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) lastLoginAt!: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}
