import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Organisation } from '../accounts/organisation.entity.js';
import { Person } from '../vehicles/person.entity.js';
import type { PreTripItemResult } from './pre-trip-inspection.rules.js';
import { Waybill } from './waybill.entity.js';

// The carrier's pre-trip inspection and safety briefing for one waybill (Order 29 art. 25; PL-26). Immutable:
// nothing updates a row once written; a new inspection is a new row that supersedes the previous one, and the
// latest counts.
@Entity({ name: 'pre_trip_inspections' })
@Check('pre_trip_inspections_briefed_ck', `cardinality(briefed_person_ids) > 0`)
@Index('pre_trip_inspections_waybill_idx', ['waybillId', 'recordedAt'])
export class PreTripInspection {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) waybillId!: string;
  @ManyToOne(() => Waybill, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'waybill_id', foreignKeyConstraintName: 'pre_trip_inspections_waybill_id_fk' })
  waybill?: Waybill;
  // The waybill version when recorded (evidence; an amendment does not void the record by itself, PL-26 compares
  // the crew and vehicles).
  @Column({ type: 'integer' }) waybillVersion!: number;
  @Column({ type: 'uuid' }) carrierId!: string;
  @ManyToOne(() => Organisation, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'carrier_id', foreignKeyConstraintName: 'pre_trip_inspections_carrier_id_fk' })
  carrier?: Organisation;
  // Who inspected: a person of the carrier.
  @Column({ type: 'uuid' }) inspectorId!: string;
  @ManyToOne(() => Person, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'inspector_id', foreignKeyConstraintName: 'pre_trip_inspections_inspector_id_fk' })
  inspector?: Person;
  @Column({ type: 'timestamptz' }) inspectedAt!: Date;
  // What was inspected: the vehicle, trailer and tank the waybill named when the record was made.
  @Column({ type: 'uuid', nullable: true }) vehicleId!: string | null;
  @Column({ type: 'uuid', nullable: true }) trailerId!: string | null;
  @Column({ type: 'uuid', nullable: true }) tankId!: string | null;
  // One result per PRE_TRIP_ITEMS key, in that order.
  @Column({ type: 'jsonb' }) items!: PreTripItemResult[];
  // The safety briefing: who was briefed (the waybill's driver and escort) and when.
  @Column({ type: 'uuid', array: true }) briefedPersonIds!: string[];
  @Column({ type: 'timestamptz' }) briefedAt!: Date;
  @Column({ type: 'varchar', length: 500, nullable: true }) briefingNote!: string | null;
  // The record this one replaces (the waybill's latest before it), if any.
  @Column({ type: 'uuid', nullable: true }) supersedesId!: string | null;
  @Column({ type: 'uuid', nullable: true }) recordedByUserId!: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) recordedAt!: Date;
}
