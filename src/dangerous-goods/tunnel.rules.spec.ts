import { buildCatalogue, readTable } from './catalogue.js';
import { prohibitedCategories, tunnelProhibitions, TUNNEL_TABLE, type TunnelLoad } from './tunnel.rules.js';

const packages: TunnelLoad = { tank: false, bulk: false, explosiveNetMassKg: 0 };
const tank: TunnelLoad = { tank: true, bulk: false, explosiveNetMassKg: 0 };
const bulk: TunnelLoad = { tank: false, bulk: true, explosiveNetMassKg: 0 };
const explosives = (kg: number): TunnelLoad => ({ ...packages, explosiveNetMassKg: kg });

describe('ADR 8.6.4 tunnel restriction codes', () => {
  it('should forbid the categories of the plain codes whatever the load', () => {
    expect(prohibitedCategories('B', packages)).toEqual(['B', 'C', 'D', 'E']);
    expect(prohibitedCategories('C', tank)).toEqual(['C', 'D', 'E']);
    expect(prohibitedCategories('D', packages)).toEqual(['D', 'E']);
    expect(prohibitedCategories('E', packages)).toEqual(['E']);
  });

  it('should let "-", an empty cell and no code through every tunnel', () => {
    expect(prohibitedCategories('-', tank)).toEqual([]);
    expect(prohibitedCategories('', tank)).toEqual([]);
    expect(prohibitedCategories(null, tank)).toEqual([]);
  });

  it('should split B/D, B/E, C/D, C/E on tank carriage', () => {
    expect(prohibitedCategories('B/D', tank)).toEqual(['B', 'C', 'D', 'E']);
    expect(prohibitedCategories('B/D', packages)).toEqual(['D', 'E']);
    expect(prohibitedCategories('B/E', packages)).toEqual(['E']);
    expect(prohibitedCategories('C/D', tank)).toEqual(['C', 'D', 'E']);
    expect(prohibitedCategories('C/E', packages)).toEqual(['E']);
  });

  it('should split D/E on tank or bulk carriage', () => {
    expect(prohibitedCategories('D/E', tank)).toEqual(['D', 'E']);
    expect(prohibitedCategories('D/E', bulk)).toEqual(['D', 'E']);
    expect(prohibitedCategories('D/E', packages)).toEqual(['E']);
  });

  it('should split B1000C and C5000D on the net explosive mass, exactly at the threshold not over it', () => {
    expect(prohibitedCategories('B1000C', explosives(1000))).toEqual(['C', 'D', 'E']);
    expect(prohibitedCategories('B1000C', explosives(1000.5))).toEqual(['B', 'C', 'D', 'E']);
    expect(prohibitedCategories('C5000D', explosives(5000))).toEqual(['D', 'E']);
    expect(prohibitedCategories('C5000D', explosives(5001))).toEqual(['C', 'D', 'E']);
  });

  it('should read codes as Table A writes them, in parentheses', () => {
    expect(prohibitedCategories('(B1000C)', explosives(10))).toEqual(['C', 'D', 'E']);
    expect(prohibitedCategories(' (D/E) ', tank)).toEqual(['D', 'E']);
  });

  it('should answer null for a code the table does not know, and treat it as the strictest for a whole load', () => {
    expect(prohibitedCategories('X9', packages)).toBeNull();
    expect(tunnelProhibitions(['E', 'X9'], packages)).toEqual(['B', 'C', 'D', 'E']);
  });

  it('should never forbid category A (1.9.5.2.2: no restriction)', () => {
    for (const code of Object.keys(TUNNEL_TABLE.restrictionCodes)) {
      for (const load of [packages, tank, bulk, explosives(10_000)]) expect(prohibitedCategories(code, load)).not.toContain('A');
    }
  });
});

describe('the whole load of a transport unit (8.6.3.2)', () => {
  const catalogue = buildCatalogue(readTable('us-49cfr-172101-hazmat-table.csv'), readTable('adr-2025-table-a-codes.csv'));
  const code = (un: string) => catalogue.get(un)!.variants.find((v) => v.tunnelCode)!.tunnelCode;

  it('should take the catalogue codes of real goods: gasoline D/E, chlorine C/D, LPG B/D', () => {
    expect([code('1203'), code('1017'), code('1965')]).toEqual(['D/E', 'C/D', 'B/D']);
  });

  it('should take the most restrictive of the goods on board', () => {
    expect(tunnelProhibitions([code('1203')], tank)).toEqual(['D', 'E']); // a gasoline tanker
    expect(tunnelProhibitions([code('1203')], packages)).toEqual(['E']); // gasoline in drums
    expect(tunnelProhibitions([code('1203'), code('1965')], tank)).toEqual(['B', 'C', 'D', 'E']); // LPG in a tank
    expect(tunnelProhibitions([code('1203'), code('1017')], packages)).toEqual(['D', 'E']); // chlorine cylinders
    expect(tunnelProhibitions([], tank)).toEqual([]);
  });
});
