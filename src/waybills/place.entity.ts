import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Organisation } from '../accounts/organisation.entity.js';

export const PLACE_KINDS = ['address', 'loading_site', 'unloading_site'] as const;
export type PlaceKind = (typeof PLACE_KINDS)[number];
// GeoJSON Polygon: rings of [longitude, latitude] (WGS-84 as reported by GNSS; GCJ-02 map offsets are the
// map's business).
export type GeoPolygon = { type: 'Polygon'; coordinates: [number, number][][] };

// A consignor or consignee address, or a loading / unloading site with a geofence: departure and arrival are
// detected when a vehicle leaves or enters it (DOMAIN.md 3.1(a) origin/destination).
@Entity({ name: 'places' })
@Check('places_kind_ck', `kind IN ('address','loading_site','unloading_site')`)
@Check('places_status_ck', `status IN ('active','retired')`)
@Check('places_coordinates_ck', `lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180`)
@Index('places_organisation_id_idx', ['organisationId'])
export class Place {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) organisationId!: string;
  @ManyToOne(() => Organisation, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'organisation_id', foreignKeyConstraintName: 'places_organisation_id_fk' })
  organisation?: Organisation;
  @Column({ type: 'varchar', length: 16 }) kind!: PlaceKind;
  @Column({ type: 'varchar', length: 200 }) name!: string;
  @Column({ type: 'varchar', length: 300 }) address!: string;
  @Column({ type: 'char', length: 6 }) regionCode!: string;
  @Column({ type: 'double precision' }) lat!: number;
  @Column({ type: 'double precision' }) lon!: number;
  // A polygon, or a circle of radiusM around (lat, lon) when no polygon is drawn.
  @Column({ type: 'jsonb', nullable: true }) geofence!: GeoPolygon | null;
  @Column({ type: 'integer', nullable: true }) radiusM!: number | null;
  @Column({ type: 'varchar', length: 50, nullable: true }) contactName!: string | null;
  @Column({ type: 'varchar', length: 32, nullable: true }) contactPhone!: string | null;
  @Column({ type: 'varchar', length: 16, default: 'active' }) status!: 'active' | 'retired';
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}
