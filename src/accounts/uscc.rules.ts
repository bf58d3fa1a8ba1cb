// GB 32100-2015 unified social credit code (统一社会信用代码): 18 characters from the 31-character set below
// (digits and upper-case letters without I, O, Z, S, V); the 18th is a check character computed with the
// weights 3^(i) mod 31 over the first 17, per GB 32100-2015 section 5.
const CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

export function usccCheckCharacter(first17: string): string | null {
  if (first17.length !== 17) return null;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = CHARSET.indexOf(first17[i]!);
    if (v < 0) return null;
    sum += v * WEIGHTS[i]!;
  }
  return CHARSET[(31 - (sum % 31)) % 31]!;
}

export type UsccProblem = 'FORMAT' | 'CHECK_DIGIT';

export function checkUscc(code: string): UsccProblem | null {
  if (!/^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/.test(code)) return 'FORMAT';
  return usccCheckCharacter(code.slice(0, 17)) === code[17] ? null : 'CHECK_DIGIT';
}
