import {
  certificateStatus,
  datesInOrder,
  daysUntil,
  epochDay,
  isCalendarDate,
  reminderThreshold,
  shanghaiDate,
} from './certificate.rules.js';

describe('shanghaiDate', () => {
  it.each([
    ['2026-03-01T00:00:00Z', '2026-03-01'],
    ['2026-03-01T15:59:59.999Z', '2026-03-01'],
    ['2026-03-01T16:00:00Z', '2026-03-02'],
    ['2026-03-01T23:59:00Z', '2026-03-02'],
    ['2026-02-28T20:00:00Z', '2026-03-01'],
    ['2028-02-28T16:00:00Z', '2028-02-29'],
    ['2026-12-31T16:00:00Z', '2027-01-01'],
    ['2026-03-01T00:30:00+08:00', '2026-03-01'],
    ['2026-02-28T23:59:59-08:00', '2026-03-01'],
  ])('should map the instant %s to the Shanghai day %s', (instant, day) => {
    expect(shanghaiDate(new Date(instant))).toBe(day);
  });

  it('should not shift in summer (China has no daylight saving)', () => {
    expect(shanghaiDate(new Date('2026-07-15T15:59:59Z'))).toBe('2026-07-15');
    expect(shanghaiDate(new Date('2026-07-15T16:00:00Z'))).toBe('2026-07-16');
  });

  it('should agree with the tz database for Asia/Shanghai', () => {
    const viaIntl = (d: Date) =>
      new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' })
        .format(d);
    for (let h = 0; h < 48; h += 0.5) {
      const d = new Date(Date.UTC(2026, 0, 1) + h * 3_600_000);
      expect(shanghaiDate(d)).toBe(viaIntl(d));
    }
  });

  it('should return an empty string for an invalid Date', () => {
    expect(shanghaiDate(new Date('not a date'))).toBe('');
  });
});

describe('epochDay and isCalendarDate', () => {
  it('should count days from 1970-01-01', () => {
    expect(epochDay('1970-01-01')).toBe(0);
    expect(epochDay('1970-01-02')).toBe(1);
    expect(epochDay('1969-12-31')).toBe(-1);
  });

  it.each(['2024-02-29', '2000-02-29', '2026-12-31', '0099-06-01'])('should accept the real date %s', (day) => {
    expect(isCalendarDate(day)).toBe(true);
  });

  it.each(['2023-02-29', '2100-02-29', '1900-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-01-00', '2026-1-1',
    '20260101', '2026-01-01T00:00:00Z', '', ' 2026-01-01'])('should reject %j', (day) => {
    expect(isCalendarDate(day)).toBe(false);
  });

  it('should place a two-digit year in the first century, not the 1900s', () => {
    expect(epochDay('0099-01-01')).toBeLessThan(epochDay('1000-01-01'));
  });
});

describe('daysUntil', () => {
  it.each([
    ['2026-03-01', '2026-03-01', 0],
    ['2026-03-02', '2026-03-01', 1],
    ['2026-02-28', '2026-03-01', -1],
    ['2026-03-31', '2026-03-01', 30],
    ['2028-03-01', '2028-02-28', 2],
    ['2026-03-01', '2026-02-28', 1],
    ['2028-02-29', '2028-02-28', 1],
    ['2025-03-01', '2024-02-28', 367],
    ['2027-01-01', '2026-01-01', 365],
    ['2029-01-01', '2028-01-01', 366],
  ])('should count %s minus %s as %i days', (validUntil, today, days) => {
    expect(daysUntil(validUntil, today)).toBe(days);
  });

  it('should be NaN when either date is not a real date', () => {
    expect(daysUntil('2026-02-30', '2026-01-01')).toBeNaN();
    expect(daysUntil('2026-03-01', 'yesterday')).toBeNaN();
  });
});

describe('certificateStatus', () => {
  const today = '2026-03-01';

  it('should be missing without an end date', () => {
    expect(certificateStatus(null, today, 30)).toBe('missing');
    expect(certificateStatus('', today, 30)).toBe('missing');
  });

  it('should treat an unusable end date as missing', () => {
    expect(certificateStatus('2026-02-30', today, 30)).toBe('missing');
    expect(certificateStatus('01/03/2026', today, 30)).toBe('missing');
  });

  it('should still be usable on its last valid day', () => {
    expect(certificateStatus('2026-03-01', today, 30)).toBe('expiring');
    expect(certificateStatus('2026-03-01', today, 0)).toBe('expiring');
  });

  it('should be expired from the day after its end date', () => {
    expect(certificateStatus('2026-02-28', today, 30)).toBe('expired');
    expect(certificateStatus('2025-03-01', today, 30)).toBe('expired');
  });

  it.each([
    ['2026-03-31', 'expiring'], // 30 days left
    ['2026-04-01', 'valid'], // 31 days left
    ['2026-03-02', 'expiring'],
    ['2030-01-01', 'valid'],
  ])('should treat a certificate valid until %s as %s with a 30-day window', (validUntil, status) => {
    expect(certificateStatus(validUntil, today, 30)).toBe(status);
  });

  it('should never be expiring with a negative window', () => {
    expect(certificateStatus('2026-03-01', today, -1)).toBe('valid');
    expect(certificateStatus('2026-02-28', today, -1)).toBe('expired');
  });

  it('should expire at midnight Shanghai time, which is 16:00 UTC the day before', () => {
    const validUntil = '2026-03-01';
    expect(certificateStatus(validUntil, shanghaiDate(new Date('2026-03-01T15:59:59Z')), 7)).toBe('expiring');
    expect(certificateStatus(validUntil, shanghaiDate(new Date('2026-03-01T16:00:00Z')), 7)).toBe('expired');
    expect(certificateStatus(validUntil, shanghaiDate(new Date('2026-03-01T23:59:00Z')), 7)).toBe('expired');
  });

  it('should handle 29 February end dates', () => {
    expect(certificateStatus('2028-02-29', '2028-02-29', 0)).toBe('expiring');
    expect(certificateStatus('2028-02-29', '2028-03-01', 0)).toBe('expired');
    expect(certificateStatus('2028-02-29', '2027-03-01', 30)).toBe('valid');
  });

  it('should fail closed as expired when today is malformed', () => {
    expect(certificateStatus('2030-01-01', '', 30)).toBe('expired');
  });
});

describe('reminderThreshold', () => {
  it.each([
    [365, null],
    [31, null],
    [30, 30],
    [29, 30],
    [8, 30],
    [7, 7],
    [1, 7],
    [0, 0],
    [-1, 0],
    [-3, 0],
    [-400, 0],
  ])('should put %i days left in the %p step of [30, 7, 0]', (daysLeft, step) => {
    expect(reminderThreshold(daysLeft)).toBe(step);
  });

  it('should accept thresholds in any order', () => {
    expect(reminderThreshold(5, [0, 30, 7])).toBe(7);
    expect(reminderThreshold(20, [7, 60, 30])).toBe(30);
    expect(reminderThreshold(61, [7, 60, 30])).toBeNull();
  });

  it('should remind an expired certificate at 0 even without a 0 threshold', () => {
    expect(reminderThreshold(-3, [30, 7])).toBe(0);
    expect(reminderThreshold(0, [30, 7])).toBe(7);
  });

  it('should return null for no thresholds or NaN', () => {
    expect(reminderThreshold(3, [])).toBeNull();
    expect(reminderThreshold(Number.NaN)).toBeNull();
  });

  it('should work with daysUntil', () => {
    expect(reminderThreshold(daysUntil('2026-03-08', '2026-03-01'))).toBe(7);
    expect(reminderThreshold(daysUntil('2026-03-09', '2026-03-01'))).toBe(30);
  });
});

describe('datesInOrder', () => {
  it.each([
    ['2026-01-01', '2026-12-31', true],
    ['2026-03-01', '2026-03-01', true],
    ['2026-03-02', '2026-03-01', false],
    ['2027-01-01', '2026-12-31', false],
    ['2028-02-29', '2028-03-01', true],
  ])('should check %s → %s as %s', (from, to, inOrder) => {
    expect(datesInOrder(from, to)).toBe(inOrder);
  });

  it('should accept a missing end', () => {
    expect(datesInOrder(null, '2026-03-01')).toBe(true);
    expect(datesInOrder('2026-03-01', undefined)).toBe(true);
    expect(datesInOrder('', '')).toBe(true);
    expect(datesInOrder()).toBe(true);
  });

  it('should reject a date that is present but not real', () => {
    expect(datesInOrder('2026-02-30', '2026-12-31')).toBe(false);
    expect(datesInOrder('2026-01-01', '2026-13-01')).toBe(false);
    expect(datesInOrder('2026-02-30', null)).toBe(false);
  });

  it('should compare by date, not as strings of different shapes', () => {
    expect(datesInOrder('2026-01-01', '2026-1-2')).toBe(false);
  });
});
