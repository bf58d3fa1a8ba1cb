import { randomUUID } from 'node:crypto';
import type { OrganisationKind } from '../../src/accounts/organisation.entity.js';
import type { Role } from '../../src/accounts/roles.js';
import { PASSWORD } from '../helpers/fixtures.js';
import { ADMIN_PASSWORD } from '../helpers/app.js';
import { idNumberWithCheck } from '../helpers/ids.js';

// The access matrix: for every HTTP operation of the OpenAPI document, who may call it on a record of their own
// organisation (world A) and on one of another organisation (world B). access-matrix.e2e-spec.ts builds both worlds,
// runs every cell and fails on an operation that has no entry here, so that a new endpoint needs a decision.
//
// A cell is ALLOWED when the answer is neither 401, 403 nor a not-found of the record (2xx, or a 400/409/422 that
// shows the request got past the guard and the scope check into the business rules), DENIED when it is 401, 403 or
// 404. 5xx fails every cell.

export type ActorKey =
  | 'anon'
  | 'admin'
  | 'shipper'
  | 'carrier'
  | 'dispatcher'
  | 'monitor'
  | 'loader'
  | 'consignee'
  | 'authorityIn'
  | 'authorityOut'
  | 'carrierKey';

export type Actor = {
  key: ActorKey;
  kind: OrganisationKind | null;
  roles: Role[];
  // The world whose organisation the actor belongs to (A); null for the administrator, authorities and anonymous.
  world: 'A' | null;
  // Authorities: whose region holds both worlds (in) or neither (out).
  region: 'in' | 'out' | null;
  user: boolean; // a signed-in user (false: an API key)
};

export const ACTORS: Actor[] = [
  { key: 'anon', kind: null, roles: [], world: null, region: null, user: false },
  { key: 'admin', kind: 'platform', roles: ['admin'], world: null, region: null, user: true },
  { key: 'shipper', kind: 'shipper', roles: ['org_admin', 'shipper'], world: 'A', region: null, user: true },
  { key: 'carrier', kind: 'carrier', roles: ['org_admin', 'carrier'], world: 'A', region: null, user: true },
  { key: 'dispatcher', kind: 'carrier', roles: ['carrier'], world: 'A', region: null, user: true },
  { key: 'monitor', kind: 'carrier', roles: ['monitor'], world: 'A', region: null, user: true },
  { key: 'loader', kind: 'loading_site', roles: ['org_admin', 'loader'], world: 'A', region: null, user: true },
  { key: 'consignee', kind: 'consignee', roles: ['org_admin', 'consignee'], world: 'A', region: null, user: true },
  { key: 'authorityIn', kind: 'authority', roles: ['authority'], world: null, region: 'in', user: true },
  { key: 'authorityOut', kind: 'authority', roles: ['authority'], world: null, region: 'out', user: true },
  { key: 'carrierKey', kind: 'carrier', roles: ['carrier'], world: 'A', region: null, user: false },
];

export type WorldKey = 'A' | 'B';

// The records of one world the requests point at (filled by the spec).
export type WorldRecords = {
  orgs: { shipper: string; carrier: string; consignee: string; loader: string };
  orgNames: string[];
  spareUserId: string; // a plain user of the shipper (edited, reset)
  apiKeyId: string; // a spare key of the carrier (revoked)
  notificationId: string; // the carrier's
  webhookId: string; // the carrier's
  spareWebhookId: string;
  vehicleId: string;
  spareVehicleId: string;
  tankId: string;
  spareTankId: string;
  driverId: string;
  sparePersonId: string;
  terminalId: string; // JT/T 808
  spareTerminalId: string;
  appTerminalId: string;
  blacklistEntryId: string; // on the spare vehicle, by the authority in region
  importId: string; // a vehicles import of the carrier
  draftWaybillId: string; // draft, dispatched (edited, dispatched again)
  issueWaybillId: string; // draft, dispatched (issued)
  issuedWaybill: { id: string; number: string; qr: string }; // read, transitions refused by row version
  amendWaybillId: string; // issued (amended)
  checkWaybill: { id: string; number: string }; // issued (checked, loading)
  checkId: string; // a check of the issued waybill
  photoId: string; // the loading site's
  privatePlaceId: string; // the shipper's plain address
  sparePlaceId: string;
  sitePlaceId: string; // the loading site's site (everyone signed in sees sites)
  permitId: string; // the carrier's
  sparePermitId: string;
  alarmId: string; // an open alarm of the world's vehicle
  zoneId: string; // a restricted zone of the region (drawn by the authority in region)
  spareZoneId: string; // (retired by the authority in region)
  adminZoneId: string; // (retired by the administrator)
  plate: string;
  draftBody: Record<string, unknown>; // a complete draft of this world's shipper
};

export type Ctx = { a: Actor; w: WorldRecords; t: WorldKey; worldA: WorldRecords; goodsAdditionId: string; n: number };

export type Call = { path: string; query?: Record<string, string>; body?: unknown; contentType?: string; raw?: Buffer | string };

export type Entry = {
  // true: the operation names a record; each actor calls it on world A's and world B's record.
  scoped: boolean;
  allow: (a: Actor, t: WorldKey) => boolean;
  call: (c: Ctx) => Call;
  // 404 codes that an allowed caller may get (e.g. a vehicle that has not reported a position yet).
  allowedNotFound?: string[];
  // Allowed, but the answer's items must be empty (a list filtered by the caller's scope).
  empty?: (a: Actor, t: WorldKey) => boolean;
  // The answer is open by design (public verification, blacklist status): not scanned for other organisations' ids.
  openAnswer?: boolean;
};

// ---------------------------------------------------------------- who

const signedIn = (a: Actor) => a.key !== 'anon';
const isAdmin = (a: Actor) => a.roles.includes('admin');
const has = (a: Actor, ...roles: Role[]) => roles.some((r) => a.roles.includes(r));
const own = (a: Actor, t: WorldKey, kind: OrganisationKind) => a.world === t && a.kind === kind;
const authorityIn = (a: Actor) => a.kind === 'authority' && a.region === 'in';

const anyone = () => true;
const everySignedIn = (a: Actor) => signedIn(a);
const adminOnly = (a: Actor) => isAdmin(a);
// Read: the administrator, the owning organisation (any role), authorities whose region holds the owner.
export const readOf = (kind: OrganisationKind) => (a: Actor, t: WorldKey) => isAdmin(a) || own(a, t, kind) || authorityIn(a);
// Write: the administrator, or the owning organisation with one of these roles.
const writeOf = (kind: OrganisationKind, ...roles: Role[]) => (a: Actor, t: WorldKey) => isAdmin(a) || (own(a, t, kind) && has(a, ...roles));
const ownOrg = (kind: OrganisationKind, ...roles: Role[]) => (a: Actor, t: WorldKey) => own(a, t, kind) && (roles.length === 0 || has(a, ...roles));

// Waybills: the parties (consignee and loading site once issued) and authorities of the region; the administrator.
export const waybillReader = (issued: boolean) => (a: Actor, t: WorldKey) =>
  isAdmin(a) || authorityIn(a) || own(a, t, 'shipper') || own(a, t, 'carrier') || (issued && (own(a, t, 'consignee') || own(a, t, 'loading_site')));
// Acting on a waybill: a party whose user role fits its part (a carrier's safety monitor watches, it does not act).
const actsFor = (a: Actor, t: WorldKey, kind: OrganisationKind, role: Role) => own(a, t, kind) && has(a, 'org_admin', role);
const waybillActor = (issued: boolean) => (a: Actor, t: WorldKey) =>
  isAdmin(a) ||
  (authorityIn(a) && has(a, 'authority', 'org_admin')) ||
  actsFor(a, t, 'shipper', 'shipper') ||
  actsFor(a, t, 'carrier', 'carrier') ||
  (issued && (actsFor(a, t, 'consignee', 'consignee') || actsFor(a, t, 'loading_site', 'loader')));

// /watch region rooms: the administrator, and authorities whose jurisdiction holds the region (in: 150000 holds
// every world's 15xxxx; out: 110000).
export const regionWatcher = (a: Actor, region: 'in' | 'out') => isAdmin(a) || (a.kind === 'authority' && a.region === region);

// ---------------------------------------------------------------- request bodies

const plateFor = (n: number) => `蒙K${String(70000 + n).slice(-5)}`;
const phoneFor = (n: number) => `1770${String(1000000 + n).slice(-7)}`;
const vehicleBody = (n: number) => ({
  plateNumber: plateFor(n),
  plateColour: 'yellow',
  kind: 'tractor',
  transportScope: ['3'],
  drivingLicenceValidUntil: '2030-01-01',
  nextSafetyInspection: '2030-01-01',
  transportCertValidUntil: '2030-01-01',
  insuranceValidUntil: '2030-01-01',
  ratedLoadKg: 30000,
  totalMassKg: 49000,
});
// Administrators name the organisation a new record is for.
const forOwner = (c: Ctx, kind: 'carrier' | 'shipper' = 'carrier'): Record<string, string> | undefined =>
  isAdmin(c.a) ? { organisationId: c.worldA.orgs[kind] } : undefined;
const passwordOf = (a: Actor) => (isAdmin(a) ? ADMIN_PASSWORD : PASSWORD);
const png = () => Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(32, 1)]);
const zoneBody = (name: string) => ({
  type: 'Feature',
  geometry: { type: 'Polygon', coordinates: [[[109.8, 40.6], [109.9, 40.6], [109.9, 40.7], [109.8, 40.7], [109.8, 40.6]]] },
  properties: { name, kind: 'restricted', bannedClasses: ['3'], regionCode: '150203' },
});
const isoDaysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();

// ---------------------------------------------------------------- the matrix

export const MATRIX: Record<string, Entry> = {
  // ---- sign-in
  'POST /auth/login': { scoped: false, allow: anyone, call: () => ({ path: '/auth/login', body: {} }) },
  'GET /auth/me': { scoped: false, allow: everySignedIn, call: () => ({ path: '/auth/me' }) },
  'POST /auth/password': {
    scoped: false,
    allow: (a) => a.user,
    // The same password again: 409 PASSWORD_UNCHANGED once the guard and the current password let it through.
    call: (c) => ({ path: '/auth/password', body: { currentPassword: passwordOf(c.a), newPassword: passwordOf(c.a) } }),
  },
  'POST /auth/logout': { scoped: false, allow: everySignedIn, call: () => ({ path: '/auth/logout' }) },

  // ---- organisations, users, API keys
  'GET /organisations': { scoped: false, allow: everySignedIn, call: () => ({ path: '/organisations', query: { limit: '200' } }) },
  'POST /organisations': {
    scoped: false,
    allow: adminOnly,
    call: (c) => ({ path: '/organisations', body: { kind: 'shipper', name: `矩阵托运 ${c.n} 公司`, regionCode: '150102' } }),
  },
  'GET /organisations/{id}': { scoped: true, allow: readOf('carrier'), call: (c) => ({ path: `/organisations/${c.w.orgs.carrier}` }) },
  'PATCH /organisations/{id}': {
    scoped: true,
    allow: writeOf('carrier', 'org_admin'),
    call: (c) => ({ path: `/organisations/${c.w.orgs.carrier}`, body: { contactPhone: '0471-6000000' } }),
  },
  'POST /organisations/{id}/users': {
    scoped: true,
    allow: writeOf('carrier', 'org_admin'),
    call: (c) => ({ path: `/organisations/${c.w.orgs.carrier}/users`, body: { username: `mx${c.n}_${randomUUID().slice(0, 6)}`, displayName: 'M', roles: ['monitor'], password: PASSWORD } }),
  },
  'GET /users': { scoped: false, allow: everySignedIn, call: () => ({ path: '/users', query: { limit: '200' } }) },
  'GET /users/{id}': { scoped: true, allow: readOf('shipper'), call: (c) => ({ path: `/users/${c.w.spareUserId}` }) },
  'PATCH /users/{id}': { scoped: true, allow: writeOf('shipper', 'org_admin'), call: (c) => ({ path: `/users/${c.w.spareUserId}`, body: { displayName: `Spare ${c.n}` } }) },
  'POST /users/{id}/reset-password': { scoped: true, allow: writeOf('shipper', 'org_admin'), call: (c) => ({ path: `/users/${c.w.spareUserId}/reset-password` }) },
  'GET /api-keys': { scoped: false, allow: (a) => a.user && has(a, 'org_admin', 'admin'), call: () => ({ path: '/api-keys' }) },
  'POST /api-keys': { scoped: false, allow: (a) => a.user && has(a, 'org_admin', 'admin'), call: (c) => ({ path: '/api-keys', body: { name: `k${c.n}`, roles: [c.a.roles[0] ?? 'carrier'] } }) },
  // Keys are the organisation's own business: even the administrator does not see another organisation's.
  'DELETE /api-keys/{id}': { scoped: true, allow: ownOrg('carrier', 'org_admin'), call: (c) => ({ path: `/api-keys/${c.w.apiKeyId}` }) },

  // ---- operations
  'GET /health': { scoped: false, allow: anyone, call: () => ({ path: '/health' }) },
  'GET /metrics': { scoped: false, allow: anyone, call: () => ({ path: '/metrics' }) },

  // ---- notifications and webhooks: the organisation's own only
  'GET /notifications': { scoped: false, allow: everySignedIn, call: () => ({ path: '/notifications', query: { limit: '200' } }) },
  'POST /notifications/{id}/read': { scoped: true, allow: ownOrg('carrier'), call: (c) => ({ path: `/notifications/${c.w.notificationId}/read` }) },
  'POST /webhooks': { scoped: false, allow: (a) => has(a, 'org_admin', 'admin'), call: () => ({ path: '/webhooks', body: { url: 'https://hooks.example.com/hazway' } }) },
  'GET /webhooks': { scoped: false, allow: (a) => has(a, 'org_admin', 'admin'), call: () => ({ path: '/webhooks' }) },
  'DELETE /webhooks/{id}': { scoped: true, allow: ownOrg('carrier', 'org_admin'), call: (c) => ({ path: `/webhooks/${c.w.spareWebhookId}` }) },
  'GET /webhooks/{id}/deliveries': { scoped: true, allow: ownOrg('carrier'), call: (c) => ({ path: `/webhooks/${c.w.webhookId}/deliveries` }) },

  // ---- fleet
  'GET /vehicles': { scoped: false, allow: everySignedIn, call: () => ({ path: '/vehicles', query: { limit: '200', status: 'all' } }) },
  'POST /vehicles': {
    scoped: false,
    allow: (a) => isAdmin(a) || (a.kind === 'carrier' && has(a, 'org_admin', 'carrier')),
    call: (c) => ({ path: '/vehicles', query: forOwner(c), body: vehicleBody(c.n) }),
  },
  'GET /vehicles/{id}': { scoped: true, allow: readOf('carrier'), call: (c) => ({ path: `/vehicles/${c.w.vehicleId}` }) },
  'PATCH /vehicles/{id}': { scoped: true, allow: writeOf('carrier', 'org_admin', 'carrier'), call: (c) => ({ path: `/vehicles/${c.w.vehicleId}`, body: { insuranceValidUntil: '2030-01-01' } }) },
  'DELETE /vehicles/{id}': { scoped: true, allow: writeOf('carrier', 'org_admin', 'carrier'), call: (c) => ({ path: `/vehicles/${c.w.spareVehicleId}` }) },
  'GET /vehicles/{id}/qualification-status': { scoped: true, allow: readOf('carrier'), call: (c) => ({ path: `/vehicles/${c.w.vehicleId}/qualification-status` }) },
  'GET /tanks': { scoped: false, allow: everySignedIn, call: () => ({ path: '/tanks', query: { limit: '200', status: 'all' } }) },
  'POST /tanks': {
    scoped: false,
    allow: (a) => isAdmin(a) || (a.kind === 'carrier' && has(a, 'org_admin', 'carrier')),
    call: (c) => ({
      path: '/tanks',
      query: forOwner(c),
      body: { number: `MX-${c.n}-${randomUUID().slice(0, 4)}`, kind: 'atmospheric', volumeL: 30000, tankCode: 'LGBF', media: [{ unNumber: '1203' }], nextInspectionDate: '2030-01-01', cleaned: true },
    }),
  },
  'GET /tanks/{id}': { scoped: true, allow: readOf('carrier'), call: (c) => ({ path: `/tanks/${c.w.tankId}` }) },
  'PATCH /tanks/{id}': { scoped: true, allow: writeOf('carrier', 'org_admin', 'carrier'), call: (c) => ({ path: `/tanks/${c.w.tankId}`, body: { nextInspectionDate: '2030-01-01' } }) },
  'DELETE /tanks/{id}': { scoped: true, allow: writeOf('carrier', 'org_admin', 'carrier'), call: (c) => ({ path: `/tanks/${c.w.spareTankId}` }) },
  'GET /tanks/{id}/qualification-status': { scoped: true, allow: readOf('carrier'), call: (c) => ({ path: `/tanks/${c.w.tankId}/qualification-status` }) },
  'GET /people': { scoped: false, allow: everySignedIn, call: () => ({ path: '/people', query: { limit: '200', status: 'all' } }) },
  'POST /people': {
    scoped: false,
    allow: (a) => isAdmin(a) || (a.kind === 'carrier' && has(a, 'org_admin', 'carrier')) || (a.kind === 'loading_site' && has(a, 'org_admin', 'loader')),
    call: (c) => ({
      path: '/people',
      query: forOwner(c),
      body: {
        name: `矩阵${c.n}`,
        idNumber: idNumberWithCheck(`15020319900101${String(c.n).padStart(3, '0').slice(-3)}`),
        categories: c.a.kind === 'loading_site' ? ['loading_manager'] : ['driver'],
        drivingLicenceClass: 'A2',
        drivingLicenceValidUntil: '2030-01-01',
        qualificationValidUntil: '2030-01-01',
      },
    }),
  },
  'GET /people/{id}': { scoped: true, allow: readOf('carrier'), call: (c) => ({ path: `/people/${c.w.driverId}` }) },
  'PATCH /people/{id}': { scoped: true, allow: writeOf('carrier', 'org_admin', 'carrier'), call: (c) => ({ path: `/people/${c.w.driverId}`, body: { qualificationValidUntil: '2030-01-01' } }) },
  'DELETE /people/{id}': { scoped: true, allow: writeOf('carrier', 'org_admin', 'carrier'), call: (c) => ({ path: `/people/${c.w.sparePersonId}` }) },
  'GET /people/{id}/qualification-status': { scoped: true, allow: readOf('carrier'), call: (c) => ({ path: `/people/${c.w.driverId}/qualification-status` }) },
  'GET /terminals': { scoped: false, allow: everySignedIn, call: () => ({ path: '/terminals', query: { limit: '200', status: 'all' } }) },
  'POST /terminals': {
    scoped: false,
    allow: (a) => isAdmin(a) || (a.kind === 'carrier' && has(a, 'org_admin', 'carrier')),
    call: (c) => ({ path: '/terminals', query: forOwner(c), body: { protocol: 'jt808', phone: phoneFor(c.n) } }),
  },
  'GET /terminals/{id}': { scoped: true, allow: readOf('carrier'), call: (c) => ({ path: `/terminals/${c.w.terminalId}` }) },
  'PATCH /terminals/{id}': { scoped: true, allow: writeOf('carrier', 'org_admin', 'carrier'), call: (c) => ({ path: `/terminals/${c.w.terminalId}`, body: { deviceId: 'MX-1' } }) },
  'DELETE /terminals/{id}': { scoped: true, allow: writeOf('carrier', 'org_admin', 'carrier'), call: (c) => ({ path: `/terminals/${c.w.spareTerminalId}` }) },
  'POST /terminals/{id}/app-token': { scoped: true, allow: writeOf('carrier', 'org_admin', 'carrier'), call: (c) => ({ path: `/terminals/${c.w.appTerminalId}/app-token` }) },
  'GET /organisations/{organisationId}/carrier-licence': { scoped: true, allow: readOf('carrier'), call: (c) => ({ path: `/organisations/${c.w.orgs.carrier}/carrier-licence` }) },
  'PUT /organisations/{organisationId}/carrier-licence': {
    scoped: true,
    allow: writeOf('carrier', 'org_admin', 'carrier'),
    call: (c) => ({ path: `/organisations/${c.w.orgs.carrier}/carrier-licence`, body: { number: `蒙交危M${c.t}`, validUntil: '2030-01-01', scope: ['1', '2', '3', '4', '5', '6.1', '8', '9'], highlyToxic: true } }),
  },
  'POST /vehicles/import': {
    scoped: false,
    allow: (a) => isAdmin(a) || (a.kind === 'carrier' && has(a, 'org_admin', 'carrier')),
    call: (c) => ({ path: '/vehicles/import', query: forOwner(c), contentType: 'text/csv', raw: 'plateNumber\n' }),
  },
  'POST /tanks/import': {
    scoped: false,
    allow: (a) => isAdmin(a) || (a.kind === 'carrier' && has(a, 'org_admin', 'carrier')),
    call: (c) => ({ path: '/tanks/import', query: forOwner(c), contentType: 'text/csv', raw: 'number\n' }),
  },
  'POST /people/import': {
    scoped: false,
    allow: (a) => isAdmin(a) || (a.kind === 'carrier' && has(a, 'org_admin', 'carrier')) || (a.kind === 'loading_site' && has(a, 'org_admin', 'loader')),
    call: (c) => ({ path: '/people/import', query: forOwner(c), contentType: 'text/csv', raw: 'name\n' }),
  },
  // An import is the business of the organisation that sent it.
  'GET /imports/{id}': { scoped: true, allow: ownOrg('carrier'), call: (c) => ({ path: `/imports/${c.w.importId}` }) },

  // ---- blacklist
  // Whether a party is barred is open to everyone signed in, by design (a shipper checks its carrier): the answer
  // names the entries in force, so it is left out of the scan for other organisations' ids.
  'GET /blacklist/status': { scoped: true, allow: everySignedIn, openAnswer: true, call: (c) => ({ path: '/blacklist/status', query: { vehicleId: c.w.spareVehicleId } }) },
  'GET /blacklist': { scoped: false, allow: everySignedIn, call: () => ({ path: '/blacklist', query: { limit: '200' } }) },
  'GET /blacklist/{id}': { scoped: true, allow: readOf('carrier'), call: (c) => ({ path: `/blacklist/${c.w.blacklistEntryId}` }) },
  'POST /blacklist': {
    scoped: true,
    allow: (a) => isAdmin(a) || authorityIn(a),
    call: (c) => ({ path: '/blacklist', body: { subjectType: 'person', subjectId: c.w.sparePersonId, reason: '矩阵测试' } }),
  },
  'POST /blacklist/{id}/lift': { scoped: true, allow: (a) => isAdmin(a) || authorityIn(a), call: (c) => ({ path: `/blacklist/${c.w.blacklistEntryId}/lift`, body: { reason: '矩阵测试' } }) },

  // ---- waybills
  'GET /waybills': { scoped: false, allow: everySignedIn, call: () => ({ path: '/waybills', query: { limit: '200' } }) },
  'POST /waybills': {
    scoped: false,
    allow: (a) => isAdmin(a) || (a.kind === 'shipper' && has(a, 'org_admin', 'shipper')),
    // Named records of world A: the shipper's own draft; for anyone else the guard or the service refuses first.
    call: (c) => ({ path: '/waybills', body: c.worldA.draftBody }),
  },
  'GET /waybills/{id}': { scoped: true, allow: waybillReader(true), call: (c) => ({ path: `/waybills/${c.w.issuedWaybill.id}` }) },
  'PATCH /waybills/{id}': { scoped: true, allow: (a, t) => actsFor(a, t, 'shipper', 'shipper'), call: (c) => ({ path: `/waybills/${c.w.draftWaybillId}`, body: {} }) },
  'POST /waybills/{id}/dispatch': {
    scoped: true,
    allow: (a, t) => actsFor(a, t, 'carrier', 'carrier'),
    call: (c) => ({ path: `/waybills/${c.w.draftWaybillId}/dispatch`, body: { vehicleId: c.w.vehicleId, driverId: c.w.driverId } }),
  },
  'POST /waybills/{id}/issue': {
    scoped: true,
    allow: (a, t) => actsFor(a, t, 'shipper', 'shipper') || actsFor(a, t, 'carrier', 'carrier'),
    call: (c) => ({ path: `/waybills/${c.w.issueWaybillId}/issue` }),
  },
  'POST /waybills/{id}/amend': {
    scoped: true,
    allow: (a, t) => actsFor(a, t, 'shipper', 'shipper'),
    call: (c) => ({ path: `/waybills/${c.w.amendWaybillId}/amend`, body: { reason: '矩阵测试', changes: { emergencyContactName: '值班室' } } }),
  },
  // A stale row version: every party that may act gets 409 WAYBILL_CHANGED, nothing changes.
  'POST /waybills/{id}/transitions': {
    scoped: true,
    allow: waybillActor(true),
    call: (c) => ({ path: `/waybills/${c.w.issuedWaybill.id}/transitions`, body: { action: 'cancel', expectedRowVersion: 999999 } }),
  },
  // Not arrived yet: a party that may act gets 409 ILLEGAL_TRANSITION.
  'POST /waybills/{id}/delivery': {
    scoped: true,
    allow: waybillActor(true),
    call: (c) => ({ path: `/waybills/${c.w.issuedWaybill.id}/delivery`, body: { lines: [{ lineNo: 1, receivedQuantity: 20 }], sealsIntact: true } }),
  },
  'POST /waybills/{id}/resolve': { scoped: true, allow: waybillActor(true), call: (c) => ({ path: `/waybills/${c.w.issuedWaybill.id}/resolve`, body: { resolution: '矩阵测试' } }) },
  'GET /waybills/{id}/events': { scoped: true, allow: waybillReader(true), call: (c) => ({ path: `/waybills/${c.w.issuedWaybill.id}/events` }) },
  'GET /waybills/{id}/events/verify': { scoped: true, allow: waybillReader(true), call: (c) => ({ path: `/waybills/${c.w.issuedWaybill.id}/events/verify` }) },
  'GET /waybills/{id}/document': { scoped: true, allow: waybillReader(true), call: (c) => ({ path: `/waybills/${c.w.issuedWaybill.id}/document` }) },
  'GET /waybills/{id}/print': { scoped: true, allow: waybillReader(true), call: (c) => ({ path: `/waybills/${c.w.issuedWaybill.id}/print` }) },
  // The carrier's pre-trip inspection (PL-26): recorded by the waybill's carrier (org_admin / carrier users), read by
  // everyone who sees the waybill. Its driver inspects and is briefed alone: a complete, valid record.
  'POST /waybills/{id}/pre-trip-inspections': {
    scoped: true,
    allow: (a, t) => isAdmin(a) || actsFor(a, t, 'carrier', 'carrier'),
    call: (c) => ({
      path: `/waybills/${c.w.issuedWaybill.id}/pre-trip-inspections`,
      body: {
        inspectorId: c.w.driverId,
        inspectedAt: new Date().toISOString(),
        items: ['vehicle', 'tank_container', 'equipment', 'satellite_terminal'].map((key) => ({ key, ok: true })),
        briefing: { personIds: [c.w.driverId], briefedAt: new Date().toISOString() },
      },
    }),
  },
  'GET /waybills/{id}/pre-trip-inspections': { scoped: true, allow: waybillReader(true), call: (c) => ({ path: `/waybills/${c.w.issuedWaybill.id}/pre-trip-inspections` }) },
  'GET /public/waybill-key': { scoped: false, allow: anyone, call: () => ({ path: '/public/waybill-key' }) },
  'POST /public/verify': { scoped: true, allow: anyone, call: (c) => ({ path: '/public/verify', body: { qr: c.w.issuedWaybill.qr } }) },
  'GET /public/verify': { scoped: true, allow: anyone, call: (c) => ({ path: '/public/verify', query: { qr: c.w.issuedWaybill.qr } }) },

  // ---- pre-loading checks and loading: the loading site
  'POST /loading-checks': {
    scoped: true,
    allow: writeOf('loading_site', 'org_admin', 'loader'),
    call: (c) => ({ path: '/loading-checks', body: { waybillNumber: c.w.checkWaybill.number, operatorId: randomUUID(), checklist: [] } }),
  },
  'GET /loading-checks': { scoped: false, allow: everySignedIn, call: () => ({ path: '/loading-checks', query: { limit: '200' } }) },
  'GET /loading-checks/rules': { scoped: false, allow: everySignedIn, call: () => ({ path: '/loading-checks/rules' }) },
  'PATCH /loading-checks/rules/{ruleId}': { scoped: false, allow: adminOnly, call: () => ({ path: '/loading-checks/rules/PL-99', body: { severity: 'warn' } }), allowedNotFound: ['CHECK_RULE_NOT_FOUND'] },
  'GET /loading-checks/reports': {
    scoped: false,
    allow: everySignedIn,
    call: () => ({ path: '/loading-checks/reports', query: { from: isoDaysAgo(2), to: isoDaysAgo(-2), format: 'csv' } }),
  },
  'POST /loading-checks/photos': {
    scoped: false,
    allow: (a) => isAdmin(a) || (a.kind === 'loading_site' && has(a, 'org_admin', 'loader')),
    call: () => ({ path: '/loading-checks/photos', contentType: 'image/png', raw: png() }),
  },
  'GET /loading-checks/photos/{id}': { scoped: true, allow: (a, t) => isAdmin(a) || own(a, t, 'loading_site'), call: (c) => ({ path: `/loading-checks/photos/${c.w.photoId}` }) },
  'GET /loading-checks/{id}': { scoped: true, allow: waybillReader(true), call: (c) => ({ path: `/loading-checks/${c.w.checkId}` }) },
  'POST /loading/{id}/start': { scoped: true, allow: writeOf('loading_site', 'org_admin', 'loader'), call: (c) => ({ path: `/loading/${c.w.checkWaybill.id}/start`, body: {} }) },
  'POST /loading/{id}/finish': {
    scoped: true,
    allow: writeOf('loading_site', 'org_admin', 'loader'),
    call: (c) => ({ path: `/loading/${c.w.checkWaybill.id}/finish`, body: { lines: [{ lineNo: 1, loadedQuantity: 1 }], closures: { ok: true } } }),
  },

  // ---- tracking
  'GET /vehicles/{id}/position': { scoped: true, allow: readOf('carrier'), call: (c) => ({ path: `/vehicles/${c.w.vehicleId}/position` }) },
  // The waybill has no position: its readers get NO_POSITION, everyone else WAYBILL_NOT_FOUND.
  'GET /waybills/{id}/position': {
    scoped: true,
    allow: waybillReader(true),
    allowedNotFound: ['NO_POSITION'],
    call: (c) => ({ path: `/waybills/${c.w.issuedWaybill.id}/position` }),
  },
  // Leaves out what the caller may not see: checked by the leak scan, and by the items asserted in the spec.
  'GET /tracking/latest': { scoped: true, allow: everySignedIn, empty: (a, t) => !readOf('carrier')(a, t), call: (c) => ({ path: '/tracking/latest', query: { vehicleIds: c.w.vehicleId } }) },
  'GET /tracking/track': {
    scoped: true,
    allow: readOf('carrier'),
    call: (c) => ({ path: '/tracking/track', query: { vehicleId: c.w.vehicleId, from: isoDaysAgo(1), format: 'csv' } }),
  },

  // ---- places and permits
  'GET /places': { scoped: false, allow: everySignedIn, call: () => ({ path: '/places', query: { limit: '200' } }) },
  'POST /places': {
    scoped: false,
    allow: (a) => isAdmin(a) || (signedIn(a) && a.kind !== 'platform' && has(a, 'org_admin', 'shipper', 'carrier', 'loader', 'consignee', 'authority')),
    call: (c) => ({
      path: '/places',
      body: { kind: 'address', name: `矩阵地址${c.n}`, address: '呼和浩特', regionCode: '150102', lat: 40.8, lon: 111.7, ...(isAdmin(c.a) ? { organisationId: c.worldA.orgs.shipper } : {}) },
    }),
  },
  'GET /places/{id}': { scoped: true, allow: readOf('shipper'), call: (c) => ({ path: `/places/${c.w.privatePlaceId}` }) },
  // Sites are open to everyone signed in (every party picks them).
  'PATCH /places/{id}': { scoped: true, allow: writeOf('shipper', 'org_admin', 'shipper'), call: (c) => ({ path: `/places/${c.w.privatePlaceId}`, body: { contactName: '联系人' } }) },
  'DELETE /places/{id}': { scoped: true, allow: writeOf('shipper', 'org_admin', 'shipper'), call: (c) => ({ path: `/places/${c.w.sparePlaceId}` }) },
  'GET /permits': { scoped: false, allow: everySignedIn, call: () => ({ path: '/permits', query: { limit: '200' } }) },
  'POST /permits': {
    scoped: false,
    allow: (a) => isAdmin(a) || ((a.kind === 'carrier' || a.kind === 'shipper') && has(a, 'org_admin', 'shipper', 'carrier')),
    call: (c) => ({
      path: '/permits',
      body: {
        type: 'highly_toxic_pass',
        number: `MX${c.n}-${randomUUID().slice(0, 6)}`,
        issuer: '包头市公安局',
        validFrom: new Date(Date.now() - 86_400_000).toISOString(),
        validUntil: new Date(Date.now() + 30 * 86_400_000).toISOString(),
        vehiclePlates: [c.worldA.plate],
        goods: [{ unNumber: 'UN1689', maxQuantity: 10, unit: 't' }],
        ...(isAdmin(c.a) ? { organisationId: c.worldA.orgs.carrier } : {}),
      },
    }),
  },
  'GET /permits/{id}': { scoped: true, allow: readOf('carrier'), call: (c) => ({ path: `/permits/${c.w.permitId}` }) },
  'POST /permits/{id}/revoke': { scoped: true, allow: (a) => isAdmin(a) || authorityIn(a), call: (c) => ({ path: `/permits/${c.w.sparePermitId}/revoke`, body: { reason: '矩阵测试' } }) },
  'POST /permits/{id}/return': { scoped: true, allow: writeOf('carrier', 'org_admin', 'carrier'), call: (c) => ({ path: `/permits/${c.w.permitId}/return` }) },

  // ---- the dangerous-goods catalogue
  'GET /dangerous-goods': { scoped: false, allow: everySignedIn, call: () => ({ path: '/dangerous-goods', query: { q: '汽油' } }) },
  'GET /dangerous-goods/{un}': { scoped: false, allow: everySignedIn, call: () => ({ path: '/dangerous-goods/1203' }) },
  'POST /dangerous-goods/{un}/additions': {
    scoped: false,
    allow: adminOnly,
    call: (c) => ({ path: '/dangerous-goods/1203/additions', body: { kind: 'alias', value: `matrix alias ${c.n}`, source: 'access matrix' } }),
  },
  'DELETE /dangerous-goods/additions/{id}': { scoped: false, allow: adminOnly, call: (c) => ({ path: `/dangerous-goods/additions/${c.goodsAdditionId}` }) },
  // ---- console and goods check
  'GET /config': { scoped: false, allow: anyone, call: () => ({ path: '/config' }) },
  // A catalogue and mixed-loading check of draft goods: nothing is read or stored, open to every signed-in caller.
  'POST /waybills/goods-check': {
    scoped: false,
    allow: everySignedIn,
    call: () => ({ path: '/waybills/goods-check', body: { lines: [{ unNumber: '1203' }, { unNumber: '1005' }] } }),
  },
  // ---- monitoring: alarms of the carrier's vehicles (the carrier, authorities of the carrier's region), zones
  // (every signed-in caller reads them; authorities draw them in their region), statistics (authorities)
  'GET /alarms': {
    scoped: false,
    allow: (a) => has(a, 'monitor', 'carrier', 'org_admin', 'authority', 'admin'),
    empty: (a) => !(isAdmin(a) || authorityIn(a) || a.kind === 'carrier'),
    call: () => ({ path: '/alarms', query: { limit: '200' } }),
  },
  'GET /alarms/{id}': {
    scoped: true,
    allow: (a, t) => has(a, 'monitor', 'carrier', 'org_admin', 'authority', 'admin') && (isAdmin(a) || authorityIn(a) || own(a, t, 'carrier')),
    call: (c) => ({ path: `/alarms/${c.w.alarmId}` }),
  },
  // Handling is the carrier's monitors and dispatchers and the authorities in region; the platform administrator
  // reads but does not handle. A second acknowledgement or close is a 409 past the guard (allowed).
  'POST /alarms/{id}/acknowledge': {
    scoped: true,
    allow: (a, t) => authorityIn(a) || (own(a, t, 'carrier') && has(a, 'monitor', 'carrier', 'org_admin')),
    call: (c) => ({ path: `/alarms/${c.w.alarmId}/acknowledge`, body: { note: '矩阵' } }),
  },
  'POST /alarms/{id}/close': {
    scoped: true,
    allow: (a, t) => authorityIn(a) || (own(a, t, 'carrier') && has(a, 'monitor', 'carrier', 'org_admin')),
    call: (c) => ({ path: `/alarms/${c.w.alarmId}/close`, body: { disposition: '矩阵测试' } }),
  },
  'GET /zones': { scoped: false, allow: everySignedIn, call: () => ({ path: '/zones', query: { limit: '200' } }) },
  'GET /zones/{id}': { scoped: false, allow: everySignedIn, call: (c) => ({ path: `/zones/${c.w.zoneId}` }) },
  'POST /zones': { scoped: false, allow: (a) => isAdmin(a) || authorityIn(a), call: (c) => ({ path: '/zones', body: zoneBody(`矩阵区${c.n}`) }) },
  'PUT /zones/{id}': { scoped: false, allow: (a) => isAdmin(a) || authorityIn(a), call: (c) => ({ path: `/zones/${c.w.zoneId}`, body: zoneBody(`矩阵区${c.n}`) }) },
  'PATCH /zones/{id}': { scoped: false, allow: (a) => isAdmin(a) || authorityIn(a), call: (c) => ({ path: `/zones/${c.w.zoneId}`, body: zoneBody(`矩阵区${c.n}`) }) },
  // Each allowed caller retires a zone of its own (a retired zone is not found again).
  'DELETE /zones/{id}': { scoped: false, allow: (a) => isAdmin(a) || authorityIn(a), call: (c) => ({ path: `/zones/${isAdmin(c.a) ? c.w.adminZoneId : c.w.spareZoneId}` }) },
  'GET /monitoring/statistics': {
    scoped: false,
    allow: (a) => isAdmin(a) || a.kind === 'authority',
    call: () => ({ path: '/monitoring/statistics', query: { from: isoDaysAgo(7), to: isoDaysAgo(0) } }),
  },
};

// Run last: signing out ends the session the other cells use.
export const LAST = ['POST /auth/logout'];
