import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource, type EntityTarget } from 'typeorm';
import { z } from 'zod';
import { ENV, type Env } from '../config/env.js';
import { NotificationsService, type StoredNotification } from '../notifications/notifications.service.js';
import { JobHandler } from '../queue/job-handler.decorator.js';
import { QueueService } from '../queue/queue.service.js';
import { isCalendarDate, shanghaiDate } from './certificate.rules.js';
import type { ReminderSubjectType } from './certificate-reminder.entity.js';
import { dueReminders, REMINDER_HORIZON_DAYS, reminderMessage, type DueReminder, type ReminderSubject } from './expiry-reminder.rules.js';
import { Person } from './person.entity.js';
import { PERSON_CERTIFICATES, TANK_CERTIFICATES, VEHICLE_CERTIFICATES } from './qualification.rules.js';
import { Tank } from './tank.entity.js';
import { Vehicle } from './vehicle.entity.js';
import { EXPIRY_SCAN_JOB, VEHICLES_QUEUE } from './vehicles.queue.js';

// Every day at 01:00 China Standard Time.
export const EXPIRY_SCAN_SCHEDULE = { pattern: '0 1 * * *', tz: 'Asia/Shanghai' } as const;
export const EXPIRY_SCAN_SCHEDULER_ID = 'certificate-expiry-scan-daily';

// `today` (YYYY-MM-DD) runs the scan as of that day (tests, catching up); by default, today in Shanghai.
export const ExpiryScanSchema = z.object({
  today: z.string().refine(isCalendarDate, 'must be a calendar date YYYY-MM-DD').optional(),
});
export type ExpiryScan = z.infer<typeof ExpiryScanSchema>;

export type ExpiryScanResult = { today: string; subjects: number; due: number; created: number };

const BATCH = 500;

type Source = {
  type: ReminderSubjectType;
  entity: EntityTarget<object>;
  label: string; // property shown in the message
  certificates: readonly (readonly [string, string])[]; // [name, date property]
};

const SOURCES: Source[] = [
  { type: 'vehicle', entity: Vehicle, label: 'plateNumber', certificates: VEHICLE_CERTIFICATES },
  { type: 'tank', entity: Tank, label: 'number', certificates: TANK_CERTIFICATES },
  { type: 'person', entity: Person, label: 'name', certificates: PERSON_CERTIFICATES },
];

type Row = { id: string; organisation_id: string; label: string; categories?: string[] } & Record<string, string | null>;

// The daily certificate-expiry scan (job 'certificate-expiry-scan' on queue 'vehicles'). It reminds each
// carrier once per certificate and threshold (30 / 7 / 0 days): certificate_reminders has a unique key on
// (subject, certificate, expires_on, threshold), rows are inserted with ON CONFLICT DO NOTHING, and only the
// rows actually inserted are notified, in the same transaction. So running the scan twice on a day, two
// scans at once, or a scan after a restart, never sends a reminder twice.
@Injectable()
export class ExpiryReminderService implements OnApplicationBootstrap {
  private readonly logger = new Logger('ExpiryReminders');

  constructor(
    private readonly ds: DataSource,
    private readonly notifications: NotificationsService,
    private readonly queues: QueueService,
    @Inject(ENV) private readonly env: Env,
  ) {}

  // Worker processes keep the daily schedule (idempotent by scheduler id, so every worker may do it) and run
  // one scan at start, so that a process that was down at 01:00 catches up. The boot run's job id carries the
  // day and the job is kept for a few days after completing, so restarts on the same day add no second run;
  // the unique key would make a second run harmless anyway.
  async onApplicationBootstrap() {
    if (!this.env.ROLES.includes('worker')) return;
    try {
      await this.queues.upsertScheduler(VEHICLES_QUEUE, EXPIRY_SCAN_JOB, { ...EXPIRY_SCAN_SCHEDULE }, {}, EXPIRY_SCAN_SCHEDULER_ID);
      await this.queues.add<ExpiryScan>(VEHICLES_QUEUE, EXPIRY_SCAN_JOB, {}, {
        jobId: `${EXPIRY_SCAN_JOB}-boot-${shanghaiDate(new Date())}`,
        removeOnComplete: { age: 3 * 24 * 3600 },
        removeOnFail: { age: 7 * 24 * 3600 },
      });
    } catch (err) {
      this.logger.error({ msg: 'could not schedule the certificate expiry scan', err });
    }
  }

  @JobHandler(VEHICLES_QUEUE, EXPIRY_SCAN_JOB, ExpiryScanSchema)
  async scan(data: ExpiryScan): Promise<ExpiryScanResult> {
    const today = data.today ?? shanghaiDate(new Date());
    const result: ExpiryScanResult = { today, subjects: 0, due: 0, created: 0 };
    for (const source of SOURCES) {
      let after = '00000000-0000-0000-0000-000000000000';
      for (;;) {
        const rows = await this.candidates(source, today, after);
        if (rows.length === 0) break;
        after = rows[rows.length - 1]!.id;
        const due = rows.flatMap((row) => dueReminders(this.subject(source, row), today));
        result.subjects += rows.length;
        result.due += due.length;
        if (due.length) result.created += await this.remind(due);
        if (rows.length < BATCH) break;
      }
    }
    if (result.created) this.logger.log({ msg: 'certificate expiry reminders sent', ...result });
    return result;
  }

  // Active subjects of active organisations with at least one certificate ending within the horizon (or
  // already ended), in id order from `after`.
  private async candidates(source: Source, today: string, after: string): Promise<Row[]> {
    const meta = this.ds.getMetadata(source.entity);
    const column = (property: string) => meta.findColumnWithPropertyName(property)!.databaseName;
    const dates = source.certificates.map(([, property]) => column(property));
    return this.ds.query(
      `SELECT x.id, x.organisation_id, x."${column(source.label)}" AS label,
              ${dates.map((c, i) => `x."${c}"::text AS d${i}`).join(', ')}
              ${source.type === 'person' ? ', x.categories' : ''}
         FROM "${meta.tableName}" x
         JOIN organisations o ON o.id = x.organisation_id
        WHERE x.status = 'active' AND o.status = 'active' AND x.id > $1::uuid
          AND (${dates.map((c) => `x."${c}" <= $2::date + $3::int`).join(' OR ')})
        ORDER BY x.id
        LIMIT $4`,
      [after, today, REMINDER_HORIZON_DAYS, BATCH],
    );
  }

  private subject(source: Source, row: Row): ReminderSubject {
    const certificates: Record<string, string | null> = {};
    source.certificates.forEach(([name], i) => {
      // As in qualification.rules.ts: only drivers need a driving licence.
      const irrelevant = source.type === 'person' && name === 'drivingLicence' && !row.categories?.includes('driver');
      certificates[`${source.type}.${name}`] = irrelevant ? null : (row[`d${i}`] ?? null);
    });
    return { type: source.type, id: row.id, organisationId: row.organisation_id, label: row.label, certificates };
  }

  // Inserts the batch's reminders and notifies for those that are new, in one transaction; publishes (live
  // push, webhook jobs) after the commit. Returns how many were new.
  private async remind(due: DueReminder[]): Promise<number> {
    const key = (r: { subjectType: string; subjectId: string; certificate: string; expiresOn: string; threshold: number }) =>
      `${r.subjectType}|${r.subjectId}|${r.certificate}|${r.expiresOn}|${r.threshold}`;
    const byKey = new Map(due.map((d) => [key(d), d]));
    const stored = await this.ds.transaction(async (m) => {
      const inserted: { id: string; subject_type: string; subject_id: string; certificate: string; expires_on: string; threshold: number }[] = await m.query(
        `INSERT INTO certificate_reminders (subject_type, subject_id, certificate, expires_on, threshold, organisation_id)
         SELECT * FROM unnest($1::varchar[], $2::uuid[], $3::varchar[], $4::date[], $5::smallint[], $6::uuid[])
         ON CONFLICT ON CONSTRAINT certificate_reminders_uq DO NOTHING
         RETURNING id, subject_type, subject_id, certificate, expires_on::text AS expires_on, threshold`,
        [
          due.map((d) => d.subjectType),
          due.map((d) => d.subjectId),
          due.map((d) => d.certificate),
          due.map((d) => d.expiresOn),
          due.map((d) => d.threshold),
          due.map((d) => d.organisationId),
        ],
      );
      const out: StoredNotification[] = [];
      for (const row of inserted) {
        const reminder = byKey.get(
          key({ subjectType: row.subject_type, subjectId: row.subject_id, certificate: row.certificate, expiresOn: row.expires_on, threshold: row.threshold }),
        )!;
        const s = await this.notifications.store(m, reminder.organisationId, reminderMessage(reminder));
        await m.query(`UPDATE certificate_reminders SET notification_id = $2 WHERE id = $1`, [row.id, s.notification.id]);
        out.push(s);
      }
      return out;
    });
    await this.notifications.publish(stored);
    return stored.length;
  }
}
