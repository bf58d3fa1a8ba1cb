import { buildCatalogue, normaliseUnNumber, parseAdrLabels, parseTransportCategory, readTable } from './catalogue.js';

describe('dangerous-goods catalogue', () => {
  const catalogue = buildCatalogue(readTable('us-49cfr-172101-hazmat-table.csv'), readTable('adr-2025-table-a-codes.csv'));

  it('should hold every UN number of both tables', () => {
    // 2,347 ADR numbers plus those only in 49 CFR (shared/data/README.md: 2,369 distinct ids incl. NA numbers).
    expect(catalogue.size).toBeGreaterThanOrEqual(2347);
    expect(catalogue.size).toBeLessThan(2500);
  });

  it('should merge 49 CFR names with ADR codes for gasoline (UN1203)', () => {
    const e = catalogue.get('1203')!;
    expect(e.hazardClass).toBe('3');
    expect(e.names[0]).toMatch(/^Gasoline/);
    expect(e.variants).toContainEqual(
      expect.objectContaining({ packingGroup: 'II', classificationCode: 'F1', tankCode: 'LGBF', tankVehicle: 'FL', tunnelCode: 'D/E', hazardId: '33', labels: ['3'] }),
    );
  });

  it('should give the division of class 2 gases and the subsidiary labels (chlorine, UN1017)', () => {
    const e = catalogue.get('1017')!;
    expect(e.hazardClass).toBe('2.3');
    expect(e.variants[0]).toMatchObject({ labels: ['2.3', '5.1', '8'], tankCode: 'P22DH(M)', hazardId: '265', tunnelCode: 'C/D' });
  });

  it('should not know numbers outside the tables', () => {
    expect(catalogue.get('0000')).toBeUndefined();
    expect(catalogue.get('9999')).toBeUndefined();
  });

  it('should normalise the ways people write UN numbers', () => {
    expect(normaliseUnNumber('UN1203')).toBe('1203');
    expect(normaliseUnNumber(' un 1203 ')).toBe('1203');
    expect(normaliseUnNumber('1203')).toBe('1203');
    expect(normaliseUnNumber('UN12034')).toBeNull();
    expect(normaliseUnNumber('NA1993')).toBeNull();
  });

  it('should parse ADR label and tunnel columns', () => {
    expect(parseAdrLabels('2.3 +8 (+13)')).toEqual(['2.3', '8']);
    expect(parseTransportCategory('1 (B1000C)')).toEqual({ transportCategory: '1', tunnelCode: 'B1000C' });
    expect(parseTransportCategory('- (-)')).toEqual({ transportCategory: null, tunnelCode: null });
  });
});
