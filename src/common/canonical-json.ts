// Canonical JSON (keys sorted, no whitespace): one text per value, so that hashes of equal values agree.
// Stable JSON for hashing and signing: object keys sorted by UTF-16 code units (as RFC 8785 JCS does), no
// whitespace, Dates as toISOString() (UTC, milliseconds, 'Z'), object properties whose value is undefined dropped.
// Objects with a toJSON (other than Date) are serialised through it, as JSON.stringify would. Strings and numbers are
// written by JSON.stringify, so a value read back with JSON.parse canonicalises to the same text.
// Throws TypeError on what JSON cannot carry faithfully (NaN, ±Infinity, bigint, functions, symbols, Map, Set, an
// undefined top-level value or array element) and RangeError on an invalid Date: silently writing null there would
// let two different events hash alike. Throwing is right here: the caller built the event, a bad one is a bug.
export function canonicalJson(value: unknown): string {
  return write(value, 'value');
}

function write(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${path} is ${value}, not a finite number`);
      return JSON.stringify(value); // -0 → "0"
    case 'object':
      break;
    default:
      throw new TypeError(`canonicalJson: ${path} is a ${typeof value}, which JSON cannot carry`);
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new RangeError(`canonicalJson: ${path} is an invalid Date`);
    return JSON.stringify(value.toISOString());
  }
  if (Array.isArray(value)) {
    return `[${value.map((v, i) => write(v, `${path}[${i}]`)).join(',')}]`;
  }
  if (value instanceof Map || value instanceof Set) {
    throw new TypeError(`canonicalJson: ${path} is a ${value.constructor.name}; convert it to an object or array first`);
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return write(toJSON.call(value), path);
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const v = record[key];
    if (v === undefined) continue;
    parts.push(`${JSON.stringify(key)}:${write(v, `${path}.${key}`)}`);
  }
  return `{${parts.join(',')}}`;
}
