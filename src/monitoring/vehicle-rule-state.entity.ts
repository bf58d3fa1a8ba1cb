import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { VehicleRuleState } from './rules/monitoring.types.js';

// Each vehicle's monitoring rule state (driving time, corridor hysteresis, stop timers...), written behind in
// batches so that it survives a restart (issue 7: "per-vehicle rule state survives a restart").
@Entity({ name: 'vehicle_rule_states' })
export class VehicleRuleStateRow {
  @PrimaryColumn({ type: 'uuid' }) vehicleId!: string;
  @Column({ type: 'jsonb' }) state!: VehicleRuleState;
  @Column({ type: 'timestamptz' }) updatedAt!: Date;
}
