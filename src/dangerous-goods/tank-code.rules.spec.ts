import { buildCatalogue, readTable } from './catalogue.js';
import { TANK_CODE_TABLE, compareTankCodes, normaliseTankCode, parseTankCode, splitTankCodes, tankCodeCovers, tankMayCarry } from './tank-code.rules.js';

describe('parseTankCode', () => {
  it('should read the four parts of a class 3-9 code (ADR 4.3.4.1.1)', () => {
    expect(parseTankCode('L4BH')).toEqual({ kind: 'liquid-solid', code: 'L4BH', type: 'L', pressure: '4', openings: 'B', valves: 'H', plus: false });
    expect(parseTankCode('S2.65AN(+)')).toMatchObject({ type: 'S', pressure: '2.65', openings: 'A', valves: 'N', plus: true });
  });

  it('should read class 2 codes (ADR 4.3.3.1.1)', () => {
    expect(parseTankCode('PxBH(M)')).toEqual({ kind: 'gas', code: 'PXBH(M)', type: 'P', pressure: 'X', openings: 'B', valves: 'H', megc: true, plus: false });
    expect(parseTankCode('P22DH(M)')).toMatchObject({ type: 'P', pressure: 22, openings: 'D', valves: 'H', megc: true });
    expect(parseTankCode('RxBN')).toMatchObject({ kind: 'gas', type: 'R', pressure: 'X' });
  });

  it('should accept how Table A writes codes and reject others', () => {
    expect(normaliseTankCode('L1,5BN')).toBe('L1.5BN');
    expect(normaliseTankCode('L4BN+')).toBe('L4BN(+)');
    expect(normaliseTankCode('LGAV (+)')).toBe('LGAV(+)');
    expect(normaliseTankCode('ADR: S2.65AN (+)')).toBe('S2.65AN(+)');
    expect(parseTankCode('L5BN')).toBeNull();
    expect(parseTankCode('LGBX')).toBeNull();
    expect(parseTankCode('')).toBeNull();
  });

  it('should split Table A cells that allow a solid and a molten tank', () => {
    expect(splitTankCodes('SGAH L4BH')).toEqual(['SGAH', 'L4BH']);
    expect(splitTankCodes('S2,65AN (+) L2.65CN (+)')).toEqual(['S2.65AN(+)', 'L2.65CN(+)']);
    expect(splitTankCodes('Ikke tillatt transportert')).toEqual([]);
    expect(splitTankCodes(null)).toEqual([]);
  });

  it('should parse every tank code in ADR 2025 Table A (via the catalogue)', () => {
    const catalogue = buildCatalogue(readTable('us-49cfr-172101-hazmat-table.csv'), readTable('adr-2025-table-a-codes.csv'));
    const cells = new Set<string>();
    for (const e of catalogue.values()) for (const v of e.variants) if (v.tankCode) cells.add(v.tankCode);
    const unparsed = [...cells].filter((c) => splitTankCodes(c).length === 0);
    expect(unparsed.sort()).toEqual(['Ikke tillatt transportert', 'Ikke underlagt ADR/RID']);
  });
});

describe('tankCodeCovers: ADR 4.3.4.1.2 hierarchy (classes 3-9)', () => {
  const examples = (TANK_CODE_TABLE.classes_3_to_9 as unknown as { examples: [string, string, boolean][] }).examples;
  it.each(examples)(
    'table example: %s for %s → %s',
    (tank, required, expected) => {
      expect(tankCodeCovers(tank, required)).toBe(expected);
    },
  );

  it.each([
    ['L4BH', 'LGBF', true], // gasoline UN1203 in a 4-bar hermetic tank
    ['L10CH', 'L4BH', true],
    ['L4BN', 'L4BH', false], // not hermetically closed
    ['L4AH', 'L4BH', false], // fewer bottom closures
    ['SGAV', 'LGAV', false], // a solids tank cannot take liquids
    ['L1.5BN', 'L1,5BN', true],
    ['L10BH', 'L10BN(+)', false], // (+): only per the approval certificate
  ])('%s for %s → %s', (tank, required, expected) => {
    expect(tankCodeCovers(tank, required)).toBe(expected);
  });

  it('should say which part is too low', () => {
    expect(compareTankCodes('L4BN', 'L10CH')).toEqual({ result: 'does-not-cover', reason: expect.stringMatching(/calculationPressure \(4 < 10/) });
    expect(compareTankCodes('L10BH', 'L10BN(+)').result).toBe('unknown');
    expect(compareTankCodes('XYZ', 'L4BH')).toEqual({ result: 'unknown', reason: 'cannot parse tank code XYZ' });
  });
});

describe('tankCodeCovers: ADR 4.3.3.1.2 (class 2)', () => {
  it('should allow a higher opening/valve arrangement at the same or higher test pressure', () => {
    expect(tankCodeCovers('P26DH', 'P22BN')).toBe(true);
    expect(tankCodeCovers('P22CH', 'P22BH')).toBe(true);
    expect(tankCodeCovers('P22BN', 'P22BH')).toBe(false);
    expect(tankCodeCovers('P20DH', 'P22DH')).toBe(false);
    expect(tankCodeCovers('R10DN', 'R10BN')).toBe(true);
    expect(tankCodeCovers('C300BN', 'P22BN')).toBe(false);
  });

  it("should not decide when the required test pressure is 'X' (ADR 4.3.3.2.5 table not loaded)", () => {
    expect(compareTankCodes('P26BH', 'PxBH(M)')).toMatchObject({ result: 'unknown' });
    expect(tankCodeCovers('P26BH', 'PxBH(M)')).toBe(false);
  });

  it('should not put gases without (M) in battery vehicles / MEGCs', () => {
    expect(tankCodeCovers('P26BN(M)', 'P22BN')).toBe(false);
    expect(tankCodeCovers('P26BN', 'P22DH(M)')).toBe(false); // B is lower than D
  });

  it('should keep class 2 and class 3-9 codes apart', () => {
    expect(tankCodeCovers('P22DH', 'L4BH')).toBe(false);
    expect(tankCodeCovers('L21DH', 'P22DH(M)')).toBe(false);
  });
});

describe('tankMayCarry (PL-13)', () => {
  const tank = { tankCode: 'L4BH', media: [{ unNumber: 'UN1203' }, { unNumber: '1230' }] };
  const container = (tankCode: string | null) => ({ tankCode, media: [] });

  it('should accept goods on the approved media list, with no caution when the codes agree or are unknown', () => {
    expect(tankMayCarry(tank, '1203', ['LGBF'])).toEqual({ ok: true, basis: 'media-list', reason: expect.stringContaining('适装介质列表') });
    expect(tankMayCarry({ tankCode: null, media: [{ unNumber: '1005' }] }, 'UN1005', [])).toEqual({ ok: true, basis: 'media-list', reason: expect.any(String) });
  });

  it('should accept a listed medium whose code the tank does not cover, with a caution (the list decides in China)', () => {
    const v = tankMayCarry({ tankCode: 'LGBF', media: [{ unNumber: '1230' }] }, '1230', ['L4BH']);
    expect(v).toMatchObject({ ok: true, basis: 'media-list', caution: expect.stringContaining('LGBF') });
  });

  it('should refuse goods not on the list even where the tank code would cover them (toluene UN1294, LGBF)', () => {
    expect(tankMayCarry(tank, '1294', ['LGBF'])).toMatchObject({ ok: false, basis: 'media-list', reason: expect.stringContaining('the list decides') });
    expect(tankMayCarry(tank, '1294', [])).toMatchObject({ ok: false, basis: 'media-list' });
  });

  it('should judge a tank without a media list by the hierarchy: covered (toluene in L4BH), not covered (oleum UN1831, L10BH)', () => {
    expect(tankMayCarry(container('L4BH'), '1294', ['LGBF'])).toMatchObject({ ok: true, basis: 'tank-code' });
    expect(tankMayCarry(container('L4BH'), '1831', ['L10BH'])).toMatchObject({ ok: false, basis: 'tank-code', reason: expect.stringContaining('L4BH is lower than L10BH') });
  });

  it('should take any of several Table A codes (UN3077 solid, SGAV or molten LGBV)', () => {
    expect(tankMayCarry(container('L10CH'), '3077', ['SGAV LGBV'])).toMatchObject({ ok: true, basis: 'tank-code' });
  });

  it('should refuse when neither a list nor both codes answer', () => {
    expect(tankMayCarry(container(null), '1203', ['LGBF'])).toMatchObject({ ok: false, basis: 'none', reason: expect.stringContaining('no tank code') });
    expect(tankMayCarry(container('L4BH'), '1294', [])).toMatchObject({ ok: false, basis: 'none' });
  });
});
