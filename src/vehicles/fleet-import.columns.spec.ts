import type { z } from 'zod';
import { CreatePersonSchema, CreateTankSchema, CreateVehicleSchema } from './fleet.dto.js';
import { convertRow, IMPORT_COLUMNS, IMPORT_KINDS, matchHeader, normaliseHeader, type ImportKind } from './fleet-import.columns.js';

const SCHEMAS: Record<ImportKind, z.ZodObject> = {
  vehicles: CreateVehicleSchema as unknown as z.ZodObject,
  tanks: CreateTankSchema,
  people: CreatePersonSchema,
};

const convert = (kind: ImportKind, headers: string[], cells: string[]) => convertRow(matchHeader(kind, headers).bindings, cells);

describe('IMPORT_COLUMNS', () => {
  it.each(IMPORT_KINDS)('should offer exactly the API fields of %s as English headers', (kind) => {
    expect(IMPORT_COLUMNS[kind].map((c) => c.field).sort()).toEqual(Object.keys(SCHEMAS[kind].shape).sort());
  });

  it.each(IMPORT_KINDS)('should mark as required exactly the fields the %s schema requires', (kind) => {
    const shape = SCHEMAS[kind].shape as Record<string, z.ZodType>;
    const required = Object.keys(shape).filter((f) => !shape[f]!.safeParse(undefined).success);
    expect(IMPORT_COLUMNS[kind].filter((c) => c.required).map((c) => c.field).sort()).toEqual(required.sort());
  });

  it.each(IMPORT_KINDS)('should never give one header name to two %s fields', (kind) => {
    const names = IMPORT_COLUMNS[kind].flatMap((c) => [c.field, ...c.aliases]).map(normaliseHeader);
    expect(names.length).toBe(new Set(names).size);
  });
});

describe('matchHeader', () => {
  it('should bind English API names and Chinese aliases, ignoring width, blanks, * and case', () => {
    const m = matchHeader('vehicles', ['车牌号*', ' 车牌颜色 ', 'KIND', '核定载质量（ｋｇ）', 'transportScope']);
    expect(m.bindings.map((b) => b?.column.field)).toEqual(['plateNumber', 'plateColour', 'kind', 'ratedLoadKg', 'transportScope']);
    expect([m.unknown, m.missing, m.duplicate]).toEqual([[], [], []]);
  });

  it('should list unknown columns and missing required ones', () => {
    const m = matchHeader('vehicles', ['plateNumber', '颜色', 'foo']);
    expect(m.unknown).toEqual(['颜色', 'foo']);
    expect(m.missing).toEqual(['plateColour', 'kind']);
  });

  it('should refuse a field named twice, in English and in Chinese', () => {
    expect(matchHeader('people', ['name', '姓名', 'idNumber', 'categories']).duplicate).toEqual(['姓名']);
  });

  it('should ignore blank header cells, as Excel leaves after the last column', () => {
    const m = matchHeader('tanks', ['罐体编号', '罐体类型', '', '']);
    expect(m.bindings).toHaveLength(4);
    expect([m.unknown, m.missing]).toEqual([[], []]);
  });
});

describe('convertRow', () => {
  it('should map Chinese plate colours and vehicle kinds, omit empty cells and read numbers and lists', () => {
    const { values, errors } = convert(
      'vehicles',
      ['车牌号', '车牌颜色', '车辆类型', '车辆型号', '经营范围', '核定载质量(kg)', '行驶证有效期至'],
      [' 蒙B12345 ', '黄', '牵引车', '', '第2.1类、3;8', '30,000', '2027/6/3'],
    );
    expect(errors).toEqual([]);
    expect(values).toEqual({
      plateNumber: '蒙B12345',
      plateColour: 'yellow',
      kind: 'tractor',
      transportScope: ['2.1', '3', '8'],
      ratedLoadKg: 30000,
      drivingLicenceValidUntil: '2027-06-03',
    });
  });

  it.each([
    ['黄绿', 'yellow_green'],
    ['蓝色', 'blue'],
    ['渐变绿', 'green'],
    ['Yellow', 'yellow'],
  ])('should read plate colour %s as %s', (cell, colour) => {
    expect(convert('vehicles', ['车牌颜色'], [cell]).values).toEqual({ plateColour: colour });
  });

  it.each([
    ['牵引车', 'tractor'],
    ['货车', 'truck'],
    ['挂车', 'trailer'],
    ['半挂车', 'trailer'],
  ])('should read vehicle kind %s as %s', (cell, kind) => {
    expect(convert('vehicles', ['车辆类型'], [cell]).values).toEqual({ kind });
  });

  it('should report a value outside the list with the field and column it is in', () => {
    const { errors, failedFields } = convert('vehicles', ['车牌号', '车牌颜色', '车辆类型'], ['蒙B12345', '紫', 'tractor']);
    expect(errors).toEqual([{ field: 'plateColour', column: '车牌颜色', code: 'INVALID_VALUE', message: '"紫" is not one of yellow (黄), blue (蓝), green (绿), yellow_green (黄绿), black (黑), white (白)' }]);
    expect([...failedFields]).toEqual(['plateColour']);
  });

  it('should report empty required cells as REQUIRED and a non-number as INVALID_NUMBER', () => {
    const { errors } = convert('vehicles', ['车牌号', '车牌颜色', '车辆类型', '总质量'], ['', 'blue', 'truck', '四十吨']);
    expect(errors.map((e) => [e.field, e.code])).toEqual([
      ['totalMassKg', 'INVALID_NUMBER'],
      ['plateNumber', 'REQUIRED'],
    ]);
  });

  it('should read tank media as UN numbers with an optional concentration, and 是/否', () => {
    const { values } = convert('tanks', ['罐体编号', '罐体类型', '适装介质', '已清洗'], ['GT-1', '常压罐体', 'UN1203;1230；1789（36%）', '是']);
    expect(values).toEqual({
      number: 'GT-1',
      kind: 'atmospheric',
      media: [{ unNumber: 'UN1203' }, { unNumber: '1230' }, { unNumber: '1789', concentration: '36%' }],
      cleaned: true,
    });
  });

  it('should read qualification categories and endorsements in Chinese', () => {
    const { values, errors } = convert(
      'people',
      ['姓名', '身份证号', '从业资格类别', '特殊资格', '从业资格证有效期至'],
      ['张三', '150203198503121234', '驾驶员、押运员', '剧毒', '2027年1月31日'],
    );
    expect(errors).toEqual([]);
    expect(values).toMatchObject({ categories: ['driver', 'escort'], endorsements: ['highly_toxic'], qualificationValidUntil: '2027-01-31' });
  });

  it('should flag a value in a cell under no column', () => {
    const { errors } = convert('tanks', ['罐体编号', '罐体类型'], ['GT-1', 'portable', 'stray']);
    expect(errors).toEqual([expect.objectContaining({ field: '(row)', code: 'CELL_WITHOUT_COLUMN' })]);
  });

  it('should produce input the API schema accepts', () => {
    const { values } = convert('people', ['name', 'idNumber', 'categories'], ['李四', '11010519491231002X', 'driver;escort']);
    expect(CreatePersonSchema.safeParse(values).success).toBe(true);
  });
});
