import type { OrganisationKind } from '../accounts/organisation.entity.js';
import { hasRole, isAdmin, isAuthority, type Principal } from '../accounts/principal.js';
import { isInRegion } from '../accounts/region.rules.js';
import type { Role } from '../accounts/roles.js';
import type { Place, PlaceKind } from './place.entity.js';

// Who sees and changes places (consignor/consignee addresses, loading and unloading sites). Pure, so that
// PlacesService's SQL filter and its single-row check can be tested against the same rules.

// Sites are where vehicles depart and arrive: every party to a waybill needs to pick and see them (the shipper
// names the consignee's unloading site and the loading site). Plain addresses stay with their owner.
export const SITE_KINDS: readonly PlaceKind[] = ['loading_site', 'unloading_site'];
export const isSite = (kind: PlaceKind) => SITE_KINDS.includes(kind);

// Departure and arrival are detected by geofence (DOMAIN.md 3.1(a)), so a site needs one.
export const needsGeofence = isSite;

// Organisations that keep places: every kind but the platform itself.
export const PLACE_OWNER_KINDS: readonly OrganisationKind[] = ['shipper', 'carrier', 'loading_site', 'consignee', 'authority'];

// The organisation's administrator or its business role (monitors watch vehicles, they do not keep addresses).
export const PLACE_WRITER_ROLES: Role[] = ['org_admin', 'shipper', 'carrier', 'loader', 'consignee', 'authority'];

export type PlaceScope = Pick<Place, 'organisationId' | 'kind' | 'regionCode'>;

// Administrators: all. Everyone: their own organisation's places and any organisation's sites.
// Authorities (role authority or org_admin of an authority): also every place in their region, by the place's
// own division code (a consignee registered in Beijing may unload in Inner Mongolia).
export function canReadPlace(p: Principal, place: PlaceScope): boolean {
  if (isAdmin(p) || place.organisationId === p.organisationId || isSite(place.kind)) return true;
  return isAuthority(p) && isInRegion(p.regionCode, place.regionCode);
}

// Only the owning organisation (or an administrator) changes a place.
export function canWritePlace(p: Principal, organisationId: string): boolean {
  return isAdmin(p) || (p.organisationId === organisationId && hasRole(p, ...PLACE_WRITER_ROLES));
}

// The place as it will be after a change: what a single request cannot prove (a PATCH that changes the kind
// of an address with no geofence into a site).
export function placeProblems(place: Pick<Place, 'kind' | 'geofence' | 'radiusM'>): { path: string; code: string; message: string }[] {
  if (needsGeofence(place.kind) && !place.geofence && !place.radiusM) {
    return [{ path: 'geofence', code: 'GEOFENCE_REQUIRED', message: `a ${place.kind} needs a geofence polygon or a radiusM` }];
  }
  return [];
}
