import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

// Idempotency-Key header records (idempotency.interceptor.ts): the first request with a key runs, later ones
// with the same key and body get the stored answer.
@Entity({ name: 'idempotency_keys' })
@Index('idempotency_keys_created_at_idx', ['createdAt'])
export class IdempotencyKey {
  @PrimaryColumn({ type: 'uuid' }) organisationId!: string;
  @PrimaryColumn({ type: 'varchar', length: 100 }) key!: string;
  @Column({ type: 'varchar', length: 300 }) route!: string; // METHOD path
  @Column({ type: 'char', length: 64 }) requestHash!: string;
  @Column({ type: 'integer', nullable: true }) statusCode!: number | null; // null while the first request runs
  @Column({ type: 'jsonb', nullable: true }) response!: unknown;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
