import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal } from '../accounts/principal.js';
import { AuditService } from '../common/audit.service.js';
import { ConflictError, ForbiddenError, BadRequestError, RuleViolationError } from '../common/errors.js';
import { shanghaiDate } from '../vehicles/certificate.rules.js';
import { PreTripInspection } from './pre-trip-inspection.entity.js';
import { PRE_TRIP_ITEM_KEYS, PRE_TRIP_STATUSES, preTripProblems, type PreTripItemResult } from './pre-trip-inspection.rules.js';
import type { CreatePreTripInspection } from './pre-trip-inspections.dto.js';
import { actingRoles } from './waybill-acting.rules.js';
import type { Waybill } from './waybill.entity.js';
import { WaybillsService } from './waybills.service.js';

// A time given as "now" by a device whose clock runs a little fast is still accepted.
const CLOCK_SKEW_MS = 5 * 60_000;

type PersonRow = { id: string; name: string; organisationId: string; status: string };

// The carrier's pre-trip inspections and safety briefings of a waybill (Order 29 art. 25). Recorded by the
// waybill's carrier before loading, never changed: a new record supersedes the previous one. The pre-loading check
// reads the latest in its own statement (LoadingChecksService.gatherSql) and decides PL-26 from it.
@Injectable()
export class PreTripInspectionsService {
  constructor(
    private readonly ds: DataSource,
    private readonly waybills: WaybillsService,
    private readonly audit: AuditService,
  ) {}

  async record(p: Principal, waybillId: string, input: CreatePreTripInspection, requestId?: string, now = new Date()) {
    return this.ds.transaction(async (m) => {
      // Locked, so that two records made at once chain one after the other (supersedesId).
      const { waybill: w, roles } = await this.waybills.getVisible(p, waybillId, m, true, false);
      if (!roles.includes('carrier') && !roles.includes('admin')) {
        throw new ForbiddenError('NOT_WAYBILL_CARRIER', "Only the waybill's carrier records its pre-trip inspection", { roles });
      }
      if (!actingRoles(roles, p.roles).some((r) => r === 'carrier' || r === 'admin')) {
        throw new ForbiddenError('ROLE_REQUIRED', "Only the carrier's org_admin or carrier users record pre-trip inspections", { roles: p.roles });
      }
      if (!(PRE_TRIP_STATUSES as readonly string[]).includes(w.status)) {
        throw new ConflictError('WAYBILL_NOT_BEFORE_LOADING', `A pre-trip inspection is recorded after issue and before loading; the waybill is ${w.status}`, {
          status: w.status,
          allowed: PRE_TRIP_STATUSES,
        });
      }
      for (const [field, at] of [['inspectedAt', input.inspectedAt], ['briefing.briefedAt', input.briefing.briefedAt]] as const) {
        if (at.getTime() > now.getTime() + CLOCK_SKEW_MS) throw new BadRequestError('PRETRIP_TIME_IN_FUTURE', `${field} is in the future`, { field, at });
      }
      const people: PersonRow[] = await m.query(
        `SELECT id, name, organisation_id AS "organisationId", status FROM people WHERE id = ANY($1::uuid[])`,
        [[input.inspectorId, w.driverId, w.escortId].filter(Boolean)],
      );
      const inspector = people.find((x) => x.id === input.inspectorId.toLowerCase());
      if (!inspector || inspector.organisationId !== w.carrierId || inspector.status !== 'active') {
        throw new RuleViolationError('INSPECTOR_NOT_CARRIER_PERSON', "inspectorId must name an active person of the waybill's carrier", { inspectorId: input.inspectorId });
      }
      const crew = [w.driverId, w.escortId].filter((x): x is string => !!x);
      const strangers = input.briefing.personIds.filter((id) => !crew.includes(id));
      if (strangers.length) {
        throw new RuleViolationError('BRIEFED_PERSON_NOT_CREW', "Only the waybill's driver and escort are given its safety briefing", {
          personIds: strangers,
          driverId: w.driverId,
          escortId: w.escortId,
        });
      }
      // The previous latest, and the time of this record taken under the waybill's lock (not now(), the start of the
      // transaction): records of one waybill are then ordered as they were made, which is how the check finds the latest.
      const [{ latest, recordedAt }]: { latest: string | null; recordedAt: Date }[] = await m.query(
        `SELECT (SELECT id FROM pre_trip_inspections WHERE waybill_id = $1 ORDER BY recorded_at DESC, id DESC LIMIT 1) AS latest, clock_timestamp() AS "recordedAt"`,
        [w.id],
      );
      // Stored in PRE_TRIP_ITEMS order, whatever order they were sent in.
      const items: PreTripItemResult[] = PRE_TRIP_ITEM_KEYS.map((key) => input.items.find((i) => i.key === key)!).map((i) => ({ key: i.key, ok: i.ok, note: i.note ?? null }));
      const saved = await m.save(PreTripInspection, {
        waybillId: w.id,
        waybillVersion: w.version,
        carrierId: w.carrierId!,
        inspectorId: inspector.id,
        inspectedAt: input.inspectedAt,
        vehicleId: w.vehicleId,
        trailerId: w.trailerId,
        tankId: w.tankId,
        items,
        briefedPersonIds: input.briefing.personIds,
        briefedAt: input.briefing.briefedAt,
        briefingNote: input.briefing.note ?? null,
        supersedesId: latest,
        recordedByUserId: p.userId,
        recordedAt,
      });
      await this.audit.record(
        { userId: p.userId, apiKeyId: p.apiKeyId, requestId },
        { action: 'pre-trip-inspection.record', entityType: 'pre_trip_inspection', entityId: saved.id, organisationId: w.carrierId, after: saved },
        m,
      );
      return this.view(saved, w, people, now);
    });
  }

  // Newest first; the first one is what PL-26 reads. Anyone who sees the waybill sees its records.
  async list(p: Principal, waybillId: string, now = new Date()) {
    const { waybill: w } = await this.waybills.getVisible(p, waybillId, this.ds.manager, false, false);
    const rows = await this.ds.getRepository(PreTripInspection).find({ where: { waybillId: w.id }, order: { recordedAt: 'DESC', id: 'DESC' } });
    const people: PersonRow[] = rows.length
      ? await this.ds.query(`SELECT id, name, organisation_id AS "organisationId", status FROM people WHERE id = ANY($1::uuid[])`, [[w.driverId, w.escortId].filter(Boolean)])
      : [];
    return { items: rows.map((r, i) => (i === 0 ? this.view(r, w, people, now) : { ...r, current: false })) };
  }

  // The record, and (for the latest) what PL-26 would say of it for a check today.
  private view(r: PreTripInspection, w: Waybill, people: PersonRow[], now: Date) {
    const named = (id: string | null) => {
      const x = id ? people.find((q) => q.id === id) : undefined;
      return x ? { id: x.id, name: x.name } : null;
    };
    const problems = preTripProblems(r, { driver: named(w.driverId), escort: named(w.escortId), vehicleId: w.vehicleId, trailerId: w.trailerId, tankId: w.tankId }, shanghaiDate(now));
    return {
      ...r,
      current: true,
      coversCheckToday: problems.length === 0,
      problems: problems.map(({ code, zh, en }) => ({ code, messageZh: zh, messageEn: en })),
    };
  }
}
