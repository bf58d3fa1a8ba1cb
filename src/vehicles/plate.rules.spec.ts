import {
  PROVINCE_ABBREVIATIONS,
  checkPlate,
  expectedPlateColour,
  goodsVehiclePlateSize,
  normalisePlate,
  plateColours,
} from './plate.rules.js';

describe('normalisePlate', () => {
  it.each([
    ['蒙B·12345', '蒙B12345'],
    [' 蒙b 12345 ', '蒙B12345'],
    ['蒙B-12345', '蒙B12345'],
    ['蒙B.12345', '蒙B12345'],
    ['蒙B•12345', '蒙B12345'],
    ['蒙B\u3000１２３４５', '蒙B12345'],
    ['蒙Ｂ—1234挂', '蒙B1234挂'],
  ])('should normalise %j to %s', (input, expected) => {
    expect(normalisePlate(input)).toBe(expected);
  });
});

describe('checkPlate', () => {
  describe('ordinary plates', () => {
    it.each(['蒙B12345', '京AF0236', '粤B8C8C8', '沪A12345', '琼E0000Z', '川AD1234'])('should accept %s', (plate) => {
      expect(checkPlate(plate)).toEqual({ ok: true, normalised: plate, kind: 'ordinary' });
    });

    it('should accept a plate written with a middle dot, spaces and lower case', () => {
      expect(checkPlate(' 蒙b·123 45 ')).toEqual({ ok: true, normalised: '蒙B12345', kind: 'ordinary' });
    });

    it('should accept every one of the 31 mainland province abbreviations', () => {
      expect(PROVINCE_ABBREVIATIONS).toHaveLength(31);
      expect(new Set(PROVINCE_ABBREVIATIONS).size).toBe(31);
      for (const p of PROVINCE_ABBREVIATIONS) expect(checkPlate(`${p}A12345`).ok).toBe(true);
    });

    it('should reject a serial with more than two letters', () => {
      expect(checkPlate('蒙BABC12')).toEqual({ ok: false, problem: 'FORMAT' });
    });
  });

  describe('trailer, coach and police plates', () => {
    it.each([
      ['蒙B1234挂', 'trailer'],
      ['蒙B·A123挂', 'trailer'],
      ['鲁Q5678挂', 'trailer'],
      ['京A1234学', 'coach'],
      ['京A0001警', 'police'],
    ])('should accept %s as %s', (plate, kind) => {
      expect(checkPlate(plate)).toEqual({ ok: true, normalised: normalisePlate(plate), kind });
    });

    it('should reject a trailer plate with five characters before 挂', () => {
      expect(checkPlate('蒙B12345挂')).toEqual({ ok: false, problem: 'FORMAT' });
    });

    it('should reject 挂 anywhere but at the end', () => {
      expect(checkPlate('蒙B12挂34')).toEqual({ ok: false, problem: 'FORMAT' });
    });

    it('should reject a suffix character GA 36 does not use for these plates', () => {
      expect(checkPlate('蒙B1234车')).toEqual({ ok: false, problem: 'FORMAT' });
    });
  });

  describe('new-energy plates', () => {
    it.each([
      ['蒙BD12345', 'electric'],
      ['蒙BDA1234', 'electric'],
      ['粤BA12345', 'electric'],
      ['粤BC12345', 'electric'],
      ['粤BE12345', 'electric'],
      ['沪AF12345', 'non_electric'],
      ['沪AG12345', 'non_electric'],
      ['沪AK12345', 'non_electric'],
    ])('should accept the small new-energy plate %s (%s)', (plate, power) => {
      expect(checkPlate(plate)).toEqual({ ok: true, normalised: plate, kind: 'new_energy', size: 'small', power });
    });

    it.each([
      ['蒙B12345D', 'electric'],
      ['苏E00001F', 'non_electric'],
    ])('should accept the large new-energy plate %s (%s)', (plate, power) => {
      expect(checkPlate(plate)).toEqual({ ok: true, normalised: plate, kind: 'new_energy', size: 'large', power });
    });

    it('should accept a new-energy plate with a separator', () => {
      expect(checkPlate('蒙B·D12345')).toMatchObject({ ok: true, normalised: '蒙BD12345', size: 'small' });
    });

    it.each([
      ['蒙BL12345', 'a small serial starting with a letter outside A-H, J, K'],
      ['蒙BM12345', 'a small serial starting with M'],
      ['蒙B123456', 'six digits and no energy letter'],
      ['蒙BD1234A', 'a letter among the last four characters of a small serial'],
      ['蒙B1234AD', 'a letter among the first five characters of a large serial'],
      ['蒙B12345A', 'a large serial ending in a letter other than D or F'],
      ['蒙B12345E', 'a large serial ending in E'],
    ])('should reject %s (%s)', (plate) => {
      expect(checkPlate(plate)).toEqual({ ok: false, problem: 'FORMAT' });
    });
  });

  describe('rejections', () => {
    it.each([
      ['', 'EMPTY'],
      ['   ', 'EMPTY'],
      ['·-', 'EMPTY'],
      ['港B12345', 'PROVINCE'],
      ['台B12345', 'PROVINCE'],
      ['使B12345', 'PROVINCE'],
      ['BB12345', 'PROVINCE'],
      ['12345', 'PROVINCE'],
      ['蒙B1234', 'LENGTH'],
      ['蒙B', 'LENGTH'],
      ['蒙', 'LENGTH'],
      ['蒙B1234567', 'LENGTH'],
      ['蒙BD12345挂', 'LENGTH'],
      ['蒙12345', 'LENGTH'],
      ['蒙112345', 'AUTHORITY'],
      ['蒙I12345', 'AUTHORITY'],
      ['蒙O12345', 'AUTHORITY'],
      ['蒙挂12345', 'AUTHORITY'],
      ['蒙B1234I', 'LETTER_I_O'],
      ['蒙BO1234', 'LETTER_I_O'],
      ['蒙Bi2345', 'LETTER_I_O'],
      ['蒙BDO1234', 'LETTER_I_O'],
      ['蒙B12_45', 'FORMAT'],
      ['蒙B12蒙45', 'FORMAT'],
    ])('should reject %j with %s', (plate, problem) => {
      expect(checkPlate(plate)).toEqual({ ok: false, problem });
    });
  });
});

describe('goodsVehiclePlateSize', () => {
  it.each([
    [{ totalMassKg: 4499 }, 'small'],
    [{ totalMassKg: 4500 }, 'large'],
    [{ totalMassKg: 49_000 }, 'large'],
    [{ totalMassKg: 3500, lengthMm: 5999 }, 'small'],
    [{ totalMassKg: 3500, lengthMm: 6000 }, 'large'],
    [{ totalMassKg: 3500, lengthMm: null }, 'small'],
  ])('should classify %j as %s', (vehicle, size) => {
    expect(goodsVehiclePlateSize(vehicle)).toBe(size);
  });
});

describe('expectedPlateColour', () => {
  it.each([
    ['new_energy', 'small', 'green'],
    ['new_energy', 'large', 'yellow_green'],
    ['ordinary', 'small', 'blue'],
    ['ordinary', 'large', 'yellow'],
    ['trailer', 'small', 'yellow'],
    ['trailer', 'large', 'yellow'],
    ['coach', 'large', 'yellow'],
    ['police', 'small', 'white'],
  ] as const)('should expect a %s plate on a %s vehicle to be %s', (kind, size, colour) => {
    expect(expectedPlateColour(kind, size)).toBe(colour);
  });

  it('should default to the small-vehicle colour when no size is given', () => {
    expect(expectedPlateColour('ordinary')).toBe('blue');
    expect(expectedPlateColour('new_energy')).toBe('green');
  });

  it('should take the size from a checked new-energy plate', () => {
    const plate = checkPlate('蒙B12345D');
    expect(plate.ok && plate.kind === 'new_energy' && expectedPlateColour(plate.kind, plate.size)).toBe('yellow_green');
  });

  it('should give a heavy goods vehicle with an ordinary plate a yellow plate', () => {
    expect(expectedPlateColour('ordinary', goodsVehiclePlateSize({ totalMassKg: 18_000 }))).toBe('yellow');
  });

  it('should only ever return a listed colour', () => {
    for (const kind of ['ordinary', 'new_energy', 'trailer', 'coach', 'police'] as const) {
      for (const size of ['small', 'large'] as const) expect(plateColours).toContain(expectedPlateColour(kind, size));
    }
  });
});
