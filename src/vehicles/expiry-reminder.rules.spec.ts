import { dueReminders, reminderMessage, type ReminderSubject } from './expiry-reminder.rules.js';

describe('dueReminders', () => {
  const vehicle = (certificates: ReminderSubject['certificates']): ReminderSubject => ({
    type: 'vehicle',
    id: 'v1',
    organisationId: 'o1',
    label: '蒙B12345',
    certificates,
  });

  it.each([
    ['2026-07-01', null], // 31 days left: nothing yet
    ['2026-06-30', 30],
    ['2026-06-08', 30],
    ['2026-06-07', 7],
    ['2026-06-01', 7],
    ['2026-05-31', 0], // the last valid day
    ['2026-05-20', 0], // expired: stays at the 0 step
  ])('should put a certificate ending %s at step %s on 2026-05-31 - n', (expiresOn, threshold) => {
    const due = dueReminders(vehicle({ 'vehicle.transportCertificate': expiresOn }), '2026-05-31');
    expect(due.map((d) => d.threshold)).toEqual(threshold === null ? [] : [threshold]);
  });

  it('should skip missing dates and report every due certificate of a subject', () => {
    const due = dueReminders(
      vehicle({ 'vehicle.drivingLicence': null, 'vehicle.transportCertificate': '2026-06-07', 'vehicle.liabilityInsurance': '2026-06-30' }),
      '2026-05-31',
    );
    expect(due).toEqual([
      expect.objectContaining({ certificate: 'vehicle.transportCertificate', daysLeft: 7, threshold: 7, expiresOn: '2026-06-07' }),
      expect.objectContaining({ certificate: 'vehicle.liabilityInsurance', daysLeft: 30, threshold: 30 }),
    ]);
  });
});

describe('reminderMessage', () => {
  const base = { subjectType: 'vehicle' as const, subjectId: 'v1', organisationId: 'o1', label: '蒙B12345', certificate: 'vehicle.transportCertificate', expiresOn: '2026-06-07' };

  it('should title a 7-day reminder in Chinese with plate and certificate', () => {
    const m = reminderMessage({ ...base, daysLeft: 7, threshold: 7 });
    expect(m).toMatchObject({ kind: 'certificate.expiring', severity: 'warning', title: '证件即将到期：蒙B12345 道路运输证 7天后到期' });
    expect(m.data).toEqual({ subject: { type: 'vehicle', id: 'v1', label: '蒙B12345' }, certificate: 'vehicle.transportCertificate', expiresOn: '2026-06-07', daysLeft: 7, threshold: 7 });
  });

  it('should say "today" on the last day and "expired" after it', () => {
    expect(reminderMessage({ ...base, daysLeft: 0, threshold: 0 })).toMatchObject({ severity: 'critical', title: '证件即将到期：蒙B12345 道路运输证 今天到期' });
    expect(reminderMessage({ ...base, daysLeft: -3, threshold: 0 })).toMatchObject({ kind: 'certificate.expired', title: '证件已过期：蒙B12345 道路运输证 已过期3天' });
  });

  it('should grade 30-day reminders as info', () => {
    expect(reminderMessage({ ...base, daysLeft: 25, threshold: 30 }).severity).toBe('info');
  });
});
