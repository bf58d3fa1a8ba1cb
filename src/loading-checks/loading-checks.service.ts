import { Injectable } from '@nestjs/common';
import { DataSource, In, type EntityManager } from 'typeorm';
import { Organisation } from '../accounts/organisation.entity.js';
import { isAdmin, isAuthority, type Principal } from '../accounts/principal.js';
import { regionPrefix } from '../accounts/region.rules.js';
import { AuditService } from '../common/audit.service.js';
import { BadRequestError, ForbiddenError, NotFoundError, RuleViolationError } from '../common/errors.js';
import { DangerousGoodsService } from '../dangerous-goods/dangerous-goods.service.js';
import { BlacklistService } from '../vehicles/blacklist.service.js';
import { CarrierLicence } from '../vehicles/carrier-licence.entity.js';
import { entityColumns, entityTable } from '../database/raw-entity.js';
import { shanghaiDate } from '../vehicles/certificate.rules.js';
import { Person } from '../vehicles/person.entity.js';
import { Tank } from '../vehicles/tank.entity.js';
import { Vehicle } from '../vehicles/vehicle.entity.js';
import { Permit } from '../waybills/permit.entity.js';
import { QrKeysService } from '../waybills/qr-keys.service.js';
import { Waybill } from '../waybills/waybill.entity.js';
import { WaybillLine } from '../waybills/waybill-line.entity.js';
import { WaybillsService } from '../waybills/waybills.service.js';
import { CHECK_RULES, GATE_CHECKLIST, resolveSeverities, severityOverrideProblems, type Severity } from './check-rules.catalogue.js';
import { evaluateCheck, type CheckSnapshot, type TerminalStatus } from './check-rules.js';
import { CheckPhotosService } from './check-photos.service.js';
import { CheckRuleSetting } from './check-rule-setting.entity.js';
import { LoadingCheck } from './loading-check.entity.js';
import type { FinishLoading, ListChecks, Report, StartCheck, StartLoading } from './loading-checks.dto.js';
import { loadingProblems } from './loading.rules.js';
import { LoadingRecord } from './loading-record.entity.js';

const NOT_FOUND = () => new NotFoundError('WAYBILL_NOT_FOUND', 'No such waybill for this loading site');

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
    private readonly blacklist: BlacklistService,
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
    let placeRegions: string[] = [];
    let announce: (() => void) | undefined;
    const result = await this.ds.transaction(async (m) => {
      // The waybill row locked by its number in one statement (the number never changes), with the regions of its
      // places for the live announcement after the commit.
      const [row]: (Waybill & { placeRegions: string[] })[] = await m.query(
        `SELECT ${entityColumns(m, Waybill, 'w')},
                ARRAY(SELECT pl.region_code FROM places pl WHERE pl.id IN (w.origin_place_id, w.destination_place_id)) AS "placeRegions"
           FROM waybills w WHERE w.number = $1 FOR UPDATE OF w`,
        [number],
      );
      if (!row || (!isAdmin(p) && row.loadingSiteId !== p.organisationId) || row.status === 'draft') throw NOT_FOUND();
      const { placeRegions: regions, ...w } = row;
      placeRegions = regions;
      // A second operator checking at the same moment gets the outcome the first one produced. (Read after the lock,
      // in a statement of its own, so that it sees a check the other transaction committed while this one waited.)
      if (w.status !== 'issued' && w.status !== 'check_failed') {
        const [done]: LoadingCheck[] = await m.query(
          `SELECT ${entityColumns(m, LoadingCheck, 'c')} FROM loading_checks c
            WHERE c.waybill_id = $1 AND c.waybill_version = $2 AND c.outcome = 'pass' ORDER BY c.checked_at DESC LIMIT 1`,
          [w.id, w.version],
        );
        if (done) return { ...this.view(done), alreadyChecked: true };
      }

      const snapshot = await this.snapshot(m, p, w as Waybill, input, qrValid, qrVersion);
      const severities = await this.severities(m);
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
      // Plain INSERT: the same row the ORM's save wrote (the snapshot serialised once, as jsonb stores it), without
      // its per-call query building.
      const [stored]: { id: string; checked_at: Date }[] = await m.query(
        `INSERT INTO loading_checks (waybill_id, waybill_version, loading_site_id, place_id, operator_person_id, checked_by_user_id, started_from, outcome,
                                     results, checklist, severities, snapshot, failed_rules)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id, checked_at`,
        [
          fields.waybillId,
          fields.waybillVersion,
          fields.loadingSiteId,
          fields.placeId,
          fields.operatorPersonId,
          fields.checkedByUserId,
          fields.startedFrom,
          fields.outcome,
          JSON.stringify(fields.results),
          JSON.stringify(fields.checklist),
          JSON.stringify(fields.severities),
          JSON.stringify(snapshot),
          failed,
        ],
      );
      const check = { ...fields, failedRules: failed, id: stored!.id, checkedAt: stored!.checked_at } as LoadingCheck;
      const actor = { principal: p, requestId };
      const payload = { checkId: check.id, failedRules: failed };
      // The row is locked by this transaction since the first statement: the transition works on it as read.
      if (evaluation.outcome === 'pass') announce = await this.waybills.transitionLocked(m, w as Waybill, 'check-pass', 'loader', actor, payload, placeRegions);
      else if (w.status === 'issued') announce = await this.waybills.transitionLocked(m, w as Waybill, 'check-fail', 'loader', actor, payload, placeRegions);
      return this.view(check);
    });
    announce?.();
    return result;
  }

  // Every record the rules look at, read inside the check's transaction with one plain statement per table.
  private async snapshot(m: EntityManager, p: Principal, w: Waybill, input: StartCheck, qrValid: boolean | null, qrVersion: number | null): Promise<CheckSnapshot> {
    const ids = (...xs: (string | null | undefined)[]) => [...new Set(xs.filter((x): x is string => !!x))];
    const byIds = async <E extends { id: string }>(entity: new () => E, wanted: string[]): Promise<E[]> =>
      wanted.length ? m.query(`SELECT ${entityColumns(m, entity, 'x')} FROM ${entityTable(m, entity)} x WHERE x.id = ANY($1::uuid[])`, [wanted]) : [];
    const orgs = new Map((await byIds(Organisation, ids(w.shipperId, w.consigneeId, w.carrierId, w.loadingSiteId))).map((o) => [o.id, o] as const));
    const vehicles = await byIds(Vehicle, ids(w.vehicleId, w.trailerId));
    const tanks = await byIds(Tank, ids(w.tankId));
    const people = await byIds(Person, ids(w.driverId, w.escortId, input.operatorId));
    const [licence]: CarrierLicence[] = w.carrierId
      ? await m.query(`SELECT ${entityColumns(m, CarrierLicence, 'l')} FROM carrier_licences l WHERE l.organisation_id = $1 LIMIT 1`, [w.carrierId])
      : [];
    const lines: WaybillLine[] = await m.query(`SELECT ${entityColumns(m, WaybillLine, 'l')} FROM waybill_lines l WHERE l.waybill_id = $1 ORDER BY l.line_no`, [w.id]);
    const find = <E extends { id: string }>(rows: E[], id: string | null | undefined) => (id ? (rows.find((r) => r.id === id) ?? null) : null);
    const vehicle = find(vehicles, w.vehicleId);
    const trailer = find(vehicles, w.trailerId);
    const tank = find(tanks, w.tankId);
    const driver = find(people, w.driverId);
    const escort = find(people, w.escortId);
    // The operator is a person of the loading site running the check (of the waybill's site for an administrator).
    const operatorOrg = isAdmin(p) ? (w.loadingSiteId ?? p.organisationId) : p.organisationId;
    const operator = people.find((x) => x.id === input.operatorId && x.organisationId === operatorOrg) ?? null;
    const permits = w.permitIds.length ? await m.findBy(Permit, { id: In(w.permitIds) }) : [];
    const today = shanghaiDate(new Date());
    const subjects = [
      ...[w.shipperId, w.consigneeId, w.carrierId].filter((x): x is string => !!x).map((id) => ({ type: 'organisation' as const, id })),
      ...[vehicle, trailer].filter((v): v is Vehicle => !!v).map((v) => ({ type: 'vehicle' as const, id: v.id })),
      ...[driver, escort, operator].filter((x): x is Person => !!x).map((x) => ({ type: 'person' as const, id: x.id })),
    ];
    // Entries found through identity (same plate or ID number on another record) count against the dispatched one.
    const entries = (await this.blacklist.activeFor(subjects, today, m)).map((e) => {
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
      carrier: { org: org(w.carrierId), licence },
      vehicle,
      trailer,
      tank: tank ? { ...tank, lastCargoLabels: lastCargo?.variants[0]?.labels, lastCargoClassificationCode: lastCargo?.variants[0]?.classificationCode ?? null } : null,
      driver,
      escort,
      permits,
      blacklist: entries,
      terminal: await this.terminalStatus(m, w.vehicleId),
      confirmations: Object.fromEntries(input.checklist.map((c) => [c.key, { ok: c.ok, note: c.note }])),
    };
  }

  // PL-25 from the vehicle's terminal and its latest position. No terminal, or no position yet, is null: the
  // rule fails on it rather than passing for want of data.
  private async terminalStatus(m: EntityManager, vehicleId: string | null): Promise<TerminalStatus | null> {
    if (!vehicleId) return null;
    const [row]: { last_seen_at: Date | null; fix_time: Date | null; alarm_bits: number | null; received_at: Date | null; has_position: boolean }[] = await m.query(
      `SELECT t.last_seen_at, l.fix_time, l.alarm_bits, l.received_at, l.vehicle_id IS NOT NULL AS has_position
         FROM terminals t LEFT JOIN vehicle_latest_positions l ON l.vehicle_id = $1
        WHERE t.vehicle_id = $1 AND t.status = 'active' LIMIT 1`,
      [vehicleId],
    );
    if (!row || !row.has_position) return null;
    const lastSeen: Date | null = row.last_seen_at ?? row.received_at ?? null;
    return {
      lastFixAt: row.fix_time,
      alarmBits: row.alarm_bits,
      online: !!lastSeen && Date.now() - new Date(lastSeen).getTime() <= 5 * 60_000,
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
      const units = new Map(lines.map((l) => [l.lineNo, l.unit]));
      const [vehicle, trailer, tank] = await Promise.all([
        w.vehicleId ? m.findOneBy(Vehicle, { id: w.vehicleId }) : null,
        w.trailerId ? m.findOneBy(Vehicle, { id: w.trailerId }) : null,
        w.tankId ? m.findOneBy(Tank, { id: w.tankId }) : null,
      ]);
      const problems = loadingProblems({
        lines: input.lines.filter((l) => units.has(l.lineNo)).map((l) => ({ lineNo: l.lineNo, unit: units.get(l.lineNo)!, loadedQuantity: l.loadedQuantity })),
        ratedLoadKg: (trailer ?? vehicle)?.ratedLoadKg ?? null,
        tankVolumeL: tank?.volumeL ?? null,
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

export function reportCsv(report: Awaited<ReturnType<LoadingChecksService['report']>>): string {
  const esc = (v: unknown) => {
    const s = String(v ?? '');
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const rows = [
    ['section', 'site', 'day', 'checks', 'passed', 'failed', 'rule', 'rule_title_zh', 'failures'],
    ...report.perSiteAndDay.map((r) => ['per_site_day', r.site, r.day, r.checks, r.passed, r.failed, '', '', '']),
    ...report.failureReasons.map((r) => ['failure_reason', '', '', '', '', '', r.ruleId, r.title?.zh ?? '', r.failures]),
  ];
  // A UTF-8 BOM so that spreadsheet programs used in China open the Chinese text correctly.
  return '\uFEFF' + rows.map((r) => r.map(esc).join(',')).join('\r\n') + '\r\n';
}
