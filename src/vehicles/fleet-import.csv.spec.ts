import iconv from 'iconv-lite';
import { DomainError } from '../common/errors.js';
import { decodeCsv, parseCsv } from './fleet-import.csv.js';

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e.code;
    throw e;
  }
  throw new Error('expected a DomainError');
};

describe('decodeCsv', () => {
  const text = '车牌号,车牌颜色\n蒙B12345,黄\n';

  it('should read UTF-8 and drop its BOM', () => {
    expect(decodeCsv(Buffer.from('\ufeff' + text, 'utf8'))).toEqual({ text, encoding: 'utf-8' });
  });

  it('should read GBK when the bytes are not UTF-8', () => {
    const gbk = iconv.encode(text, 'gbk');
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(gbk)).toThrow();
    expect(decodeCsv(gbk)).toEqual({ text, encoding: 'gbk' });
  });

  it.each([
    ['NUL bytes', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00])],
    ['UTF-16', iconv.encode('\ufeffplateNumber', 'utf16le')],
    ['control characters', Buffer.from([0x81, 0x30, 0x05, 0x07, 0xff, 0xfe, 0xfd, 0x10])],
  ])('should refuse %s as CSV_ENCODING_UNSUPPORTED', (_what, bytes) => {
    expect(codeOf(() => decodeCsv(bytes))).toBe('CSV_ENCODING_UNSUPPORTED');
  });

  it('should call an empty body (or just a BOM) CSV_EMPTY', () => {
    expect(codeOf(() => decodeCsv(Buffer.alloc(0)))).toBe('CSV_EMPTY');
    expect(codeOf(() => decodeCsv(Buffer.from([0xef, 0xbb, 0xbf])))).toBe('CSV_EMPTY');
  });
});

describe('parseCsv', () => {
  it('should number rows as a spreadsheet does, skipping blank ones but counting them', () => {
    const t = parseCsv('a,b\r\n1,2\r\n\r\n,\r\n"x\ny",3\r\n4,5');
    expect(t.header).toEqual(['a', 'b']);
    expect(t.rows).toEqual([
      { row: 2, cells: ['1', '2'] },
      { row: 5, cells: ['x\ny', '3'] },
      { row: 6, cells: ['4', '5'] },
    ]);
  });

  it('should read tab-separated text', () => {
    expect(parseCsv('a\tb\n1\t2\n').rows).toEqual([{ row: 2, cells: ['1', '2'] }]);
  });

  it('should call a header without data CSV_EMPTY', () => {
    expect(codeOf(() => parseCsv('plateNumber,plateColour,kind\n\n'))).toBe('CSV_EMPTY');
    expect(codeOf(() => parseCsv('\n\n'))).toBe('CSV_EMPTY');
  });

  it('should call an unclosed quote CSV_MALFORMED', () => {
    expect(codeOf(() => parseCsv('a,b\n1,"2\n3,4\n'))).toBe('CSV_MALFORMED');
  });
});
