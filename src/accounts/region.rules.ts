// GB/T 2260 administrative division codes: 6 digits, PPCCDD (province, prefecture-level city, county).
// An authority's jurisdiction is the prefix that is not zero-padded: 150000 → "15" (Inner Mongolia),
// 150100 → "1501" (Hohhot), 150102 → "150102" (one district).

// Provincial-level codes of GB/T 2260 (31 provinces, autonomous regions and municipalities, plus 71 Taiwan,
// 81 Hong Kong, 82 Macao).
const PROVINCES = new Set([
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37', '41', '42', '43', '44',
  '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65', '71', '81', '82',
]);

export type RegionCodeProblem = 'FORMAT' | 'UNKNOWN_PROVINCE' | 'COUNTY_WITHOUT_CITY';

export function checkRegionCode(code: string): RegionCodeProblem | null {
  if (!/^\d{6}$/.test(code)) return 'FORMAT';
  if (!PROVINCES.has(code.slice(0, 2))) return 'UNKNOWN_PROVINCE';
  if (code.slice(2, 4) === '00' && code.slice(4) !== '00') return 'COUNTY_WITHOUT_CITY';
  return null;
}

export function regionPrefix(code: string): string {
  if (code.endsWith('0000')) return code.slice(0, 2);
  if (code.endsWith('00')) return code.slice(0, 4);
  return code;
}

// Is `code` inside the jurisdiction `authorityRegion`?
export function isInRegion(authorityRegion: string, code: string): boolean {
  return code.startsWith(regionPrefix(authorityRegion));
}
