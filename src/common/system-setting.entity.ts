import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

// Small instance-wide values generated once and shared by every process (token signing secret, QR key pair).
@Entity({ name: 'system_settings' })
export class SystemSetting {
  @PrimaryColumn({ type: 'varchar', length: 100 }) key!: string;
  @Column({ type: 'text' }) value!: string;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}
