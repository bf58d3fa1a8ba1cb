// Builds a GB 11643 resident ID number from its first 17 digits by appending the ISO 7064 MOD 11-2 check
// character (computed here independently of src/vehicles/id-number.rules.ts).
export function idNumberWithCheck(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * weights[i]!, 0);
  return first17 + '10X98765432'[sum % 11];
}
