import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { hasRole, isAdmin, isAuthority, type Principal } from '../accounts/principal.js';
import { isInRegion, regionPrefix } from '../accounts/region.rules.js';
import { AuditService } from '../common/audit.service.js';
import { ConflictError, NotFoundError } from '../common/errors.js';
import { ENV, type Env } from '../config/env.js';
import { ADMIN_ROOM, orgRoom, regionRoomsFor } from '../live/live.rooms.js';
import { LiveService } from '../live/live.service.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import type { NotificationSeverity } from '../notifications/notification.entity.js';
import { QueueService } from '../queue/queue.service.js';
import { vehicleRoom, waybillRoom } from '../tracking/live/live-positions.rules.js';
import { AlarmStep, type AlarmStepKind } from './alarm-step.entity.js';
import { Alarm } from './alarm.entity.js';
import type { Acknowledge, CloseAlarm, ListAlarms } from './monitoring.dto.js';
import { ESCALATE_JOB, MONITORING_QUEUE } from './monitoring.queue.js';
import type { AlarmSeverity, AlarmSignal } from './rules/monitoring.types.js';
import { SMS_CHANNEL, type SmsChannel } from './sms.channel.js';
import type { TripInfo } from './trip-contexts.js';

// The live /watch event carrying alarm episodes (an array of AlarmView), on open, change and close.
export const ALARMS_EVENT = 'alarms';

export type AlarmView = {
  id: string;
  ruleId: string;
  key: string;
  severity: AlarmSeverity;
  status: Alarm['status'];
  vehicleId: string;
  plate: string;
  waybillId: string | null;
  waybillNumber: string | null;
  carrierId: string;
  regionCode: string;
  openedAt: Date;
  raisedAt: Date;
  lastAt: Date;
  closedAt: Date | null;
  message: { zh: string; en: string };
  evidence: Record<string, unknown>;
  historical: boolean;
  acknowledgedBy: string | null;
  acknowledgedAt: Date | null;
  disposition: string | null;
  closedBy: string | null;
  escalatedAt: Date | null;
};

export const alarmView = (a: Alarm): AlarmView => ({
  id: a.id,
  ruleId: a.ruleId,
  key: a.key,
  severity: a.severity,
  status: a.status,
  vehicleId: a.vehicleId,
  plate: a.plate,
  waybillId: a.waybillId,
  waybillNumber: a.waybillNumber,
  carrierId: a.carrierId,
  regionCode: a.regionCode,
  openedAt: a.openedAt,
  raisedAt: a.raisedAt,
  lastAt: a.lastAt,
  closedAt: a.closedAt,
  message: { zh: a.messageZh, en: a.messageEn },
  evidence: a.evidence,
  historical: a.historical,
  acknowledgedBy: a.acknowledgedBy,
  acknowledgedAt: a.acknowledgedAt,
  disposition: a.disposition,
  closedBy: a.closedBy,
  escalatedAt: a.escalatedAt,
});

const RANK: Record<AlarmSeverity, number> = { info: 0, warn: 1, alarm: 2, critical: 3 };
const NOTIFY_SEVERITY: Record<AlarmSeverity, NotificationSeverity> = { info: 'info', warn: 'warning', alarm: 'warning', critical: 'critical' };
const HANDLER_ROLES = ['monitor', 'carrier', 'org_admin'] as const;

// An episode not closed, as this process knows it: enough to decide open / update / close without a read.
type Live = { id: string; severity: AlarmSeverity; manualClosed: boolean };
const episodeKey = (vehicleId: string, ruleId: string, key: string, historical: boolean) => `${vehicleId}|${ruleId}|${key}|${historical ? 1 : 0}`;

// A vehicle's signals from one evaluation, with what the rows need. `historical`: evaluated for the record (for
// information; each signal's own `historical` decides).
export type SignalBatch = { trip: TripInfo; signals: AlarmSignal[]; historical: boolean };

// Alarm episodes: signals from the rules turned into rows (open / update / close, one not-closed episode per
// vehicle, rule and key), pushed live to the rooms allowed to see them, notified (stored notification + webhooks,
// alarm.opened / alarm.escalated, SMS on escalation), and the handling workflow (acknowledge, close with a
// disposition, escalation of unacknowledged critical alarms after MONITOR_ESCALATION_DELAY_MS).
@Injectable()
export class AlarmsService {
  private readonly logger = new Logger('Alarms');
  private readonly live = new Map<string, Live>();
  private loaded?: Promise<void>;

  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditService,
    private readonly liveService: LiveService,
    private readonly notifications: NotificationsService,
    private readonly queues: QueueService,
    @Inject(SMS_CHANNEL) private readonly sms: SmsChannel,
    @Inject(ENV) private readonly env: Env,
  ) {}

  // Open episodes by rule (the metrics gauge).
  openByRule(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const [k, e] of this.live) {
      if (e.manualClosed || k.endsWith('|1')) continue;
      const rule = k.split('|')[1]!;
      counts.set(rule, (counts.get(rule) ?? 0) + 1);
    }
    return counts;
  }

  // The episodes left open by a previous run, so that a restart continues them instead of opening duplicates.
  load(): Promise<void> {
    return (this.loaded ??= (async () => {
      const rows: { id: string; vehicle_id: string; rule_id: string; key: string; historical: boolean; severity: AlarmSeverity }[] = await this.ds.query(
        `SELECT id, vehicle_id, rule_id, key, historical, severity FROM alarms WHERE status <> 'closed'`,
      );
      for (const r of rows) this.live.set(episodeKey(r.vehicle_id, r.rule_id, r.key, r.historical), { id: r.id, severity: r.severity, manualClosed: false });
    })());
  }

  // Applies signals in order. Updates of one episode within the batch are coalesced into one write.
  async apply(batches: readonly SignalBatch[]): Promise<void> {
    await this.load();
    const changed = new Map<string, { batch: SignalBatch; signal: AlarmSignal; count: number }>();
    const flushUpdates = async (only?: string) => {
      for (const [id, u] of changed) {
        if (only && id !== only) continue;
        changed.delete(id);
        await this.ds.query(
          `UPDATE alarms SET last_at = greatest(last_at, $2), evidence = $3, message_zh = $4, message_en = $5, signals = signals + $6,
                  waybill_id = coalesce(waybill_id, $7), waybill_number = coalesce(waybill_number, $8)
            WHERE id = $1 AND status <> 'closed'`,
          [id, u.signal.at, JSON.stringify(u.signal.evidence), u.signal.message.zh, u.signal.message.en, u.count, u.batch.trip.ctx.waybillId, u.batch.trip.waybillNumber],
        );
      }
    };
    const emits: string[] = [];
    for (const batch of batches) {
      for (const signal of batch.signals) {
        // The rules say which signals are history (rules/monitoring.types.ts AlarmSignal.historical): a record-mode
        // evaluation may still close live episodes (a trip change).
        const historical = signal.historical === true;
        const k = episodeKey(batch.trip.info.vehicleId, signal.ruleId, signal.key, historical);
        const current = this.live.get(k);
        try {
          if (signal.action === 'close') {
            if (!current) continue;
            await flushUpdates(current.id);
            this.live.delete(k);
            if (current.manualClosed) continue;
            // TypeORM answers an UPDATE with [rows, rowCount].
            const [rows]: [{ id: string }[], number] = await this.ds.query(
              `UPDATE alarms SET status = 'closed', closed_at = $2, last_at = greatest(last_at, $2), evidence = evidence || $3::jsonb
                WHERE id = $1 AND status <> 'closed' RETURNING id`,
              [current.id, signal.at, JSON.stringify({ closing: signal.evidence })],
            );
            if (rows.length) await this.step(this.ds.manager, current.id, 'closed', signal.at, null, null, 'closed by its rule', {});
            if (!historical) emits.push(current.id);
            continue;
          }
          if (current?.manualClosed) continue; // closed by a person while the condition lasts: wait for the rule's close
          if (current && RANK[signal.severity] === RANK[current.severity]) {
            const u = changed.get(current.id);
            changed.set(current.id, { batch, signal, count: (u?.count ?? 0) + 1 });
            continue;
          }
          if (current) {
            await flushUpdates(current.id);
            await this.ds.query(
              `UPDATE alarms SET severity = $2, last_at = greatest(last_at, $3), evidence = $4, message_zh = $5, message_en = $6, signals = signals + 1
                WHERE id = $1 AND status <> 'closed'`,
              [current.id, signal.severity, signal.at, JSON.stringify(signal.evidence), signal.message.zh, signal.message.en],
            );
            await this.step(this.ds.manager, current.id, 'severity', signal.at, null, null, null, { from: current.severity, to: signal.severity });
            current.severity = signal.severity;
            if (!historical) {
              emits.push(current.id);
              if (signal.severity === 'critical') await this.scheduleEscalation(current.id);
            }
            continue;
          }
          const id = await this.open(batch, signal, historical);
          this.live.set(k, { id, severity: signal.severity, manualClosed: false });
          if (!historical) {
            emits.push(id);
            if (RANK[signal.severity] >= RANK.alarm) await this.notifyOpened(id);
            if (signal.severity === 'critical') await this.scheduleEscalation(id);
          }
        } catch (e) {
          this.logger.error({ msg: 'could not store an alarm signal', ruleId: signal.ruleId, vehicleId: batch.trip.info.vehicleId, err: e as Error });
        }
      }
    }
    await flushUpdates();
    // Coalesced updates are streamed too (lastAt, evidence), once per batch.
    for (const batch of batches) {
      for (const s of batch.signals) {
        if (s.action !== 'update' || s.historical) continue;
        const e = this.live.get(episodeKey(batch.trip.info.vehicleId, s.ruleId, s.key, false));
        if (e && !e.manualClosed) emits.push(e.id);
      }
    }
    if (emits.length) await this.emit([...new Set(emits)]);
  }

  private async open(batch: SignalBatch, s: AlarmSignal, historical: boolean): Promise<string> {
    const { info, ctx, waybillNumber } = batch.trip;
    // ON CONFLICT: another process (or a run before a crash) has this episode open: continue it.
    const [row]: { id: string; inserted: boolean }[] = await this.ds.query(
      `INSERT INTO alarms (rule_id, key, severity, status, vehicle_id, plate, waybill_id, waybill_number, carrier_id, region_code,
                           opened_at, last_at, evidence, message_zh, message_en, historical)
       VALUES ($1, $2, $3, 'open', $4, $5, $6, $7, $8, $9, $10, $10, $11, $12, $13, $14)
       ON CONFLICT (vehicle_id, rule_id, key, historical) WHERE status <> 'closed'
       DO UPDATE SET last_at = greatest(alarms.last_at, excluded.last_at), severity = excluded.severity, evidence = excluded.evidence,
                     signals = alarms.signals + 1
       RETURNING id, (xmax = 0) AS inserted`,
      [s.ruleId, s.key, s.severity, info.vehicleId, info.plate, ctx.waybillId, waybillNumber, info.carrierId, info.regionCode, s.at, JSON.stringify(s.evidence), s.message.zh, s.message.en, historical],
    );
    if (row!.inserted) await this.step(this.ds.manager, row!.id, 'opened', s.at, null, null, null, { severity: s.severity });
    return row!.id;
  }

  private async step(m: EntityManager, alarmId: string, kind: AlarmStepKind, at: Date, actorUserId: string | null, actorOrganisationId: string | null, note: string | null, data: Record<string, unknown>) {
    await m.insert(AlarmStep, { alarmId, kind, at, actorUserId, actorOrganisationId, note, data: data as never });
  }

  // ------------------------------------------------------------------------------------------ live and notifications

  // Rooms that may see an alarm: its carrier, the authorities of the carrier's region (province, city, county),
  // administrators, and watchers following the vehicle or the waybill (who were checked when they subscribed).
  roomsOf(a: Pick<Alarm, 'carrierId' | 'regionCode' | 'vehicleId' | 'waybillId'>): string[] {
    return [orgRoom(a.carrierId), ...regionRoomsFor(a.regionCode), ADMIN_ROOM, vehicleRoom(a.vehicleId), ...(a.waybillId ? [waybillRoom(a.waybillId)] : [])];
  }

  async emit(ids: string[]): Promise<void> {
    try {
      const rows = await this.ds.getRepository(Alarm).createQueryBuilder('a').where('a.id IN (:...ids)', { ids }).getMany();
      // One emit per alarm: each has its own audience.
      for (const a of rows) this.liveService.emit(this.roomsOf(a), ALARMS_EVENT, [alarmView(a)]);
    } catch (e) {
      this.logger.warn(`alarm live push failed: ${(e as Error).message}`);
    }
  }

  private async notifyOpened(id: string) {
    const a = await this.ds.getRepository(Alarm).findOneByOrFail({ id });
    try {
      await this.notifications.notify(a.carrierId, {
        kind: 'alarm.opened',
        severity: NOTIFY_SEVERITY[a.severity],
        title: `${a.plate} ${a.ruleId}：${a.messageZh}`.slice(0, 200),
        body: a.messageEn,
        data: { alarm: alarmView(a) },
      });
    } catch (err) {
      this.logger.error({ msg: 'could not notify an opened alarm', alarmId: id, err });
    }
  }

  private async scheduleEscalation(alarmId: string) {
    try {
      // jobId: one escalation per alarm however often it turns critical.
      await this.queues.add(MONITORING_QUEUE, ESCALATE_JOB, { alarmId }, { jobId: `escalate-${alarmId}`, delay: this.env.MONITOR_ESCALATION_DELAY_MS, removeOnComplete: true });
    } catch (err) {
      this.logger.error({ msg: 'could not schedule an alarm escalation', alarmId, err });
    }
  }

  // The delayed job: still open (nobody acknowledged it) and not escalated yet: escalate.
  async escalate(alarmId: string): Promise<boolean> {
    const escalated = await this.ds.transaction(async (m) => {
      const [rows]: [{ id: string }[], number] = await m.query(
        `UPDATE alarms SET escalated_at = now() WHERE id = $1 AND status = 'open' AND escalated_at IS NULL AND NOT historical RETURNING id`,
        [alarmId],
      );
      if (rows.length === 0) return null;
      const a = await m.findOneByOrFail(Alarm, { id: alarmId });
      await this.step(m, alarmId, 'escalated', a.escalatedAt!, null, null, `not acknowledged within ${this.env.MONITOR_ESCALATION_DELAY_MS} ms`, {});
      await this.audit.record({ userId: null, apiKeyId: null }, { action: 'alarm.escalate', entityType: 'alarm', entityId: alarmId, organisationId: a.carrierId, after: alarmView(a) }, m);
      return a;
    });
    if (!escalated) return false;
    await this.emit([alarmId]);
    try {
      await this.notifications.notify(escalated.carrierId, {
        kind: 'alarm.escalated',
        severity: 'critical',
        title: `升级：${escalated.plate} ${escalated.ruleId} 未确认：${escalated.messageZh}`.slice(0, 200),
        body: `Escalated, not acknowledged: ${escalated.messageEn}`,
        data: { alarm: alarmView(escalated) },
      });
      const [org]: { contact_phone: string | null }[] = await this.ds.query(`SELECT contact_phone FROM organisations WHERE id = $1`, [escalated.carrierId]);
      if (org?.contact_phone) await this.sms.send(org.contact_phone, `【Hazway】${escalated.plate} ${escalated.messageZh}，请立即处置`);
    } catch (err) {
      this.logger.error({ msg: 'could not notify an escalated alarm', alarmId, err });
    }
    return true;
  }

  // ------------------------------------------------------------------------------------------ handling workflow

  private scope(p: Principal, qb: ReturnType<typeof this.repoQb>) {
    if (isAdmin(p)) return qb;
    if (isAuthority(p)) return qb.andWhere('a.region_code LIKE :prefix', { prefix: `${regionPrefix(p.regionCode)}%` });
    // the carrier's own alarms, and (read only) the alarms raised on the waybills a shipper sent or a consignee awaits
    return qb.andWhere(
      `(a.carrier_id = :org OR EXISTS (SELECT 1 FROM waybills w WHERE w.id = a.waybill_id AND (w.shipper_id = :org OR w.consignee_id = :org)))`,
      { org: p.organisationId },
    );
  }

  private repoQb() {
    return this.ds.getRepository(Alarm).createQueryBuilder('a');
  }

  canSee(p: Principal, a: Pick<Alarm, 'carrierId' | 'regionCode'>): boolean {
    return isAdmin(p) || (isAuthority(p) && isInRegion(p.regionCode, a.regionCode)) || a.carrierId === p.organisationId;
  }

  // The shipper and the consignee of the alarm's waybill see it (they do not handle it).
  private async isWaybillParty(p: Principal, a: Alarm, m: EntityManager): Promise<boolean> {
    if (!a.waybillId) return false;
    const [w]: { n: number }[] = await m.query(`SELECT 1 AS n FROM waybills WHERE id = $1 AND (shipper_id = $2 OR consignee_id = $2)`, [a.waybillId, p.organisationId]);
    return !!w;
  }

  private canHandle(p: Principal, a: Alarm): boolean {
    return (isAuthority(p) && isInRegion(p.regionCode, a.regionCode)) || (a.carrierId === p.organisationId && hasRole(p, ...HANDLER_ROLES));
  }

  async list(p: Principal, q: ListAlarms) {
    const qb = this.scope(p, this.repoQb().where('TRUE'));
    if (q.status) qb.andWhere('a.status = :status', { status: q.status });
    if (q.ruleId) qb.andWhere('a.rule_id = :ruleId', { ruleId: q.ruleId });
    if (q.severity) qb.andWhere('a.severity = :severity', { severity: q.severity });
    if (q.vehicleId) qb.andWhere('a.vehicle_id = :vehicleId', { vehicleId: q.vehicleId });
    if (q.waybillId) qb.andWhere('a.waybill_id = :waybillId', { waybillId: q.waybillId });
    if (q.historical !== undefined) qb.andWhere('a.historical = :historical', { historical: q.historical });
    if (q.from) qb.andWhere('a.opened_at >= :from', { from: q.from });
    if (q.to) qb.andWhere('a.opened_at < :to', { to: q.to });
    const [rows, total] = await qb.orderBy('a.opened_at', 'DESC').addOrderBy('a.id', 'DESC').take(q.limit).skip(q.offset).getManyAndCount();
    return { items: rows.map(alarmView), total, limit: q.limit, offset: q.offset };
  }

  private async visible(p: Principal, id: string, m: EntityManager = this.ds.manager, lock = false): Promise<Alarm> {
    const a = await m.getRepository(Alarm).findOne({ where: { id }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
    if (!a || !(this.canSee(p, a) || (await this.isWaybillParty(p, a, m)))) throw new NotFoundError('ALARM_NOT_FOUND', 'No such alarm');
    return a;
  }

  async get(p: Principal, id: string) {
    const a = await this.visible(p, id);
    const steps = await this.ds.getRepository(AlarmStep).find({ where: { alarmId: id }, order: { id: 'ASC' } });
    return { ...alarmView(a), steps: steps.map(({ alarm: _a, alarmId: _id, ...s }) => s) };
  }

  async acknowledge(p: Principal, id: string, input: Acknowledge, requestId?: string) {
    const after = await this.ds.transaction(async (m) => {
      const a = await this.visible(p, id, m, true);
      if (!this.canHandle(p, a)) throw new NotFoundError('ALARM_NOT_FOUND', 'No such alarm');
      if (a.status === 'closed') throw new ConflictError('ALARM_CLOSED', 'The alarm is closed');
      if (a.status === 'acknowledged') throw new ConflictError('ALARM_ALREADY_ACKNOWLEDGED', 'The alarm is already acknowledged');
      const before = alarmView(a);
      await m.update(Alarm, id, { status: 'acknowledged', acknowledgedBy: p.userId, acknowledgedAt: () => 'now()' });
      const fresh = await m.findOneByOrFail(Alarm, { id });
      await this.step(m, id, 'acknowledged', fresh.acknowledgedAt!, p.userId, p.organisationId, input.note ?? null, {});
      await this.audit.record({ userId: p.userId, apiKeyId: p.apiKeyId, requestId }, { action: 'alarm.acknowledge', entityType: 'alarm', entityId: id, organisationId: a.carrierId, before, after: { ...alarmView(fresh), note: input.note ?? null } }, m);
      return fresh;
    });
    await this.emit([id]);
    return this.get(p, after.id);
  }

  async close(p: Principal, id: string, input: CloseAlarm, requestId?: string) {
    const after = await this.ds.transaction(async (m) => {
      const a = await this.visible(p, id, m, true);
      if (!this.canHandle(p, a)) throw new NotFoundError('ALARM_NOT_FOUND', 'No such alarm');
      if (a.status === 'closed') throw new ConflictError('ALARM_CLOSED', 'The alarm is already closed');
      const before = alarmView(a);
      await m.update(Alarm, id, { status: 'closed', closedAt: () => 'now()', closedBy: p.userId, disposition: input.disposition });
      const fresh = await m.findOneByOrFail(Alarm, { id });
      await this.step(m, id, 'closed', fresh.closedAt!, p.userId, p.organisationId, input.disposition, {});
      await this.audit.record({ userId: p.userId, apiKeyId: p.apiKeyId, requestId }, { action: 'alarm.close', entityType: 'alarm', entityId: id, organisationId: a.carrierId, before, after: alarmView(fresh) }, m);
      return fresh;
    });
    // The rule may still see the condition: its later updates are ignored until it closes the episode itself.
    const e = this.live.get(episodeKey(after.vehicleId, after.ruleId, after.key, after.historical));
    if (e && e.id === after.id) e.manualClosed = true;
    await this.emit([id]);
    return this.get(p, after.id);
  }
}
