import { checkUscc, usccCheckCharacter } from './uscc.rules.js';

describe('checkUscc', () => {
  // Published codes of well-known companies (check characters computed by GB 32100 and printed on their licences).
  it.each(['91350100M000100Y43', '91110000600037341L', '9144030071526726XG'])('should accept %s', (code) => {
    expect(checkUscc(code)).toBeNull();
  });

  it('should reject a changed check character', () => {
    expect(checkUscc('91350100M000100Y44')).toBe('CHECK_DIGIT');
  });

  it('should reject letters outside the GB 32100 character set', () => {
    expect(checkUscc('91350100M000100YI3')).toBe('FORMAT');
    expect(checkUscc('9135')).toBe('FORMAT');
  });

  it('should compute the check character for a 17-character stem', () => {
    expect(usccCheckCharacter('91350100M000100Y4')).toBe('3');
  });
});
