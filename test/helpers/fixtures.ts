import request from 'supertest';
import type { OrganisationKind } from '../../src/accounts/organisation.entity.js';
import type { Role } from '../../src/accounts/roles.js';
import { bearer, type TestApp } from './app.js';

export const PASSWORD = 'correct horse battery';

let seq = 0;

// An organisation with one user, created through the API as the administrator.
export async function createOrgWithUser(
  t: TestApp,
  kind: Exclude<OrganisationKind, 'platform'>,
  opts: { regionCode?: string; roles?: Role[]; name?: string; username?: string } = {},
) {
  const admin = await t.adminToken();
  const n = ++seq;
  const org = await request(t.http)
    .post('/organisations')
    .set(bearer(admin))
    .send({ kind, name: opts.name ?? `${kind} ${n} 有限公司`, regionCode: opts.regionCode ?? '150102' });
  if (org.status !== 201) throw new Error(`create organisation: ${org.status} ${JSON.stringify(org.body)}`);
  const username = opts.username ?? `${kind.replace('_', '')}${n}_${Math.random().toString(36).slice(2, 7)}`;
  const roles = opts.roles ?? (['org_admin', kind === 'loading_site' ? 'loader' : kind] as Role[]);
  const user = await request(t.http)
    .post(`/organisations/${org.body.id}/users`)
    .set(bearer(admin))
    .send({ username, displayName: `User ${n}`, roles, password: PASSWORD });
  if (user.status !== 201) throw new Error(`create user: ${user.status} ${JSON.stringify(user.body)}`);
  const token = await t.login(username, PASSWORD);
  return { org: org.body as { id: string; regionCode: string; kind: string }, user: user.body.user as { id: string; username: string }, username, token };
}

// A tractor of a new carrier (region 150203) with a JT/T 808 terminal on record under `phone`, through the API.
export async function vehicleWithTerminal(t: TestApp, phone: string, plateNumber: string) {
  const carrier = await createOrgWithUser(t, 'carrier', { regionCode: '150203' });
  const v = await request(t.http).post('/vehicles').set(bearer(carrier.token)).send({
    plateNumber,
    plateColour: 'yellow',
    kind: 'tractor',
    drivingLicenceValidUntil: '2030-06-30',
    nextSafetyInspection: '2030-03-01',
    transportScope: ['3'],
    ratedLoadKg: 30000,
    totalMassKg: 40000,
  });
  if (v.status !== 201) throw new Error(`create vehicle: ${v.status} ${JSON.stringify(v.body)}`);
  const term = await request(t.http).post('/terminals').set(bearer(carrier.token)).send({ phone, vehicleId: v.body.id });
  if (term.status !== 201) throw new Error(`create terminal: ${term.status} ${JSON.stringify(term.body)}`);
  return { carrier, vehicleId: v.body.id as string };
}
