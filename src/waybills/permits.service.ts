import { Injectable } from '@nestjs/common';
import { DataSource, In, type EntityManager } from 'typeorm';
import { visibleOrganisations } from '../accounts/accounts.service.js';
import { Organisation, type OrganisationKind } from '../accounts/organisation.entity.js';
import { canReadOrganisation, hasRole, isAdmin, isAuthority, type Principal } from '../accounts/principal.js';
import { AuditService, type Actor } from '../common/audit.service.js';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../common/errors.js';
import { DangerousGoodsService } from '../dangerous-goods/dangerous-goods.service.js';
import { Permit } from './permit.entity.js';
import type { CreatePermit, ListPermits, RevokePermit } from './permits.dto.js';
import { returnDueBy } from './permits.rules.js';

export type Page<T> = { items: T[]; total: number; limit: number; offset: number };

// What POST /permits/:id/return answers: the permit, and whether it came back in time (DOMAIN.md 1.6:
// fireworks permits within 3 days of arrival). Lateness is recorded, not refused: the paper is back either way.
export type ReturnedPermit = Permit & { arrivedAt: Date | null; returnDueBy: Date | null; returnedLate: boolean };

// The holder applies for the permit: the shipper (剧毒 pass, DOMAIN.md 1.6) or the carrier.
export const PERMIT_HOLDER_KINDS: readonly OrganisationKind[] = ['shipper', 'carrier'];

const SYSTEM: Actor = { userId: null, apiKeyId: null };
const actorOf = (p: Principal, requestId?: string): Actor => ({ userId: p.userId, apiKeyId: p.apiKeyId, requestId });
const likeEscape = (s: string) => s.replace(/[%_\\]/g, '\\$&');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NOT_FOUND = () => new NotFoundError('PERMIT_NOT_FOUND', 'No such permit');
const notValid = (permit: Pick<Permit, 'id' | 'status' | 'usedByWaybillId'>) =>
  new ConflictError('PERMIT_NOT_VALID', `The permit is ${permit.status}, not valid`, { permitId: permit.id, status: permit.status, usedByWaybillId: permit.usedByWaybillId });

// Transport permits (DOMAIN.md 1.6, 3.1(a) Permit). Read by the holder, authorities of the holder's region and
// administrators; revoked by those authorities; consumed and released by the waybills module in its own
// transaction; returned by the holder after the trip.
@Injectable()
export class PermitsService {
  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditService,
    private readonly goods: DangerousGoodsService,
  ) {}

  async get(p: Principal, id: string, m: EntityManager = this.ds.manager): Promise<Permit> {
    return (await this.getWithHolder(p, id, m)).permit;
  }

  async list(p: Principal, q: ListPermits): Promise<Page<Permit>> {
    const qb = this.ds.getRepository(Permit).createQueryBuilder('x').innerJoin('x.organisation', 'o').where(visibleOrganisations(p, 'o'));
    if (q.type) qb.andWhere('x.type = :type', { type: q.type });
    if (q.status) qb.andWhere('x.status = :status', { status: q.status });
    if (q.organisationId) qb.andWhere('x.organisation_id = :oid', { oid: q.organisationId });
    if (q.q) {
      qb.andWhere('(x.number ILIKE :q OR x.issuer ILIKE :q OR x.origin ILIKE :q OR x.destination ILIKE :q)', { q: `%${likeEscape(q.q)}%` });
    }
    const [items, total] = await qb.orderBy('x.created_at', 'DESC').addOrderBy('x.id').take(q.limit).skip(q.offset).getManyAndCount();
    return { items, total, limit: q.limit, offset: q.offset };
  }

  create(p: Principal, input: CreatePermit, requestId?: string): Promise<Permit> {
    return this.ds.transaction(async (m) => {
      const holder = await this.holderFor(p, input.organisationId, m);
      const unknown = this.goods.unknown(input.goods.map((g) => g.unNumber));
      if (unknown.length) {
        throw new BadRequestError('UNKNOWN_UN_NUMBER', `Not in the dangerous-goods catalogue: ${unknown.map((u) => `UN${u}`).join(', ')}`, {
          unNumbers: unknown.map((u) => `UN${u}`),
        });
      }
      const { organisationId: _ignored, ...fields } = input;
      let permit: Permit;
      try {
        permit = await m.save(Permit, {
          ...fields,
          organisationId: holder.id,
          route: fields.route ?? null,
          origin: fields.origin ?? null,
          destination: fields.destination ?? null,
          status: 'valid',
          usedByWaybillId: null,
        });
      } catch (e) {
        const err = e as { code?: string; constraint?: string };
        if (err.code === '23505' && err.constraint === 'permits_number_uq') {
          throw new ConflictError('PERMIT_NUMBER_TAKEN', `A ${input.type} permit numbered ${input.number} is registered already`, { type: input.type, number: input.number });
        }
        throw e;
      }
      await this.audit.record(actorOf(p, requestId), { action: 'permit.create', entityType: 'permit', entityId: permit.id, organisationId: holder.id, after: permit }, m);
      return permit;
    });
  }

  // An authority of the holder's region (or an administrator) withdraws the permit; the reason is kept in the
  // audit trail.
  revoke(p: Principal, id: string, input: RevokePermit, requestId?: string): Promise<Permit> {
    return this.ds.transaction(async (m) => {
      const { permit: before } = await this.getWithHolder(p, id, m, true);
      if (!isAdmin(p) && !isAuthority(p)) throw new ForbiddenError('ROLE_REQUIRED', "Only a transport authority of the holder's region can revoke a permit");
      if (before.status !== 'valid' && before.status !== 'used') {
        throw new ConflictError('PERMIT_NOT_REVOCABLE', `The permit is ${before.status} already`, { status: before.status });
      }
      await m.update(Permit, id, { status: 'revoked' });
      const after = await m.findOneByOrFail(Permit, { id });
      await this.audit.record(
        actorOf(p, requestId),
        { action: 'permit.revoke', entityType: 'permit', entityId: id, organisationId: before.organisationId, before, after: { ...after, reason: input.reason } },
        m,
      );
      return after;
    });
  }

  // The holder hands a used permit back to its issuer.
  returnToIssuer(p: Principal, id: string, requestId?: string, now = new Date()): Promise<ReturnedPermit> {
    return this.ds.transaction(async (m) => {
      const { permit: before } = await this.getWithHolder(p, id, m, true);
      if (!this.isHolder(p, before.organisationId)) throw new ForbiddenError('ROLE_REQUIRED', 'Only the holder can return a permit');
      if (before.status !== 'used') throw new ConflictError('PERMIT_NOT_USED', `Only a used permit is returned; this one is ${before.status}`, { status: before.status });
      const arrivedAt = before.usedByWaybillId ? await this.arrivalOf(before.usedByWaybillId, m) : null;
      const dueBy = returnDueBy(before.type, arrivedAt);
      await m.update(Permit, id, { status: 'returned' });
      const after = await m.findOneByOrFail(Permit, { id });
      const result: ReturnedPermit = { ...after, arrivedAt, returnDueBy: dueBy, returnedLate: dueBy !== null && now.getTime() > dueBy.getTime() };
      await this.audit.record(
        actorOf(p, requestId),
        { action: 'permit.return', entityType: 'permit', entityId: id, organisationId: before.organisationId, before, after: { ...result, returnedAt: now } },
        m,
      );
      return result;
    });
  }

  // ---- for the waybills module (unscoped: the caller has checked who may attach which permit)

  // The permits with these ids, in the order asked; unknown ids are left out.
  async forWaybill(ids: string[], m: EntityManager = this.ds.manager): Promise<Permit[]> {
    const wanted = [...new Set(ids.filter((id) => UUID.test(id)).map((id) => id.toLowerCase()))];
    if (!wanted.length) return [];
    const rows = await m.findBy(Permit, { id: In(wanted) });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return wanted.map((id) => byId.get(id)).filter((r): r is Permit => !!r);
  }

  // A single-use permit becomes 'used' by this waybill (DOMAIN.md 3.1(a) closed loop (3)); a multi-use one only
  // has to be valid. Consuming again for the same waybill is a no-op, so that a retried issue succeeds.
  async consume(id: string, waybillId: string, m: EntityManager, actor: Actor = SYSTEM): Promise<Permit> {
    if (!UUID.test(id)) throw NOT_FOUND();
    const res = await m.update(Permit, { id, status: 'valid', singleUse: true }, { status: 'used', usedByWaybillId: waybillId });
    const permit = await m.findOneBy(Permit, { id });
    if (!permit) throw NOT_FOUND();
    if (res.affected) {
      await this.audit.record(actor, { action: 'permit.consume', entityType: 'permit', entityId: id, organisationId: permit.organisationId, after: { ...permit, waybillId } }, m);
      return permit;
    }
    if (permit.status === 'valid' || (permit.status === 'used' && permit.usedByWaybillId === waybillId)) return permit;
    throw notValid(permit);
  }

  // A waybill cancelled before loading gives its single-use permit back (DOMAIN.md 3.1(a) CANCELLED: "permit
  // released"). A permit not held by this waybill is left as it is.
  async release(id: string, waybillId: string, m: EntityManager, actor: Actor = SYSTEM): Promise<Permit> {
    if (!UUID.test(id)) throw NOT_FOUND();
    const res = await m.update(Permit, { id, status: 'used', usedByWaybillId: waybillId }, { status: 'valid', usedByWaybillId: null });
    const permit = await m.findOneBy(Permit, { id });
    if (!permit) throw NOT_FOUND();
    if (res.affected) {
      await this.audit.record(actor, { action: 'permit.release', entityType: 'permit', entityId: id, organisationId: permit.organisationId, after: { ...permit, waybillId } }, m);
    }
    return permit;
  }

  // ---- helpers

  private isHolder(p: Principal, organisationId: string) {
    return isAdmin(p) || (p.organisationId === organisationId && hasRole(p, 'org_admin', 'shipper', 'carrier'));
  }

  private async getWithHolder(p: Principal, id: string, m: EntityManager, forUpdate = false): Promise<{ permit: Permit; holder: Organisation }> {
    const permit = await m.findOne(Permit, { where: { id }, ...(forUpdate ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
    const holder = permit ? await m.findOneBy(Organisation, { id: permit.organisationId }) : null;
    if (!permit || !holder || !canReadOrganisation(p, holder)) throw NOT_FOUND();
    return { permit, holder };
  }

  private async holderFor(p: Principal, organisationId: string | undefined, m: EntityManager): Promise<Organisation> {
    if (organisationId && organisationId !== p.organisationId && !isAdmin(p)) {
      throw new ForbiddenError('ROLE_REQUIRED', 'Only an administrator can register a permit for another organisation');
    }
    const org = await m.findOneBy(Organisation, { id: isAdmin(p) && organisationId ? organisationId : p.organisationId });
    if (!org) throw new NotFoundError('ORGANISATION_NOT_FOUND', 'No such organisation');
    if (!PERMIT_HOLDER_KINDS.includes(org.kind)) {
      throw new ForbiddenError('WRONG_ORGANISATION_KIND', `A ${org.kind} organisation does not hold transport permits`, { kind: org.kind, allowed: PERMIT_HOLDER_KINDS });
    }
    if (!this.isHolder(p, org.id)) throw new ForbiddenError('ROLE_REQUIRED', "Only the organisation's org_admin, shipper or carrier can register a permit");
    return org;
  }

  // When the trip the permit was used for reached its destination (first 'arrived', else 'delivered', event).
  private async arrivalOf(waybillId: string, m: EntityManager): Promise<Date | null> {
    const rows: { at: Date }[] = await m.query(
      `SELECT at FROM waybill_events WHERE waybill_id = $1 AND to_status IN ('arrived', 'delivered') ORDER BY (to_status = 'arrived') DESC, seq LIMIT 1`,
      [waybillId],
    );
    return rows[0] ? new Date(rows[0].at) : null;
  }
}
