import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { OrganisationKind } from '../../accounts/organisation.entity.js';
import { canReadOrganisation, isAdmin, isAuthority, type Principal } from '../../accounts/principal.js';
import { isInRegion, regionPrefix } from '../../accounts/region.rules.js';
import { ForbiddenError } from '../../common/errors.js';
import { FleetService } from '../../vehicles/fleet.service.js';
import { WaybillsService } from '../../waybills/waybills.service.js';
import { PositionsService, type LatestPosition } from '../positions/positions.service.js';

export type VehicleOwner = { organisationId: string; regionCode: string; kind: OrganisationKind };

// Most recent first; a region's live map starts from at most this many vehicles.
export const REGION_SNAPSHOT_LIMIT = 10_000;

// Who may follow which track, for the /watch subscriptions and the REST reads. A vehicle is visible as in the
// fleet API (own organisation, authorities: their region, admin: all), a waybill to its parties and the
// authorities of its region (WaybillsService.rolesOn), a region to administrators and to authorities inside it.
// Out of scope is answered as not found (NotFoundError from the owning services), so that existence does not leak.
@Injectable()
export class TrackingScope {
  constructor(
    private readonly ds: DataSource,
    private readonly fleet: FleetService,
    private readonly waybills: WaybillsService,
    private readonly positions: PositionsService,
  ) {}

  // Throws NotFoundError('VEHICLE_NOT_FOUND') when the vehicle is unknown or not the caller's to see.
  async assertVehicle(p: Principal, vehicleId: string): Promise<void> {
    await this.fleet.getVehicle(p, vehicleId);
  }

  // Throws NotFoundError('WAYBILL_NOT_FOUND').
  async assertWaybill(p: Principal, waybillId: string): Promise<void> {
    await this.waybills.getVisible(p, waybillId);
  }

  // The jurisdiction prefix of a region the caller may watch; ForbiddenError('REGION_FORBIDDEN') otherwise. Not a
  // not-found: which regions exist is no secret.
  regionFor(p: Principal, code: string): string {
    if (isAdmin(p) || (isAuthority(p) && isInRegion(p.regionCode, code))) return regionPrefix(code);
    throw new ForbiddenError('REGION_FORBIDDEN', isAuthority(p) ? 'That region is outside your jurisdiction' : 'Only transport authorities watch regions');
  }

  // The owning organisation of each vehicle found (unknown ids are absent).
  async owners(vehicleIds: readonly string[]): Promise<Map<string, VehicleOwner>> {
    const owners = new Map<string, VehicleOwner>();
    if (vehicleIds.length === 0) return owners;
    const rows: { id: string; organisation_id: string; region_code: string; kind: OrganisationKind }[] = await this.ds.query(
      `SELECT v.id, v.organisation_id, o.region_code, o.kind
         FROM vehicles v JOIN organisations o ON o.id = v.organisation_id
        WHERE v.id = ANY($1::uuid[])`,
      [vehicleIds],
    );
    for (const r of rows) owners.set(r.id, { organisationId: r.organisation_id, regionCode: r.region_code, kind: r.kind });
    return owners;
  }

  // The ids among `vehicleIds` the caller may see, in the order given.
  async visibleVehicles(p: Principal, vehicleIds: readonly string[]): Promise<string[]> {
    const unique = [...new Set(vehicleIds)];
    const owners = await this.owners(unique);
    return unique.filter((id) => {
      const o = owners.get(id);
      return o !== undefined && canReadOrganisation(p, { id: o.organisationId, regionCode: o.regionCode, kind: o.kind });
    });
  }

  // The latest clean position of every active vehicle whose carrier is registered inside the region prefix.
  regionLatest(prefix: string, limit = REGION_SNAPSHOT_LIMIT): Promise<LatestPosition[]> {
    return this.positions.latestInRegion(prefix, limit);
  }
}
