import { isCalendarDate, shanghaiDate } from './certificate.rules.js';

// GB 11643-1999 citizen identity number (公民身份号码), 18 characters: 6-digit address code (GB/T 2260 division),
// 8-digit birth date YYYYMMDD (GB/T 7408), 3-digit sequence (odd for men, even for women) and a check character
// computed over the first 17 digits with ISO 7064:1983 MOD 11-2: weights 2^(17-i) mod 11 =
// 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, check value (12 - sum mod 11) mod 11, 10 written as X.
// The division code is only checked for being digits here; checkRegionCode (accounts/region.rules) does the rest.
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARACTERS = '10X98765432'; // indexed by sum mod 11

// Earliest birth year accepted: the standard's own annex A example is born 1880-01-01.
const MIN_BIRTH_YEAR = 1850;

export type IdNumberProblem = 'FORMAT' | 'BIRTH_DATE' | 'CHECK_DIGIT';

// Folds full-width characters (NFKC), trims and upper-cases, so a lower-case check character x becomes X.
export function normaliseIdNumber(id: string): string {
  return id.normalize('NFKC').trim().toUpperCase();
}

export function idNumberCheckCharacter(first17: string): string | null {
  if (!/^\d{17}$/.test(first17)) return null;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]!;
  return CHECK_CHARACTERS[sum % 11]!;
}

// Birth date as "YYYY-MM-DD" (characters 7-14), or null if the number is too short to hold one.
export function idNumberBirthDate(id: string): string | null {
  const s = normaliseIdNumber(id);
  if (!/^\d{14}/.test(s)) return null;
  return `${s.slice(6, 10)}-${s.slice(10, 12)}-${s.slice(12, 14)}`;
}

// The birth date must be a real date, not before MIN_BIRTH_YEAR and not after today in China Standard Time.
export function checkIdNumber(id: string, now: Date): IdNumberProblem | null {
  const s = normaliseIdNumber(id);
  if (!/^\d{17}[\dX]$/.test(s)) return 'FORMAT';
  const birth = idNumberBirthDate(s)!;
  const today = shanghaiDate(now);
  if (!isCalendarDate(birth) || Number(birth.slice(0, 4)) < MIN_BIRTH_YEAR || today === '' || birth > today) {
    return 'BIRTH_DATE';
  }
  return idNumberCheckCharacter(s.slice(0, 17)) === s[17] ? null : 'CHECK_DIGIT';
}

// Display mask: first 6 and last 4 characters of an 18-character number, e.g. 150102********123X. Other lengths
// (e.g. a legacy 15-digit number) keep the same ends when longer than 10 characters and are fully masked otherwise.
export function maskIdNumber(id: string): string {
  const s = normaliseIdNumber(id);
  if (s.length === 18) return `${s.slice(0, 6)}${'*'.repeat(8)}${s.slice(14)}`;
  if (s.length > 10) return `${s.slice(0, 6)}${'*'.repeat(s.length - 10)}${s.slice(-4)}`;
  return '*'.repeat(s.length);
}

// Certificate numbers (a driver's 从业资格证 number, often the ID number) in logs and alarm evidence: enough to tell
// two drivers apart, not enough to copy one.
export function maskCertificate(value: string | null): string {
  if (!value) return '(none)';
  if (value.length <= 8) return '*'.repeat(value.length);
  return `${value.slice(0, 4)}${'*'.repeat(value.length - 8)}${value.slice(-4)}`;
}
