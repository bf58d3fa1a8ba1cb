import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Brackets, DataSource, type EntityManager } from 'typeorm';
import { AuditService, type Actor } from '../common/audit.service.js';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../common/errors.js';
import type {
  CreateApiKey,
  CreateOrganisation,
  CreateUser,
  ListOrganisations,
  ListUsers,
  UpdateOrganisation,
  UpdateUser,
} from './accounts.dto.js';
import { ApiKey } from './api-key.entity.js';
import { API_KEY_PREFIX, sha256 } from './auth.service.js';
import { Organisation } from './organisation.entity.js';
import { generatePassword, hashPassword } from './password.js';
import { canManageOrganisation, canReadOrganisation, isAdmin, isAuthority, type Principal } from './principal.js';
import { regionPrefix } from './region.rules.js';
import { Revocations } from './revocations.js';
import { rolesNotAllowedFor } from './roles.js';
import { User } from './user.entity.js';

export type Page<T> = { items: T[]; total: number; limit: number; offset: number };

const actorOf = (p: Principal, requestId?: string): Actor => ({ userId: p.userId, apiKeyId: p.apiKeyId, requestId });

// SQL condition on organisation alias `o` matching canReadOrganisation(), for list queries.
export function visibleOrganisations(p: Principal, o: string): Brackets {
  return new Brackets((w) => {
    if (isAdmin(p)) w.where('TRUE');
    else if (isAuthority(p))
      w.where(`${o}.id = :scopeOwn`, { scopeOwn: p.organisationId }).orWhere(
        `(${o}.region_code LIKE :scopePrefix AND ${o}.kind <> 'platform')`,
        { scopePrefix: regionPrefix(p.regionCode) + '%' },
      );
    else w.where(`${o}.id = :scopeOwn`, { scopeOwn: p.organisationId });
  });
}

const isUniqueViolation = (e: unknown, constraint: string) =>
  (e as { code?: string; constraint?: string }).code === '23505' && (e as { constraint?: string }).constraint === constraint;

// Organisations, their users and API keys. Every read and write is scoped by the caller (principal.ts).
@Injectable()
export class AccountsService {
  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditService,
    private readonly revocations: Revocations,
  ) {}

  // The organisation if the caller may see it; otherwise not found, whether it exists or not.
  async getOrganisation(p: Principal, id: string): Promise<Organisation> {
    const org = await this.ds.getRepository(Organisation).findOneBy({ id });
    if (!org || !canReadOrganisation(p, org)) throw new NotFoundError('ORGANISATION_NOT_FOUND', 'No such organisation');
    return org;
  }

  async listOrganisations(p: Principal, q: ListOrganisations): Promise<Page<Organisation>> {
    const qb = this.ds.getRepository(Organisation).createQueryBuilder('o').where(visibleOrganisations(p, 'o'));
    if (q.kind) qb.andWhere('o.kind = :kind', { kind: q.kind });
    if (q.regionCode) qb.andWhere('o.region_code LIKE :rc', { rc: q.regionCode + '%' });
    if (q.q) qb.andWhere('(o.name ILIKE :q OR o.uscc = :exact)', { q: `%${q.q.replace(/[%_\\]/g, '\\$&')}%`, exact: q.q.toUpperCase() });
    const [items, total] = await qb.orderBy('o.name').addOrderBy('o.id').take(q.limit).skip(q.offset).getManyAndCount();
    return { items, total, limit: q.limit, offset: q.offset };
  }

  async createOrganisation(p: Principal, input: CreateOrganisation, requestId?: string): Promise<Organisation> {
    if (!isAdmin(p)) throw new ForbiddenError('ROLE_REQUIRED', 'Only an administrator can register organisations');
    return this.ds.transaction(async (m) => {
      let org: Organisation;
      try {
        org = await m.save(Organisation, { ...input, uscc: input.uscc ?? null, address: input.address ?? null, contactPhone: input.contactPhone ?? null });
      } catch (e) {
        if (isUniqueViolation(e, 'organisations_uscc_uq')) {
          throw new ConflictError('ORGANISATION_USCC_TAKEN', `An organisation with unified social credit code ${input.uscc} exists`);
        }
        throw e;
      }
      await this.audit.record(actorOf(p, requestId), { action: 'organisation.create', entityType: 'organisation', entityId: org.id, organisationId: org.id, after: org }, m);
      return org;
    });
  }

  async updateOrganisation(p: Principal, id: string, input: UpdateOrganisation, requestId?: string): Promise<Organisation> {
    const before = await this.getOrganisation(p, id);
    if (!canManageOrganisation(p, id)) throw new ForbiddenError('ROLE_REQUIRED', 'You may not change this organisation');
    if ((input.regionCode || input.status) && !isAdmin(p)) {
      throw new ForbiddenError('ROLE_REQUIRED', 'Only an administrator can change the region or status of an organisation');
    }
    const after = await this.ds.transaction(async (m) => {
      try {
        await m.update(Organisation, id, input);
      } catch (e) {
        if (isUniqueViolation(e, 'organisations_uscc_uq')) throw new ConflictError('ORGANISATION_USCC_TAKEN', `Unified social credit code ${input.uscc} is taken`);
        throw e;
      }
      const after = await m.findOneByOrFail(Organisation, { id });
      await this.audit.record(actorOf(p, requestId), { action: 'organisation.update', entityType: 'organisation', entityId: id, organisationId: id, before, after }, m);
      return after;
    });
    if (after.status !== 'active') this.revocations.revoked({ kind: 'organisation', organisationId: id });
    return after;
  }

  async getUser(p: Principal, id: string): Promise<User> {
    const user = await this.ds.getRepository(User).findOne({ where: { id }, relations: { organisation: true } });
    if (!user || !canReadOrganisation(p, user.organisation!)) throw new NotFoundError('USER_NOT_FOUND', 'No such user');
    delete user.organisation;
    return user;
  }

  async listUsers(p: Principal, q: ListUsers): Promise<Page<User>> {
    const qb = this.ds.getRepository(User).createQueryBuilder('u').innerJoin('u.organisation', 'o').where(visibleOrganisations(p, 'o'));
    if (q.organisationId) qb.andWhere('u.organisation_id = :oid', { oid: q.organisationId });
    if (q.q) qb.andWhere('(u.username ILIKE :q OR u.display_name ILIKE :q)', { q: `%${q.q.replace(/[%_\\]/g, '\\$&')}%` });
    const [items, total] = await qb.orderBy('u.username').take(q.limit).skip(q.offset).getManyAndCount();
    return { items, total, limit: q.limit, offset: q.offset };
  }

  async createUser(p: Principal, organisationId: string, input: CreateUser, requestId?: string) {
    const org = await this.getOrganisation(p, organisationId);
    if (!canManageOrganisation(p, org.id)) throw new ForbiddenError('ROLE_REQUIRED', 'Only the organisation administrator can add users');
    this.assertRolesFit(org, input.roles);
    const password = input.password ?? generatePassword();
    return this.ds.transaction(async (m) => {
      let user: User;
      try {
        user = await m.save(User, {
          organisationId: org.id,
          username: input.username,
          displayName: input.displayName,
          phone: input.phone ?? null,
          roles: input.roles,
          passwordHash: await hashPassword(password),
          mustChangePassword: !input.password,
        });
      } catch (e) {
        if (isUniqueViolation(e, 'users_username_uq')) throw new ConflictError('USERNAME_TAKEN', `Username ${input.username} is taken`);
        throw e;
      }
      const { passwordHash: _hidden, ...shown } = user;
      await this.audit.record(actorOf(p, requestId), { action: 'user.create', entityType: 'user', entityId: user.id, organisationId: org.id, after: shown }, m);
      return { user: shown, ...(input.password ? {} : { oneTimePassword: password }) };
    });
  }

  async updateUser(p: Principal, id: string, input: UpdateUser, requestId?: string): Promise<User> {
    const before = await this.getUser(p, id);
    if (!canManageOrganisation(p, before.organisationId)) throw new ForbiddenError('ROLE_REQUIRED', 'Only the organisation administrator can change users');
    if (input.roles) {
      const org = await this.ds.getRepository(Organisation).findOneByOrFail({ id: before.organisationId });
      this.assertRolesFit(org, input.roles);
      if (before.id === p.userId && !input.roles.some((r) => p.roles.includes(r) && (r === 'admin' || r === 'org_admin'))) {
        throw new ConflictError('CANNOT_DEMOTE_SELF', 'You cannot remove your own administrator role');
      }
    }
    if (input.status === 'disabled' && before.id === p.userId) throw new ConflictError('CANNOT_DISABLE_SELF', 'You cannot disable your own account');
    const after = await this.ds.transaction(async (m) => {
      await m.update(User, id, input);
      if (input.status === 'disabled' || input.roles) await this.revokeSessions(m, id);
      const after = await m.findOneByOrFail(User, { id });
      await this.audit.record(actorOf(p, requestId), { action: 'user.update', entityType: 'user', entityId: id, organisationId: after.organisationId, before, after }, m);
      return after;
    });
    if (input.status === 'disabled' || input.roles) this.revocations.revoked({ kind: 'user', userId: id });
    return after;
  }

  async resetPassword(p: Principal, id: string, requestId?: string) {
    const user = await this.getUser(p, id);
    if (!canManageOrganisation(p, user.organisationId)) throw new ForbiddenError('ROLE_REQUIRED', 'Only the organisation administrator can reset passwords');
    const password = generatePassword();
    await this.ds.transaction(async (m) => {
      await m.update(User, id, { passwordHash: await hashPassword(password), mustChangePassword: true, failedLogins: 0, lockedUntil: null });
      await this.revokeSessions(m, id);
      await this.audit.record(actorOf(p, requestId), { action: 'user.reset-password', entityType: 'user', entityId: id, organisationId: user.organisationId }, m);
    });
    this.revocations.revoked({ kind: 'user', userId: id });
    return { oneTimePassword: password };
  }

  async listApiKeys(p: Principal): Promise<ApiKey[]> {
    return this.ds.getRepository(ApiKey).find({ where: { organisationId: p.organisationId }, order: { createdAt: 'DESC' } });
  }

  // The key is shown once; only its hash is kept. It can hold only roles its creator holds.
  async createApiKey(p: Principal, input: CreateApiKey, requestId?: string) {
    if (!p.userId) throw new ForbiddenError('USER_REQUIRED', 'API keys are created by signed-in users');
    if (!p.roles.includes('org_admin') && !isAdmin(p)) throw new ForbiddenError('ROLE_REQUIRED', 'Only an organisation administrator can create API keys');
    const notHeld = input.roles.filter((r) => !p.roles.includes(r));
    if (notHeld.length) throw new ForbiddenError('ROLE_NOT_HELD', `You cannot grant roles you do not hold: ${notHeld.join(', ')}`, { roles: notHeld });
    if (input.expiresAt && input.expiresAt <= new Date()) throw new BadRequestError('EXPIRY_IN_PAST', 'expiresAt must be in the future');
    const secret = randomBytes(24).toString('base64url');
    return this.ds.transaction(async (m) => {
      const key = await m.save(ApiKey, {
        organisationId: p.organisationId,
        createdByUserId: p.userId,
        name: input.name,
        roles: input.roles,
        secretHash: sha256(secret),
        expiresAt: input.expiresAt ?? null,
      });
      const { secretHash: _hidden, ...shown } = key;
      await this.audit.record(actorOf(p, requestId), { action: 'api-key.create', entityType: 'api_key', entityId: key.id, organisationId: p.organisationId, after: shown }, m);
      return { apiKey: shown, key: `${API_KEY_PREFIX}${key.id}_${secret}` };
    });
  }

  async revokeApiKey(p: Principal, id: string, requestId?: string): Promise<ApiKey> {
    const key = await this.ds.getRepository(ApiKey).findOneBy({ id, organisationId: p.organisationId });
    if (!key) throw new NotFoundError('API_KEY_NOT_FOUND', 'No such API key');
    if (!p.roles.includes('org_admin') && !isAdmin(p) && key.createdByUserId !== p.userId) {
      throw new ForbiddenError('ROLE_REQUIRED', 'Only an organisation administrator can revoke this key');
    }
    if (key.revokedAt) return key;
    const after = await this.ds.transaction(async (m) => {
      await m.update(ApiKey, id, { revokedAt: new Date() });
      const after = await m.findOneByOrFail(ApiKey, { id });
      await this.audit.record(actorOf(p, requestId), { action: 'api-key.revoke', entityType: 'api_key', entityId: id, organisationId: p.organisationId, before: key, after }, m);
      return after;
    });
    this.revocations.revoked({ kind: 'api_key', apiKeyId: id });
    return after;
  }

  private assertRolesFit(org: Organisation, roles: CreateUser['roles']) {
    const wrong = rolesNotAllowedFor(org.kind, roles);
    if (wrong.length) {
      throw new BadRequestError('ROLE_NOT_ALLOWED_FOR_ORGANISATION', `A ${org.kind} organisation cannot have users with roles: ${wrong.join(', ')}`, {
        roles: wrong,
        kind: org.kind,
      });
    }
  }

  private revokeSessions(m: EntityManager, userId: string) {
    return m.query(`UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, [userId]);
  }
}
