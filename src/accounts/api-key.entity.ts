import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Organisation } from './organisation.entity.js';
import type { Role } from './roles.js';

// Machine clients authenticate with `hzk_<keyId>_<secret>`; only the SHA-256 of the secret is stored
// (the secret has 192 bits of entropy, so a slow hash adds nothing).
@Entity({ name: 'api_keys' })
@Index('api_keys_organisation_id_idx', ['organisationId'])
export class ApiKey {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) organisationId!: string;
  @ManyToOne(() => Organisation, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'organisation_id', foreignKeyConstraintName: 'api_keys_organisation_id_fk' })
  organisation?: Organisation;
  @Column({ type: 'uuid', nullable: true }) createdByUserId!: string | null;
  @Column({ type: 'varchar', length: 100 }) name!: string;
  @Column({ type: 'char', length: 64, select: false }) secretHash!: string;
  @Column({ type: 'text', array: true }) roles!: Role[];
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @Column({ type: 'timestamptz', nullable: true }) expiresAt!: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) lastUsedAt!: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) revokedAt!: Date | null;
}
