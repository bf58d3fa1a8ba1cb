import type { Principal } from '../accounts/principal.js';
import { regionPrefix } from '../accounts/region.rules.js';

// Room names of the /watch namespace. Emitters build rooms with these functions rather than by hand, so that
// a typo cannot silently reach nobody.
export const orgRoom = (organisationId: string) => `org:${organisationId}`;
export const userRoom = (userId: string) => `user:${userId}`;
// An authority joins the room of its jurisdiction prefix (accounts/region.rules.ts): "15", "1501" or "150102".
export const regionRoom = (prefix: string) => `region:${prefix}`;
export const ADMIN_ROOM = 'admin';
// The credential a socket connected with, so that revoking it reaches exactly its sockets (WatchGateway).
export const sessionRoom = (sessionId: string) => `session:${sessionId}`;
export const apiKeyRoom = (apiKeyId: string) => `api-key:${apiKeyId}`;

// Every region room whose authorities see something located in `code` (a 6-digit GB/T 2260 code): the
// province, the prefecture-level city and the county, e.g. 150102 → region:15, region:1501, region:150102.
export function regionRoomsFor(code: string): string[] {
  const prefixes = new Set([
    regionPrefix(`${code.slice(0, 2)}0000`),
    regionPrefix(`${code.slice(0, 4)}00`),
    regionPrefix(code),
  ]);
  return [...prefixes].map(regionRoom);
}

// The rooms a watcher joins on connect (DESIGN.md "Security model"): its organisation, itself, an authority's
// region, and the administrators' room.
export function roomsFor(p: Pick<Principal, 'organisationId' | 'userId' | 'organisationKind' | 'regionCode' | 'roles'>): string[] {
  const rooms = [orgRoom(p.organisationId)];
  if (p.userId) rooms.push(userRoom(p.userId));
  if (p.organisationKind === 'authority') rooms.push(regionRoom(regionPrefix(p.regionCode)));
  if (p.roles.includes('admin')) rooms.push(ADMIN_ROOM);
  return rooms;
}
