// GA 36-2018 motor-vehicle plate numbers (机动车号牌): province abbreviation + issuing-authority letter + serial,
// with I and O never used (they read as 1 and 0) and at most two letters in an ordinary serial (序号编码规则).
//   ordinary 蒙B12345 · trailer/coach/police 蒙B1234挂 / 学 / 警 (4 characters + suffix)
//   new-energy small 蒙BD12345: A-E battery electric or F-K other, then a digit/letter, then 4 digits
//   new-energy large 蒙B12345D: 5 digits, then D (battery electric) or F (other)
// New-energy layout as summarised by PCauto (太平洋汽车网 "新能源汽车车牌规则有哪些") and, for the A-E/F-K extension
// of small serials, the WeChat developer community article "车牌号正则表达式" (2022).

// The 31 provincial-level abbreviations of mainland China.
export const PROVINCE_ABBREVIATIONS = [
  '京', '津', '沪', '渝', '冀', '豫', '云', '辽', '黑', '湘', '皖', '鲁', '新', '苏', '浙', '赣',
  '鄂', '桂', '甘', '晋', '蒙', '陕', '吉', '闽', '贵', '粤', '青', '藏', '川', '宁', '琼',
] as const;

const PROVINCES = new Set<string>(PROVINCE_ABBREVIATIONS);

// Plate background colours (GA 36-2018 号牌颜色).
export const plateColours = ['yellow', 'blue', 'green', 'yellow_green', 'black', 'white'] as const;
export type PlateColour = (typeof plateColours)[number];

export type PlateKind = 'ordinary' | 'new_energy' | 'trailer' | 'coach' | 'police';
export type PlateSize = 'small' | 'large';
export type NewEnergyPower = 'electric' | 'non_electric';

export type PlateProblem = 'EMPTY' | 'PROVINCE' | 'LENGTH' | 'AUTHORITY' | 'LETTER_I_O' | 'FORMAT';

export type PlateCheck =
  | { ok: true; normalised: string; kind: Exclude<PlateKind, 'new_energy'> }
  | { ok: true; normalised: string; kind: 'new_energy'; size: PlateSize; power: NewEnergyPower }
  | { ok: false; problem: PlateProblem };

// Separators people type or that appear on printed plates: whitespace (incl. the ideographic space), hyphens and
// dashes, and the middle dot of "蒙B·12345" in its various code points.
const SEPARATORS = /[\s\-\u2010-\u2015\u2212\u00B7\u2022\u2027\u30FB.]/gu;

// NFKC folds full-width letters and digits (Ｂ１２) to ASCII before upper-casing.
export function normalisePlate(plate: string): string {
  return plate.normalize('NFKC').replace(SEPARATORS, '').toUpperCase();
}

const AUTHORITY = /^[A-HJ-NP-Z]$/;
const ORDINARY = /^[0-9A-HJ-NP-Z]{5}$/;
const SUFFIXED = /^[0-9A-HJ-NP-Z]{4}[挂学警]$/;
const NEW_ENERGY_SMALL = /^[A-HJK][0-9A-HJ-NP-Z][0-9]{4}$/;
const NEW_ENERGY_LARGE = /^[0-9]{5}[DF]$/;
const SUFFIX_KIND = { 挂: 'trailer', 学: 'coach', 警: 'police' } as const;

const letterCount = (s: string) => s.replace(/[^A-Z]/g, '').length;

export function checkPlate(plate: string): PlateCheck {
  const normalised = normalisePlate(plate);
  const chars = [...normalised];
  if (chars.length === 0) return { ok: false, problem: 'EMPTY' };
  if (!PROVINCES.has(chars[0]!)) return { ok: false, problem: 'PROVINCE' };
  if (chars.length !== 7 && chars.length !== 8) return { ok: false, problem: 'LENGTH' };
  if (!AUTHORITY.test(chars[1]!)) return { ok: false, problem: 'AUTHORITY' };
  const serial = chars.slice(2).join('');
  if (/[IO]/.test(serial)) return { ok: false, problem: 'LETTER_I_O' };

  if (chars.length === 8) {
    if (NEW_ENERGY_SMALL.test(serial)) {
      const power = 'DABCE'.includes(serial[0]!) ? 'electric' : 'non_electric';
      return { ok: true, normalised, kind: 'new_energy', size: 'small', power };
    }
    if (NEW_ENERGY_LARGE.test(serial)) {
      const power = serial.endsWith('D') ? 'electric' : 'non_electric';
      return { ok: true, normalised, kind: 'new_energy', size: 'large', power };
    }
    return { ok: false, problem: 'FORMAT' };
  }

  if (letterCount(serial) > 2) return { ok: false, problem: 'FORMAT' };
  if (ORDINARY.test(serial)) return { ok: true, normalised, kind: 'ordinary' };
  if (SUFFIXED.test(serial)) {
    return { ok: true, normalised, kind: SUFFIX_KIND[serial[4] as keyof typeof SUFFIX_KIND] };
  }
  return { ok: false, problem: 'FORMAT' };
}

// GA 802-2019 vehicle types: a goods vehicle is medium or heavy (and so gets a large, yellow plate under GA 36-2018)
// when its length is at least 6000 mm or its total mass at least 4500 kg; below both it is light/mini (small plate).
export function goodsVehiclePlateSize(vehicle: { totalMassKg: number; lengthMm?: number | null }): PlateSize {
  return vehicle.totalMassKg >= 4500 || (vehicle.lengthMm ?? 0) >= 6000 ? 'large' : 'small';
}

// GA 36-2018 colours: large vehicles and trailers yellow, small vehicles blue, small new-energy gradient green,
// large new-energy yellow/green split, coach (学) yellow, police (警) white. Black plates (embassy, consulate,
// Hong Kong/Macao) are not issued to the kinds above. `size` only matters for ordinary and new-energy plates.
export function expectedPlateColour(kind: PlateKind, size: PlateSize = 'small'): PlateColour {
  switch (kind) {
    case 'new_energy':
      return size === 'large' ? 'yellow_green' : 'green';
    case 'ordinary':
      return size === 'large' ? 'yellow' : 'blue';
    case 'trailer':
    case 'coach':
      return 'yellow';
    case 'police':
      return 'white';
  }
}
