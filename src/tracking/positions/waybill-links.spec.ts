import { waybillAt, type WaybillWindow } from './waybill-links.js';

describe('waybillAt', () => {
  const ms = (iso: string) => Date.parse(iso);
  const windows: WaybillWindow[] = [
    { waybillId: 'previous-trip', from: ms('2026-11-27T06:00:00Z'), to: ms('2026-11-27T18:00:00Z') },
    { waybillId: 'current-trip', from: ms('2026-11-29T02:00:00Z'), to: null },
  ];

  it('should link a fix taken while goods were on board to that trip', () => {
    expect(waybillAt(windows, new Date('2026-11-29T05:00:00Z'))).toBe('current-trip');
    expect(waybillAt(windows, new Date('2026-11-27T17:59:59Z'))).toBe('previous-trip');
  });

  it('should link nothing before loading finished, between trips, or from the moment of delivery', () => {
    expect(waybillAt(windows, new Date('2026-11-29T01:59:59Z'))).toBeNull();
    expect(waybillAt(windows, new Date('2026-11-28T12:00:00Z'))).toBeNull();
    expect(waybillAt(windows, new Date('2026-11-27T18:00:00Z'))).toBeNull();
    expect(waybillAt(undefined, new Date())).toBeNull();
  });

  it('should prefer the most recently loaded trip when stale statuses make windows overlap', () => {
    const overlapping = [...windows, { waybillId: 'stale', from: ms('2026-11-20T00:00:00Z'), to: null }];
    expect(waybillAt(overlapping, new Date('2026-11-29T05:00:00Z'))).toBe('current-trip');
    expect(waybillAt(overlapping, new Date('2026-11-28T05:00:00Z'))).toBe('stale');
  });
});
