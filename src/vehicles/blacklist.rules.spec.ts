import { activeEntries, isBlacklisted, isInForce, type BlacklistWindow } from './blacklist.rules.js';
import { shanghaiDate } from './certificate.rules.js';

describe('isInForce', () => {
  const entry = (over: Partial<BlacklistWindow> = {}): BlacklistWindow => ({
    validFrom: '2026-03-01',
    validUntil: '2026-03-31',
    liftedAt: null,
    ...over,
  });

  it.each([
    ['2026-02-28', false], // the day before
    ['2026-03-01', true], // first day
    ['2026-03-15', true],
    ['2026-03-31', true], // last day
    ['2026-04-01', false], // the day after
  ])('should judge a 2026-03-01..2026-03-31 entry on %s as %s', (day, inForce) => {
    expect(isInForce(entry(), day)).toBe(inForce);
  });

  it('should hold a one-day entry on that day only', () => {
    const oneDay = entry({ validFrom: '2026-03-01', validUntil: '2026-03-01' });
    expect([isInForce(oneDay, '2026-02-28'), isInForce(oneDay, '2026-03-01'), isInForce(oneDay, '2026-03-02')]).toEqual([false, true, false]);
  });

  it('should hold an indefinite entry from its first day on, but not before', () => {
    const indefinite = entry({ validUntil: null });
    expect(isInForce(indefinite, '2026-02-28')).toBe(false);
    expect(isInForce(indefinite, '2026-03-01')).toBe(true);
    expect(isInForce(indefinite, '2099-12-31')).toBe(true);
  });

  it('should not count a lifted entry on any day of its window', () => {
    const lifted = entry({ liftedAt: new Date('2026-03-10T02:00:00Z') });
    for (const day of ['2026-03-01', '2026-03-10', '2026-03-31']) expect(isInForce(lifted, day)).toBe(false);
    expect(isInForce(entry({ validUntil: null, liftedAt: new Date('2026-03-10T02:00:00Z') }), '2030-01-01')).toBe(false);
  });

  it('should cross month and leap-day boundaries by calendar day', () => {
    const leap = entry({ validFrom: '2028-02-28', validUntil: '2028-02-29' });
    expect(isInForce(leap, '2028-02-29')).toBe(true);
    expect(isInForce(leap, '2028-03-01')).toBe(false);
    const newYear = entry({ validFrom: '2026-12-31', validUntil: '2027-01-01' });
    expect(isInForce(newYear, '2027-01-01')).toBe(true);
    expect(isInForce(newYear, '2027-01-02')).toBe(false);
  });

  it('should change at midnight Shanghai time, which is 16:00 UTC the day before', () => {
    const e = entry({ validFrom: '2026-03-01', validUntil: '2026-03-31' });
    expect(isInForce(e, shanghaiDate(new Date('2026-02-28T15:59:59Z')))).toBe(false);
    expect(isInForce(e, shanghaiDate(new Date('2026-02-28T16:00:00Z')))).toBe(true);
    expect(isInForce(e, shanghaiDate(new Date('2026-03-31T15:59:59Z')))).toBe(true);
    expect(isInForce(e, shanghaiDate(new Date('2026-03-31T16:00:00Z')))).toBe(false);
  });

  it('should fail closed when the day cannot be read', () => {
    expect(isInForce(entry(), '')).toBe(true);
    expect(isInForce(entry(), '2026-02-30')).toBe(true);
    // ...but a lifted entry stays lifted.
    expect(isInForce(entry({ liftedAt: new Date() }), '')).toBe(false);
  });
});

describe('activeEntries and isBlacklisted', () => {
  const entries = [
    { id: 'expired', validFrom: '2025-01-01', validUntil: '2025-12-31', liftedAt: null },
    { id: 'current', validFrom: '2026-01-01', validUntil: '2026-06-30', liftedAt: null },
    { id: 'lifted', validFrom: '2026-01-01', validUntil: null, liftedAt: new Date('2026-02-01T00:00:00Z') },
    { id: 'indefinite', validFrom: '2026-03-01', validUntil: null, liftedAt: null },
    { id: 'future', validFrom: '2027-01-01', validUntil: null, liftedAt: null },
  ];

  it.each([
    ['2025-12-31', ['expired']],
    ['2026-01-01', ['current']],
    ['2026-03-01', ['current', 'indefinite']],
    ['2026-06-30', ['current', 'indefinite']],
    ['2026-07-01', ['indefinite']],
    ['2027-01-01', ['indefinite', 'future']],
  ])('should keep the entries in force on %s, in order', (day, ids) => {
    expect(activeEntries(entries, day).map((e) => e.id)).toEqual(ids);
    expect(isBlacklisted(entries, day)).toBe(true);
  });

  it('should not blacklist when nothing is in force', () => {
    expect(activeEntries(entries, '2024-06-01')).toEqual([]);
    expect(isBlacklisted(entries, '2024-06-01')).toBe(false);
    expect(isBlacklisted([], '2026-03-01')).toBe(false);
    expect(isBlacklisted([entries[2]!], '2026-03-01')).toBe(false);
  });
});
