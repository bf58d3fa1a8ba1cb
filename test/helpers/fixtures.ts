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
