import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isAdmin, isAuthority, type Principal } from '../accounts/principal.js';
import { checkRegionCode, isInRegion } from '../accounts/region.rules.js';
import { AuditService } from '../common/audit.service.js';
import { BadRequestError, ForbiddenError, NotFoundError } from '../common/errors.js';
import type { GeoPolygon } from '../waybills/place.entity.js';
import type { ListZones, ZoneFeature } from './monitoring.dto.js';
import type { MonitorZone } from './rules/monitoring.types.js';
import { Zone } from './zone.entity.js';

export type ZoneFeatureView = {
  type: 'Feature';
  id: string;
  geometry: GeoPolygon;
  properties: {
    name: string;
    kind: Zone['kind'];
    bannedClasses: string[];
    windows: Zone['windows'];
    speedLimitKmh: number | null;
    tunnelCategory: Zone['tunnelCategory'];
    regionCode: string;
    organisationId: string;
    status: Zone['status'];
    createdAt: Date;
    updatedAt: Date;
  };
};

export const zoneFeature = (z: Zone): ZoneFeatureView => ({
  type: 'Feature',
  id: z.id,
  geometry: z.polygon,
  properties: {
    name: z.name,
    kind: z.kind,
    bannedClasses: z.bannedClasses,
    windows: z.windows,
    speedLimitKmh: z.speedLimitKmh,
    tunnelCategory: z.tunnelCategory,
    regionCode: z.regionCode,
    organisationId: z.organisationId,
    status: z.status,
    createdAt: z.createdAt,
    updatedAt: z.updatedAt,
  },
});

const NOT_FOUND = () => new NotFoundError('ZONE_NOT_FOUND', 'No such zone');

// Restricted zones, populated zones and designated parking, as GeoJSON Features. Authorities own the zones of their
// jurisdiction (Order 29 art. 49: the authorities set restricted areas): an authority creates zones in its region
// and edits or retires any zone whose region lies in it. Zones are rules of the road, so everyone signed in reads
// the active ones. A change reaches the rules at once in this process (listeners) and within a minute elsewhere.
@Injectable()
export class ZonesService {
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditService,
  ) {}

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async activeZones(): Promise<MonitorZone[]> {
    const rows = await this.ds.getRepository(Zone).findBy({ status: 'active' });
    return rows.map((z) => ({ id: z.id, name: z.name, kind: z.kind, polygon: z.polygon, bannedClasses: z.bannedClasses, windows: z.windows, speedLimitKmh: z.speedLimitKmh, tunnelCategory: z.tunnelCategory }));
  }

  private regionFor(p: Principal, requested: string | undefined): string {
    if (!isAuthority(p) && !isAdmin(p)) throw new ForbiddenError('AUTHORITY_REQUIRED', 'Only transport authorities draw zones');
    const code = requested ?? p.regionCode;
    const problem = checkRegionCode(code);
    if (problem) throw new BadRequestError('REGION_CODE_INVALID', `regionCode ${code}: ${problem}`);
    if (!isAdmin(p) && !isInRegion(p.regionCode, code)) throw new ForbiddenError('REGION_FORBIDDEN', 'That region is outside your jurisdiction');
    return code;
  }

  private canEdit(p: Principal, z: Zone) {
    return isAdmin(p) || (isAuthority(p) && isInRegion(p.regionCode, z.regionCode));
  }

  async create(p: Principal, f: ZoneFeature, requestId?: string): Promise<ZoneFeatureView> {
    const regionCode = this.regionFor(p, f.properties.regionCode);
    const saved = await this.ds.transaction(async (m) => {
      const z = await m.save(
        Zone,
        m.create(Zone, {
          organisationId: p.organisationId,
          regionCode,
          name: f.properties.name,
          kind: f.properties.kind,
          polygon: f.geometry as GeoPolygon,
          bannedClasses: [...new Set(f.properties.bannedClasses)],
          windows: f.properties.windows,
          speedLimitKmh: f.properties.speedLimitKmh,
          tunnelCategory: f.properties.tunnelCategory,
          status: 'active',
        }),
      );
      await this.audit.record({ userId: p.userId, apiKeyId: p.apiKeyId, requestId }, { action: 'zone.create', entityType: 'zone', entityId: z.id, organisationId: p.organisationId, after: zoneFeature(z) }, m);
      return z;
    });
    this.changed();
    return zoneFeature(saved);
  }

  async list(p: Principal, q: ListZones) {
    const qb = this.ds.getRepository(Zone).createQueryBuilder('z').where(`z.status = 'active'`);
    if (q.kind) qb.andWhere('z.kind = :kind', { kind: q.kind });
    if (q.regionCode) qb.andWhere('z.region_code LIKE :prefix', { prefix: `${q.regionCode}%` });
    const [rows, total] = await qb.orderBy('z.created_at', 'DESC').addOrderBy('z.id', 'DESC').take(q.limit).skip(q.offset).getManyAndCount();
    return { type: 'FeatureCollection' as const, features: rows.map(zoneFeature), total, limit: q.limit, offset: q.offset };
  }

  async get(_p: Principal, id: string): Promise<ZoneFeatureView> {
    const z = await this.ds.getRepository(Zone).findOneBy({ id });
    if (!z || z.status !== 'active') throw NOT_FOUND();
    return zoneFeature(z);
  }

  // Replaces geometry and properties (PUT semantics: the whole Feature).
  async update(p: Principal, id: string, f: ZoneFeature, requestId?: string): Promise<ZoneFeatureView> {
    const updated = await this.ds.transaction(async (m) => {
      const z = await m.findOne(Zone, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!z || z.status !== 'active' || !this.canEdit(p, z)) throw NOT_FOUND();
      const regionCode = f.properties.regionCode ? this.regionFor(p, f.properties.regionCode) : z.regionCode;
      const before = zoneFeature(z);
      await m.update(Zone, id, {
        regionCode,
        name: f.properties.name,
        kind: f.properties.kind,
        polygon: f.geometry as GeoPolygon,
        bannedClasses: [...new Set(f.properties.bannedClasses)],
        windows: f.properties.windows,
        speedLimitKmh: f.properties.speedLimitKmh,
        tunnelCategory: f.properties.tunnelCategory,
      });
      const after = await m.findOneByOrFail(Zone, { id });
      await this.audit.record({ userId: p.userId, apiKeyId: p.apiKeyId, requestId }, { action: 'zone.update', entityType: 'zone', entityId: id, organisationId: z.organisationId, before, after: zoneFeature(after) }, m);
      return after;
    });
    this.changed();
    return zoneFeature(updated);
  }

  // Retires the zone (kept for the alarms that cite it).
  async remove(p: Principal, id: string, requestId?: string): Promise<ZoneFeatureView> {
    const retired = await this.ds.transaction(async (m) => {
      const z = await m.findOne(Zone, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!z || z.status !== 'active' || !this.canEdit(p, z)) throw NOT_FOUND();
      await m.update(Zone, id, { status: 'retired' });
      const after = await m.findOneByOrFail(Zone, { id });
      await this.audit.record({ userId: p.userId, apiKeyId: p.apiKeyId, requestId }, { action: 'zone.retire', entityType: 'zone', entityId: id, organisationId: z.organisationId, before: zoneFeature(z), after: zoneFeature(after) }, m);
      return after;
    });
    this.changed();
    return zoneFeature(retired);
  }

  private changed() {
    for (const l of this.listeners) l();
  }
}
