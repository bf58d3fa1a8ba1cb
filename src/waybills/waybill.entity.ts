import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  OneToMany,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  VersionColumn,
} from 'typeorm';
import { Organisation } from '../accounts/organisation.entity.js';
import { Place } from './place.entity.js';
import { WaybillLine } from './waybill-line.entity.js';
import { GOODS_ON_VEHICLE_STATUSES, type WaybillStatus } from './waybill-status.rules.js';

// The electronic waybill (危险货物道路运输电子运单, DOMAIN.md 1.3 and 3.1(a)). One row holds the current version;
// every issued version's full document is kept in waybill_versions and every step in waybill_events.
@Entity({ name: 'waybills' })
@Check(
  'waybills_status_ck',
  `status IN ('draft','issued','check_failed','checked','loading','loaded','in_transit','arrived','delivered','discrepancy','closed','cancelled','aborted','incident')`,
)
@Index('waybills_number_uq', ['number'], { unique: true })
@Index('waybills_shipper_id_idx', ['shipperId', 'createdAt'])
@Index('waybills_carrier_id_idx', ['carrierId', 'createdAt'])
@Index('waybills_consignee_id_idx', ['consigneeId', 'createdAt'])
@Index('waybills_loading_site_id_idx', ['loadingSiteId', 'createdAt'])
@Index('waybills_vehicle_id_idx', ['vehicleId', 'status'])
@Index('waybills_status_idx', ['status'])
// The goods on a vehicle (PL-21) are found by vehicle_id through waybills_vehicle_id_idx and by trailer_id through
// this one, which holds only the few waybills whose goods are on board (GOODS_ON_VEHICLE_STATUSES).
@Index('waybills_on_vehicle_trailer_idx', ['trailerId'], { where: `status IN (${GOODS_ON_VEHICLE_STATUSES.map((s) => `'${s}'`).join(', ')})` })
export class Waybill {
  @PrimaryGeneratedColumn('uuid') id!: string;
  // Human-readable and unique, e.g. YD20261129000123 (YD = 运单, date in China time, daily sequence).
  @Column({ type: 'varchar', length: 24 }) number!: string;
  @Column({ type: 'integer', default: 1 }) version!: number;
  @Column({ type: 'varchar', length: 16, default: 'draft' }) status!: WaybillStatus;
  @Column({ type: 'uuid' }) shipperId!: string;
  @ManyToOne(() => Organisation, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'shipper_id', foreignKeyConstraintName: 'waybills_shipper_id_fk' })
  shipper?: Organisation;
  @Column({ type: 'uuid', nullable: true }) consigneeId!: string | null;
  @ManyToOne(() => Organisation, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'consignee_id', foreignKeyConstraintName: 'waybills_consignee_id_fk' })
  consignee?: Organisation;
  @Column({ type: 'uuid', nullable: true }) carrierId!: string | null;
  @ManyToOne(() => Organisation, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'carrier_id', foreignKeyConstraintName: 'waybills_carrier_id_fk' })
  carrier?: Organisation;
  @Column({ type: 'uuid', nullable: true }) loadingSiteId!: string | null;
  @ManyToOne(() => Organisation, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'loading_site_id', foreignKeyConstraintName: 'waybills_loading_site_id_fk' })
  loadingSite?: Organisation;
  @Column({ type: 'uuid', nullable: true }) originPlaceId!: string | null;
  @ManyToOne(() => Place, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'origin_place_id', foreignKeyConstraintName: 'waybills_origin_place_id_fk' })
  originPlace?: Place;
  @Column({ type: 'uuid', nullable: true }) destinationPlaceId!: string | null;
  @ManyToOne(() => Place, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'destination_place_id', foreignKeyConstraintName: 'waybills_destination_place_id_fk' })
  destinationPlace?: Place;
  @Column({ type: 'timestamptz', nullable: true }) plannedDepartureAt!: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) plannedArrivalAt!: Date | null;
  // Encoded polyline (@googlemaps/polyline-codec, precision 5) of the planned route.
  @Column({ type: 'text', nullable: true }) plannedRoute!: string | null;
  @Column({ type: 'varchar', length: 50, nullable: true }) emergencyContactName!: string | null;
  @Column({ type: 'varchar', length: 32, nullable: true }) emergencyContactPhone!: string | null;
  // 托运清单 emergency measures text.
  @Column({ type: 'text', nullable: true }) emergencyMeasures!: string | null;
  // Dispatched by the carrier.
  @Column({ type: 'uuid', nullable: true }) vehicleId!: string | null;
  @Column({ type: 'uuid', nullable: true }) trailerId!: string | null;
  @Column({ type: 'uuid', nullable: true }) tankId!: string | null;
  @Column({ type: 'uuid', nullable: true }) driverId!: string | null;
  @Column({ type: 'uuid', nullable: true }) escortId!: string | null;
  @Column({ type: 'uuid', array: true, default: () => `'{}'` }) permitIds!: string[];
  @Column({ type: 'timestamptz', nullable: true }) dispatchedAt!: Date | null;
  // At issue: every certificate involved, as it was (DOMAIN.md 3.1(a) "snapshot of certificates at issue time").
  @Column({ type: 'jsonb', nullable: true }) certificateSnapshot!: Record<string, unknown> | null;
  @Column({ type: 'char', length: 64, nullable: true }) documentHash!: string | null;
  @Column({ type: 'text', nullable: true }) qr!: string | null;
  @Column({ type: 'timestamptz', nullable: true }) issuedAt!: Date | null;
  @Column({ type: 'uuid', nullable: true }) createdByUserId!: string | null;
  @OneToMany(() => WaybillLine, (line) => line.waybill) lines?: WaybillLine[];
  // Optimistic lock: concurrent transitions on one waybill get one winner.
  @VersionColumn() rowVersion!: number;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}
