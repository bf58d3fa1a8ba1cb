import { csvCell, toCsv } from './csv.js';

describe('csvCell', () => {
  it.each([
    ['=HYPERLINK("http://x.example","点我")', `"'=HYPERLINK(""http://x.example"",""点我"")"`],
    ['+1+2', "'+1+2"],
    ['-2+3+cmd|\' /C calc\'!A0', "'-2+3+cmd|' /C calc'!A0"],
    ['@SUM(A1:A9)', "'@SUM(A1:A9)"],
    ['\t=1+1', "'\t=1+1"],
    ['\r=1+1', `"'\r=1+1"`],
    ['-3.5', "'-3.5"], // text (a site named "-3.5") stays text
  ])('should neutralise a text cell beginning with a formula character (%j)', (v, want) => {
    expect(csvCell(v)).toBe(want);
  });

  it('should leave numbers as numbers, negative ones included', () => {
    expect([csvCell(-3.5), csvCell(-0), csvCell(0), csvCell(12), csvCell(1e21)]).toEqual(['-3.5', '0', '0', '12', '1e+21']);
  });

  it('should quote as RFC 4180 says: comma, quote, CR and LF; double the quotes', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('他说"好"')).toBe('"他说""好"""');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell('cr\rhere')).toBe('"cr\rhere"');
    expect(csvCell('鄂尔多斯甲醇站')).toBe('鄂尔多斯甲醇站');
  });

  it('should leave text with a formula character later in it alone', () => {
    expect([csvCell('PL-21'), csvCell('2026-11-29'), csvCell('a=b'), csvCell(' =1')]).toEqual(['PL-21', '2026-11-29', 'a=b', ' =1']);
  });

  it('should write empty cells for null and undefined, and booleans as words', () => {
    expect([csvCell(null), csvCell(undefined), csvCell(''), csvCell(true)]).toEqual(['', '', '', 'true']);
  });
});

describe('toCsv', () => {
  it('should write a BOM and CRLF-terminated rows', () => {
    expect(toCsv([['a', 'b'], ['=1', -1]])).toBe("\uFEFFa,b\r\n'=1,-1\r\n");
  });
});
