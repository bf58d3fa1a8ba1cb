import { Injectable } from '@nestjs/common';
import { Brackets, DataSource, In, type EntityManager } from 'typeorm';
import { visibleOrganisations } from '../accounts/accounts.service.js';
import { Organisation } from '../accounts/organisation.entity.js';
import { canReadOrganisation, isAdmin, isAuthority, type Principal } from '../accounts/principal.js';
import { isInRegion } from '../accounts/region.rules.js';
import { AuditService, type Actor } from '../common/audit.service.js';
import { entityColumns } from '../database/raw-entity.js';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../common/errors.js';
import { BlacklistEntry } from './blacklist-entry.entity.js';
import type { BlacklistStatusQuery, BlacklistSubjectType, CreateBlacklistEntry, LiftBlacklistEntry, ListBlacklist } from './blacklist.dto.js';
import { activeEntries, isInForce } from './blacklist.rules.js';
import { datesInOrder, shanghaiDate } from './certificate.rules.js';
import type { Page } from './fleet-records.js';
import { Person } from './person.entity.js';
import { Vehicle } from './vehicle.entity.js';

export type BlacklistSubject = { type: BlacklistSubjectType; id: string };

export type BlacklistEntryView = Omit<BlacklistEntry, 'issuedByOrganisationId'> & {
  issuedBy: { id: string; name: string };
  active: boolean;
};

// What anyone may learn about a party they deal with: the bars in force today, and nothing about the party.
export type BlacklistStatus = {
  blacklisted: boolean;
  entries: { id: string; reason: string; issuedBy: { id: string; name: string }; validFrom: string; validUntil: string | null }[];
};

// The entries not lifted against any of `subjects` (or the same identity), oldest first, before the day's filter
// (activeEntries): `columns` selects from alias b, parameters are numbered from `first`. One condition per subject
// type with the ids as an array, not one per subject: the same rows, but a statement whose planning cost does not
// grow with the subjects (a waybill issue asks about eight at once). Plain SQL: waybill issue and every pre-loading
// check come through here; waybill issue puts it inside its one read statement.
export function blacklistQuery(subjects: readonly BlacklistSubject[], columns: string, first = 1): { text: string; params: unknown[] } {
  const params: unknown[] = [];
  const ids: Partial<Record<BlacklistSubject['type'], string>> = {};
  for (const type of new Set(subjects.map((s) => s.type))) {
    params.push([...new Set(subjects.filter((s) => s.type === type).map((s) => s.id))]);
    ids[type] = `$${first + params.length - 1}::uuid[]`;
  }
  return { text: `SELECT ${columns} FROM blacklist_entries b WHERE ${blacklistCondition(ids)} ORDER BY b.valid_from, b.id`, params };
}

const actorOf = (p: Principal, requestId?: string): Actor => ({ userId: p.userId, apiKeyId: p.apiKeyId, requestId });

const NOT_FOUND = () => new NotFoundError('BLACKLIST_ENTRY_NOT_FOUND', 'No such blacklist entry');
const SUBJECT_NOT_FOUND = () => new NotFoundError('BLACKLIST_SUBJECT_NOT_FOUND', 'No such organisation, vehicle or person in your region');

// The blacklist (黑名单) of the IM provincial plan. Authorities (role authority or org_admin of an authority
// organisation) bar organisations, vehicles and people of their region, and lift the bars they issued; anyone
// signed in can ask whether a party is barred today; waybill issue and pre-loading checks call activeFor().
// A bar follows the real-world identity, not the database row: a vehicle retired and registered again (or by
// another carrier) keeps its plate, a person their ID number, an organisation its unified social credit code.
const SAME_IDENTITY: Record<BlacklistSubject['type'], (param: string) => string> = {
  vehicle: (s) => `SELECT v2.id FROM vehicles v1 JOIN vehicles v2 ON v2.plate_number = v1.plate_number WHERE v1.id = ${s}`,
  person: (s) => `SELECT p2.id FROM people p1 JOIN people p2 ON p2.id_number = p1.id_number WHERE p1.id = ${s}`,
  organisation: (s) => `SELECT o2.id FROM organisations o1 JOIN organisations o2 ON o2.uscc = o1.uscc WHERE o1.id = ${s} AND o1.uscc IS NOT NULL`,
};

// The condition activeFor() reads entries with (not yet lifted, against a subject or its identity), for a caller
// that gathers them inside a larger statement (the pre-loading check): `ids` gives, per subject type, an SQL
// expression of a uuid[]. In force on a day is decided afterwards (activeEntries).
export function blacklistCondition(ids: Partial<Record<BlacklistSubject['type'], string>>, alias = 'b'): string {
  const conditions = (Object.entries(ids) as [BlacklistSubject['type'], string][]).map(([type, array]) => {
    const any = `ANY(${array})`;
    return `(${alias}.subject_type = '${type}' AND (${alias}.subject_id = ${any} OR ${alias}.subject_id IN (${SAME_IDENTITY[type](any)})))`;
  });
  return `${alias}.lifted_at IS NULL AND (${conditions.length ? conditions.join(' OR ') : 'false'})`;
}

@Injectable()
export class BlacklistService {
  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditService,
  ) {}

  // Entries in force on `day` (YYYY-MM-DD, Asia/Shanghai) against any of `subjects`. Pass the caller's
  // transaction manager to read inside it.
  async activeFor(subjects: readonly BlacklistSubject[], day: string, m: EntityManager = this.ds.manager): Promise<BlacklistEntry[]> {
    if (!subjects.length) return [];
    const q = blacklistQuery(subjects, entityColumns(m, BlacklistEntry, 'b'));
    const rows: BlacklistEntry[] = await m.query(q.text, q.params);
    return activeEntries(rows, day);
  }

  async status(q: BlacklistStatusQuery, now = new Date()): Promise<BlacklistStatus> {
    const subject: BlacklistSubject = q.organisationId
      ? { type: 'organisation', id: q.organisationId }
      : q.vehicleId
        ? { type: 'vehicle', id: q.vehicleId }
        : { type: 'person', id: q.personId! };
    // Straight from the blacklist, without looking the subject up: an unknown id and an unbarred one answer alike.
    const entries = await this.activeFor([subject], shanghaiDate(now));
    const issuers = await this.issuers(entries);
    return {
      blacklisted: entries.length > 0,
      entries: entries.map((e) => ({ id: e.id, reason: e.reason, issuedBy: issuers.get(e.issuedByOrganisationId)!, validFrom: e.validFrom, validUntil: e.validUntil })),
    };
  }

  async create(p: Principal, input: CreateBlacklistEntry, requestId?: string): Promise<BlacklistEntryView> {
    if (!isAdmin(p) && !isAuthority(p)) throw new ForbiddenError('ROLE_REQUIRED', 'Only a transport authority can blacklist');
    const validFrom = input.validFrom ?? shanghaiDate(new Date());
    const validUntil = input.validUntil ?? null;
    if (!datesInOrder(validFrom, validUntil)) {
      throw new BadRequestError('BLACKLIST_DATES_OUT_OF_ORDER', 'validUntil must not be before validFrom', { validFrom, validUntil });
    }
    return this.ds.transaction(async (m) => {
      const subjectOrg = await this.subjectOrganisation(m, p, input.subjectType, input.subjectId);
      const entry = await m.save(BlacklistEntry, {
        subjectType: input.subjectType,
        subjectId: input.subjectId,
        subjectOrganisationId: subjectOrg.id,
        reason: input.reason,
        issuedByOrganisationId: p.organisationId,
        issuedByUserId: p.userId,
        validFrom,
        validUntil,
        liftedAt: null,
        liftedByUserId: null,
        liftReason: null,
      });
      const after = await m.findOneByOrFail(BlacklistEntry, { id: entry.id });
      await this.audit.record(
        actorOf(p, requestId),
        { action: 'blacklist-entry.create', entityType: 'blacklist_entry', entityId: after.id, organisationId: after.subjectOrganisationId, after },
        m,
      );
      return (await this.views([after], m))[0]!;
    });
  }

  // Only the issuing authority (or an administrator) lifts an entry; other authorities that may see it get 403,
  // those that may not 404.
  async lift(p: Principal, id: string, input: LiftBlacklistEntry, requestId?: string): Promise<BlacklistEntryView> {
    // The role is checked before the entry is looked up, so that it says nothing about the entry.
    if (!isAdmin(p) && !isAuthority(p)) throw new ForbiddenError('ROLE_REQUIRED', 'Only the issuing authority can lift a blacklist entry');
    return this.ds.transaction(async (m) => {
      // Locked, so that two concurrent lifts cannot both succeed.
      const before = await m.findOne(BlacklistEntry, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!before || !(await this.canSee(m, p, before))) throw NOT_FOUND();
      if (!isAdmin(p) && before.issuedByOrganisationId !== p.organisationId) {
        throw new ForbiddenError('BLACKLIST_NOT_ISSUER', 'Only the authority that issued this entry can lift it');
      }
      if (before.liftedAt) throw new ConflictError('BLACKLIST_ALREADY_LIFTED', 'This entry was lifted already', { liftedAt: before.liftedAt });
      await m.update(BlacklistEntry, id, { liftedAt: new Date(), liftedByUserId: p.userId, liftReason: input.reason });
      const after = await m.findOneByOrFail(BlacklistEntry, { id });
      await this.audit.record(
        actorOf(p, requestId),
        { action: 'blacklist-entry.lift', entityType: 'blacklist_entry', entityId: id, organisationId: after.subjectOrganisationId, before, after },
        m,
      );
      return (await this.views([after], m))[0]!;
    });
  }

  async get(p: Principal, id: string): Promise<BlacklistEntryView> {
    const entry = await this.ds.getRepository(BlacklistEntry).findOneBy({ id });
    if (!entry || !(await this.canSee(this.ds.manager, p, entry))) throw NOT_FOUND();
    return (await this.views([entry]))[0]!;
  }

  // Administrators: all; authorities: entries on subjects of their region (and any they issued); everyone
  // else: entries on themselves, their vehicles and their people.
  async list(p: Principal, q: ListBlacklist): Promise<Page<BlacklistEntryView>> {
    const qb = this.ds
      .getRepository(BlacklistEntry)
      .createQueryBuilder('b')
      .innerJoin(Organisation, 'so', 'so.id = b.subject_organisation_id')
      .where(new Brackets((w) => w.where(visibleOrganisations(p, 'so')).orWhere('b.issued_by_organisation_id = :me', { me: p.organisationId })));
    if (q.subjectType) qb.andWhere('b.subject_type = :type', { type: q.subjectType });
    if (q.active !== undefined) {
      // The SQL form of isInForce(); the e2e tests hold the two together.
      const inForce = `(b.lifted_at IS NULL AND b.valid_from <= :today::date AND (b.valid_until IS NULL OR b.valid_until >= :today::date))`;
      qb.andWhere(q.active ? inForce : `NOT ${inForce}`, { today: shanghaiDate(new Date()) });
    }
    const [rows, total] = await qb.orderBy('b.created_at', 'DESC').addOrderBy('b.id').take(q.limit).skip(q.offset).getManyAndCount();
    return { items: await this.views(rows), total, limit: q.limit, offset: q.offset };
  }

  // The organisation a subject belongs to, if the caller may blacklist it: an authority only within its
  // region. Anything else is "not found", whether it exists or not.
  private async subjectOrganisation(m: EntityManager, p: Principal, type: BlacklistSubjectType, id: string): Promise<Organisation> {
    let orgId: string | undefined;
    if (type === 'organisation') orgId = id;
    else {
      const row = await m.findOne(type === 'vehicle' ? Vehicle : Person, { where: { id }, select: { id: true, organisationId: true } });
      orgId = row?.organisationId;
    }
    const org = orgId ? await m.findOneBy(Organisation, { id: orgId }) : null;
    const inScope = org && org.kind !== 'platform' && (isAdmin(p) || isInRegion(p.regionCode, org.regionCode));
    if (!org || !inScope) throw SUBJECT_NOT_FOUND();
    if (org.kind === 'authority') throw new BadRequestError('BLACKLIST_SUBJECT_NOT_ALLOWED', 'Authorities are not blacklisted');
    return org;
  }

  private async canSee(m: EntityManager, p: Principal, entry: BlacklistEntry): Promise<boolean> {
    if (isAdmin(p) || entry.subjectOrganisationId === p.organisationId || entry.issuedByOrganisationId === p.organisationId) return true;
    if (!isAuthority(p)) return false;
    const org = await m.findOneBy(Organisation, { id: entry.subjectOrganisationId });
    return !!org && canReadOrganisation(p, org);
  }

  private async issuers(entries: BlacklistEntry[], m: EntityManager = this.ds.manager): Promise<Map<string, { id: string; name: string }>> {
    const ids = [...new Set(entries.map((e) => e.issuedByOrganisationId))];
    const orgs = ids.length ? await m.find(Organisation, { where: { id: In(ids) }, select: { id: true, name: true } }) : [];
    const byId = new Map(orgs.map((o) => [o.id, { id: o.id, name: o.name }]));
    // There is no foreign key to organisations: keep the id even if the issuer is gone.
    for (const id of ids) if (!byId.has(id)) byId.set(id, { id, name: '' });
    return byId;
  }

  private async views(entries: BlacklistEntry[], m: EntityManager = this.ds.manager): Promise<BlacklistEntryView[]> {
    const issuers = await this.issuers(entries, m);
    const today = shanghaiDate(new Date());
    return entries.map(({ issuedByOrganisationId, ...rest }) => ({ ...rest, issuedBy: issuers.get(issuedByOrganisationId)!, active: isInForce(rest, today) }));
  }
}
