import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, type EntityTarget, type ObjectLiteral } from 'typeorm';
import { visibleOrganisations } from '../accounts/accounts.service.js';
import { Organisation, type OrganisationKind } from '../accounts/organisation.entity.js';
import { canReadOrganisation, hasRole, isAdmin, type Principal } from '../accounts/principal.js';
import { AuditService } from '../common/audit.service.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../common/errors.js';
import { shanghaiDate } from './certificate.rules.js';

export type Page<T> = { items: T[]; total: number; limit: number; offset: number };

// What differs between vehicles, tanks, people and terminals; FleetRecords does the rest the same way for all.
export type FleetResource<E extends ObjectLiteral> = {
  name: 'vehicle' | 'tank' | 'person' | 'terminal';
  entity: EntityTarget<E>;
  notFound: string; // error code
  ownerKinds: OrganisationKind[]; // kinds of organisation that may own one
  searchColumns: string[]; // ILIKE targets for ?q=
  expiryColumns: string[]; // date columns for ?expiringWithinDays=
  uniques: Record<string, { code: string; message: (input: Partial<E>) => string }>; // by constraint name
  view: (row: E) => object; // what the API shows (masks, hidden columns)
};

export type ListQuery = {
  q?: string;
  status: 'active' | 'retired' | 'all';
  organisationId?: string;
  expiringWithinDays?: number;
  limit: number;
  offset: number;
};

type Owned = ObjectLiteral & { id: string; organisationId: string; status: 'active' | 'retired' };

const likeEscape = (s: string) => s.replace(/[%_\\]/g, '\\$&');

// Scoped, audited create/read/update/retire for the carrier's master data. Reading follows the account rules
// (own organisation; authorities: their region; admin: all); writing needs the owning organisation's
// org_admin or carrier role (loading sites manage their own loading managers), or an administrator.
@Injectable()
export class FleetRecords {
  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditService,
  ) {}

  canWrite(p: Principal, organisationId: string): boolean {
    return isAdmin(p) || (p.organisationId === organisationId && hasRole(p, 'org_admin', 'carrier', 'loader'));
  }

  async get<E extends Owned>(p: Principal, r: FleetResource<E>, id: string, m: EntityManager = this.ds.manager): Promise<E> {
    const row = await m
      .getRepository(r.entity)
      .createQueryBuilder('x')
      .innerJoinAndSelect('x.organisation', 'o')
      .where('x.id = :id', { id })
      .getOne();
    if (!row || !canReadOrganisation(p, (row as unknown as { organisation: Organisation }).organisation)) {
      throw new NotFoundError(r.notFound, `No such ${r.name}`);
    }
    delete (row as { organisation?: unknown }).organisation;
    return row;
  }

  // For writes: the record must be the caller's to change; others' records stay "not found".
  async getForWrite<E extends Owned>(p: Principal, r: FleetResource<E>, id: string, m?: EntityManager): Promise<E> {
    const row = await this.get(p, r, id, m);
    if (!this.canWrite(p, row.organisationId)) throw new ForbiddenError('ROLE_REQUIRED', `Only the owning organisation can change this ${r.name}`);
    return row;
  }

  async list<E extends Owned>(p: Principal, r: FleetResource<E>, q: ListQuery): Promise<Page<object>> {
    const qb = this.ds.getRepository(r.entity).createQueryBuilder('x').innerJoin('x.organisation', 'o').where(visibleOrganisations(p, 'o'));
    if (q.status !== 'all') qb.andWhere('x.status = :status', { status: q.status });
    if (q.organisationId) qb.andWhere('x.organisation_id = :oid', { oid: q.organisationId });
    if (q.q) {
      qb.andWhere(`(${r.searchColumns.map((c) => `x.${c} ILIKE :q`).join(' OR ')})`, { q: `%${likeEscape(q.q)}%` });
    }
    if (q.expiringWithinDays !== undefined && r.expiryColumns.length) {
      qb.andWhere(`(${r.expiryColumns.map((c) => `x.${c} <= (:today::date + :days::int)`).join(' OR ')})`, {
        today: shanghaiDate(new Date()),
        days: q.expiringWithinDays,
      });
    }
    const [rows, total] = await qb.orderBy('x.created_at', 'DESC').addOrderBy('x.id').take(q.limit).skip(q.offset).getManyAndCount();
    return { items: rows.map(r.view), total, limit: q.limit, offset: q.offset };
  }

  // The organisation a new record belongs to: the caller's own (an administrator must name one).
  // Inside a transaction pass its manager: a second connection taken from the pool while the transaction holds
  // one deadlocks the pool under load (every connection waiting for another).
  async ownerFor<E extends Owned>(p: Principal, r: FleetResource<E>, organisationId?: string, m: EntityManager = this.ds.manager): Promise<Organisation> {
    if (organisationId && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(organisationId)) {
      throw new NotFoundError('ORGANISATION_NOT_FOUND', 'No such organisation');
    }
    const id = isAdmin(p) && organisationId ? organisationId : p.organisationId;
    const org = await m.getRepository(Organisation).findOneBy({ id });
    if (!org || !canReadOrganisation(p, org)) throw new NotFoundError('ORGANISATION_NOT_FOUND', 'No such organisation');
    if (!r.ownerKinds.includes(org.kind)) {
      throw new ForbiddenError('WRONG_ORGANISATION_KIND', `A ${org.kind} organisation cannot keep a ${r.name}`, { kind: org.kind, allowed: r.ownerKinds });
    }
    if (!this.canWrite(p, org.id)) throw new ForbiddenError('ROLE_REQUIRED', `Only the organisation's org_admin or carrier can add a ${r.name}`);
    return org;
  }

  async insert<E extends Owned>(p: Principal, r: FleetResource<E>, values: object, m: EntityManager, requestId?: string): Promise<E> {
    const row = await this.mapUniques(r, values as Partial<E>, () => m.save(r.entity, values as E));
    await this.audit.record(
      { userId: p.userId, apiKeyId: p.apiKeyId, requestId },
      { action: `${r.name}.create`, entityType: r.name, entityId: row.id, organisationId: row.organisationId, after: r.view(row) },
      m,
    );
    return row;
  }

  async patch<E extends Owned>(p: Principal, r: FleetResource<E>, before: E, values: object, m: EntityManager, requestId?: string, action = 'update'): Promise<E> {
    await this.mapUniques(r, values as Partial<E>, () => m.update(r.entity, before.id, values as never));
    const after = await m.findOneByOrFail(r.entity, { id: before.id } as never);
    await this.audit.record(
      { userId: p.userId, apiKeyId: p.apiKeyId, requestId },
      { action: `${r.name}.${action}`, entityType: r.name, entityId: before.id, organisationId: before.organisationId, before: r.view(before), after: r.view(after) },
      m,
    );
    return after;
  }

  async retire<E extends Owned>(p: Principal, r: FleetResource<E>, id: string, requestId?: string): Promise<object> {
    return this.ds.transaction(async (m) => {
      const before = await this.getForWrite(p, r, id, m);
      if (before.status === 'retired') return r.view(before);
      return r.view(await this.patch(p, r, before, { status: 'retired' }, m, requestId, 'retire'));
    });
  }

  private async mapUniques<E extends ObjectLiteral, T>(r: FleetResource<E>, input: Partial<E>, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      const err = e as { code?: string; constraint?: string };
      const unique = err.code === '23505' && err.constraint ? r.uniques[err.constraint] : undefined;
      if (unique) throw new ConflictError(unique.code, unique.message(input), { constraint: err.constraint });
      throw e;
    }
  }
}
