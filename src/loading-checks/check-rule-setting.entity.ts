import { Check, Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

// Severity an administrator chose for a rule whose source DOMAIN.md does not confirm (audited on change).
@Entity({ name: 'check_rule_settings' })
@Check('check_rule_settings_severity_ck', `severity IN ('block','warn')`)
export class CheckRuleSetting {
  @PrimaryColumn({ type: 'varchar', length: 8 }) ruleId!: string;
  @Column({ type: 'varchar', length: 8 }) severity!: 'block' | 'warn';
  @Column({ type: 'uuid', nullable: true }) updatedByUserId!: string | null;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}
