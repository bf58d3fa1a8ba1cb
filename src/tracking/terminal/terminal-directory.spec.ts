import { authCodeMatches, hashAuthCode, newAuthCode, phoneCandidates } from './terminal-directory.js';

describe(phoneCandidates.name, () => {
  it('should find an 11-digit mobile number stored with or without the BCD padding', () => {
    const c = phoneCandidates('013912345678');
    expect(c[0]).toBe('013912345678');
    expect(c).toEqual(expect.arrayContaining(['13912345678', '013912345678', '00000000013912345678']));
    expect(c.every((p) => p.length >= 11 && p.length <= 20)).toBe(true);
  });

  it('should map a 2019 20-digit header phone to the stored 12-digit form', () => {
    expect(phoneCandidates('00000000013912345678')).toContain('013912345678');
  });

  it('should keep a non-BCD phone as sent only', () => {
    expect(phoneCandidates('0a3912345678')).toEqual(['0a3912345678']);
  });
});

describe('auth codes', () => {
  it('should issue 16 URL-safe characters, different each time', () => {
    const a = newAuthCode();
    expect(a).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(newAuthCode()).not.toBe(a);
  });

  it('should match only the code whose hash is stored', () => {
    const code = newAuthCode();
    expect(authCodeMatches(code, hashAuthCode(code))).toBe(true);
    expect(authCodeMatches(code + 'x', hashAuthCode(code))).toBe(false);
    expect(authCodeMatches('', hashAuthCode(code))).toBe(false);
    expect(authCodeMatches(code, null)).toBe(false);
    expect(authCodeMatches(code, code)).toBe(false); // a stored plain code is not a hash
  });
});
