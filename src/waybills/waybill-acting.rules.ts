import type { Role } from '../accounts/roles.js';
import type { WaybillActorRole } from './waybill-status.rules.js';

// The user roles that may act in each part a waybill gives an organisation. Seeing a waybill follows from the part
// alone (WaybillsService.rolesOn); acting on it (edit, dispatch, issue, amend, transitions, delivery, resolve) also
// needs the fitting user role: a carrier's safety monitor (README "Accounts, roles and scoping") follows the trip
// but does not dispatch or issue, and a loading site's clerk without the loader role does not load.
export const ACTING_USER_ROLES: Record<WaybillActorRole, readonly Role[]> = {
  shipper: ['org_admin', 'shipper'],
  carrier: ['org_admin', 'carrier'],
  loader: ['org_admin', 'loader'],
  consignee: ['org_admin', 'consignee'],
  authority: ['org_admin', 'authority'],
  admin: ['admin'],
  system: [],
};

// The parts a caller with these user roles may act in, out of the parts its organisation plays on the waybill.
export function actingRoles(parts: readonly WaybillActorRole[], userRoles: readonly Role[]): WaybillActorRole[] {
  return parts.filter((part) => ACTING_USER_ROLES[part].some((r) => userRoles.includes(r)));
}
