import { Injectable } from '@nestjs/common';
import { Brackets, DataSource, type EntityManager } from 'typeorm';
import { Organisation } from '../accounts/organisation.entity.js';
import { isAdmin, isAuthority, type Principal } from '../accounts/principal.js';
import { regionPrefix } from '../accounts/region.rules.js';
import { AuditService, type Actor } from '../common/audit.service.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../common/errors.js';
import { Place } from './place.entity.js';
import type { CreatePlace, ListPlaces, UpdatePlace } from './places.dto.js';
import { canReadPlace, canWritePlace, PLACE_OWNER_KINDS, placeProblems, SITE_KINDS } from './places.rules.js';

export type Page<T> = { items: T[]; total: number; limit: number; offset: number };

const actorOf = (p: Principal, requestId?: string): Actor => ({ userId: p.userId, apiKeyId: p.apiKeyId, requestId });
const likeEscape = (s: string) => s.replace(/[%_\\]/g, '\\$&');
const NOT_FOUND = () => new NotFoundError('PLACE_NOT_FOUND', 'No such place');

// Consignor/consignee addresses and loading/unloading sites with their geofences (DOMAIN.md 3.1(a)
// origin/destination). Scoping is in places.rules.ts; a place the caller may not read is "not found".
@Injectable()
export class PlacesService {
  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditService,
  ) {}

  async get(p: Principal, id: string, m: EntityManager = this.ds.manager): Promise<Place> {
    const place = await m.findOneBy(Place, { id });
    if (!place || !canReadPlace(p, place)) throw NOT_FOUND();
    return place;
  }

  // For the waybills module: a place by id when the caller may read it, checked to be of one of `kinds`.
  async getOfKind(p: Principal, id: string, kinds: Place['kind'][], m?: EntityManager): Promise<Place> {
    const place = await this.get(p, id, m);
    if (!kinds.includes(place.kind)) throw new NotFoundError('PLACE_NOT_FOUND', `No such ${kinds.join(' or ')}`, { kind: place.kind });
    return place;
  }

  // Unscoped, for tracking (geofence tests on positions) and other server-side readers.
  byIds(ids: readonly string[], m: EntityManager = this.ds.manager): Promise<Place[]> {
    if (!ids.length) return Promise.resolve([]);
    return m.getRepository(Place).createQueryBuilder('x').where('x.id IN (:...ids)', { ids: [...new Set(ids)] }).getMany();
  }

  async list(p: Principal, q: ListPlaces): Promise<Page<Place>> {
    const qb = this.ds.getRepository(Place).createQueryBuilder('x').where(this.visible(p));
    if (q.status !== 'all') qb.andWhere('x.status = :status', { status: q.status });
    if (q.kind) qb.andWhere('x.kind = :kind', { kind: q.kind });
    if (q.organisationId) qb.andWhere('x.organisation_id = :oid', { oid: q.organisationId });
    if (q.regionCode) qb.andWhere('x.region_code LIKE :rc', { rc: `${q.regionCode}%` });
    if (q.q) qb.andWhere('(x.name ILIKE :q OR x.address ILIKE :q)', { q: `%${likeEscape(q.q)}%` });
    const [items, total] = await qb.orderBy('x.created_at', 'DESC').addOrderBy('x.id').take(q.limit).skip(q.offset).getManyAndCount();
    return { items, total, limit: q.limit, offset: q.offset };
  }

  create(p: Principal, input: CreatePlace, requestId?: string): Promise<Place> {
    return this.ds.transaction(async (m) => {
      const org = await this.ownerFor(p, input.organisationId, m);
      const { organisationId: _ignored, ...fields } = input;
      const place = await m.save(Place, {
        ...fields,
        organisationId: org.id,
        geofence: fields.geofence ?? null,
        radiusM: fields.radiusM ?? null,
        contactName: fields.contactName ?? null,
        contactPhone: fields.contactPhone ?? null,
      });
      await this.audit.record(actorOf(p, requestId), { action: 'place.create', entityType: 'place', entityId: place.id, organisationId: org.id, after: place }, m);
      return place;
    });
  }

  update(p: Principal, id: string, input: UpdatePlace, requestId?: string): Promise<Place> {
    return this.ds.transaction(async (m) => {
      const before = await this.getForWrite(p, id, m);
      if (!Object.keys(input).length) return before;
      const problems = placeProblems({ ...before, ...input });
      if (problems.length) throw new ValidationError(`Invalid body: ${problems.map((f) => `${f.path}: ${f.message}`).join('; ')}`, problems);
      await m.update(Place, id, input as never);
      const after = await m.findOneByOrFail(Place, { id });
      await this.audit.record(actorOf(p, requestId), { action: 'place.update', entityType: 'place', entityId: id, organisationId: before.organisationId, before, after }, m);
      return after;
    });
  }

  // Retired places stay readable (waybills point at them) but drop out of lists and pickers.
  retire(p: Principal, id: string, requestId?: string): Promise<Place> {
    return this.ds.transaction(async (m) => {
      const before = await this.getForWrite(p, id, m);
      if (before.status === 'retired') return before;
      await m.update(Place, id, { status: 'retired' });
      const after = await m.findOneByOrFail(Place, { id });
      await this.audit.record(actorOf(p, requestId), { action: 'place.retire', entityType: 'place', entityId: id, organisationId: before.organisationId, before, after }, m);
      return after;
    });
  }

  private async getForWrite(p: Principal, id: string, m: EntityManager): Promise<Place> {
    const place = await m.findOne(Place, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!place || !canReadPlace(p, place)) throw NOT_FOUND();
    if (!canWritePlace(p, place.organisationId)) throw new ForbiddenError('ROLE_REQUIRED', 'Only the owning organisation can change this place');
    return place;
  }

  // The caller's own organisation; an administrator names one.
  private async ownerFor(p: Principal, organisationId: string | undefined, m: EntityManager): Promise<Organisation> {
    if (organisationId && organisationId !== p.organisationId && !isAdmin(p)) {
      throw new ForbiddenError('ROLE_REQUIRED', 'Only an administrator can add a place for another organisation');
    }
    const org = await m.findOneBy(Organisation, { id: isAdmin(p) && organisationId ? organisationId : p.organisationId });
    if (!org) throw new NotFoundError('ORGANISATION_NOT_FOUND', 'No such organisation');
    if (!PLACE_OWNER_KINDS.includes(org.kind)) {
      throw new ForbiddenError('WRONG_ORGANISATION_KIND', `A ${org.kind} organisation cannot keep places`, { kind: org.kind, allowed: PLACE_OWNER_KINDS });
    }
    if (!canWritePlace(p, org.id)) throw new ForbiddenError('ROLE_REQUIRED', "Only the organisation's org_admin or its business role can add a place");
    return org;
  }

  // canReadPlace as SQL.
  private visible(p: Principal): Brackets {
    return new Brackets((w) => {
      if (isAdmin(p)) {
        w.where('TRUE');
        return;
      }
      w.where('x.organisation_id = :scopeOwn', { scopeOwn: p.organisationId }).orWhere('x.kind IN (:...siteKinds)', { siteKinds: SITE_KINDS });
      if (isAuthority(p)) w.orWhere('x.region_code LIKE :scopePrefix', { scopePrefix: `${regionPrefix(p.regionCode)}%` });
    });
  }
}
