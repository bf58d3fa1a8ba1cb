import type { OrganisationKind } from './organisation.entity.js';
import { isInRegion } from './region.rules.js';
import type { Role } from './roles.js';

// Who is calling: a signed-in user or an API key, always acting for one organisation.
export type Principal = {
  kind: 'user' | 'api_key';
  userId: string | null;
  apiKeyId: string | null;
  sessionId: string | null;
  organisationId: string;
  organisationKind: OrganisationKind;
  regionCode: string;
  roles: Role[];
  mustChangePassword: boolean;
};

export const hasRole = (p: Principal, ...roles: Role[]) => p.roles.some((r) => roles.includes(r));
export const isAdmin = (p: Principal) => p.roles.includes('admin');
export const isAuthority = (p: Principal) => p.organisationKind === 'authority' && hasRole(p, 'authority', 'org_admin');

// Scoping (DESIGN.md "Security model"): administrators see everything, authorities their region, everyone
// else their own organisation. A record outside the caller's scope is answered as not found, never as 403,
// so that its existence does not leak.
export function canReadOrganisation(p: Principal, org: { id: string; regionCode: string; kind: OrganisationKind }): boolean {
  if (isAdmin(p) || org.id === p.organisationId) return true;
  return isAuthority(p) && org.kind !== 'platform' && isInRegion(p.regionCode, org.regionCode);
}

export function canManageOrganisation(p: Principal, orgId: string): boolean {
  return isAdmin(p) || (orgId === p.organisationId && hasRole(p, 'org_admin'));
}
