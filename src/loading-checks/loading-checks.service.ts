import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import pg from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import { Organisation } from '../accounts/organisation.entity.js';
import { isAdmin, isAuthority, type Principal } from '../accounts/principal.js';
import { regionPrefix } from '../accounts/region.rules.js';
import { AuditService } from '../common/audit.service.js';
import { toCsv } from '../common/csv.js';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError, RuleViolationError } from '../common/errors.js';
import { DangerousGoodsService } from '../dangerous-goods/dangerous-goods.service.js';
import { blacklistCondition } from '../vehicles/blacklist.service.js';
import { activeEntries } from '../vehicles/blacklist.rules.js';
import { BlacklistEntry } from '../vehicles/blacklist-entry.entity.js';
import { CarrierLicence } from '../vehicles/carrier-licence.entity.js';
import { entityColumns, entityFromJson, entityJsonColumns, entityTable } from '../database/raw-entity.js';
import { shanghaiDate } from '../vehicles/certificate.rules.js';
import { Person } from '../vehicles/person.entity.js';
import { Tank } from '../vehicles/tank.entity.js';
import { Vehicle } from '../vehicles/vehicle.entity.js';
import { Permit } from '../waybills/permit.entity.js';
import { PreTripInspection } from '../waybills/pre-trip-inspection.entity.js';
import { QrKeysService } from '../waybills/qr-keys.service.js';
import { GOODS_ON_VEHICLE_STATUSES } from '../waybills/waybill-status.rules.js';
import { Waybill } from '../waybills/waybill.entity.js';
import { WaybillLine } from '../waybills/waybill-line.entity.js';
import { WaybillsService } from '../waybills/waybills.service.js';
import { CHECK_RULES, GATE_CHECKLIST, resolveSeverities, severityOverrideProblems, type Severity } from './check-rules.catalogue.js';
import { evaluateCheck, type CheckSnapshot, type TerminalStatus } from './check-rules.js';
import { CheckPhotosService } from './check-photos.service.js';
import { CheckRuleSetting } from './check-rule-setting.entity.js';
import { LoadingCheck } from './loading-check.entity.js';
import type { FinishLoading, ListChecks, Report, StartCheck, StartLoading } from './loading-checks.dto.js';
import { loadedLinesProblems, loadingProblems } from './loading.rules.js';
import { LoadingRecord } from './loading-record.entity.js';

const NOT_FOUND = () => new NotFoundError('WAYBILL_NOT_FOUND', 'No such waybill for this loading site');
// Attempts of a check whose waybill changes between its read and its write (each change is another operator's
// check or an amendment committed meanwhile; the next attempt sees it).
const MAX_ATTEMPTS = 5;

// A line of another waybill whose goods are on this waybill's vehicle or trailer (PL-21).
type OnVehicleRow = { waybillNumber: string; lineNo: number; unNumber: string; packingGroup: string | null; labels: string[]; classificationCode: string | null; limitedQuantity: boolean };
type TerminalRow = { lastSeenAt: string | null; fixTime: string | null; alarmBits: number | null; receivedAt: string | null; hasPosition: boolean };
type Gathered = {
  placeRegions: string[];
  _placeOk: boolean;
  _orgs: Record<string, unknown>[] | null;
  _vehicles: Record<string, unknown>[] | null;
  _tank: Record<string, unknown> | null;
  _people: Record<string, unknown>[] | null;
  _licence: Record<string, unknown> | null;
  _lines: Record<string, unknown>[] | null;
  _permits: Record<string, unknown>[] | null;
  _blacklist: Record<string, unknown>[] | null;
  _terminal: TerminalRow | null;
  _preTrip: Record<string, unknown> | null;
  _onVehicle: OnVehicleRow[] | null;
  _severities: Partial<Record<string, Severity>> | null;
  _lastEvent: { seq: number; hash: string } | null;
};
type Records = {
  orgs: Organisation[];
  vehicles: Vehicle[];
  tank: Tank | null;
  people: Person[];
  licence: CarrierLicence | undefined;
  lines: WaybillLine[];
  permits: Permit[];
  blacklist: BlacklistEntry[];
  terminal: TerminalRow | null;
  preTrip: PreTripInspection | null;
  onVehicle: OnVehicleRow[];
};
const parseTimestamptz = pg.types.getTypeParser(1184, 'text') as (text: string) => Date;

// PL-25 from the vehicle's terminal and its latest position. No terminal, or no position yet, is null: the
// rule fails on it rather than passing for want of data.
function terminalStatus(row: TerminalRow | null): TerminalStatus | null {
  if (!row || !row.hasPosition) return null;
  const lastSeen = row.lastSeenAt ?? row.receivedAt;
  return {
    lastFixAt: row.fixTime === null ? null : parseTimestamptz(row.fixTime),
    alarmBits: row.alarmBits,
    online: !!lastSeen && Date.now() - parseTimestamptz(lastSeen).getTime() <= 5 * 60_000,
  };
}

// The pre-loading check: gathers a snapshot of the waybill and every record it names, runs the pure rule set
// (check-rules.ts), stores the immutable result and moves the waybill to checked or check_failed; then loading
// and its records. There is no override: a failed check is answered by substituting and checking again.
@Injectable()
export class LoadingChecksService {
  constructor(
    private readonly ds: DataSource,
    private readonly waybills: WaybillsService,
    private readonly qr: QrKeysService,
    private readonly goods: DangerousGoodsService,
    private readonly photos: CheckPhotosService,
    private readonly audit: AuditService,
  ) {}

  // ---------------------------------------------------------------- the check

  async start(p: Principal, input: StartCheck, requestId?: string) {
    if (p.organisationKind !== 'loading_site' && !isAdmin(p)) throw new ForbiddenError('ROLE_REQUIRED', 'Only a loading site runs pre-loading checks');
    let number = input.waybillNumber;
    let qrValid: boolean | null = null;
    let qrVersion: number | null = null;
    if (input.qr) {
      const v = await this.qr.verify(input.qr);
      if (!v.ok) throw new RuleViolationError(v.code, 'The QR code is not a genuine Hazway waybill: refuse loading and call the shipper', { code: v.code });
      qrValid = true;
      qrVersion = v.payload.v;
      number = v.payload.n;
    }
    await this.photos.assertOwned(p, input.checklist.flatMap((c) => c.photoIds ?? []));
    // No transaction and no row lock held while the rules run: one statement reads the waybill with every record
    // the rules look at (one consistent snapshot), and one statement writes the result, the waybill's move and its
    // event, guarded by the row version read. When the waybill changed in between (a second operator's check at
    // the same moment, an amendment), nothing is written and the check runs again on the new state: a check the
    // other operator passed meanwhile is then the answer, as alreadyChecked.
    for (let attempt = 1; ; attempt++) {
      const done = await this.attempt(p, number, input, qrValid, qrVersion, requestId);
      if (done) return done;
      if (attempt === MAX_ATTEMPTS) throw new ConflictError('CHECK_CONFLICT', 'The waybill kept changing while it was being checked: check again');
    }
  }

  // One read, the rules, one write; null when the waybill changed since it was read (nothing written).
  private async attempt(p: Principal, number: string | undefined, input: StartCheck, qrValid: boolean | null, qrVersion: number | null, requestId?: string) {
    const m = this.ds.manager;
    const [row]: (Waybill & Gathered)[] = await m.query(this.gatherSql(), [number, input.operatorId, p.organisationId, isAdmin(p), input.placeId ?? null]);
    if (!row || (!isAdmin(p) && row.loadingSiteId !== p.organisationId) || row.status === 'draft') throw NOT_FOUND();
    if (input.placeId && !row._placeOk) {
      throw new RuleViolationError('PLACE_NOT_OF_SITE', "The place of the check is not one of the waybill's loading site's places", { placeId: input.placeId });
    }
    const { placeRegions, _placeOk, _orgs, _vehicles, _tank, _people, _licence, _lines, _permits, _blacklist, _terminal, _preTrip, _onVehicle, _severities, _lastEvent, ...w } = row;
    // A second operator checking at the same moment gets the outcome the first one produced (the check commits
    // with the waybill's move, so the state read above comes with it).
    if (w.status !== 'issued' && w.status !== 'check_failed') {
      const [done]: LoadingCheck[] = await m.query(
        `SELECT ${entityColumns(m, LoadingCheck, 'c')} FROM loading_checks c
          WHERE c.waybill_id = $1 AND c.waybill_version = $2 AND c.outcome = 'pass' ORDER BY c.checked_at DESC LIMIT 1`,
        [w.id, w.version],
      );
      if (done) return { ...this.view(done), alreadyChecked: true };
    }
    const rows = <E extends object>(entity: new () => E, list: Record<string, unknown>[] | null) => (list ?? []).map((r) => entityFromJson(m, entity, r));
    const records: Records = {
      orgs: rows(Organisation, _orgs),
      vehicles: rows(Vehicle, _vehicles),
      tank: _tank ? entityFromJson(m, Tank, _tank) : null,
      people: rows(Person, _people),
      licence: _licence ? entityFromJson(m, CarrierLicence, _licence) : undefined,
      lines: rows(WaybillLine, _lines),
      permits: rows(Permit, _permits),
      blacklist: rows(BlacklistEntry, _blacklist),
      terminal: _terminal,
      preTrip: _preTrip ? entityFromJson(m, PreTripInspection, _preTrip) : null,
      onVehicle: _onVehicle ?? [],
    };
    const snapshot = this.snapshot(p, w as Waybill, input, qrValid, qrVersion, records);
    const severities = _severities ?? {};
    const evaluation = evaluateCheck(snapshot, severities);
    if (evaluation.outcome === 'pass' && evaluation.manualPending.length) {
      const keys = [...new Set(evaluation.manualPending.map((id) => CHECK_RULES.find((r) => r.id === id)?.checklistItem?.key).filter(Boolean))];
      throw new RuleViolationError('CHECKLIST_INCOMPLETE', `Answer the gate checklist before the check can pass: ${keys.join(', ')}`, {
        items: GATE_CHECKLIST.filter((i) => keys.includes(i.key)).map((i) => ({ key: i.key, label: i.label })),
        rules: evaluation.manualPending,
      });
    }
    const failed = evaluation.results.filter((r) => r.status === 'fail').map((r) => r.ruleId);
    const fields = {
      id: randomUUID(),
      waybillId: w.id,
      waybillVersion: w.version,
      loadingSiteId: w.loadingSiteId!,
      placeId: input.placeId ?? null,
      operatorPersonId: input.operatorId,
      checkedByUserId: p.userId,
      startedFrom: input.qr ? ('qr' as const) : ('number' as const),
      outcome: evaluation.outcome,
      results: evaluation.results as unknown as Record<string, unknown>[],
      checklist: input.checklist as unknown as Record<string, unknown>[],
      severities: resolveSeverities(severities),
    };
    const actor = { principal: p, requestId };
    const payload = { checkId: fields.id, failedRules: failed };
    const params: unknown[] = [];
    const $ = (v: unknown, type: string) => `$${params.push(v)}::${type}`;
    // The waybill moves on a pass, and on the first fail; the guard CTE `g` has the row when it is still as read.
    const action = evaluation.outcome === 'pass' ? 'check-pass' : w.status === 'issued' ? 'check-fail' : null;
    const transition = action ? this.waybills.guardedTransition(w as Waybill, _lastEvent, action, 'loader', actor, payload, { params, guard: 'g' }, placeRegions) : null;
    const guard = transition?.ctes ?? `g AS (SELECT id FROM waybills WHERE id = ${$(w.id, 'uuid')} AND row_version = ${$(w.rowVersion, 'int')} FOR SHARE)`;
    // The immutable result, the snapshot serialised once (json columns: stored as this text).
    const values = [
      $(fields.id, 'uuid'),
      $(fields.waybillId, 'uuid'),
      $(fields.waybillVersion, 'int'),
      $(fields.loadingSiteId, 'uuid'),
      $(fields.placeId, 'uuid'),
      $(fields.operatorPersonId, 'uuid'),
      $(fields.checkedByUserId, 'uuid'),
      $(fields.startedFrom, 'varchar'),
      $(fields.outcome, 'varchar'),
      $(JSON.stringify(fields.results), 'json'),
      $(JSON.stringify(fields.checklist), 'json'),
      $(JSON.stringify(fields.severities), 'json'),
      $(JSON.stringify(snapshot), 'json'),
      $(failed, 'text[]'),
    ];
    let stored: { checked_at: Date } | undefined;
    try {
      [stored] = await m.query(
        `WITH ${guard},
              c AS (INSERT INTO loading_checks (id, waybill_id, waybill_version, loading_site_id, place_id, operator_person_id, checked_by_user_id, started_from,
                                                outcome, results, checklist, severities, snapshot, failed_rules)
                    SELECT ${values.join(', ')} FROM g RETURNING checked_at)
         SELECT checked_at FROM c`,
        params,
      );
    } catch (e) {
      // An event appended meanwhile by a path that did not move the row version: the chain's unique seq refuses it.
      if ((e as { code?: string; constraint?: string }).code === '23505' && (e as { constraint?: string }).constraint === 'waybill_events_seq_uq') return null;
      throw e;
    }
    if (!stored) return null;
    transition?.announce();
    return this.view({ ...fields, failedRules: failed, checkedAt: stored.checked_at } as LoadingCheck);
  }

  // The one read of a check: the waybill row by its number (the number never changes), the regions of its places
  // (for the live announcement), every record the rules look at as JSON (entityJsonColumns, turned back into rows
  // as find() gives them; the latest pre-trip inspection among them), the rule settings, and the waybill's latest
  // event (the new one chains on it); and the goods already on the vehicle (PL-21): the lines of the other waybills
  // whose vehicle or trailer is this one's, in a status with goods on board (GOODS_ON_VEHICLE_STATUSES, as literals
  // so that the planner matches the partial index waybills_on_vehicle_trailer_idx; vehicle_id goes through
  // waybills_vehicle_id_idx).
  // $1 number, $2 operator id, $3 the principal's organisation, $4 whether the principal is an administrator, $5 the
  // place of the check (a place of the waybill's loading site, when given).
  private gatherSql(): string {
    if (this.gather) return this.gather;
    const m = this.ds.manager;
    const j = (entity: new () => object, alias: string) => `SELECT ${entityJsonColumns(m, entity, alias)} FROM ${entityTable(m, entity)} ${alias}`;
    const onBoard = GOODS_ON_VEHICLE_STATUSES.map((st) => `'${st}'`).join(', ');
    // The operator is a person of the loading site running the check (of the waybill's site for an administrator).
    const operatorOrg = `CASE WHEN $4::boolean THEN coalesce(w.loading_site_id, $3::uuid) ELSE $3::uuid END`;
    const blacklist = blacklistCondition({
      organisation: `ARRAY[w.shipper_id, w.consignee_id, w.carrier_id]`,
      vehicle: `ARRAY(SELECT v.id FROM vehicles v WHERE v.id IN (w.vehicle_id, w.trailer_id))`,
      person: `ARRAY(SELECT pp.id FROM people pp WHERE pp.id IN (w.driver_id, w.escort_id) OR (pp.id = $2::uuid AND pp.organisation_id = ${operatorOrg}))`,
    });
    // Not the certificate snapshot taken at issue (5.7 KB of JSON in the benchmark's waybills) nor the QR text: the
    // rules and the waybill's move read neither.
    return (this.gather = `SELECT ${entityColumns(m, Waybill, 'w', ['certificateSnapshot', 'qr'])},
       ARRAY(SELECT pl.region_code FROM places pl WHERE pl.id IN (w.origin_place_id, w.destination_place_id)) AS "placeRegions",
       EXISTS (SELECT 1 FROM places pl WHERE pl.id = $5::uuid AND pl.organisation_id = w.loading_site_id) AS "_placeOk",
       (SELECT json_agg(x) FROM (${j(Organisation, 'o')} WHERE o.id IN (w.shipper_id, w.consignee_id, w.carrier_id, w.loading_site_id)) x) AS "_orgs",
       (SELECT json_agg(x) FROM (${j(Vehicle, 'v')} WHERE v.id IN (w.vehicle_id, w.trailer_id)) x) AS "_vehicles",
       (SELECT row_to_json(x) FROM (${j(Tank, 't')} WHERE t.id = w.tank_id) x) AS "_tank",
       (SELECT json_agg(x) FROM (${j(Person, 'pe')} WHERE pe.id IN (w.driver_id, w.escort_id, $2::uuid)) x) AS "_people",
       (SELECT row_to_json(x) FROM (${j(CarrierLicence, 'cl')} WHERE cl.organisation_id = w.carrier_id LIMIT 1) x) AS "_licence",
       (SELECT json_agg(x ORDER BY x."lineNo") FROM (${j(WaybillLine, 'wl')} WHERE wl.waybill_id = w.id) x) AS "_lines",
       (SELECT json_agg(x ORDER BY array_position(w.permit_ids, x.id)) FROM (${j(Permit, 'pm')} WHERE pm.id = ANY(w.permit_ids)) x) AS "_permits",
       (SELECT json_agg(x ORDER BY x."validFrom", x.id) FROM (${j(BlacklistEntry, 'b')} WHERE ${blacklist}) x) AS "_blacklist",
       (SELECT row_to_json(x) FROM (SELECT t.last_seen_at::text AS "lastSeenAt", lp.fix_time::text AS "fixTime", lp.alarm_bits AS "alarmBits",
                                           lp.received_at::text AS "receivedAt", lp.vehicle_id IS NOT NULL AS "hasPosition"
                                      FROM terminals t LEFT JOIN vehicle_latest_positions lp ON lp.vehicle_id = w.vehicle_id
                                     WHERE t.vehicle_id = w.vehicle_id AND t.status = 'active' LIMIT 1) x) AS "_terminal",
       (SELECT row_to_json(x) FROM (${j(PreTripInspection, 'pt')} WHERE pt.waybill_id = w.id ORDER BY pt.recorded_at DESC, pt.id DESC LIMIT 1) x) AS "_preTrip",
       (SELECT json_agg(x ORDER BY x."waybillNumber", x."lineNo")
          FROM (SELECT ow.number AS "waybillNumber", ol.line_no AS "lineNo", ol.un_number AS "unNumber", ol.packing_group AS "packingGroup", ol.labels,
                       ol.classification_code AS "classificationCode", ol.limited_quantity AS "limitedQuantity"
                  FROM waybills ow JOIN waybill_lines ol ON ol.waybill_id = ow.id
                 WHERE (ow.vehicle_id IN (w.vehicle_id, w.trailer_id) OR ow.trailer_id IN (w.vehicle_id, w.trailer_id))
                   AND ow.status IN (${onBoard}) AND ow.id <> w.id) x) AS "_onVehicle",
       (SELECT json_object_agg(s.rule_id, s.severity) FROM check_rule_settings s) AS "_severities",
       (SELECT json_build_object('seq', e.seq, 'hash', e.hash) FROM waybill_events e WHERE e.waybill_id = w.id ORDER BY e.seq DESC LIMIT 1) AS "_lastEvent"
  FROM waybills w WHERE w.number = $1`);
  }
  private gather?: string;

  // The snapshot the rules see, from the records gathered.
  private snapshot(p: Principal, w: Waybill, input: StartCheck, qrValid: boolean | null, qrVersion: number | null, r: Records): CheckSnapshot {
    const orgs = new Map(r.orgs.map((o) => [o.id, o] as const));
    const { vehicles, people, tank, lines, licence, permits } = r;
    const find = <E extends { id: string }>(rows: E[], id: string | null | undefined) => (id ? (rows.find((x) => x.id === id) ?? null) : null);
    const vehicle = find(vehicles, w.vehicleId);
    const trailer = find(vehicles, w.trailerId);
    const driver = find(people, w.driverId);
    const escort = find(people, w.escortId);
    // The operator is a person of the loading site running the check (of the waybill's site for an administrator).
    const operatorOrg = isAdmin(p) ? (w.loadingSiteId ?? p.organisationId) : p.organisationId;
    const operator = people.find((x) => x.id === input.operatorId && x.organisationId === operatorOrg) ?? null;
    const today = shanghaiDate(new Date());
    const subjects = [
      ...[w.shipperId, w.consigneeId, w.carrierId].filter((x): x is string => !!x).map((id) => ({ type: 'organisation' as const, id })),
      ...[vehicle, trailer].filter((v): v is Vehicle => !!v).map((v) => ({ type: 'vehicle' as const, id: v.id })),
      ...[driver, escort, operator].filter((x): x is Person => !!x).map((x) => ({ type: 'person' as const, id: x.id })),
    ];
    // Entries found through identity (same plate or ID number on another record) count against the dispatched one.
    const entries = activeEntries(r.blacklist, today).map((e) => {
      const direct = subjects.some((s) => s.type === e.subjectType && s.id === e.subjectId);
      return direct ? e : { ...e, subjectId: subjects.find((s) => s.type === e.subjectType)?.id ?? e.subjectId };
    });
    const lastCargo = tank?.lastCargoUn ? this.goods.describe(tank.lastCargoUn) : undefined;
    const variantOf = (un: string, pg: string | null) => {
      const d = this.goods.describe(un);
      return d?.variants.find((v) => v.packingGroup === pg && v.classificationCode !== undefined) ?? d?.variants[0];
    };
    const org = (id: string | null) => (id && orgs.get(id)) || null;
    return {
      now: new Date(),
      today,
      site: { id: w.loadingSiteId!, name: org(w.loadingSiteId)?.name ?? '' },
      operator,
      waybill: {
        id: w.id,
        number: w.number,
        version: w.version,
        status: w.status,
        loadingSiteId: w.loadingSiteId,
        plannedArrivalAt: w.plannedArrivalAt,
        plannedRoute: w.plannedRoute,
        qrValid,
        qrVersion,
        lines: lines.map((l) => ({
          ...l,
          tankCode: variantOf(l.unNumber, l.packingGroup)?.tankCode ?? null,
          tankVehicle: variantOf(l.unNumber, l.packingGroup)?.tankVehicle ?? null,
        })),
      },
      scanned: input.scannedPlates ? { plates: input.scannedPlates } : undefined,
      shipper: { id: w.shipperId, name: org(w.shipperId)?.name ?? '' },
      consignee: org(w.consigneeId),
      // No licence stays undefined, as the row-per-table read left it (out of the stored snapshot, not null).
      carrier: { org: org(w.carrierId), licence: licence as CarrierLicence },
      vehicle,
      trailer,
      tank: tank ? { ...tank, lastCargoLabels: lastCargo?.variants[0]?.labels, lastCargoClassificationCode: lastCargo?.variants[0]?.classificationCode ?? null } : null,
      driver,
      escort,
      permits,
      blacklist: entries,
      terminal: terminalStatus(r.terminal),
      preTrip: r.preTrip,
      // Labels and classification code as the catalogue has them now (as for the lines' tank codes), the line's own
      // (resolved from the catalogue when its waybill was made) for a UN number the catalogue no longer describes.
      goodsOnVehicle: r.onVehicle.map((g) => {
        const v = variantOf(g.unNumber, g.packingGroup);
        return {
          ref: `on board ${g.waybillNumber} line ${g.lineNo}`,
          unNumber: g.unNumber,
          labels: v?.labels?.length ? v.labels : g.labels,
          classificationCode: v?.classificationCode ?? g.classificationCode,
          limitedQuantity: g.limitedQuantity,
        };
      }),
      confirmations: Object.fromEntries(input.checklist.map((c) => [c.key, { ok: c.ok, note: c.note }])),
    };
  }

  private async severities(m: EntityManager): Promise<Partial<Record<string, Severity>>> {
    const rows: { rule_id: string; severity: Severity }[] = await m.query(`SELECT rule_id, severity FROM check_rule_settings`);
    return Object.fromEntries(rows.map((r) => [r.rule_id, r.severity]));
  }

  view(c: LoadingCheck) {
    const results = c.results as unknown as { ruleId: string; status: string; severity: string; messageZh: string; messageEn: string }[];
    const { snapshot: _s, ...rest } = c;
    return {
      ...rest,
      failures: results.filter((r) => r.status === 'fail').map(({ ruleId, messageZh, messageEn }) => ({ ruleId, messageZh, messageEn })),
      warnings: results.filter((r) => r.status === 'warn').map(({ ruleId, messageZh, messageEn }) => ({ ruleId, messageZh, messageEn })),
    };
  }

  // ---------------------------------------------------------------- reading

  // A check is visible to the loading site, the waybill's shipper and carrier, authorities in the region, admin.
  async get(p: Principal, id: string, withSnapshot = false) {
    const c = await this.ds.getRepository(LoadingCheck).findOneBy({ id });
    if (!c) throw new NotFoundError('CHECK_NOT_FOUND', 'No such check');
    await this.waybillVisible(p, c.waybillId, () => new NotFoundError('CHECK_NOT_FOUND', 'No such check'));
    return withSnapshot ? { ...this.view(c), snapshot: c.snapshot } : this.view(c);
  }

  private async waybillVisible(p: Principal, waybillId: string, notFound: () => Error) {
    try {
      return await this.waybills.getVisible(p, waybillId);
    } catch {
      throw notFound();
    }
  }

  async list(p: Principal, q: ListChecks) {
    const qb = this.ds.getRepository(LoadingCheck).createQueryBuilder('c').innerJoin(Waybill, 'w', 'w.id = c.waybill_id');
    if (!isAdmin(p)) {
      const prefix = `${regionPrefix(p.regionCode)}%`;
      qb.where(
        `(c.loading_site_id = :org OR w.shipper_id = :org OR w.carrier_id = :org${
          isAuthority(p) ? ' OR EXISTS (SELECT 1 FROM organisations o WHERE o.id = c.loading_site_id AND o.region_code LIKE :prefix)' : ''
        })`,
        { org: p.organisationId, prefix },
      );
    }
    if (q.waybillId) qb.andWhere('c.waybill_id = :wid', { wid: q.waybillId });
    if (q.outcome) qb.andWhere('c.outcome = :outcome', { outcome: q.outcome });
    const [rows, total] = await qb.orderBy('c.checked_at', 'DESC').take(q.limit).skip(q.offset).getManyAndCount();
    return { items: rows.map((r) => this.view(r)), total, limit: q.limit, offset: q.offset };
  }

  // ---------------------------------------------------------------- loading

  // Loading starts only after a passing check of the waybill's current version (an amendment voids it).
  async startLoading(p: Principal, waybillId: string, input: StartLoading, requestId?: string) {
    return this.ds.transaction(async (m) => {
      const w = await this.loadingSiteWaybill(m, p, waybillId);
      const check = await m.findOne(LoadingCheck, { where: { waybillId: w.id, waybillVersion: w.version, outcome: 'pass' }, order: { checkedAt: 'DESC' } });
      if (!check || w.status !== 'checked') {
        throw new RuleViolationError('NO_PASSING_CHECK', `Loading needs a passing pre-loading check of version ${w.version} of this waybill`, { status: w.status, version: w.version });
      }
      await m.insert(LoadingRecord, { waybillId: w.id, waybillVersion: w.version, checkId: check.id, operatorPersonId: input.operatorId ?? check.operatorPersonId, startedByUserId: p.userId });
      return this.waybills.transitionAs(w.id, 'start-loading', 'loader', { principal: p, requestId }, { checkId: check.id }, m);
    });
  }

  // Records what was loaded; refuses (nothing changes) when PL-22 or PL-32 fails, so that the excess is unloaded or
  // the closure fixed first.
  async finishLoading(p: Principal, waybillId: string, input: FinishLoading, requestId?: string) {
    await this.photos.assertOwned(p, input.closures.photoIds ?? []);
    return this.ds.transaction(async (m) => {
      const w = await this.loadingSiteWaybill(m, p, waybillId);
      const record = await m.findOneBy(LoadingRecord, { waybillId: w.id, waybillVersion: w.version });
      if (!record || w.status !== 'loading') throw new RuleViolationError('NOT_LOADING', 'This waybill is not being loaded', { status: w.status });
      const lines = await m.find(WaybillLine, { where: { waybillId: w.id } });
      const lineProblems = loadedLinesProblems(lines, input.lines);
      if (lineProblems.length) {
        throw new RuleViolationError('LOADING_LINES_INVALID', lineProblems.map((x) => x.messageEn).join('; '), { problems: lineProblems });
      }
      const units = new Map(lines.map((l) => [l.lineNo, l.unit]));
      const [vehicle, trailer, tank] = await Promise.all([
        w.vehicleId ? m.findOneBy(Vehicle, { id: w.vehicleId }) : null,
        w.trailerId ? m.findOneBy(Vehicle, { id: w.trailerId }) : null,
        w.tankId ? m.findOneBy(Tank, { id: w.tankId }) : null,
      ]);
      const problems = loadingProblems({
        lines: input.lines.map((l) => ({ lineNo: l.lineNo, unit: units.get(l.lineNo)!, loadedQuantity: l.loadedQuantity })),
        ratedLoadKg: (trailer ?? vehicle)?.ratedLoadKg ?? null,
        tank: w.tankId ? { volumeL: tank?.volumeL ?? null } : null,
        fillingRatioPct: input.fillingRatioPct,
        closuresOk: input.closures.ok,
      });
      if (problems.length) {
        throw new RuleViolationError('LOADING_REFUSED', problems.map((x) => x.messageEn).join('; '), { problems });
      }
      const result = await this.waybills.transitionAs(
        w.id,
        'finish-loading',
        'loader',
        { principal: p, requestId },
        { lines: input.lines, seals: input.seals, fillingRatioPct: input.fillingRatioPct, closures: input.closures } as never,
        m,
      );
      await m.update(LoadingRecord, record.id, {
        finishedAt: new Date(),
        lines: input.lines as never,
        seals: input.seals,
        checks: { fillingRatioPct: input.fillingRatioPct ?? null, closures: input.closures, ratedLoadKg: (trailer ?? vehicle)?.ratedLoadKg ?? null } as never,
      });
      return result;
    });
  }

  private async loadingSiteWaybill(m: EntityManager, p: Principal, id: string) {
    if (p.organisationKind !== 'loading_site' && !isAdmin(p)) throw new ForbiddenError('ROLE_REQUIRED', 'Only the loading site records loading');
    const w = /^[0-9a-f-]{36}$/i.test(id) ? await m.getRepository(Waybill).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } }) : null;
    if (!w || (!isAdmin(p) && w.loadingSiteId !== p.organisationId) || w.status === 'draft') throw NOT_FOUND();
    return w;
  }

  // ---------------------------------------------------------------- rules and reports

  async rules() {
    const settings = await this.severities(this.ds.manager);
    const resolved = resolveSeverities(settings);
    return { rules: CHECK_RULES.map((r) => ({ ...r, severity: resolved[r.id] })), checklist: GATE_CHECKLIST };
  }

  async setSeverity(p: Principal, ruleId: string, severity: Severity, requestId?: string) {
    if (!isAdmin(p)) throw new ForbiddenError('ROLE_REQUIRED', 'Only an administrator changes rule severities');
    const problems = severityOverrideProblems({ [ruleId]: severity });
    if (problems.length) {
      const code = problems[0]!.code === 'UNKNOWN_RULE' ? 'CHECK_RULE_NOT_FOUND' : problems[0]!.code;
      if (code === 'CHECK_RULE_NOT_FOUND') throw new NotFoundError(code, problems[0]!.message);
      throw new BadRequestError(code, problems[0]!.message);
    }
    return this.ds.transaction(async (m) => {
      const before = await m.findOneBy(CheckRuleSetting, { ruleId });
      await m.upsert(CheckRuleSetting, { ruleId, severity, updatedByUserId: p.userId }, ['ruleId']);
      await this.audit.record(
        { userId: p.userId, apiKeyId: p.apiKeyId, requestId },
        { action: 'check-rule.set-severity', entityType: 'check_rule', entityId: ruleId, organisationId: null, before: before ?? { severity: CHECK_RULES.find((r) => r.id === ruleId)!.defaultSeverity }, after: { severity } },
        m,
      );
      return { ruleId, severity };
    });
  }

  // Checks per site and day, and failure reasons ranked (scoped like list()).
  async report(p: Principal, q: Report) {
    const params: unknown[] = [q.from, q.to];
    let scope = '';
    if (!isAdmin(p)) {
      params.push(p.organisationId);
      // the loading site's own checks, the checks of the shipper's and the carrier's waybills, and (authorities)
      // every check at a site of their region
      scope = `AND (c.loading_site_id = $3 OR w.shipper_id = $3 OR w.carrier_id = $3${isAuthority(p) ? ` OR o.region_code LIKE $4` : ''})`;
      if (isAuthority(p)) params.push(`${regionPrefix(p.regionCode)}%`);
    }
    const perDay: { site_id: string; site: string; day: string; checks: number; passed: number; failed: number }[] = await this.ds.query(
      `SELECT c.loading_site_id AS site_id, o.name AS site, to_char(c.checked_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS day,
              count(*)::int AS checks, count(*) FILTER (WHERE c.outcome = 'pass')::int AS passed, count(*) FILTER (WHERE c.outcome = 'fail')::int AS failed
         FROM loading_checks c JOIN organisations o ON o.id = c.loading_site_id JOIN waybills w ON w.id = c.waybill_id
        WHERE c.checked_at >= $1 AND c.checked_at < $2 ${scope}
        GROUP BY 1, 2, 3 ORDER BY 3, 2`,
      params,
    );
    const reasons: { rule_id: string; failures: number }[] = await this.ds.query(
      `SELECT r AS rule_id, count(*)::int AS failures
         FROM loading_checks c JOIN organisations o ON o.id = c.loading_site_id JOIN waybills w ON w.id = c.waybill_id, unnest(c.failed_rules) AS r
        WHERE c.checked_at >= $1 AND c.checked_at < $2 ${scope}
        GROUP BY 1 ORDER BY 2 DESC, 1`,
      params,
    );
    const title = (id: string) => CHECK_RULES.find((r) => r.id === id)?.title;
    return {
      from: q.from,
      to: q.to,
      perSiteAndDay: perDay.map((r) => ({ siteId: r.site_id, site: r.site, day: r.day, checks: r.checks, passed: r.passed, failed: r.failed })),
      failureReasons: reasons.map((r) => ({ ruleId: r.rule_id, title: title(r.rule_id), failures: r.failures })),
    };
  }
}

// Text cells (site and rule names) are neutralised against spreadsheet formulas by toCsv; the counts go as numbers.
export function reportCsv(report: Awaited<ReturnType<LoadingChecksService['report']>>): string {
  return toCsv([
    ['section', 'site', 'day', 'checks', 'passed', 'failed', 'rule', 'rule_title_zh', 'failures'],
    ...report.perSiteAndDay.map((r) => ['per_site_day', r.site, r.day, r.checks, r.passed, r.failed, '', '', '']),
    ...report.failureReasons.map((r) => ['failure_reason', '', '', '', '', '', r.ruleId, r.title?.zh ?? '', r.failures]),
  ]);
}
