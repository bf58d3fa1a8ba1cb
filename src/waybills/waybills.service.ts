import { Injectable } from '@nestjs/common';
import { Brackets, DataSource, type EntityManager } from 'typeorm';
import { Organisation } from '../accounts/organisation.entity.js';
import { isAdmin, isAuthority, type Principal } from '../accounts/principal.js';
import { isInRegion, regionPrefix } from '../accounts/region.rules.js';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError, RuleViolationError } from '../common/errors.js';
import { DangerousGoodsService } from '../dangerous-goods/dangerous-goods.service.js';
import { isHighConsequence } from '../dangerous-goods/goods-flags.rules.js';
import { LiveService } from '../live/live.service.js';
import { orgRoom, regionRoomsFor } from '../live/live.rooms.js';
import { BlacklistService } from '../vehicles/blacklist.service.js';
import { CarrierLicence } from '../vehicles/carrier-licence.entity.js';
import { shanghaiDate } from '../vehicles/certificate.rules.js';
import { maskIdNumber } from '../vehicles/id-number.rules.js';
import { Person } from '../vehicles/person.entity.js';
import { personCertificates, tankCertificates, vehicleCertificates } from '../vehicles/qualification.rules.js';
import { Tank } from '../vehicles/tank.entity.js';
import { Vehicle } from '../vehicles/vehicle.entity.js';
import { canonicalJson } from '../common/canonical-json.js';
import { entityColumns, entityJsonColumns, entityFromJson } from '../database/raw-entity.js';
import { blacklistQuery } from '../vehicles/blacklist.service.js';
import { BlacklistEntry } from '../vehicles/blacklist-entry.entity.js';
import { activeEntries } from '../vehicles/blacklist.rules.js';
import { chainEvent, verifyChain } from './hash-chain.js';
import { actingRoles } from './waybill-acting.rules.js';
import { Permit } from './permit.entity.js';
import { PermitsService } from './permits.service.js';
import { Place } from './place.entity.js';
import { PlacesService } from './places.service.js';
import { QrKeysService } from './qr-keys.service.js';
import { isZeroToleranceLine, LIQUID_IN_TANK_TOLERANCE_KG, reconcileWaybill } from './reconciliation.rules.js';
import { documentHash, publicEssentials, type WaybillDocument } from './waybill-document.js';
import { WaybillEvent } from './waybill-event.entity.js';
import { fillLine, type FilledLine, type IssueProblem } from './waybill-goods.rules.js';
import { goodsProblems, validateIssue, type IssueSnapshot } from './waybill-issue.rules.js';
import { WaybillLine } from './waybill-line.entity.js';
import { checkTransition, type WaybillAction, type WaybillActorRole } from './waybill-status.rules.js';
import { WaybillVersion } from './waybill-version.entity.js';
import { Waybill } from './waybill.entity.js';
import type { Amend, CreateWaybill, GoodsCheck, Delivery, Dispatch, ListWaybills, Resolve, Transition, UpdateWaybill, WaybillLineInput } from './waybills.dto.js';

const EVENT_COLUMNS = 'waybill_id, seq, at, type, from_status, to_status, version, actor_user_id, actor_organisation_id, actor_role, payload, prev_hash, hash';
const EVENT_TYPES = ['uuid', 'int', 'timestamptz', 'varchar', 'varchar', 'varchar', 'int', 'uuid', 'uuid', 'varchar', 'jsonb', 'char(64)', 'char(64)'];

export type Actor = { principal: Principal | null; requestId?: string };
type PartyOrPlaceRow = {
  k: 'organisation' | 'place';
  id: string;
  name: string;
  uscc: string | null;
  region_code: string;
  contact_phone: string | null;
  address: string | null;
  lat: number | null;
  lon: number | null;
};
const SYSTEM_ACTOR: Actor = { principal: null };
type Page<T> = { items: T[]; total: number; limit: number; offset: number };

const NOT_FOUND = () => new NotFoundError('WAYBILL_NOT_FOUND', 'No such waybill');

// The electronic waybill: drafting, dispatch, issue with every refusal reason, signed QR, amendments as new
// versions, the lifecycle with a hash-chained event trail, delivery and reconciliation. Rules are pure functions
// (waybill-*.rules.ts, reconciliation.rules.ts); this service gathers their input and stores their outcome.
@Injectable()
export class WaybillsService {
  constructor(
    private readonly ds: DataSource,
    private readonly goods: DangerousGoodsService,
    private readonly places: PlacesService,
    private readonly permits: PermitsService,
    private readonly blacklist: BlacklistService,
    private readonly qr: QrKeysService,
    private readonly live: LiveService,
  ) {}

  // ---------------------------------------------------------------- reading

  // The roles a principal plays on this waybill; empty when it is none of its business.
  async rolesOn(p: Principal, w: Waybill, m: EntityManager = this.ds.manager): Promise<WaybillActorRole[]> {
    const roles: WaybillActorRole[] = [];
    if (isAdmin(p)) roles.push('admin');
    if (w.shipperId === p.organisationId) roles.push('shipper');
    if (w.carrierId === p.organisationId) roles.push('carrier');
    // Consignee and loading site see a waybill once it is issued, not the shipper's drafts.
    if (w.status !== 'draft') {
      if (w.consigneeId === p.organisationId) roles.push('consignee');
      if (w.loadingSiteId === p.organisationId) roles.push('loader');
    }
    if (isAuthority(p) && (await this.inAuthorityRegion(p, w, m))) roles.push('authority');
    return roles;
  }

  private async inAuthorityRegion(p: Principal, w: Waybill, m: EntityManager): Promise<boolean> {
    const rows: { region_code: string }[] = await m.query(
      `SELECT region_code FROM organisations WHERE id = ANY($1::uuid[])
       UNION ALL SELECT region_code FROM places WHERE id = ANY($2::uuid[])`,
      [[w.shipperId, w.carrierId].filter(Boolean), [w.originPlaceId, w.destinationPlaceId].filter(Boolean)],
    );
    return rows.some((r) => isInRegion(p.regionCode, r.region_code));
  }

  // The waybill with its lines, as find() gives them (raw-entity.ts), in one statement. Locked: the row first, then
  // its lines in a statement of their own (a subquery of the FOR UPDATE statement would read them as they were
  // before waiting for the lock), or none when the caller reads them itself after the lock (withLines false: issue).
  private async load(id: string, m: EntityManager, lock = false, withLines = true): Promise<Waybill> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw NOT_FOUND();
    if (lock) {
      const [w]: Waybill[] = await m.query(`SELECT ${entityColumns(m, Waybill, 'w')} FROM waybills w WHERE w.id = $1 FOR UPDATE OF w`, [id]);
      if (!w) throw NOT_FOUND();
      if (withLines) {
        w.lines = await m.query(`SELECT ${entityColumns(m, WaybillLine, 'l')} FROM waybill_lines l WHERE l.waybill_id = $1 ORDER BY l.line_no`, [id]);
      }
      return w;
    }
    const [w]: (Omit<Waybill, 'lines'> & { lines: Record<string, unknown>[] })[] = await m.query(
      `SELECT ${entityColumns(m, Waybill, 'w')},
              (SELECT coalesce(json_agg(l ORDER BY l."lineNo"), '[]') FROM (SELECT ${entityJsonColumns(m, WaybillLine, 'x')} FROM waybill_lines x WHERE x.waybill_id = w.id) l) AS "lines"
         FROM waybills w WHERE w.id = $1`,
      [id],
    );
    if (!w) throw NOT_FOUND();
    return { ...w, lines: w.lines.map((l) => entityFromJson(m, WaybillLine, l)) } as Waybill;
  }

  // A waybill the caller may see (404 otherwise), with the roles it plays on it.
  async getVisible(p: Principal, id: string, m: EntityManager = this.ds.manager, lock = false, withLines = true) {
    const w = await this.load(id, m, lock, withLines);
    const roles = await this.rolesOn(p, w, m);
    if (!roles.length) throw NOT_FOUND();
    return { waybill: w, roles };
  }

  // For a change: the waybill, locked, with the parts the caller may act in (waybill-acting.rules.ts). A party
  // whose user role fits none of its parts (a carrier's safety monitor) sees the waybill but changes nothing: 403.
  private async getForAction(p: Principal, id: string, m: EntityManager, withLines = true) {
    const { waybill, roles } = await this.getVisible(p, id, m, true, withLines);
    const acting = actingRoles(roles, p.roles);
    if (!acting.length) throw new ForbiddenError('ROLE_REQUIRED', 'Your role does not act on waybills', { roles: p.roles });
    return { waybill, roles: acting };
  }

  async get(p: Principal, id: string) {
    const { waybill, roles } = await this.getVisible(p, id);
    return { ...this.view(waybill), yourRoles: roles };
  }

  view(w: Waybill) {
    return {
      ...w,
      lines: (w.lines ?? []).map((l) => ({
        ...l,
        declaredQuantity: Number(l.declaredQuantity),
        loadedQuantity: l.loadedQuantity === null ? null : Number(l.loadedQuantity),
        receivedQuantity: l.receivedQuantity === null ? null : Number(l.receivedQuantity),
      })),
    };
  }

  async list(p: Principal, q: ListWaybills): Promise<Page<object>> {
    const qb = this.ds.getRepository(Waybill).createQueryBuilder('w');
    if (!isAdmin(p)) {
      qb.where(
        new Brackets((b) => {
          b.where('w.shipper_id = :org', { org: p.organisationId })
            .orWhere('w.carrier_id = :org')
            .orWhere(`(w.consignee_id = :org AND w.status <> 'draft')`)
            .orWhere(`(w.loading_site_id = :org AND w.status <> 'draft')`);
          if (isAuthority(p)) {
            const prefix = `${regionPrefix(p.regionCode)}%`;
            b.orWhere(
              `EXISTS (SELECT 1 FROM organisations o WHERE o.id IN (w.shipper_id, w.carrier_id) AND o.region_code LIKE :prefix)
               OR EXISTS (SELECT 1 FROM places pl WHERE pl.id IN (w.origin_place_id, w.destination_place_id) AND pl.region_code LIKE :prefix)`,
              { prefix },
            );
          }
        }),
      );
    }
    if (q.status) qb.andWhere('w.status = :status', { status: q.status });
    if (q.q) qb.andWhere('w.number LIKE :num', { num: `${q.q.toUpperCase().replace(/[%_\\]/g, '')}%` });
    if (q.from) qb.andWhere('w.planned_departure_at >= :from', { from: q.from });
    if (q.to) qb.andWhere('w.planned_departure_at < :to', { to: q.to });
    if (q.unNumber) qb.andWhere('EXISTS (SELECT 1 FROM waybill_lines l WHERE l.waybill_id = w.id AND l.un_number = :un)', { un: q.unNumber });
    if (q.plate) {
      qb.andWhere('EXISTS (SELECT 1 FROM vehicles v WHERE v.id IN (w.vehicle_id, w.trailer_id) AND v.plate_number = :plate)', {
        plate: q.plate.replace(/[\s·.-]/g, '').toUpperCase(),
      });
    }
    const [rows, total] = await qb.orderBy('w.created_at', 'DESC').addOrderBy('w.id').take(q.limit).skip(q.offset).getManyAndCount();
    return { items: rows, total, limit: q.limit, offset: q.offset };
  }

  // ---------------------------------------------------------------- drafting

  async create(p: Principal, input: CreateWaybill, requestId?: string) {
    if (p.organisationKind !== 'shipper' && !isAdmin(p)) throw new ForbiddenError('ROLE_REQUIRED', 'Only a shipper creates waybills');
    return this.ds.transaction(async (m) => {
      await this.checkParties(p, input, m);
      const lines = this.fillLines(input.lines);
      const [{ number }] = await m.query(
        `SELECT 'YD' || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || lpad((nextval('waybill_number_seq') % 1000000)::text, 6, '0') AS number`,
      );
      const w = await m.save(Waybill, {
        number,
        status: 'draft',
        shipperId: p.organisationId,
        consigneeId: input.consigneeId,
        carrierId: input.carrierId,
        loadingSiteId: input.loadingSiteId ?? null,
        originPlaceId: input.originPlaceId,
        destinationPlaceId: input.destinationPlaceId,
        plannedDepartureAt: input.plannedDepartureAt,
        plannedArrivalAt: input.plannedArrivalAt,
        plannedRoute: input.plannedRoute ?? null,
        emergencyContactName: input.emergencyContactName,
        emergencyContactPhone: input.emergencyContactPhone,
        emergencyMeasures: input.emergencyMeasures ?? null,
        permitIds: input.permitIds ?? [],
        createdByUserId: p.userId,
      } as Partial<Waybill>);
      await this.saveLines(m, w.id, lines);
      // A new waybill: its chain starts here, at the version the insert gave it.
      await this.appendEvent(m, w, { type: 'created', from: null, to: 'draft', actor: { principal: p, requestId }, role: 'shipper', payload: { lines: lines.length }, version: w.version }, null);
      return this.view(await this.load(w.id, m));
    });
  }

  async update(p: Principal, id: string, input: UpdateWaybill, requestId?: string) {
    return this.ds.transaction(async (m) => {
      const { waybill: w, roles } = await this.getForAction(p, id, m);
      if (!roles.includes('shipper')) throw new ForbiddenError('ROLE_REQUIRED', 'Only the shipper edits a draft');
      if (w.status !== 'draft') throw new ConflictError('WAYBILL_NOT_DRAFT', 'Only a draft can be edited; amend an issued waybill instead', { status: w.status });
      await this.checkParties(p, { ...w, ...input } as CreateWaybill, m);
      const { lines, ...fields } = input;
      if (Object.keys(fields).length) await m.update(Waybill, id, fields);
      if (lines) await this.replaceLines(m, id, this.fillLines(lines));
      await this.appendEvent(m, w, { type: 'edited', from: 'draft', to: 'draft', actor: { principal: p, requestId }, role: 'shipper', payload: { fields: Object.keys(input) } });
      return this.view(await this.load(id, m));
    });
  }

  // The carrier assigns its vehicle, trailer, tank, driver and escort (its own records only).
  async dispatch(p: Principal, id: string, d: Dispatch, requestId?: string) {
    return this.ds.transaction(async (m) => {
      const { waybill: w, roles } = await this.getForAction(p, id, m);
      if (!roles.includes('carrier')) throw new ForbiddenError('ROLE_REQUIRED', "Only the waybill's carrier dispatches");
      if (w.status !== 'draft') throw new ConflictError('WAYBILL_NOT_DRAFT', 'Dispatch changes on an issued waybill are amendments', { status: w.status });
      await this.checkDispatch(m, w.carrierId!, d);
      await m.update(Waybill, id, { ...this.dispatchFields(d), dispatchedAt: new Date() });
      // Dispatch leaves the version as it was on the locked row.
      await this.appendEvent(m, w, { type: 'dispatched', from: 'draft', to: 'draft', actor: { principal: p, requestId }, role: 'carrier', payload: { ...d }, version: w.version });
      return this.view(await this.load(id, m));
    });
  }

  // ---------------------------------------------------------------- issue and amend

  async issue(p: Principal, id: string, requestId?: string) {
    const { issued, placeRegions } = await this.ds.transaction(async (m) => {
      // The lines come with everything else signVersion reads, after the lock.
      const { waybill: w, roles } = await this.getForAction(p, id, m, false);
      const role = this.decide(w.status, 'issue', roles);
      const signed = await this.signVersion(m, w, { principal: p, requestId }, role, 'issued', { type: 'issued' });
      // The row is locked and only signVersion changed it (lines untouched): answer with it rather than read it back.
      return { issued: { ...w, lines: signed.lines, ...signed.changes } as Waybill, placeRegions: signed.placeRegions };
    });
    this.announce(issued, 'issued', placeRegions);
    return this.view(issued);
  }

  // A change to an issued waybill makes a new version with a new QR; any check made on the old version no longer
  // counts (the waybill goes back to issued and needs a new check).
  async amend(p: Principal, id: string, input: Amend, requestId?: string) {
    return this.ds.transaction(async (m) => {
      const { waybill: w, roles } = await this.getForAction(p, id, m);
      const role = this.decide(w.status, 'amend', roles);
      if (input.changes && !roles.includes('shipper') && !roles.includes('admin')) {
        throw new ForbiddenError('ROLE_REQUIRED', 'Only the shipper changes the goods, parties, times or route');
      }
      if (input.dispatch && !roles.includes('carrier')) throw new ForbiddenError('ROLE_REQUIRED', 'Only the carrier changes vehicle and crew');
      if (input.changes) {
        const { lines, ...fields } = input.changes;
        await this.checkParties(p, { ...w, ...fields } as unknown as CreateWaybill, m, w.shipperId);
        if (Object.keys(fields).length) await m.update(Waybill, id, fields);
        if (lines) await this.replaceLines(m, id, this.fillLines(lines));
      }
      if (input.dispatch) {
        const merged = { vehicleId: w.vehicleId, trailerId: w.trailerId, tankId: w.tankId, driverId: w.driverId, escortId: w.escortId, ...input.dispatch } as Dispatch;
        await this.checkDispatch(m, w.carrierId!, merged);
        await m.update(Waybill, id, this.dispatchFields(merged));
      }
      const fresh = await this.load(id, m, true);
      await this.signVersion(m, fresh, { principal: p, requestId }, role, 'issued', {
        type: 'amended',
        reason: input.reason,
        voidedStatus: w.status,
        changed: [...Object.keys(input.changes ?? {}), ...Object.keys(input.dispatch ?? {})],
      });
      this.announce(fresh, 'amended');
      return this.view(await this.load(id, m));
    });
  }

  // Validates, snapshots the certificates, builds and signs the document, stores the version and moves to `to`.
  private async signVersion(m: EntityManager, w: Waybill, actor: Actor, role: WaybillActorRole, to: 'issued', event: { type: string } & Record<string, unknown>) {
    const at = new Date();
    const ctx = await this.gather(m, w);
    const problems = validateIssue(ctx.snapshot(at));
    if (problems.length) {
      throw new RuleViolationError('ISSUE_REFUSED', `The waybill cannot be issued: ${problems.map((x) => x.message).join('; ')}`, { problems });
    }
    const version = event.type === 'issued' ? w.version : w.version + 1;
    const document: WaybillDocument = ctx.document(w, version, at);
    const hash = documentHash(document);
    const qr = await this.qr.sign({ n: w.number, v: version, h: hash.slice(0, 32), t: at.toISOString() });
    for (const permit of ctx.permits) if (permit.singleUse) await this.permits.consume(permit.id, w.id, m);
    // Round-tripped through JSON like the jsonb column, so the in-memory row equals the stored one (the same text is
    // what gets stored).
    const certificateJson = JSON.stringify(ctx.certificates(at));
    const certificateSnapshot = JSON.parse(certificateJson) as Record<string, unknown>;
    const values = { status: to, version, documentHash: hash, qr, issuedAt: w.issuedAt ?? at, certificateSnapshot };
    const { type, ...payload } = event;
    const ev = this.eventRow(w, { type, from: w.status, to, actor, role, payload: { ...payload, version, documentHash: hash }, version }, ctx.lastEvent);
    // The version, the event and the waybill row in one statement (the row is locked; the chain's last event was
    // read after the lock, in gather).
    const [stamp]: { row_version: number; updated_at: Date }[] = await m.query(
      `WITH version AS (
         INSERT INTO waybill_versions (waybill_id, version, document, document_hash, qr) VALUES ($1, $2, $3, $4, $5)
       ), event AS (
         INSERT INTO waybill_events (${EVENT_COLUMNS}) VALUES ($1, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
       ), waybill AS (
         UPDATE waybills SET status = $18, version = $2, document_hash = $4, qr = $5, issued_at = $19, certificate_snapshot = $20,
                row_version = row_version + 1, updated_at = CURRENT_TIMESTAMP
          WHERE id = $1 RETURNING row_version, updated_at
       )
       SELECT row_version, updated_at FROM waybill`,
      [w.id, version, JSON.stringify(document), hash, qr, ...ev.slice(1), to, values.issuedAt, certificateJson],
    );
    return {
      changes: { ...values, rowVersion: stamp!.row_version, updatedAt: stamp!.updated_at } satisfies Partial<Waybill>,
      lines: ctx.lineRows,
      placeRegions: ctx.placeRegions,
    };
  }

  // Everything issue validation and the document need, read in one place.
  // One statement: parties and places (just the fields the document and the refusals show), vehicle and trailer,
  // driver and escort, tank, carrier licence, lines, the blacklist entries against any of them (blacklist.service.ts)
  // and the last event of the chain. Run after the waybill is locked, so the lines and the last event are current.
  private async gather(m: EntityManager, w: Waybill) {
    const orgIds = [w.shipperId, w.consigneeId, w.carrierId, w.loadingSiteId].filter((x): x is string => !!x);
    const ids = (...xs: (string | null)[]) => [...new Set(xs.filter((x): x is string => !!x))];
    const vehicleIds = ids(w.vehicleId, w.trailerId);
    const personIds = ids(w.driverId, w.escortId);
    const bars = blacklistQuery(
      [
        ...orgIds.map((id) => ({ type: 'organisation' as const, id })),
        ...vehicleIds.map((id) => ({ type: 'vehicle' as const, id })),
        ...personIds.map((id) => ({ type: 'person' as const, id })),
      ],
      entityJsonColumns(m, BlacklistEntry, 'b'),
      8,
    );
    const list = (entity: new () => object, where: string, order = '') =>
      `(SELECT coalesce(json_agg(x${order}), '[]') FROM (SELECT ${entityJsonColumns(m, entity, 'e')} FROM ${m.connection.getMetadata(entity).tableName} e WHERE ${where}) x)`;
    const [row]: {
      parties: PartyOrPlaceRow[];
      vehicles: Record<string, unknown>[];
      people: Record<string, unknown>[];
      tanks: Record<string, unknown>[];
      licence: Record<string, unknown> | null;
      lines: Record<string, unknown>[];
      last: { seq: number; hash: string } | null;
      bars: Record<string, unknown>[];
    }[] = await m.query(
      `SELECT
         (SELECT coalesce(json_agg(p), '[]') FROM (
            SELECT 'organisation' AS k, id, name, uscc, region_code, contact_phone, NULL AS address, NULL::float8 AS lat, NULL::float8 AS lon
              FROM organisations WHERE id = ANY($1::uuid[])
            UNION ALL
            SELECT 'place', id, name, NULL, region_code, NULL, address, lat, lon FROM places WHERE id = ANY($2::uuid[])) p) AS parties,
         ${list(Vehicle, 'e.id = ANY($3::uuid[])')} AS vehicles,
         ${list(Person, 'e.id = ANY($4::uuid[])')} AS people,
         ${list(Tank, 'e.id = ANY($5::uuid[])')} AS tanks,
         (SELECT row_to_json(x) FROM (SELECT ${entityJsonColumns(m, CarrierLicence, 'e')} FROM carrier_licences e WHERE e.organisation_id = $6 LIMIT 1) x) AS licence,
         ${list(WaybillLine, 'e.waybill_id = $7', ' ORDER BY x."lineNo"')} AS lines,
         (SELECT row_to_json(x) FROM (SELECT seq, hash FROM waybill_events WHERE waybill_id = $7 ORDER BY seq DESC LIMIT 1) x) AS last,
         (SELECT coalesce(json_agg(b ORDER BY b."validFrom", b.id), '[]') FROM (${bars.text}) b) AS bars`,
      [orgIds, ids(w.originPlaceId, w.destinationPlaceId), vehicleIds, personIds, ids(w.tankId), w.carrierId, w.id, ...bars.params],
    );
    const partyRows = row!.parties;
    const orgs = new Map(
      partyRows.filter((r) => r.k === 'organisation').map((o) => [o.id, { id: o.id, name: o.name, uscc: o.uscc, regionCode: o.region_code, contactPhone: o.contact_phone }] as const),
    );
    const vehicles = row!.vehicles.map((v) => entityFromJson(m, Vehicle, v));
    const people = row!.people.map((x) => entityFromJson(m, Person, x));
    const find = <E extends { id: string }>(rows: E[], id: string | null) => (id ? (rows.find((r) => r.id === id) ?? null) : null);
    const vehicle = find(vehicles, w.vehicleId);
    const trailer = find(vehicles, w.trailerId);
    const driver = find(people, w.driverId);
    const escort = find(people, w.escortId);
    const tank = find(row!.tanks.map((t) => entityFromJson(m, Tank, t)), w.tankId);
    const licence = row!.licence ? entityFromJson(m, CarrierLicence, row!.licence) : null;
    const lineRows = row!.lines.map((l) => entityFromJson(m, WaybillLine, l));
    const placeRows = partyRows
      .filter((r) => r.k === 'place')
      .map((pl) => ({ id: pl.id, name: pl.name, address: pl.address!, regionCode: pl.region_code, lat: pl.lat!, lon: pl.lon! }));
    const places = new Map(placeRows.map((pl) => [pl.id, pl]));
    const permits: Permit[] = await this.permits.forWaybill(w.permitIds, m);
    const lines = lineRows.map((l) => this.lineFromRow(l));
    const today = shanghaiDate(new Date());
    const subjects = [
      ...orgIds.map((id) => ({ type: 'organisation' as const, id })),
      ...[vehicle, trailer].filter((v): v is Vehicle => !!v).map((v) => ({ type: 'vehicle' as const, id: v.id })),
      ...[driver, escort].filter((x): x is Person => !!x).map((x) => ({ type: 'person' as const, id: x.id })),
    ];
    const entries = activeEntries(
      row!.bars.map((b) => entityFromJson(m, BlacklistEntry, b)),
      today,
    ).filter((e) => subjects.some((s) => s.type === e.subjectType));
    const labelOf = (type: string, id: string) =>
      type === 'organisation'
        ? (orgs.get(id)?.name ?? id)
        : type === 'vehicle'
          ? ([vehicle, trailer].find((v) => v?.id === id)?.plateNumber ?? id)
          : ([driver, escort].find((x) => x?.id === id)?.name ?? id);
    const blacklisted = [...new Map(entries.map((e) => [`${e.subjectType}:${e.subjectId}`, e])).values()].map((e) => {
      // An entry found through identity (same plate / ID number / credit code) is shown against the dispatched record.
      const subject = subjects.find((s) => s.type === e.subjectType && s.id === e.subjectId) ?? subjects.find((s) => s.type === e.subjectType)!;
      return { subjectType: e.subjectType, subjectId: subject.id, label: labelOf(e.subjectType, subject.id), reason: e.reason };
    });
    const party = (id: string | null) => {
      const o = id ? orgs.get(id) : undefined;
      return o ? { id: o.id, name: o.name, uscc: o.uscc, regionCode: o.regionCode, contactPhone: o.contactPhone } : null;
    };
    const placeDoc = (id: string | null) => {
      const pl = id ? places.get(id) : undefined;
      return pl ? { id: pl.id, name: pl.name, address: pl.address, regionCode: pl.regionCode, lat: pl.lat, lon: pl.lon } : null;
    };
    const personDoc = (x: Person | null) => (x ? { name: x.name, idNumberMasked: maskIdNumber(x.idNumber), qualificationCertNumber: x.qualificationCertNumber } : null);
    const carrier = party(w.carrierId);
    return {
      permits,
      lineRows,
      lastEvent: row!.last,
      placeRegions: placeRows.map((pl) => pl.regionCode),
      snapshot: (at: Date): IssueSnapshot => ({
        at,
        today,
        lines,
        consigneeId: w.consigneeId,
        carrier: carrier ? { id: carrier.id, name: carrier.name } : null,
        licence: licence ? { number: licence.number, validUntil: licence.validUntil, scope: licence.scope, highlyToxic: licence.highlyToxic } : null,
        vehicle,
        trailer,
        tank,
        driver,
        escort,
        blacklisted,
        permits,
      }),
      certificates: (at: Date) => {
        const day = shanghaiDate(at);
        return {
          asOf: day,
          licence,
          vehicle,
          trailer,
          tank,
          driver: driver ? { ...driver, idNumber: maskIdNumber(driver.idNumber) } : null,
          escort: escort ? { ...escort, idNumber: maskIdNumber(escort.idNumber) } : null,
          status: [
            ...(vehicle ? vehicleCertificates(vehicle, 'vehicle', day, 30) : []),
            ...(trailer ? vehicleCertificates(trailer, 'trailer', day, 30) : []),
            ...(tank ? tankCertificates(tank, day, 30) : []),
            ...(driver ? personCertificates(driver, 'driver', day, 30) : []),
            ...(escort ? personCertificates(escort, 'escort', day, 30) : []),
          ],
        };
      },
      document: (wb: Waybill, version: number, at: Date): WaybillDocument => ({
        number: wb.number,
        version,
        issuedAt: at.toISOString(),
        shipper: party(wb.shipperId),
        consignee: party(wb.consigneeId),
        carrier,
        loadingSite: party(wb.loadingSiteId),
        origin: placeDoc(wb.originPlaceId),
        destination: placeDoc(wb.destinationPlaceId),
        plannedDepartureAt: wb.plannedDepartureAt?.toISOString() ?? null,
        plannedArrivalAt: wb.plannedArrivalAt?.toISOString() ?? null,
        plannedRoute: wb.plannedRoute,
        emergencyContact: { name: wb.emergencyContactName, phone: wb.emergencyContactPhone, measures: wb.emergencyMeasures },
        vehicle: vehicle ? { plateNumber: vehicle.plateNumber, plateColour: vehicle.plateColour } : null,
        trailer: trailer ? { plateNumber: trailer.plateNumber } : null,
        tank: tank ? { number: tank.number, tankCode: tank.tankCode } : null,
        driver: personDoc(driver),
        escort: personDoc(escort),
        permits: permits.map((x) => ({ type: x.type, number: x.number, issuer: x.issuer })),
        lines: lines.map((l) => ({
          lineNo: l.lineNo,
          unNumber: l.unNumber,
          name: l.name,
          hazardClass: l.hazardClass,
          subsidiaryRisks: l.subsidiaryRisks,
          packingGroup: l.packingGroup,
          labels: l.labels,
          tunnelCode: l.tunnelCode,
          packagingType: l.packagingType,
          packageCount: l.packageCount,
          declaredQuantity: l.declaredQuantity,
          unit: l.unit,
          sdsRef: l.sdsRef,
          labelRef: l.labelRef,
        })),
      }),
    };
  }

  // ---------------------------------------------------------------- lifecycle

  // Actions other modules and the API take: cancel, loading, departure, arrival, incidents, closing. The check
  // outcome comes only from the loading-checks module (role 'loader' through transitionAs).
  async transition(p: Principal, id: string, input: Transition, requestId?: string) {
    return this.ds.transaction(async (m) => {
      const { waybill: w, roles } = await this.getForAction(p, id, m);
      if (input.expectedRowVersion !== undefined && input.expectedRowVersion !== w.rowVersion) {
        throw new ConflictError('WAYBILL_CHANGED', 'The waybill changed since you read it; reload and try again', { rowVersion: w.rowVersion });
      }
      const role = this.decide(w.status, input.action, roles);
      return this.apply(m, w, input.action, role, { principal: p, requestId }, input);
    });
  }

  // For modules acting on behalf of a party (loading checks, tracking geofences): same rules, explicit role.
  async transitionAs(id: string, action: WaybillAction, role: WaybillActorRole, actor: Actor, payload: Record<string, unknown> = {}, m?: EntityManager) {
    const run = async (tx: EntityManager) => {
      const w = await this.load(id, tx, true);
      this.decide(w.status, action, [role]);
      return this.apply(tx, w, action, role, actor, payload as Transition);
    };
    return m ? run(m) : this.ds.transaction(run);
  }

  // A transition that the caller writes in one statement with its own rows (the pre-loading check: its result, this
  // move and its event together), guarded by the row version the caller read instead of a row lock held while it
  // works: the same rule, status change and chained event as transitionAs. Appends to the caller's WITH two CTEs:
  // `guard`, the UPDATE, which returns the row when the waybill is still as read and nothing when it changed since
  // (so the rows written FROM it are not written either), and the event INSERT over it; their parameters are
  // pushed onto `params`. `last` is the waybill's latest event, read with the row. Only for actions without side
  // effects on other records. Returns the live announcement, to be made once the statement has committed.
  guardedTransition(
    w: Waybill,
    last: { seq: number; hash: string } | null,
    action: WaybillAction,
    role: WaybillActorRole,
    actor: Actor,
    input: Record<string, unknown>,
    sql: { params: unknown[]; guard: string },
    placeRegions?: string[],
  ) {
    if (action === 'finish-loading' || action === 'cancel') throw new Error(`guardedTransition does not handle ${action}; use transitionAs`);
    this.decide(w.status, action, [role]);
    const to = checkTransition({ status: w.status, action, roles: [role] });
    if (!to.ok) throw new ConflictError(to.code, to.message);
    const $ = (v: unknown) => `$${sql.params.push(v)}`;
    const event = this.eventRow(w, { type: action, from: w.status, to: to.to, actor, role, payload: this.eventPayload(input), version: w.version }, last);
    // What m.update(Waybill, ...) sends: the version column and the update date move with every update.
    const ctes =
      `${sql.guard} AS (UPDATE waybills SET status = ${$(to.to)}, row_version = row_version + 1, updated_at = CURRENT_TIMESTAMP` +
      ` WHERE id = ${$(w.id)} AND row_version = ${$(w.rowVersion)} RETURNING id), ` +
      `${sql.guard}_event AS (INSERT INTO waybill_events (${EVENT_COLUMNS}) SELECT ${event.map((v, i) => `${$(v)}::${EVENT_TYPES[i]}`).join(', ')} FROM ${sql.guard})`;
    return { ctes, announce: () => this.announce({ ...w, status: to.to } as Waybill, action, placeRegions) };
  }

  private eventPayload(input: Partial<Transition> & Record<string, unknown>) {
    const payload: Record<string, unknown> = {};
    if (input.note) payload.note = input.note;
    if (input.position) payload.position = input.position;
    for (const [k, v] of Object.entries(input)) if (!['action', 'note', 'position', 'lines', 'seals', 'expectedRowVersion'].includes(k)) payload[k] = v;
    return payload;
  }

  private async apply(m: EntityManager, w: Waybill, action: WaybillAction, role: WaybillActorRole, actor: Actor, input: Partial<Transition> & Record<string, unknown>) {
    const to = checkTransition({ status: w.status, action, roles: [role] });
    if (!to.ok) throw new ConflictError(to.code, to.message);
    const payload: Record<string, unknown> = {};
    if (input.note) payload.note = input.note;
    if (input.position) payload.position = input.position;
    if (action === 'finish-loading') {
      if (!input.lines?.length) throw new BadRequestError('LOADED_QUANTITIES_REQUIRED', 'Record the loaded quantity of every line');
      await this.recordQuantities(m, w, input.lines.map((l) => ({ lineNo: l.lineNo, quantity: l.loadedQuantity, packages: l.loadedPackages })), 'loaded');
      payload.lines = input.lines;
      payload.seals = input.seals ?? [];
    }
    if (action === 'cancel') for (const id of w.permitIds) await this.permits.release(id, w.id, m);
    for (const [k, v] of Object.entries(input)) if (!['action', 'note', 'position', 'lines', 'seals', 'expectedRowVersion'].includes(k)) payload[k] = v;
    await m.update(Waybill, w.id, { status: to.to });
    await this.appendEvent(m, w, { type: action, from: w.status, to: to.to, actor, role, payload });
    this.announce({ ...w, status: to.to } as Waybill, action);
    return this.view(await this.load(w.id, m));
  }

  // The consignee records what arrived; reconciliation closes the loop or opens a discrepancy.
  async deliver(p: Principal, id: string, input: Delivery, requestId?: string) {
    return this.ds.transaction(async (m) => {
      const { waybill: w, roles } = await this.getForAction(p, id, m);
      const role = this.decide(w.status, 'deliver', roles);
      await this.recordQuantities(m, w, input.lines.map((l) => ({ lineNo: l.lineNo, quantity: l.receivedQuantity, packages: l.receivedPackages })), 'received');
      const actor = { principal: p, requestId };
      await m.update(Waybill, w.id, { status: 'delivered' });
      await this.appendEvent(m, w, { type: 'deliver', from: w.status, to: 'delivered', actor, role, payload: { lines: input.lines, sealsIntact: input.sealsIntact, note: input.note } });
      const fresh = await this.load(id, m);
      const result = this.reconcile(fresh);
      const ok = result.ok && input.sealsIntact;
      const next = ok ? 'closed' : 'discrepancy';
      await m.update(Waybill, w.id, { status: next });
      await this.appendEvent(m, fresh, {
        type: ok ? 'reconcile-ok' : 'reconcile-discrepancy',
        from: 'delivered',
        to: next,
        actor: SYSTEM_ACTOR,
        role: 'system',
        payload: { issues: result.issues, sealsIntact: input.sealsIntact },
      });
      this.announce({ ...w, status: next } as Waybill, next);
      return { ...this.view(await this.load(id, m)), reconciliation: { ok, sealsIntact: input.sealsIntact, issues: result.issues } };
    });
  }

  async resolve(p: Principal, id: string, input: Resolve, requestId?: string) {
    return this.ds.transaction(async (m) => {
      const { waybill: w, roles } = await this.getForAction(p, id, m);
      const role = this.decide(w.status, 'resolve-discrepancy', roles);
      await m.update(Waybill, w.id, { status: 'closed' });
      await this.appendEvent(m, w, { type: 'resolve-discrepancy', from: w.status, to: 'closed', actor: { principal: p, requestId }, role, payload: { resolution: input.resolution } });
      this.announce({ ...w, status: 'closed' } as Waybill, 'closed');
      return this.view(await this.load(id, m));
    });
  }

  reconcile(w: Waybill) {
    return reconcileWaybill(
      (w.lines ?? []).map((l) => ({
        lineNo: l.lineNo,
        unit: l.unit,
        declared: Number(l.declaredQuantity),
        loaded: l.loadedQuantity === null ? null : Number(l.loadedQuantity),
        received: l.receivedQuantity === null ? null : Number(l.receivedQuantity),
        packagesDeclared: l.packageCount,
        packagesLoaded: l.loadedPackages,
        packagesReceived: l.receivedPackages,
        zeroTolerance: isZeroToleranceLine({ hazardClass: l.hazardClass, flags: l.flags }),
        // DOMAIN.md proposal: ±0.5 % or 50 kg, whichever larger, scaled to the line's unit.
        tolerance: { percent: LIQUID_IN_TANK_TOLERANCE_KG.percent, absolute: l.unit === 't' ? 0.05 : l.unit === 'm3' ? 0.05 : LIQUID_IN_TANK_TOLERANCE_KG.absolute },
      })),
    );
  }

  // ---------------------------------------------------------------- events, QR, verification

  async events(p: Principal, id: string) {
    await this.getVisible(p, id);
    return this.ds.getRepository(WaybillEvent).find({ where: { waybillId: id }, order: { seq: 'ASC' } });
  }

  async verifyEvents(p: Principal, id: string) {
    const events = await this.events(p, id);
    const result = verifyChain(events.map((e) => this.chainBody(e)));
    return { waybillId: id, events: events.length, ...result };
  }

  async publicKey() {
    return this.qr.publicKey();
  }

  // Anyone may verify a scanned QR: genuine or not, current or superseded, and the waybill's essentials.
  async verifyQr(qr: string) {
    const check = await this.qr.verify(qr);
    if (!check.ok) return { genuine: false, code: check.code };
    const [row] = await this.ds.query(
      `SELECT v.document, v.document_hash, w.version AS current_version, w.status FROM waybills w
         JOIN waybill_versions v ON v.waybill_id = w.id AND v.version = $2 WHERE w.number = $1`,
      [check.payload.n, check.payload.v],
    );
    if (!row || !(row.document_hash as string).startsWith(check.payload.h)) {
      // Signed by our key but unknown here: say so rather than show anything.
      return { genuine: true, known: false, code: 'WAYBILL_UNKNOWN', number: check.payload.n, version: check.payload.v };
    }
    return {
      genuine: true,
      known: true,
      current: row.current_version === check.payload.v,
      status: row.current_version === check.payload.v ? row.status : 'superseded',
      currentVersion: row.current_version,
      waybill: publicEssentials(row.document as WaybillDocument),
    };
  }

  async version(p: Principal, id: string, version?: number) {
    const { waybill } = await this.getVisible(p, id);
    const row = await this.ds.getRepository(WaybillVersion).findOneBy({ waybillId: id, version: version ?? waybill.version });
    if (!row) throw new NotFoundError('WAYBILL_VERSION_NOT_FOUND', 'This waybill has no issued version yet');
    return { waybill, document: row.document as unknown as WaybillDocument, qr: row.qr, documentHash: row.documentHash };
  }

  // ---------------------------------------------------------------- helpers

  // The transition rule, as an HTTP answer: 409 for an illegal transition, 403 for a role that may not.
  private decide(status: string, action: WaybillAction, roles: WaybillActorRole[]): WaybillActorRole {
    let last: { code: string; message: string } | undefined;
    for (const role of roles) {
      const r = checkTransition({ status, action, roles: [role] });
      if (r.ok) return role;
      last = r;
      if (r.code === 'ILLEGAL_TRANSITION') throw new ConflictError('ILLEGAL_TRANSITION', r.message, { status, action });
    }
    const probe = checkTransition({ status, action, roles: ['system'] });
    if (!probe.ok && probe.code === 'ILLEGAL_TRANSITION') throw new ConflictError('ILLEGAL_TRANSITION', probe.message, { status, action });
    throw new ForbiddenError('ROLE_NOT_ALLOWED', last?.message ?? `Your role on this waybill does not allow ${action}`, { status, action, roles });
  }

  // Draft goods checked as issue would (catalogue, then mixed loading), nothing stored.
  goodsCheck(input: GoodsCheck) {
    const filled = input.lines.map((l, i) => fillLine({ ...l, declaredQuantity: 1, unit: 'kg' }, i + 1, this.goods.describe(l.unNumber) ?? undefined));
    const lines = filled.map((r, i) =>
      r.line
        ? { lineNo: i + 1, unNumber: r.line.unNumber, name: r.line.name, hazardClass: r.line.hazardClass, packingGroup: r.line.packingGroup, labels: r.line.labels, flags: r.line.flags }
        : { lineNo: i + 1, unNumber: input.lines[i]!.unNumber, name: null, hazardClass: null, packingGroup: null, labels: [], flags: {} },
    );
    const complete = filled.flatMap((r) => (r.line ? [r.line] : []));
    return { lines, problems: [...filled.flatMap((r) => r.problems), ...goodsProblems(complete)] };
  }

  private fillLines(inputs: WaybillLineInput[]): FilledLine[] {
    const problems: IssueProblem[] = [];
    const lines: FilledLine[] = [];
    inputs.forEach((input, i) => {
      const entry = this.goods.describe(input.unNumber) ?? undefined;
      const r = fillLine(input, i + 1, entry);
      problems.push(...r.problems);
      if (r.line) {
        r.line.flags.highConsequence = isHighConsequence({
          unNumber: r.line.unNumber,
          hazardClass: r.line.hazardClass,
          classificationCode: r.line.classificationCode ?? undefined,
          packingGroup: r.line.packingGroup ?? undefined,
          quantity: r.line.declaredQuantity,
          unit: r.line.unit,
          carriage: r.line.packageCount ? 'packages' : 'tank',
        }) || undefined;
        if (!r.line.flags.highConsequence) delete r.line.flags.highConsequence;
        lines.push(r.line);
      }
    });
    if (problems.length) throw new RuleViolationError('GOODS_INVALID', problems.map((x) => x.message).join('; '), { problems });
    return lines;
  }

  private lineFromRow(l: WaybillLine): FilledLine {
    return {
      lineNo: l.lineNo,
      unNumber: l.unNumber,
      name: l.name,
      hazardClass: l.hazardClass,
      subsidiaryRisks: l.subsidiaryRisks,
      packingGroup: l.packingGroup,
      labels: l.labels,
      classificationCode: l.classificationCode,
      tunnelCode: l.tunnelCode,
      tankCode: null,
      packagingType: l.packagingType,
      packageCount: l.packageCount,
      declaredQuantity: Number(l.declaredQuantity),
      unit: l.unit,
      limitedQuantity: l.limitedQuantity,
      sdsRef: l.sdsRef,
      labelRef: l.labelRef,
      flags: l.flags,
    };
  }

  private async saveLines(m: EntityManager, waybillId: string, lines: FilledLine[]) {
    await m.insert(
      WaybillLine,
      lines.map(({ tankCode: _t, declaredQuantity, ...l }) => ({ ...l, waybillId, declaredQuantity: String(declaredQuantity) })),
    );
  }

  private async replaceLines(m: EntityManager, waybillId: string, lines: FilledLine[]) {
    await m.delete(WaybillLine, { waybillId });
    await this.saveLines(m, waybillId, lines);
  }

  private async recordQuantities(m: EntityManager, w: Waybill, lines: { lineNo: number; quantity: number; packages?: number }[], stage: 'loaded' | 'received') {
    const known = new Set((w.lines ?? []).map((l) => l.lineNo));
    const unknown = lines.filter((l) => !known.has(l.lineNo)).map((l) => l.lineNo);
    const missing = [...known].filter((n) => !lines.some((l) => l.lineNo === n));
    if (unknown.length || missing.length) {
      throw new BadRequestError('LINES_MISMATCH', `Give a quantity for each line of the waybill (lines ${[...known].join(', ')})`, { unknown, missing });
    }
    for (const l of lines) {
      await m.update(
        WaybillLine,
        { waybillId: w.id, lineNo: l.lineNo },
        stage === 'loaded'
          ? { loadedQuantity: String(l.quantity), loadedPackages: l.packages ?? null }
          : { receivedQuantity: String(l.quantity), receivedPackages: l.packages ?? null },
      );
    }
  }

  private async checkParties(p: Principal, input: Partial<CreateWaybill>, m: EntityManager, shipperId = p.organisationId) {
    // The named parties in one statement, then judged in the order of the fields (the first wrong one is reported).
    const named = (
      [
        [input.consigneeId, 'consignee', 'consigneeId'],
        [input.carrierId, 'carrier', 'carrierId'],
        [input.loadingSiteId, 'loading_site', 'loadingSiteId'],
      ] as [string | null | undefined, string, string][]
    ).filter((x): x is [string, string, string] => !!x[0]);
    const orgs: { id: string; kind: string; status: string }[] = named.length
      ? await m.query(`SELECT id, kind, status FROM organisations WHERE id = ANY($1::uuid[])`, [named.map(([id]) => id)])
      : [];
    for (const [id, kind, field] of named) {
      const o = orgs.find((x) => x.id === id.toLowerCase());
      if (!o || o.kind !== kind || o.status !== 'active') {
        throw new BadRequestError('PARTY_INVALID', `${field} must name an active ${kind.replace('_', ' ')} organisation`, { field });
      }
    }
    const shipper: Principal = isAdmin(p) ? p : { ...p, organisationId: shipperId };
    // On the transaction's connection: a second pool connection per request deadlocks the pool under load.
    if (input.originPlaceId) await this.places.getOfKind(shipper, input.originPlaceId, ['loading_site', 'address'], m);
    if (input.destinationPlaceId) await this.places.getOfKind(shipper, input.destinationPlaceId, ['unloading_site', 'address'], m);
    for (const id of input.permitIds ?? []) {
      const [permit] = await m.query(`SELECT organisation_id FROM permits WHERE id = $1`, [id]);
      if (!permit || ![shipperId, input.carrierId].includes(permit.organisation_id)) {
        throw new NotFoundError('PERMIT_NOT_FOUND', 'No such permit held by the shipper or the carrier', { permitId: id });
      }
    }
  }

  private async checkDispatch(m: EntityManager, carrierId: string, d: Dispatch) {
    // The carrier's active vehicles, tank and people named, in one statement; judged in the order of the fields.
    const ids = (...xs: (string | null | undefined)[]) => xs.filter((x): x is string => !!x);
    const rows: { t: string; id: string; kind: string | null }[] = await m.query(
      `SELECT 'vehicle' AS t, id, kind FROM vehicles WHERE id = ANY($1::uuid[]) AND organisation_id = $4 AND status = 'active'
       UNION ALL SELECT 'tank', id, NULL FROM tanks WHERE id = ANY($2::uuid[]) AND organisation_id = $4 AND status = 'active'
       UNION ALL SELECT 'person', id, NULL FROM people WHERE id = ANY($3::uuid[]) AND organisation_id = $4 AND status = 'active'`,
      [ids(d.vehicleId, d.trailerId), ids(d.tankId), ids(d.driverId, d.escortId), carrierId],
    );
    const own = (t: string, id: string | null | undefined, field: string) => {
      if (!id) return null;
      const row = rows.find((r) => r.t === t && r.id === id.toLowerCase());
      if (!row) throw new NotFoundError('LINKED_RECORD_NOT_FOUND', `${field}: no such active record of the carrier`, { field });
      return row;
    };
    const vehicle = own('vehicle', d.vehicleId, 'vehicleId');
    if (vehicle && vehicle.kind === 'trailer') throw new BadRequestError('VEHICLE_IS_TRAILER', 'vehicleId names a trailer; put it in trailerId');
    const trailer = own('vehicle', d.trailerId, 'trailerId');
    if (trailer && trailer.kind !== 'trailer') throw new BadRequestError('NOT_A_TRAILER', 'trailerId must name a trailer');
    own('tank', d.tankId, 'tankId');
    own('person', d.driverId, 'driverId');
    own('person', d.escortId, 'escortId');
  }

  private dispatchFields(d: Dispatch) {
    return { vehicleId: d.vehicleId, trailerId: d.trailerId ?? null, tankId: d.tankId ?? null, driverId: d.driverId, escortId: d.escortId ?? null };
  }

  private chainBody(e: WaybillEvent) {
    return {
      seq: e.seq,
      hash: e.hash,
      prevHash: e.prevHash,
      waybillId: e.waybillId,
      at: e.at,
      type: e.type,
      fromStatus: e.fromStatus,
      toStatus: e.toStatus,
      version: e.version,
      actor: { userId: e.actorUserId, organisationId: e.actorOrganisationId, role: e.actorRole },
      payload: e.payload,
    };
  }

  // The next event of the waybill's chain after `last`, as the values of EVENT_COLUMNS.
  private eventRow(
    w: Waybill,
    e: { type: string; from: string | null; to: string; actor: Actor; role: WaybillActorRole; payload: Record<string, unknown>; version: number },
    last: { seq: number; hash: string } | null,
  ): unknown[] {
    // Round-trip the payload through JSON so that what is hashed is exactly what jsonb will give back.
    const payload = JSON.parse(canonicalJson(e.payload)) as Record<string, unknown>;
    const at = new Date(Math.floor(Date.now()));
    const body = {
      waybillId: w.id,
      at,
      type: e.type,
      fromStatus: e.from,
      toStatus: e.to,
      version: e.version,
      actor: { userId: e.actor.principal?.userId ?? null, organisationId: e.actor.principal?.organisationId ?? null, role: e.role },
      payload,
    };
    const chained = chainEvent(last, body);
    return [w.id, chained.seq, at, e.type, e.from, e.to, e.version, body.actor.userId, body.actor.organisationId, e.role, JSON.stringify(payload), chained.prevHash, chained.hash];
  }

  // `last` is the chain's last event when the caller knows it (null: a new waybill); read here otherwise.
  private async appendEvent(
    m: EntityManager,
    w: Waybill,
    e: { type: string; from: string | null; to: string; actor: Actor; role: WaybillActorRole; payload: Record<string, unknown>; version?: number },
    last?: { seq: number; hash: string } | null,
  ) {
    if (last === undefined) [last = null] = await m.query(`SELECT seq, hash FROM waybill_events WHERE waybill_id = $1 ORDER BY seq DESC LIMIT 1`, [w.id]);
    // The waybill's version as this transaction left it: given by a caller that just wrote it, read otherwise.
    const version: number = e.version ?? (await m.query(`SELECT version FROM waybills WHERE id = $1`, [w.id]))[0].version;
    // Plain INSERT: the ORM's would also read back the id and the payload, which nobody uses here.
    await m.query(`INSERT INTO waybill_events (${EVENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`, this.eventRow(w, { ...e, version }, last ?? null));
  }

  // Live status to the parties and the authorities of the places involved (best effort, after the write).
  private announce(w: Waybill, what: string, placeRegions?: string[]) {
    const rooms = [w.shipperId, w.carrierId, w.consigneeId, w.loadingSiteId].filter((x): x is string => !!x).map(orgRoom);
    const regions: Promise<{ region_code: string }[]> = placeRegions
      ? Promise.resolve(placeRegions.map((region_code) => ({ region_code })))
      : this.ds.query(`SELECT region_code FROM places WHERE id = ANY($1::uuid[])`, [[w.originPlaceId, w.destinationPlaceId].filter(Boolean)]);
    void regions
      .then((rows: { region_code: string }[]) => {
        const regions = rows.flatMap((r) => regionRoomsFor(r.region_code));
        this.live.emit([...new Set([...rooms, ...regions])], 'waybill', { id: w.id, number: w.number, status: w.status, event: what });
      })
      .catch(() => undefined);
  }
}

export type { Place };
