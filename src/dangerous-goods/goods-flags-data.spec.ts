import { buildCatalogue, readTable } from './catalogue.js';
import { deriveFlags, highConsequenceCandidate, isValidCas, loadFlagTables, parseHighlyToxic } from './goods-flags-data.js';
import { parseGoodsNames } from './goods-names.js';

describe('dangerous-goods flags', () => {
  const catalogue = buildCatalogue(readTable('us-49cfr-172101-hazmat-table.csv'), readTable('adr-2025-table-a-codes.csv'));
  const tables = loadFlagTables();
  const names = new Map(parseGoodsNames(readTable('cn-names.csv')).map((n) => [n.unNumber, n]));
  const flagsOf = (un: string, additions: { value: string; source: string }[] = []) =>
    deriveFlags(catalogue.get(un)!, names.get(un)?.cas ?? [], additions, tables);

  it('should check CAS numbers by their check digit', () => {
    expect(isValidCas('67-56-1')).toBe(true);
    expect(isValidCas('7732-18-5')).toBe(true);
    expect(isValidCas('67-56-2')).toBe(false);
    expect(isValidCas('6756-1')).toBe(false);
    expect(isValidCas('UN1230')).toBe(false);
  });

  it('should flag sodium cyanide (UN1689) highly toxic and high-hazard, with the source of each', () => {
    const { flags, sources } = flagsOf('1689');
    expect(flags).toMatchObject({ highlyToxic: true, highHazard: true, explosivePrecursor: false, highConsequenceCandidate: true });
    expect(sources.map((s) => s.flag).sort()).toEqual(['highHazard', 'highlyToxic']);
    expect(sources.find((s) => s.flag === 'highlyToxic')!.source).toContain('143-33-9');
  });

  it('should flag a solution of a highly toxic substance through its CAS number (sodium cyanide solution, UN3414)', () => {
    expect(flagsOf('3414').flags).toMatchObject({ highlyToxic: true, highHazard: true });
  });

  it('should flag ammonium nitrate (UN1942, UN2067, UN0222) high-hazard but not as an explosive precursor', () => {
    // The brief expected 易制爆 through CAS 6484-52-2, but the shipped 2017 list has no ammonium nitrate (DOMAIN.md 1.10:
    // it is controlled under the civil-explosives regime); administrators can add the flag if a newer list has it.
    expect(tables.precursors.some((p) => p.cas === '6484-52-2')).toBe(false);
    for (const un of ['1942', '2067', '0222']) {
      expect(flagsOf(un).flags).toMatchObject({ highHazard: true, explosivePrecursor: false, highConsequenceCandidate: true });
    }
    expect(flagsOf('1942', [{ value: 'explosive_precursor', source: '地方名录' }]).flags.explosivePrecursor).toBe(true);
  });

  it('should flag explosive precursors through the CAS numbers of the 2017 list (nitric acid, nitrocellulose, hydrogen peroxide, sulphur)', () => {
    for (const un of ['2031', '2032', '2555', '2556', '2557', '0340', '0343', '2014', '2015', '2984', '1350', '2448', '1498', '1486', '1495', '1428']) {
      expect([un, flagsOf(un).flags.explosivePrecursor]).toEqual([un, true]);
    }
    const nc = flagsOf('2555');
    expect(nc.flags.highHazard).toBe(true);
    expect(nc.sources.find((s) => s.flag === 'explosivePrecursor')!.source).toBe('易制爆危险化学品名录（2017年版） 9.1 硝化纤维素 (CAS 9004-70-0)');
  });

  it('should give gasoline (UN1203) none of the Chinese list flags, only the ADR high-consequence candidacy (tank > 3000 l)', () => {
    expect(flagsOf('1203').flags).toEqual({
      highlyToxic: false,
      explosivePrecursor: false,
      highHazard: false,
      hazardousWaste: false,
      highConsequenceCandidate: true,
      explosive: false,
      fireworks: false,
      radioactive: false,
    });
  });

  it('should add the flags administrators set', () => {
    const { flags, sources } = flagsOf('3077', [
      { value: 'hazardous_waste', source: 'HW49' },
      { value: 'highly_toxic', source: '目录 序号 x' },
    ]);
    expect(flags).toMatchObject({ hazardousWaste: true, highlyToxic: true, highHazard: false });
    expect(sources).toContainEqual({ flag: 'hazardousWaste', source: 'administrator: HW49' });
  });

  it.each([
    ['0081', true], // 1.1D blasting explosive
    ['0342', true], // 1.3C
    ['0335', false], // 1.3G fireworks
    ['0255', true], // 1.4B on the 1.10.3.1.2 list
    ['0336', false], // 1.4G fireworks
    ['1017', true], // toxic gas (2TOC)
    ['1978', true], // propane, flammable gas in tanks
    ['1013', false], // carbon dioxide (2A)
    ['1950', false], // aerosols
    ['1689', true], // 6.1 PG I
    ['1671', false], // phenol, 6.1 PG II
    ['1830', false], // sulphuric acid, 8 PG II
    ['1223', false], // kerosene, PG III
    ['2814', true], // infectious, category A
    ['3480', false],
    ['1831', true], // oleum, 8 PG I, tank carriage allowed
    ['1942', true], // ammonium nitrate: tank or bulk
  ])('should say whether some quantity of UN%s is high-consequence (ADR 1.10.3.1.2): %s', (un, expected) => {
    expect(highConsequenceCandidate(catalogue.get(un)!)).toBe(expected);
  });

  it('should keep the curated flag tables consistent with the catalogue', () => {
    expect(tables.highlyToxic.length).toBeGreaterThanOrEqual(10);
    for (const r of tables.highlyToxic) if (r.unNumber) expect([r.unNumber, catalogue.has(r.unNumber)]).toEqual([r.unNumber, true]);
    for (const p of tables.precursors) if (p.cas) expect([p.cas, isValidCas(p.cas)]).toEqual([p.cas, true]);
    expect(new Set(tables.precursors.map((p) => p.seq)).size).toBe(74);
  });

  it('should refuse a highly-toxic row without a UN or CAS number, or with a bad CAS number', () => {
    expect(() => parseHighlyToxic('un_number,cas,name_zh,source\n,,某物,x\n')).toThrow(/row 1/);
    expect(() => parseHighlyToxic('un_number,cas,name_zh,source\n,143-33-8,氰化钠,x\n')).toThrow(/row 1/);
    expect(parseHighlyToxic('# comment\nun_number,cas,name_zh,source\nUN1689,,氰化钠,x\n')).toEqual([{ unNumber: '1689', cas: null, nameZh: '氰化钠', source: 'x' }]);
  });
});
