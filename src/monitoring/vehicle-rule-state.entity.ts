import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { VehicleRuleState } from './rules/monitoring.types.js';

// Each vehicle's monitoring rule state (driving time, corridor hysteresis, stop timers...), written behind in
// batches so that it survives a restart (issue 7: "per-vehicle rule state survives a restart"). json, not jsonb, in
// half-full pages: migration 1795976000000-rule-states-json says why.
@Entity({ name: 'vehicle_rule_states' })
export class VehicleRuleStateRow {
  @PrimaryColumn({ type: 'uuid' }) vehicleId!: string;
  @Column({ type: 'json' }) state!: VehicleRuleState;
  @Column({ type: 'timestamptz' }) updatedAt!: Date;
}
