import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { BadRequestError } from '../common/errors.js';

// Bytes → text → records for the fleet import. Chinese Excel saves "CSV (逗号分隔)" in the ANSI code page, which
// is GBK (cp936); "CSV UTF-8" adds a BOM; other tools write plain UTF-8. Nothing in a CSV says which, so:
// valid UTF-8 is UTF-8 (GBK text with Chinese in it is practically never valid UTF-8), anything else is GBK.
// Decoded with GB18030, the superset of GBK, so that rare name characters outside GBK survive too.

export type CsvEncoding = 'utf-8' | 'gbk';

// Text never holds C0 controls other than tab/CR/LF, C1 controls, U+FFFD (what a decoder puts for bytes it
// cannot map) or private-use characters (where GBK's user-defined areas land): binary data nearly always does.
const NOT_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffd\ue000-\uf8ff]/;

const unsupported = (message: string) => new BadRequestError('CSV_ENCODING_UNSUPPORTED', message, { accepted: ['utf-8', 'gbk'] });

export function decodeCsv(bytes: Uint8Array): { text: string; encoding: CsvEncoding } {
  let body = bytes;
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) body = body.subarray(3);
  if (body.length === 0) throw new BadRequestError('CSV_EMPTY', 'The file is empty');
  if ((body[0] === 0xff && body[1] === 0xfe) || (body[0] === 0xfe && body[1] === 0xff)) {
    throw unsupported('The file is UTF-16 (Excel "Unicode text"): save it as "CSV UTF-8" or "CSV (逗号分隔)"');
  }
  if (body.includes(0)) throw unsupported('The file is not text (it contains NUL bytes): send a CSV in UTF-8 or GBK');
  let text: string;
  let encoding: CsvEncoding;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    encoding = 'utf-8';
  } catch {
    text = iconv.decode(Buffer.from(body.buffer, body.byteOffset, body.byteLength), 'gb18030');
    encoding = 'gbk';
  }
  if (NOT_TEXT.test(text)) throw unsupported('The file is neither UTF-8 nor GBK text: send a CSV in UTF-8 or GBK');
  return { text, encoding };
}

export type CsvRecord = { row: number; cells: string[] };
export type CsvTable = { header: string[]; headerRow: number; rows: CsvRecord[] };

// Records with their row number as a spreadsheet shows it (the header is row 1 in a usual file); blank rows
// are skipped but still counted, so numbers match what the carrier sees in Excel.
export function parseCsv(text: string): CsvTable {
  const end = text.search(/\r|\n/);
  const firstLine = end < 0 ? text : text.slice(0, end);
  // Excel's "text (tab-separated)" is the other common export; otherwise comma.
  const delimiter = !firstLine.includes(',') && firstLine.includes('\t') ? '\t' : ',';
  let records: string[][];
  try {
    records = parse(text, { delimiter, relax_column_count: true, relax_quotes: true, skip_empty_lines: false, bom: true }) as string[][];
  } catch (e) {
    // csv-parse's CsvError: a string code and the line it had reached.
    const err = e as Error & { code?: unknown; lines?: unknown };
    if (typeof err.code !== 'string') throw e;
    const line = typeof err.lines === 'number' ? err.lines : undefined;
    throw new BadRequestError('CSV_MALFORMED', `The file is not a well-formed CSV${line ? ` (near line ${line})` : ''}: ${err.message}`, { line, reason: err.code });
  }
  const blank = (cells: string[]) => cells.every((c) => c.trim() === '');
  const headerIndex = records.findIndex((r) => !blank(r));
  if (headerIndex < 0) throw new BadRequestError('CSV_EMPTY', 'The file has no header row and no data');
  const rows: CsvRecord[] = [];
  for (let i = headerIndex + 1; i < records.length; i++) if (!blank(records[i]!)) rows.push({ row: i + 1, cells: records[i]! });
  if (rows.length === 0) throw new BadRequestError('CSV_EMPTY', 'The file has a header row but no data rows');
  return { header: records[headerIndex]!, headerRow: headerIndex + 1, rows };
}
