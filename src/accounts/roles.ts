import type { OrganisationKind } from './organisation.entity.js';

// Roles a user or API key can hold. Each organisation kind admits its own roles (DESIGN.md "Security model").
export const ROLES = ['admin', 'org_admin', 'shipper', 'carrier', 'monitor', 'loader', 'consignee', 'authority'] as const;
export type Role = (typeof ROLES)[number];

export const ROLES_BY_KIND: Record<OrganisationKind, readonly Role[]> = {
  platform: ['admin'],
  shipper: ['org_admin', 'shipper'],
  carrier: ['org_admin', 'carrier', 'monitor'],
  loading_site: ['org_admin', 'loader'],
  consignee: ['org_admin', 'consignee'],
  authority: ['org_admin', 'authority'],
};

export function rolesNotAllowedFor(kind: OrganisationKind, roles: readonly Role[]): Role[] {
  return roles.filter((r) => !ROLES_BY_KIND[kind].includes(r));
}
