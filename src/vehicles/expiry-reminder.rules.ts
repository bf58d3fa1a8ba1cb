import { daysUntil, reminderThreshold } from './certificate.rules.js';
import type { ReminderSubjectType } from './certificate-reminder.entity.js';

// Certificate expiry reminders to carriers (DESIGN.md: "carrier ... gets expiry reminders"): one message per
// certificate when it comes within 30 days, 7 days and on the day it expires (or when it is first seen
// expired). Pure: the scan in expiry-reminder.service.ts loads rows and stores what these return.

export const REMINDER_THRESHOLDS = [30, 7, 0] as const;
export const REMINDER_HORIZON_DAYS = Math.max(...REMINDER_THRESHOLDS);

// Names as printed on the documents, keyed like qualification.rules.ts.
export const CERTIFICATE_NAMES: Record<string, string> = {
  'vehicle.drivingLicence': '行驶证',
  'vehicle.safetyInspection': '安全技术检验',
  'vehicle.transportCertificate': '道路运输证',
  'vehicle.liabilityInsurance': '承运人责任险',
  'tank.inspection': '罐体定期检验',
  'person.drivingLicence': '驾驶证',
  'person.qualification': '从业资格证',
};

const SUBJECT_NAMES: Record<ReminderSubjectType, string> = { vehicle: '车辆', tank: '罐体', person: '人员' };

export type ReminderSubject = {
  type: ReminderSubjectType;
  id: string;
  organisationId: string;
  label: string; // plate number, tank number or name
  // certificate key → end date (YYYY-MM-DD) or null
  certificates: Record<string, string | null>;
};

export type DueReminder = {
  subjectType: ReminderSubjectType;
  subjectId: string;
  organisationId: string;
  label: string;
  certificate: string;
  expiresOn: string;
  daysLeft: number;
  threshold: number;
};

// Every certificate of a subject that is at a reminder step on `today`.
export function dueReminders(subject: ReminderSubject, today: string): DueReminder[] {
  const due: DueReminder[] = [];
  for (const [certificate, expiresOn] of Object.entries(subject.certificates)) {
    if (!expiresOn) continue;
    const daysLeft = daysUntil(expiresOn, today);
    const threshold = reminderThreshold(daysLeft, REMINDER_THRESHOLDS);
    if (threshold === null) continue;
    due.push({ subjectType: subject.type, subjectId: subject.id, organisationId: subject.organisationId, label: subject.label, certificate, expiresOn, daysLeft, threshold });
  }
  return due;
}

export type ReminderMessage = {
  kind: 'certificate.expiring' | 'certificate.expired';
  severity: 'info' | 'warning' | 'critical';
  title: string;
  body: string;
  data: Record<string, unknown>;
};

// The notification for one reminder, in Chinese, e.g. "证件即将到期：蒙B12345 道路运输证 7天后到期".
export function reminderMessage(r: DueReminder): ReminderMessage {
  const name = CERTIFICATE_NAMES[r.certificate] ?? r.certificate;
  const subject = `${SUBJECT_NAMES[r.subjectType]} ${r.label}`;
  const data = {
    subject: { type: r.subjectType, id: r.subjectId, label: r.label },
    certificate: r.certificate,
    expiresOn: r.expiresOn,
    daysLeft: r.daysLeft,
    threshold: r.threshold,
  };
  if (r.daysLeft < 0) {
    return {
      kind: 'certificate.expired',
      severity: 'critical',
      title: `证件已过期：${r.label} ${name} 已过期${-r.daysLeft}天`,
      body: `${subject}的${name}有效期至 ${r.expiresOn}，已过期 ${-r.daysLeft} 天。过期期间不得从事危险货物道路运输，请立即办理。`,
      data,
    };
  }
  const when = r.daysLeft === 0 ? '今天到期' : `${r.daysLeft}天后到期`;
  return {
    kind: 'certificate.expiring',
    severity: r.threshold === 0 ? 'critical' : r.threshold <= 7 ? 'warning' : 'info',
    title: `证件即将到期：${r.label} ${name} ${when}`,
    body: `${subject}的${name}有效期至 ${r.expiresOn}（${r.daysLeft === 0 ? '今天' : `还剩 ${r.daysLeft} 天`}），请及时办理换证或审验。`,
    data,
  };
}
