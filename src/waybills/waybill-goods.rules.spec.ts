import { fillLine, type GoodsDescription } from './waybill-goods.rules.js';

describe('fillLine', () => {
  const gasoline: GoodsDescription = {
    unNumber: '1203',
    names: ['Gasoline'],
    nameZh: '汽油',
    hazardClass: '3',
    subsidiaryRisks: [],
    variants: [{ packingGroup: 'II', classificationCode: 'F1', labels: ['3'], tankCode: 'LGBF', tunnelCode: 'D/E', hazardId: '33' }],
    flags: {},
  };
  const chlorine: GoodsDescription = {
    unNumber: '1017',
    names: ['Chlorine'],
    nameZh: '氯',
    hazardClass: '2.3',
    subsidiaryRisks: ['5.1', '8'],
    variants: [{ packingGroup: null, classificationCode: '2TOC', labels: ['2.3', '5.1', '8'], tankCode: 'P22DH(M)', tunnelCode: 'C/D' }],
    flags: {},
  };
  const methanolish: GoodsDescription = { ...gasoline, unNumber: '1993', variants: [{ packingGroup: 'I' }, { packingGroup: 'II' }, { packingGroup: 'III' }] };
  const base = { declaredQuantity: 20, unit: 't' as const };

  it('should fill name, packing group, labels and codes from the catalogue', () => {
    const { line, problems } = fillLine({ unNumber: '1203', ...base }, 1, gasoline);
    expect(problems).toEqual([]);
    expect(line).toMatchObject({ name: '汽油', hazardClass: '3', packingGroup: 'II', labels: ['3'], classificationCode: 'F1', tankCode: 'LGBF', tunnelCode: 'D/E' });
  });

  it('should keep a trade name the shipper gives', () => {
    expect(fillLine({ unNumber: '1203', name: '92号车用汽油', ...base }, 1, gasoline).line!.name).toBe('92号车用汽油');
  });

  it('should refuse goods outside the catalogue', () => {
    expect(fillLine({ unNumber: '9999', ...base }, 2, undefined).problems).toEqual([expect.objectContaining({ code: 'GOODS_UNKNOWN', lineNo: 2 })]);
  });

  it('should accept the class of a division and refuse another class', () => {
    expect(fillLine({ unNumber: '1017', hazardClass: '2', ...base }, 1, chlorine).problems).toEqual([]);
    expect(fillLine({ unNumber: '1017', hazardClass: '2.3', ...base }, 1, chlorine).problems).toEqual([]);
    expect(fillLine({ unNumber: '1017', hazardClass: '8', ...base }, 1, chlorine).problems[0]!.code).toBe('GOODS_CLASS_MISMATCH');
  });

  it('should refuse a packing group the goods do not have, and ask for one when several exist', () => {
    expect(fillLine({ unNumber: '1203', packingGroup: 'I', ...base }, 1, gasoline).problems[0]!.code).toBe('GOODS_PACKING_GROUP_MISMATCH');
    expect(fillLine({ unNumber: '1017', packingGroup: 'II', ...base }, 1, chlorine).problems[0]!.code).toBe('GOODS_PACKING_GROUP_MISMATCH');
    expect(fillLine({ unNumber: '1993', ...base }, 1, methanolish).problems[0]!.code).toBe('GOODS_PACKING_GROUP_REQUIRED');
    expect(fillLine({ unNumber: '1993', packingGroup: 'III', ...base }, 1, methanolish).line!.packingGroup).toBe('III');
  });

  it('should carry the catalogue flags and the stated hazardous-waste flag', () => {
    const cyanide = { ...gasoline, unNumber: '1689', flags: { highlyToxic: true, highHazard: true } };
    expect(fillLine({ unNumber: '1689', hazardousWaste: true, ...base }, 1, cyanide).line!.flags).toEqual({ highlyToxic: true, highHazard: true, hazardousWaste: true });
  });
});
