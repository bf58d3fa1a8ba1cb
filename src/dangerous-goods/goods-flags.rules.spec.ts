import {
  HIGH_CONSEQUENCE_MATCHERS,
  HIGH_CONSEQUENCE_TABLE,
  matchesRow,
  PERMIT_NAMES_ZH,
  highConsequenceRows,
  highHazardChemical,
  isHighConsequence,
  requiredPermitTypes,
  zeroToleranceLine,
  type HighConsequenceLine,
} from './goods-flags.rules.js';

describe('requiredPermitTypes (PL-19, PL-20)', () => {
  it('should need nothing special for gasoline (UN1203)', () => {
    expect(requiredPermitTypes({ unNumber: '1203', hazardClass: '3', flags: {} })).toEqual([]);
  });

  it('should need the 剧毒 pass for highly toxic goods (sodium cyanide UN1689)', () => {
    expect(requiredPermitTypes({ unNumber: '1689', hazardClass: '6.1', flags: { highlyToxic: true } })).toEqual(['highly_toxic_pass']);
    expect(PERMIT_NAMES_ZH.highly_toxic_pass).toBe('剧毒化学品道路运输通行证');
  });

  it('should need the civil explosives permit for class 1 (UN0081 blasting explosive, UN0029 detonators)', () => {
    expect(requiredPermitTypes({ unNumber: '0081', hazardClass: '1.1D', flags: {} })).toEqual(['explosives']);
    expect(requiredPermitTypes({ unNumber: 'UN0029', hazardClass: '1', classificationCode: '1.1B', flags: {} })).toEqual(['explosives']);
  });

  it.each(['0333', '0334', '0335', '0336', '0337'])('should need the fireworks permit, not the explosives one, for UN%s', (un) => {
    expect(requiredPermitTypes({ unNumber: un, hazardClass: '1.4G', flags: {} })).toEqual(['fireworks']);
  });

  it('should need the radioactive permit for class 7 (UN2915)', () => {
    expect(requiredPermitTypes({ unNumber: '2915', hazardClass: '7', flags: {} })).toEqual(['radioactive']);
  });

  it('should need the transfer manifest for hazardous waste, next to any other permit', () => {
    expect(requiredPermitTypes({ unNumber: '1993', hazardClass: '3', flags: { hazardousWaste: true } })).toEqual(['hazardous_waste_manifest']);
    expect(requiredPermitTypes({ unNumber: '3414', hazardClass: '6.1', flags: { highlyToxic: true, hazardousWaste: true } })).toEqual([
      'highly_toxic_pass',
      'hazardous_waste_manifest',
    ]);
  });

  it('should not read classes 4.1 / 5.2 with a subsidiary explosive label as class 1', () => {
    expect(requiredPermitTypes({ unNumber: '3221', hazardClass: '4.1', classificationCode: 'SR1', flags: {} })).toEqual([]);
  });
});

describe('isHighConsequence (ADR 1.10.3.1.2)', () => {
  const line = (over: Partial<HighConsequenceLine>): HighConsequenceLine => ({
    unNumber: '1203',
    hazardClass: '3',
    classificationCode: 'F1',
    packingGroup: 'II',
    quantity: 1,
    unit: 'L',
    carriage: 'packages',
    ...over,
  });

  it('should map every row of the table to exactly one matcher', () => {
    expect(HIGH_CONSEQUENCE_TABLE.rows).toHaveLength(18);
    for (const row of HIGH_CONSEQUENCE_TABLE.rows) expect(HIGH_CONSEQUENCE_MATCHERS.filter((m) => matchesRow(m, row))).toHaveLength(1);
    for (const m of HIGH_CONSEQUENCE_MATCHERS) expect(HIGH_CONSEQUENCE_TABLE.rows.filter((row) => matchesRow(m, row))).toHaveLength(1);
    expect(highConsequenceRows(line({ unNumber: '0081', hazardClass: '1.1D', classificationCode: '1.1D' }))).toEqual([
      expect.objectContaining({ class: '1', division: '1.1' }),
    ]);
  });

  it.each([
    // flammable liquids PG I-II: tank > 3000 L, never in packages
    ['gasoline UN1203 in a 3000 L tank', { quantity: 3000, carriage: 'tank' as const }, false],
    ['gasoline UN1203 in a 3001 L tank', { quantity: 3001, carriage: 'tank' as const }, true],
    ['gasoline UN1203, 20 m3 tank', { quantity: 20, unit: 'm3' as const, carriage: 'tank' as const }, true],
    ['gasoline UN1203, 10 t in packages', { quantity: 10, unit: 't' as const }, false],
    ['diesel UN1202 PG III in a tank', { unNumber: '1202', packingGroup: 'III', quantity: 30_000, carriage: 'tank' as const }, false],
    // explosives 1.1 / 1.2: any quantity in packages
    ['blasting explosive UN0081, 1 kg', { unNumber: '0081', hazardClass: '1.1D', classificationCode: '1.1D', packingGroup: null, unit: 'kg' as const }, true],
    ['1.3C propellant UN0161, 1 kg', { unNumber: '0161', hazardClass: '1.3C', classificationCode: '1.3C', packingGroup: null, unit: 'kg' as const }, true],
    ['1.3G fireworks UN0335, 1 kg', { unNumber: '0335', hazardClass: '1.3G', classificationCode: '1.3G', packingGroup: null, unit: 'kg' as const }, false],
    ['1.4B detonators UN0255 (listed)', { unNumber: '0255', hazardClass: '1.4B', classificationCode: '1.4B', packingGroup: null, unit: 'kg' as const }, true],
    ['1.4S cartridges UN0012 (not listed)', { unNumber: '0012', hazardClass: '1.4S', classificationCode: '1.4S', packingGroup: null, unit: 'kg' as const }, false],
    // toxic gases: any quantity; flammable gases: tank > 3000 L only
    ['chlorine UN1017 cylinder', { unNumber: '1017', hazardClass: '2.3', classificationCode: '2TOC', packingGroup: null, unit: 'kg' as const }, true],
    ['propane UN1978 cylinders', { unNumber: '1978', hazardClass: '2.1', classificationCode: '2F', packingGroup: null, quantity: 500, unit: 'kg' as const }, false],
    ['propane UN1978 in a 25 m3 tank', { unNumber: '1978', hazardClass: '2.1', classificationCode: '2F', packingGroup: null, quantity: 25, unit: 'm3' as const, carriage: 'tank' as const }, true],
    ['toxic aerosols UN1950 (excluded)', { unNumber: '1950', hazardClass: '2.2', classificationCode: '5T', packingGroup: null, unit: 'kg' as const }, false],
    // ammonium nitrate: tank or bulk > 3000, never packages
    ['ammonium nitrate UN1942 bulk 3000 kg', { unNumber: '1942', hazardClass: '5.1', classificationCode: 'O2', packingGroup: 'III', quantity: 3, unit: 't' as const, carriage: 'bulk' as const }, false],
    ['ammonium nitrate UN1942 bulk 3001 kg', { unNumber: '1942', hazardClass: '5.1', classificationCode: 'O2', packingGroup: 'III', quantity: 3001, unit: 'kg' as const, carriage: 'bulk' as const }, true],
    ['ammonium nitrate UN1942 25 t bags', { unNumber: '1942', hazardClass: '5.1', classificationCode: 'O2', packingGroup: 'III', quantity: 25, unit: 't' as const }, false],
    // 6.1 PG I: any; 8 PG I: tank > 3000 L
    ['sodium cyanide UN1689 PG I, 1 kg', { unNumber: '1689', hazardClass: '6.1', classificationCode: 'T5', packingGroup: 'I', unit: 'kg' as const }, true],
    ['oleum UN1831 PG I in packages', { unNumber: '1831', hazardClass: '8', classificationCode: 'CT1', packingGroup: 'I', quantity: 1000, unit: 'kg' as const }, false],
    // desensitized explosives (class 3 code D): any quantity
    ['nitrocellulose solution UN2059 (code D)', { unNumber: '2059', classificationCode: 'D', packingGroup: 'III', quantity: 5 }, true],
    ['nitrocellulose with water UN2555 (4.1, code D)', { unNumber: '2555', hazardClass: '4.1', classificationCode: 'D', unit: 'kg' as const }, true],
    // 6.2 category A
    ['infectious substance UN2814', { unNumber: '2814', hazardClass: '6.2', classificationCode: 'I1', packingGroup: null, quantity: 0.1, unit: 'kg' as const }, true],
    ['biological substance UN3373', { unNumber: '3373', hazardClass: '6.2', classificationCode: 'I4', packingGroup: null, quantity: 10, unit: 'kg' as const }, false],
    // class 7 is 1.10.3.1.3 (activity), not this table
    ['uranium hexafluoride UN2978', { unNumber: '2978', hazardClass: '7', classificationCode: undefined, packingGroup: null, unit: 'kg' as const }, false],
  ])('%s → %s', (_, over, expected) => {
    expect(isHighConsequence(line(over))).toBe(expected);
  });

  it('should need a density to compare tonnes with the litre threshold of a tank, and fail safe without one', () => {
    const oleumTank = line({ unNumber: '1831', hazardClass: '8', classificationCode: 'CT1', packingGroup: 'I', quantity: 5, unit: 't', carriage: 'tank' });
    expect(isHighConsequence(oleumTank)).toBe(true);
    expect(isHighConsequence({ ...oleumTank, densityKgPerL: 1.9 })).toBe(false); // 2,632 L
    expect(isHighConsequence({ ...oleumTank, quantity: 6, densityKgPerL: 1.9 })).toBe(true); // 3,158 L
  });

  it('should read a missing packing group as matching (fail-safe)', () => {
    expect(isHighConsequence(line({ packingGroup: undefined, quantity: 4000, carriage: 'tank' }))).toBe(true);
  });

  it('should never trigger on zero quantity', () => {
    expect(isHighConsequence(line({ unNumber: '0081', hazardClass: '1.1D', classificationCode: '1.1D', quantity: 0, unit: 'kg' }))).toBe(false);
  });

  it('should treat "n/a" modes as not relevant (explosives 1.1D in bulk)', () => {
    expect(isHighConsequence(line({ unNumber: '0081', hazardClass: '1.1D', classificationCode: '1.1D', quantity: 100, unit: 'kg', carriage: 'bulk' }))).toBe(false);
  });
});

describe('highHazardChemical (PL-29, the plan list)', () => {
  it.each([
    ['1942', 'ammonium_nitrate'],
    ['UN2067', 'ammonium_nitrate'],
    ['0340', 'nitrocellulose'],
    ['2556', 'nitrocellulose'],
    ['1689', 'sodium_cyanide'],
    ['3414', 'sodium_cyanide'],
    ['1203', null],
  ])('UN%s → %s', (un, expected) => {
    expect(highHazardChemical(un)).toBe(expected);
  });
});

describe('zeroToleranceLine (DOMAIN 3.1(a) reconciliation)', () => {
  it.each([
    [{}, false],
    [{ highlyToxic: false, hazardousWaste: true }, false],
    [{ highlyToxic: true }, true],
    [{ explosivePrecursor: true }, true],
    [{ civilExplosive: true }, true],
    [{ highConsequence: true }, true],
    [{ highHazard: true }, true],
  ])('%j → %s', (flags, expected) => {
    expect(zeroToleranceLine(flags)).toBe(expected);
  });
});
