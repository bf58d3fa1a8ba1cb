import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Organisation } from '../accounts/organisation.entity.js';
import type { GeoPolygon } from '../waybills/place.entity.js';
import type { TunnelCategory } from '../dangerous-goods/tunnel.rules.js';
import type { TimeWindow, ZoneKind } from './rules/monitoring.types.js';

// A restricted zone (限制通行区域: TR-07, with banned hours TR-08), a populated zone (TR-10), a designated
// dangerous-goods parking area (TR-10) or a road tunnel with its ADR category (TR-09), drawn by the authority of its
// region (Order 29 art. 49).
@Entity({ name: 'zones' })
@Check('zones_kind_ck', `kind IN ('restricted','populated','parking','tunnel')`)
@Check('zones_tunnel_category_ck', `tunnel_category IN ('A','B','C','D','E')`)
@Check('zones_status_ck', `status IN ('active','retired')`)
@Index('zones_organisation_idx', ['organisationId'])
@Index('zones_region_idx', ['regionCode'])
export class Zone {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) organisationId!: string;
  @ManyToOne(() => Organisation, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'organisation_id', foreignKeyConstraintName: 'zones_organisation_id_fk' })
  organisation?: Organisation;
  @Column({ type: 'char', length: 6 }) regionCode!: string;
  @Column({ type: 'varchar', length: 200 }) name!: string;
  @Column({ type: 'varchar', length: 16 }) kind!: ZoneKind;
  @Column({ type: 'jsonb' }) polygon!: GeoPolygon;
  @Column({ type: 'text', array: true, default: () => `'{}'` }) bannedClasses!: string[];
  @Column({ type: 'jsonb', default: () => `'[]'` }) windows!: TimeWindow[];
  @Column({ type: 'integer', nullable: true }) speedLimitKmh!: number | null;
  @Column({ type: 'char', length: 1, nullable: true }) tunnelCategory!: TunnelCategory | null;
  @Column({ type: 'varchar', length: 16, default: 'active' }) status!: 'active' | 'retired';
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}
