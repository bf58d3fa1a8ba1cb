// CSV for the exports people open in a spreadsheet (loading-check reports, monitoring statistics): RFC 4180 (cells
// holding a comma, a double quote, CR or LF are quoted, quotes doubled; CRLF line ends) with a UTF-8 byte order
// mark, without which Excel on a Chinese Windows reads the file as GBK.
//
// Formula injection (OWASP "CSV Injection"): a text cell beginning with =, +, -, @, tab or carriage return would be
// read by Excel / LibreOffice / WPS as a formula (=HYPERLINK(...), DDE payloads), so it gets a leading apostrophe
// and is shown as the text it is. Only text is neutralised: a number passed as a number (-3.5) stays a number.
// Pass numeric values as numbers (pg returns numeric and bigint as strings: convert them), or they are text.

export type CsvValue = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const s = FORMULA_START.test(v) ? `'${v}` : v;
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// The whole file: BOM, one CRLF-terminated line per row.
export function toCsv(rows: readonly (readonly CsvValue[])[]): string {
  return `\uFEFF${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
