import { buildCatalogue, readTable } from './catalogue.js';
import {
  BLASTING_EXPLOSIVES,
  CLASS1_COMPATIBILITY_TABLE,
  LIFE_SAVING_APPLIANCES,
  MIXED_LOADING_TABLE,
  NITRATES_WITH_BLASTING_EXPLOSIVES,
  matrixLabel,
  matrixLabels,
  mixedLoadingAllowed,
  mixedLoadingConditions,
  mixedLoadingConflicts,
  type MixedLoadingItem,
} from './mixed-loading.rules.js';

// Goods as the catalogue describes them (ADR 2025 Table A labels and classification codes).
const item = (ref: string, unNumber: string, labels: string[], classificationCode?: string, limitedQuantity?: boolean): MixedLoadingItem => ({
  ref,
  unNumber,
  labels,
  ...(classificationCode ? { classificationCode } : {}),
  ...(limitedQuantity ? { limitedQuantity } : {}),
});
const gasoline = item('gasoline', '1203', ['3'], 'F1');
const ammonia = item('ammonia', '1005', ['2.3', '8'], '2TC');
const chlorine = item('chlorine', '1017', ['2.3', '5.1', '8'], '2TOC');
const blastingA = item('blasting A', '0081', ['1'], '1.1D');
const blastingC = item('blasting C', '0083', ['1'], '1.1D');
const blastingB15 = item('blasting B 1.5D', '0331', ['1.5'], '1.5D');
const ammoniumNitrate = item('AN', '1942', ['5.1'], 'O2');
const potassiumNitrate = item('KNO3', '1486', ['5.1'], 'O2');
const bariumNitrate = item('Ba(NO3)2', '1446', ['5.1', '6.1'], 'OT2');
const fireworks14G = item('fireworks 1.4G', '0336', ['1.4'], '1.4G');
const fireworks14S = item('fireworks 1.4S', '0337', ['1.4'], '1.4S');
const safetyDevices = item('safety devices', '0503', ['1.4'], '1.4G');
const airbags = item('airbags', '3268', ['9'], 'M5');
const lifeRafts = item('life rafts', '2990', ['9'], 'M5');
const envSolid = item('env. hazardous solid', '3077', ['9'], 'M7');
const selfReactiveB = item('self-reactive B', '3221', ['4.1', '1'], 'SR1');
const selfReactiveB2 = item('self-reactive B solid', '3222', ['4.1', '1'], 'SR1');
const flammableSolid = item('flammable solid', '1325', ['4.1'], 'F1');
const peroxideB = item('peroxide B', '3101', ['5.2', '1'], 'P1');
const peroxideD = item('peroxide D', '3103', ['5.2'], 'P1');
const detonators = item('detonators', '0029', ['1'], '1.1B');
const leadAzide = item('lead azide', '0129', ['1'], '1.1A');
const fireworks11G = item('fireworks 1.1G', '0333', ['1'], '1.1G');
const smallArms = item('cartridges 1.4S', '0012', ['1.4'], '1.4S');
const waterActivated12L = item('water-activated 1.2L', '0248', ['1'], '1.2L');
const waterActivated13L = item('water-activated 1.3L', '0249', ['1'], '1.3L');
const eidsN = item('1.6N articles', '0486', ['1.6'], '1.6N');
const radioactive = item('UF6 excepted', '2915', ['7X'], undefined);
const paintLq = item('paint LQ', '1263', ['3'], 'F1', true);

describe('mixedLoadingConflicts: ADR 7.5.2.1 by label', () => {
  it('should allow goods of classes 2-9 together (gasoline, ammonia, chlorine)', () => {
    expect(mixedLoadingConflicts([gasoline, ammonia, chlorine])).toEqual([]);
  });

  it('should refuse gasoline with blasting explosives and say so in both languages', () => {
    expect(mixedLoadingConflicts([gasoline, blastingA])).toEqual([
      {
        a: 'gasoline',
        b: 'blasting A',
        labels: ['3', '1.1D'],
        rule: '7.5.2.1',
        message: 'UN1203 (3) and UN0081 (1.1D) must not be loaded together (ADR 7.5.2.1)',
        messageZh: 'UN1203 (3) 与 UN0081 (1.1D) 不得混装（ADR 7.5.2.1）',
      },
    ]);
  });

  it('should judge a package by its subsidiary labels too (barium nitrate 5.1+6.1 with blasting explosive)', () => {
    // 5.1 with 1 would be allowed under footnote 4, but the 6.1 subsidiary label is not.
    expect(mixedLoadingConflicts([bariumNitrate, blastingA])).toEqual([
      expect.objectContaining({ a: 'Ba(NO3)2', b: 'blasting A', labels: ['6.1', '1.1D'], rule: '7.5.2.1' }),
    ]);
  });

  it('should report one conflict per pair of packages, from the primary label first (chlorine 2.3+5.1+8)', () => {
    expect(mixedLoadingConflicts([chlorine, blastingA])).toEqual([expect.objectContaining({ labels: ['2.3', '1.1D'] })]);
  });

  it('should check every pair of a load, including goods already on the vehicle', () => {
    const found = mixedLoadingConflicts([gasoline, ammonia, blastingA, envSolid]);
    expect(found.map((c) => [c.a, c.b])).toEqual([
      ['gasoline', 'blasting A'],
      ['ammonia', 'blasting A'],
      ['blasting A', 'env. hazardous solid'],
    ]);
  });

  it.each([
    ['ammonium nitrate UN1942', ammoniumNitrate],
    ['potassium nitrate UN1486 (alkali-metal nitrate)', potassiumNitrate],
  ])('should allow blasting explosive UN0081 with %s under footnote 4', (_, oxidizer) => {
    expect(mixedLoadingConflicts([blastingA, oxidizer])).toEqual([]);
    expect(mixedLoadingConditions([blastingA, oxidizer])).toEqual([
      expect.objectContaining({ rule: '7.5.2.1', footnote: '4', message: expect.stringMatching(/may be loaded together under ADR 7\.5\.2\.1 footnote 4: .*treated as class 1/) }),
    ]);
  });

  it('should refuse UN0083 (blasting explosive type C) with ammonium nitrate: footnote 4 excludes it', () => {
    const [c] = mixedLoadingConflicts([blastingC, ammoniumNitrate]);
    expect(c).toMatchObject({ rule: '7.5.2.1', footnote: '4', labels: ['1.1D', '5.1'] });
    expect(c!.message).toMatch(/allowed only under footnote 4 .*condition not met/);
    expect(c!.messageZh).toMatch(/仅在脚注4条件下允许.*本次不满足/);
  });

  it('should refuse blasting explosive 1.5D (UN0331) with ammonium nitrate: the table has no footnote for 1.5 with 5.1', () => {
    expect(mixedLoadingConflicts([blastingB15, ammoniumNitrate])).toEqual([
      expect.objectContaining({ labels: ['1.5D', '5.1'], rule: '7.5.2.1' }),
    ]);
    expect(mixedLoadingConflicts([blastingB15, ammoniumNitrate])[0]!.footnote).toBeUndefined();
  });

  it('should allow 1.4S fireworks (UN0337) with other classes but not 1.4G fireworks (UN0336) (footnote 1)', () => {
    expect(mixedLoadingConflicts([fireworks14S, gasoline])).toEqual([]);
    expect(mixedLoadingConflicts([fireworks14G, gasoline])).toEqual([
      expect.objectContaining({ labels: ['1.4G', '3'], footnote: '1', messageZh: expect.stringContaining('仅1.4S项爆炸品可与其他类别混装') }),
    ]);
  });

  it('should never allow 1.4S with self-reactive 4.1+1 or peroxide 5.2+1', () => {
    expect(mixedLoadingAllowed(fireworks14S, selfReactiveB)).toBe(false);
    expect(mixedLoadingAllowed(fireworks14S, peroxideB)).toBe(false);
  });

  it('should allow class 1 with class 9 life-saving appliances only (footnote 2)', () => {
    expect(mixedLoadingAllowed(blastingA, lifeRafts)).toBe(true);
    expect(mixedLoadingAllowed(blastingB15, airbags)).toBe(true);
    expect(mixedLoadingConflicts([blastingA, envSolid])).toEqual([expect.objectContaining({ footnote: '2' })]);
  });

  it('should allow 1.4G safety devices UN0503 with UN3268 and refuse 1.4G fireworks with UN3077 (footnotes 1, 2, 3)', () => {
    expect(mixedLoadingConditions([safetyDevices, airbags])).toEqual([expect.objectContaining({ footnote: '2' })]);
    expect(mixedLoadingConflicts([fireworks14G, envSolid])).toEqual([expect.objectContaining({ footnote: '1,2,3' })]);
    expect(mixedLoadingAllowed(fireworks14S, envSolid)).toBe(true);
  });

  it('should let 4.1+1 travel only with 4.1+1', () => {
    expect(mixedLoadingAllowed(selfReactiveB, selfReactiveB2)).toBe(true);
    expect(mixedLoadingConflicts([selfReactiveB, flammableSolid])).toEqual([expect.objectContaining({ labels: ['4.1+1', '4.1'] })]);
    expect(mixedLoadingAllowed(selfReactiveB, gasoline)).toBe(false);
  });

  it('should let 5.2+1 travel only with 5.2 and 5.2+1', () => {
    expect(mixedLoadingAllowed(peroxideB, peroxideD)).toBe(true);
    expect(mixedLoadingAllowed(peroxideB, peroxideB)).toBe(true);
    expect(mixedLoadingConflicts([peroxideB, gasoline])).toEqual([expect.objectContaining({ labels: ['5.2+1', '3'] })]);
  });

  it('should give class 1 goods their class 1 label from the classification code when the labels omit it', () => {
    expect(mixedLoadingConflicts([item('no labels', '0081', [], '1.1D'), gasoline])).toEqual([expect.objectContaining({ labels: ['1.1D', '3'] })]);
  });

  it('should treat 7X/7A/7B/7C as label 7 and 9A as 9', () => {
    expect(mixedLoadingAllowed(radioactive, gasoline)).toBe(true);
    expect(mixedLoadingConflicts([radioactive, blastingA])).toEqual([expect.objectContaining({ labels: ['7X', '1.1D'] })]);
    expect(mixedLoadingAllowed(item('batteries', '3480', ['9A'], 'M4'), ammonia)).toBe(true);
  });
});

describe('mixedLoadingConflicts: ADR 7.5.2.2 class 1 with class 1', () => {
  it.each([
    ['1.1D with 1.1G fireworks', blastingA, fireworks11G, true],
    ['1.1D with 1.4S cartridges', blastingA, smallArms, true],
    ['1.4G with 1.4S', fireworks14G, fireworks14S, true],
    ['1.1D with 1.1A lead azide', blastingA, leadAzide, false],
    ['1.1D with 1.1B detonators (footnote 1: separation not verifiable)', blastingA, detonators, false],
    ['1.2L with 1.3L (different substances)', waterActivated12L, waterActivated13L, false],
    ['1.2L with itself', waterActivated12L, waterActivated12L, true],
    ['1.6N with itself', eidsN, eidsN, true],
  ])('%s → allowed %s', (_, a, b, allowed) => {
    expect(mixedLoadingAllowed(a, b)).toBe(allowed);
  });

  it('should say why detonators (B) and blasting explosive (D) may not travel together', () => {
    expect(mixedLoadingConflicts([detonators, blastingA])).toEqual([
      expect.objectContaining({ rule: '7.5.2.2', footnote: '1', labels: ['1.1B', '1.1D'], message: expect.stringContaining('effectively separated') }),
    ]);
  });

  it('should allow 1.6N with 1.1D, N treated as group D (footnote 3)', () => {
    expect(mixedLoadingConditions([eidsN, blastingA])).toEqual([expect.objectContaining({ rule: '7.5.2.2', footnote: '3' })]);
  });

  it('should ignore subsidiary labels of class 1 goods among themselves (7.5.2.1 NOTE 2)', () => {
    const tearGasAmmunition = item('tear gas ammunition', '0018', ['1', '6.1', '8'], '1.2G');
    expect(mixedLoadingAllowed(tearGasAmmunition, fireworks11G)).toBe(true);
    expect(mixedLoadingAllowed(tearGasAmmunition, gasoline)).toBe(false);
  });

  it('should refuse class 1 goods whose compatibility group is unknown', () => {
    const [c] = mixedLoadingConflicts([item('explosive', '0081', ['1']), blastingA]);
    expect(c).toMatchObject({ rule: '7.5.2.2', message: expect.stringContaining('compatibility group of UN0081 unknown') });
  });

  it('should read the compatibility group from a label such as 1.4S when the code is missing', () => {
    expect(mixedLoadingAllowed(item('cartridges', '0012', ['1.4S']), gasoline)).toBe(true);
  });
});

describe('mixedLoadingConflicts: limited quantities (Order 29 art. 20)', () => {
  it('should exempt limited-quantity packages from the table (paint LQ with self-reactive 4.1+1)', () => {
    expect(mixedLoadingAllowed(paintLq, selfReactiveB)).toBe(true);
    expect(mixedLoadingAllowed({ ...paintLq, limitedQuantity: false }, selfReactiveB)).toBe(false);
  });

  it('should refuse limited-quantity packages with any explosive, even 1.4S', () => {
    expect(mixedLoadingConflicts([paintLq, fireworks14S])).toEqual([
      expect.objectContaining({
        a: 'paint LQ',
        b: 'fireworks 1.4S',
        rule: 'order-29-art-20',
        messageZh: 'UN1263 (3) 与 UN0337 (1.4S) 不得混装（《危险货物道路运输安全管理办法》第二十条）：有限数量危险货物包件不得与爆炸品混合装载',
      }),
    ]);
    expect(mixedLoadingAllowed(fireworks14S, { ...paintLq, limitedQuantity: false })).toBe(true);
  });
});

describe('matrix labels', () => {
  it.each([
    ['2.1', '2'],
    ['2.3', '2'],
    ['7A', '7'],
    ['7X', '7'],
    ['9A', '9'],
    ['1', '1'],
    ['1.1D', '1'],
    ['1.4', '1.4'],
    ['1.4S', '1.4'],
    ['1.5', '1.5'],
    ['1.6', '1.6'],
    ['6.1', '6.1'],
    ['Ikke', null],
  ])('%s → %s', (label, expected) => {
    expect(matrixLabel(label)).toBe(expected);
  });

  it('should fold a subsidiary 1 into 4.1+1 / 5.2+1 and report labels it does not know', () => {
    expect(matrixLabels({ labels: ['4.1', '1'] })).toEqual({ labels: ['4.1+1'], unknown: [] });
    expect(matrixLabels({ labels: ['5.2', '1'] })).toEqual({ labels: ['5.2+1'], unknown: [] });
    expect(matrixLabels({ labels: ['2.3', '5.1', '8'] })).toEqual({ labels: ['2', '5.1', '8'], unknown: [] });
    expect(matrixLabels({ labels: ['Ikke', 'tillatt'] })).toEqual({ labels: [], unknown: ['Ikke', 'tillatt'] });
  });
});

describe('mixed-loading tables', () => {
  it('should have a symmetric 18 x 18 matrix of known values', () => {
    expect(MIXED_LOADING_TABLE.labels).toHaveLength(18);
    for (const a of MIXED_LOADING_TABLE.labels) {
      for (const b of MIXED_LOADING_TABLE.labels) {
        const cell = MIXED_LOADING_TABLE.matrix[a]![b]!;
        expect(cell).toMatch(/^(ALLOWED|PROHIBITED|SEE_7\.5\.2\.2|CONDITIONAL:\d(,\d)*)$/);
        expect(MIXED_LOADING_TABLE.matrix[b]![a]).toBe(cell);
      }
    }
  });

  it('should have a symmetric compatibility-group matrix', () => {
    for (const a of CLASS1_COMPATIBILITY_TABLE.groups) {
      for (const b of CLASS1_COMPATIBILITY_TABLE.groups) expect(CLASS1_COMPATIBILITY_TABLE.matrix[b]![a]).toBe(CLASS1_COMPATIBILITY_TABLE.matrix[a]![b]);
    }
  });

  it('should agree with the footnote texts on the UN numbers the code decides by', () => {
    const f = MIXED_LOADING_TABLE.footnotes;
    for (const u of LIFE_SAVING_APPLIANCES) expect(f['2']).toContain(u);
    expect(f['3']).toContain('0503');
    expect(f['3']).toContain('3268');
    expect(f['4']).toContain('0083');
    for (const u of ['1942', '2067', '3375']) expect(f['4']).toContain(u);
    expect(BLASTING_EXPLOSIVES.has('0083')).toBe(false);
    expect(NITRATES_WITH_BLASTING_EXPLOSIVES.has('1942')).toBe(true);
  });

  it('should know every label the catalogue uses (ADR 2025 Table A)', () => {
    const catalogue = buildCatalogue(readTable('us-49cfr-172101-hazmat-table.csv'), readTable('adr-2025-table-a-codes.csv'));
    const unknown = new Set<string>();
    for (const e of catalogue.values()) {
      for (const v of e.variants) if (v.labels && v.tankCode !== undefined) for (const l of matrixLabels({ labels: v.labels }).unknown) unknown.add(l);
    }
    // Only words of the Norwegian "not permitted" / "not subject to ADR" / "see 5.2.2.1.12" rows remain.
    for (const l of unknown) expect(l).toMatch(/^[A-Za-zæøå/]+$|^5\.2\.2\.1\.12$/);
    expect(mixedLoadingAllowed(
      { ref: 'a', unNumber: '1017', labels: catalogue.get('1017')!.variants[0]!.labels!, classificationCode: catalogue.get('1017')!.variants[0]!.classificationCode },
      { ref: 'b', unNumber: '0081', labels: catalogue.get('0081')!.variants[0]!.labels!, classificationCode: catalogue.get('0081')!.variants[0]!.classificationCode },
    )).toBe(false);
  });
});
