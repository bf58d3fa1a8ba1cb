import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

// Photo evidence for a gate checklist item (packages, plates, equipment, seals), stored with its hash.
@Entity({ name: 'check_photos' })
@Index('check_photos_organisation_id_idx', ['organisationId', 'createdAt'])
export class CheckPhoto {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) organisationId!: string;
  @Column({ type: 'uuid', nullable: true }) uploadedByUserId!: string | null;
  @Column({ type: 'varchar', length: 32 }) contentType!: string;
  @Column({ type: 'integer' }) size!: number;
  @Column({ type: 'char', length: 64 }) sha256!: string;
  @Column({ type: 'bytea', select: false }) data!: Buffer;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
