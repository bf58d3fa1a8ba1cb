import {
  checkIdNumber,
  maskCertificate,
  idNumberBirthDate,
  idNumberCheckCharacter,
  maskIdNumber,
  normaliseIdNumber,
} from './id-number.rules.js';

// Independent ISO 7064 MOD 11-2 (weights derived as 2^(17-i) mod 11, not copied from the table under test).
const withCheck = (first17: string): string => {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (2 ** (17 - i) % 11);
  const value = (12 - (sum % 11)) % 11;
  return first17 + (value === 10 ? 'X' : String(value));
};

// A different, wrong check character for a valid number.
const withWrongCheck = (first17: string): string => {
  const right = withCheck(first17).slice(-1);
  return first17 + (right === '0' ? '1' : '0');
};

const now = new Date('2026-03-01T08:00:00Z'); // 2026-03-01 16:00 in Shanghai

describe('idNumberCheckCharacter', () => {
  it('should match the independent MOD 11-2 computation', () => {
    for (const first17 of ['15010219800101123', '11010519491231002', '44052418800101001', '65010120260301999']) {
      expect(first17 + idNumberCheckCharacter(first17)).toBe(withCheck(first17));
    }
  });

  it('should produce every check character 0-9 and X over a run of sequence codes', () => {
    const seen = new Set<string>();
    for (let seq = 0; seq < 200; seq++) seen.add(idNumberCheckCharacter(`15010219800101${String(seq).padStart(3, '0')}`)!);
    expect([...seen].sort()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'X']);
  });

  it('should return null for anything but 17 digits', () => {
    expect(idNumberCheckCharacter('1501021980010112')).toBeNull();
    expect(idNumberCheckCharacter('150102198001011234')).toBeNull();
    expect(idNumberCheckCharacter('1501021980010112X')).toBeNull();
  });
});

describe('checkIdNumber', () => {
  // GB 11643-1999 annex A examples. Worked by hand for 11010519491231002X: digits × weights =
  // 1·7 + 1·9 + 0·10 + 1·5 + 0·8 + 5·4 + 1·2 + 9·1 + 4·6 + 9·3 + 1·7 + 2·9 + 3·10 + 1·5 + 0·8 + 0·4 + 2·2
  // = 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 mod 11 = 2 → X.
  // For 440524188001010014: 28+36+0+25+16+16+2+8+48+0+0+9+0+5+0+0+2 = 195; 195 mod 11 = 8 → 4.
  it.each(['11010519491231002X', '440524188001010014'])('should accept the published sample %s', (id) => {
    expect(checkIdNumber(id, now)).toBeNull();
  });

  it('should accept a lower-case x check character', () => {
    expect(checkIdNumber('11010519491231002x', now)).toBeNull();
  });

  it('should accept surrounding whitespace', () => {
    expect(checkIdNumber(' 11010519491231002X ', now)).toBeNull();
  });

  it('should accept full-width digits and check character typed with a Chinese input method', () => {
    expect(checkIdNumber('１１０１０５１９４９１２３１００２ｘ', now)).toBeNull();
  });

  it.each(['15010219800101123', '15010219800229001', '65010120000229002', '33010219991231998', '15010219500615007'])(
    'should accept the constructed number %s + check', (first17) => {
      expect(checkIdNumber(withCheck(first17), now)).toBeNull();
    });

  it('should accept constructed numbers whose check character is X', () => {
    const ids = Array.from({ length: 200 }, (_, seq) => withCheck(`15010219800101${String(seq).padStart(3, '0')}`));
    const xs = ids.filter((id) => id.endsWith('X'));
    expect(xs.length).toBeGreaterThan(0);
    for (const id of xs) expect(checkIdNumber(id, now)).toBeNull();
  });

  it.each(['15010219800101123', '11010519491231002', '44052418800101001'])(
    'should reject a wrong check character on %s', (first17) => {
      expect(checkIdNumber(withWrongCheck(first17), now)).toBe('CHECK_DIGIT');
    });

  it('should reject a changed digit in a published sample', () => {
    expect(checkIdNumber('11010519491231003X', now)).toBe('CHECK_DIGIT');
    expect(checkIdNumber('440524188001010015', now)).toBe('CHECK_DIGIT');
  });

  it.each([
    ['', 'empty'],
    ['11010519491231002', '17 characters'],
    ['11010519491231002X1', '19 characters'],
    ['110105194912310X2X', 'X before the last position'],
    ['X10105194912310021', 'X at the start'],
    ['11010519491231002Y', 'a letter other than X'],
    ['110105-19491231-002X', 'separators'],
    ['110105194912310', 'a legacy 15-digit number'],
  ])('should reject %j (%s) as FORMAT', (id) => {
    expect(checkIdNumber(id, now)).toBe('FORMAT');
  });

  describe('birth date', () => {
    it.each([
      ['19990229', 'not a leap year'],
      ['19000229', 'a century that is not a leap year'],
      ['19801301', 'month 13'],
      ['19800001', 'month 00'],
      ['19800100', 'day 00'],
      ['19800431', '31 April'],
      ['18491231', 'before 1850'],
      ['00000101', 'year 0'],
    ])('should reject %s (%s) even with a correct check character', (birth) => {
      expect(checkIdNumber(withCheck(`150102${birth}123`), now)).toBe('BIRTH_DATE');
    });

    it('should accept 29 February in a leap year, including 2000', () => {
      expect(checkIdNumber(withCheck('15010220000229123'), now)).toBeNull();
      expect(checkIdNumber(withCheck('15010219840229123'), now)).toBeNull();
    });

    it('should accept a birth date of today and reject tomorrow', () => {
      expect(checkIdNumber(withCheck('15010220260301123'), now)).toBeNull();
      expect(checkIdNumber(withCheck('15010220260302123'), now)).toBe('BIRTH_DATE');
    });

    it('should judge today by the date in Shanghai, not in UTC', () => {
      // 2026-03-01T16:30Z is already 2026-03-02 00:30 in Shanghai.
      const lateUtc = new Date('2026-03-01T16:30:00Z');
      expect(checkIdNumber(withCheck('15010220260302123'), lateUtc)).toBeNull();
      expect(checkIdNumber(withCheck('15010220260302123'), new Date('2026-03-01T15:59:59Z'))).toBe('BIRTH_DATE');
    });

    it('should reject a birth date far in the future', () => {
      expect(checkIdNumber(withCheck('15010220990101123'), now)).toBe('BIRTH_DATE');
    });

    it('should report a bad format before a bad birth date, and a bad birth date before a bad check character', () => {
      expect(checkIdNumber('15010219991301123Y', now)).toBe('FORMAT');
      expect(checkIdNumber(withWrongCheck('15010219991301123'), now)).toBe('BIRTH_DATE');
    });

    it('should reject every number when now is an invalid Date (fail closed)', () => {
      expect(checkIdNumber('11010519491231002X', new Date(Number.NaN))).toBe('BIRTH_DATE');
    });
  });
});

describe('idNumberBirthDate', () => {
  it('should extract the birth date as YYYY-MM-DD', () => {
    expect(idNumberBirthDate('11010519491231002X')).toBe('1949-12-31');
    expect(idNumberBirthDate('440524188001010014')).toBe('1880-01-01');
  });

  it('should return null when the number is too short or not digits', () => {
    expect(idNumberBirthDate('1101051949')).toBeNull();
    expect(idNumberBirthDate('ABCDEF19491231002X')).toBeNull();
  });
});

describe('normaliseIdNumber', () => {
  it('should trim and upper-case the check character', () => {
    expect(normaliseIdNumber(' 11010519491231002x\n')).toBe('11010519491231002X');
  });

  it('should fold full-width characters to ASCII', () => {
    expect(normaliseIdNumber('１１０１０５１９４９１２３１００２ｘ')).toBe('11010519491231002X');
  });
});

describe('maskIdNumber', () => {
  it('should show the first 6 and last 4 characters of an 18-character number', () => {
    expect(maskIdNumber('150102198001011234')).toBe('150102********1234');
    expect(maskIdNumber('11010519491231002X')).toBe('110105********002X');
  });

  it('should normalise a lower-case x when masking', () => {
    expect(maskIdNumber('15010219800101123x')).toBe('150102********123X');
  });

  it('should keep the length of a legacy 15-digit number', () => {
    expect(maskIdNumber('110105491231002')).toBe('110105*****1002');
  });

  it('should mask short input entirely', () => {
    expect(maskIdNumber('1234567890')).toBe('**********');
    expect(maskIdNumber('')).toBe('');
  });
});

describe(maskCertificate.name, () => {
  it('should keep the first and last four characters only', () => {
    expect(maskCertificate('15020319850312123X')).toBe('1502**********123X');
    expect(maskCertificate('1234')).toBe('****');
    expect(maskCertificate(null)).toBe('(none)');
  });
});
