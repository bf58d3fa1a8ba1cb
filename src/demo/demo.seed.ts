import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AccountsService } from '../accounts/accounts.service.js';
import type { OrganisationKind } from '../accounts/organisation.entity.js';
import type { Principal } from '../accounts/principal.js';
import type { Role } from '../accounts/roles.js';
import { User } from '../accounts/user.entity.js';

export const DEMO_PASSWORD = 'hazway-demo-2026';

type DemoOrg = { kind: Exclude<OrganisationKind, 'platform'>; name: string; uscc?: string; regionCode: string; users: { username: string; displayName: string; roles: Role[] }[] };

// Inner Mongolia, where the provincial plan (shared/origin) comes from: Hohhot, Baotou, Ordos, Alxa.
export const DEMO_ORGANISATIONS: DemoOrg[] = [
  {
    kind: 'authority',
    name: '内蒙古自治区交通运输厅',
    regionCode: '150000',
    users: [{ username: 'demo-authority', displayName: '王监管', roles: ['org_admin', 'authority'] }],
  },
  {
    kind: 'authority',
    name: '包头市交通运输局',
    regionCode: '150200',
    users: [{ username: 'demo-baotou', displayName: '刘执法', roles: ['authority'] }],
  },
  {
    kind: 'shipper',
    name: '鄂尔多斯煤化工有限公司',
    regionCode: '150602',
    users: [{ username: 'demo-shipper', displayName: '张发货', roles: ['org_admin', 'shipper'] }],
  },
  {
    kind: 'carrier',
    name: '包头危货运输有限公司',
    regionCode: '150203',
    users: [
      { username: 'demo-carrier', displayName: '李调度', roles: ['org_admin', 'carrier'] },
      { username: 'demo-monitor', displayName: '赵监控', roles: ['monitor'] },
    ],
  },
  {
    kind: 'carrier',
    name: '乌海顺达危化品运输有限公司',
    regionCode: '150302',
    users: [{ username: 'demo-carrier-wuhai', displayName: '钱调度', roles: ['org_admin', 'carrier'] }],
  },
  {
    kind: 'loading_site',
    name: '鄂尔多斯甲醇装车站',
    regionCode: '150627',
    users: [{ username: 'demo-loader', displayName: '陈装卸', roles: ['org_admin', 'loader'] }],
  },
  {
    kind: 'consignee',
    name: '呼和浩特化工园区收货中心',
    regionCode: '150105',
    users: [{ username: 'demo-consignee', displayName: '周收货', roles: ['org_admin', 'consignee'] }],
  },
];

// The seed acts as the platform administrator (no user: audit entries show no actor).
export const DEMO_ADMIN: Principal = {
  kind: 'user',
  userId: null,
  apiKeyId: null,
  sessionId: null,
  organisationId: '00000000-0000-0000-0000-000000000000',
  organisationKind: 'platform',
  regionCode: '110000',
  roles: ['admin'],
  mustChangePassword: false,
};

// Idempotent: organisations and users that exist already (by name / username) are left alone.
export async function seedDemo(app: INestApplicationContext): Promise<{ username: string; roles: Role[]; organisation: string }[]> {
  const accounts = app.get(AccountsService);
  const ds = app.get(DataSource);
  const created: { username: string; roles: Role[]; organisation: string }[] = [];
  for (const spec of DEMO_ORGANISATIONS) {
    const existing: { id: string }[] = await ds.query(`SELECT id FROM organisations WHERE name = $1`, [spec.name]);
    const orgId =
      existing[0]?.id ??
      (await accounts.createOrganisation(DEMO_ADMIN, { kind: spec.kind, name: spec.name, regionCode: spec.regionCode, uscc: spec.uscc })).id;
    for (const u of spec.users) {
      if (!(await ds.getRepository(User).existsBy({ username: u.username }))) {
        await accounts.createUser(DEMO_ADMIN, orgId, { ...u, password: DEMO_PASSWORD });
      }
      created.push({ username: u.username, roles: u.roles, organisation: spec.name });
    }
  }
  return created;
}
