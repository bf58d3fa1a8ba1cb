// Invalid HTTP requests for every operation of the app's OpenAPI document (GET /docs/openapi.json), for the fuzz
// runs (bench/fuzz-http.ts, `npm run fuzz:http`; test/e2e/fuzz-http.e2e-spec.ts, always on). Pure and seeded; no
// import from src/ so that the benchmark build compiles it alone.
//
// Each case starts from a plausible request built from the operation's schemas (required fields present, enums
// and formats respected, path ids that look like ids) and breaks one thing: a path parameter, a query parameter,
// one body field (wrong type, missing, huge, unicode edge cases incl. lone surrogates and NUL, SQL and script
// fragments), the body as a whole (not an object, malformed, deeply nested, oversized), the content type or
// encoding, or a header (token, API key, Idempotency-Key, request id).

import type { Rng } from './jt808-mutations.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Schema = any;

export type Operation = {
  method: string; // GET, POST...
  path: string; // /vehicles/{id}
  pathParams: string[];
  query: { name: string; schema: Schema; required: boolean }[];
  body: { contentType: string; schema: Schema } | null;
};

export type FuzzRequest = {
  op: string; // "POST /vehicles/{id}"
  kind: string; // what was broken
  method: string;
  url: string; // path + query, already percent-encoded (or deliberately not)
  headers: Record<string, string>;
  body?: Buffer;
};

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

export function operationsOf(doc: Schema): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<Schema>(doc.paths ?? {})) {
    for (const method of METHODS) {
      const o = item[method];
      if (!o) continue;
      const params: Schema[] = [...(item.parameters ?? []), ...(o.parameters ?? [])].map((p: Schema) => resolve(doc, p));
      const content = o.requestBody ? resolve(doc, o.requestBody).content ?? {} : {};
      const [contentType, media] = Object.entries<Schema>(content)[0] ?? [];
      ops.push({
        method: method.toUpperCase(),
        path,
        // From the template: some operations do not declare theirs.
        pathParams: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: resolve(doc, p.schema ?? {}), required: !!p.required })),
        body: contentType ? { contentType, schema: resolve(doc, media?.schema ?? {}) } : null,
      });
    }
  }
  return ops;
}

function resolve(doc: Schema, s: Schema): Schema {
  let x = s;
  for (let i = 0; x && typeof x === 'object' && typeof x.$ref === 'string' && i < 10; i++) {
    x = x.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce((o: Schema, k: string) => o?.[k], doc);
  }
  return x ?? {};
}

// ------------------------------------------------------------------------------------------- values

const LONE_HIGH = '\ud800';
const LONE_LOW = '\udfff';
export const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  `a\u0000b`,
  LONE_HIGH,
  `x${LONE_LOW}y`,
  '\ufeff',
  '\u202e\u0041\u0042',
  '\u200b',
  'Z\u0351\u0352\u0353\u0354',
  '💥🚚☣️',
  '蒙B12345',
  "' OR '1'='1",
  "'; DROP TABLE vehicles; --",
  '1; SELECT pg_sleep(5)',
  '" OR 1=1 --',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '{{7*7}}${7*7}',
  '../../../../etc/passwd',
  '%00%ff',
  '\\',
  'null',
  'undefined',
  'NaN',
  '-1',
  '0',
  '1e309',
  '99999999999999999999999999',
  '2026-02-30',
  '9999-12-31T23:59:59Z',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '__proto__',
  'constructor',
];
export const NASTY_NUMBERS = [0, -1, -0, 0.5, 1e308, -1e308, 2 ** 53 + 1, -(2 ** 63), 2 ** 31, 2 ** 32, 1e-320];
// JSON text tokens that JSON.stringify cannot produce (written into the body as is).
const RAW_JSON_VALUES = ['"\\ud800"', '"\\udfff\\ud800"', '"\\u0000"', '1e999', '-1e999', '123456789012345678901234567890', '"\\u202e"'];

// Percent-encoding that lets lone surrogates through as their (invalid) UTF-8-style bytes instead of throwing.
const ok = (x: string) => encodeURIComponent(x.replace(/[\ud800-\udfff]/g, '\u0001')).replace(/%01/g, '%ED%A0%80');

const uuid = (r: Rng) =>
  'xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx'.replace(/x/g, () => r.int(16).toString(16));

// A plausible value for a JSON schema (the start point that one mutation then breaks).
export function sample(s: Schema, r: Rng, depth = 0): unknown {
  if (!s || typeof s !== 'object' || depth > 6) return null;
  if (s.const !== undefined) return s.const;
  if (Array.isArray(s.enum) && s.enum.length) return r.pick(s.enum);
  if (s.default !== undefined && r.next() < 0.3) return s.default;
  for (const k of ['anyOf', 'oneOf']) {
    if (Array.isArray(s[k]) && s[k].length) {
      const options = s[k].filter((x: Schema) => x?.type !== 'null');
      return sample(r.pick(options.length ? options : s[k]), r, depth + 1);
    }
  }
  if (Array.isArray(s.allOf) && s.allOf.length) return Object.assign({}, ...s.allOf.map((x: Schema) => sample(x, r, depth + 1)));
  const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== 'null') : s.type;
  switch (type ?? (s.properties ? 'object' : undefined)) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const required = new Set<string>(s.required ?? []);
      for (const [k, v] of Object.entries<Schema>(s.properties ?? {})) if (required.has(k) || r.next() < 0.5) out[k] = sample(v, r, depth + 1);
      return out;
    }
    case 'array':
      return Array.from({ length: Math.max(s.minItems ?? 0, 1) }, () => sample(s.items ?? {}, r, depth + 1));
    case 'integer':
    case 'number': {
      const min = s.minimum ?? s.exclusiveMinimum ?? 0;
      const max = s.maximum ?? s.exclusiveMaximum ?? min + 100;
      const v = min + r.int(Math.max(1, Math.min(1000, max - min)));
      return type === 'integer' ? Math.floor(v) : v;
    }
    case 'boolean':
      return r.next() < 0.5;
    case 'string':
      return sampleString(s, r);
    default:
      return 'x';
  }
}

function sampleString(s: Schema, r: Rng): string {
  switch (s.format) {
    case 'uuid':
      return uuid(r);
    case 'date':
      return '2026-06-01';
    case 'date-time':
      return '2026-06-01T08:00:00.000Z';
    case 'email':
      return 'fuzz@example.com';
    case 'uri':
    case 'url':
      return 'http://127.0.0.1:9/hook';
    default:
      break;
  }
  if (typeof s.pattern === 'string') {
    if (/\\d\{6\}|\[0-9\]\{6\}/.test(s.pattern)) return '150203';
    if (/\\d\{4\}/.test(s.pattern)) return '1203';
  }
  const len = Math.max(s.minLength ?? 1, Math.min(s.maxLength ?? 12, 12));
  return 'fuzz'.padEnd(len, 'z').slice(0, Math.max(len, 1));
}

// A wrong value of any kind: other JSON types, nasty strings and numbers, huge strings and arrays, deep nesting.
function badValue(r: Rng): { value?: unknown; raw?: string } {
  switch (r.int(8)) {
    case 0:
      return { value: r.pick(NASTY_STRINGS) };
    case 1:
      return { value: r.pick(NASTY_NUMBERS) };
    case 2:
      return { value: r.pick([null, true, false, [], {}, [null], { a: 1 }, [[[]]], '', 0]) };
    case 3:
      return { value: r.pick(['x', '蒙', LONE_HIGH, '\u0000']).repeat(r.next() < 0.1 ? 100_000 : r.pick([300, 5_000])) };
    case 4:
      return { value: Array.from({ length: r.next() < 0.1 ? 20_000 : 1_000 }, () => r.pick([1, 'a', null])) };
    case 5:
      return { raw: r.pick(RAW_JSON_VALUES) };
    case 6:
      return { raw: r.pick(['{"__proto__":{"admin":true,"roles":["admin"]}}', '{"constructor":{"prototype":{"polluted":1}}}']) };
    default:
      return { value: r.pick(NASTY_STRINGS) + r.pick(NASTY_STRINGS) };
  }
}

// A bad path segment, already percent-encoded (some deliberately invalid as UTF-8 or as percent-encoding).
function badPathSegment(r: Rng): string {
  return r.pick([
    'abc',
    '-1',
    '0',
    '1.5',
    '99999999999999999999',
    ok("' OR 1=1--"),
    ok('<script>alert(1)</script>'),
    '%00',
    '%ED%A0%80', // a lone surrogate as UTF-8 bytes: not valid UTF-8
    '%C0%AF', // overlong encoding
    '%E0%A4%A', // truncated percent-encoding
    '%',
    '%zz',
    '%FF%FE',
    encodeURIComponent('💥'),
    encodeURIComponent('蒙B12345'),
    '..%2F..%2Fetc%2Fpasswd',
    'a'.repeat(5_000),
    '00000000-0000-0000-0000-000000000000',
    '00000000-0000-0000-0000-00000000000g',
    `${uuid(r)}${uuid(r)}`,
    uuid(r).toUpperCase(),
    encodeURIComponent('{}'),
    'null',
    '1e309',
  ]);
}

function badQueryValue(r: Rng): string {
  return r.pick([
    ...NASTY_STRINGS.map((x) => ok(x)),
    '%ED%A0%80',
    '%',
    '%zz',
    '%00',
    'a'.repeat(20_000),
    encodeURIComponent('a,b,,c'),
    encodeURIComponent(`${uuid(r)},${uuid(r)},not-a-uuid`),
    Array.from({ length: 2000 }, () => uuid(r)).join(','),
    '-99999999999999999999',
    '1e400',
    '0x10',
    'true',
    'TRUE',
    'yes',
    '2026-13-45',
    '2026-01-01T25:61:00Z',
    encodeURIComponent('2026-01-01T00:00:00+99:00'),
  ]);
}

// ------------------------------------------------------------------------------------------- cases


export type FuzzContext = {
  // Real ids to put in the path now and then (an organisation, a user...): gets past the 404 to the validation.
  ids: string[];
  bodyLimitBytes: number;
};

export const CASE_KINDS = ['pathParam', 'queryParam', 'queryDuplicate', 'bodyField', 'bodyMissing', 'bodyExtra', 'bodyShape', 'bodyMalformed', 'bodyDeep', 'bodyHuge', 'contentType', 'header', 'method'] as const;
export type CaseKind = (typeof CASE_KINDS)[number];

function joinJson(obj: Record<string, unknown>, rawField?: { key: string; raw: string }): string {
  if (!rawField) return JSON.stringify(obj);
  const rest = JSON.stringify({ ...obj, [rawField.key]: undefined });
  const inner = rest.slice(1, -1);
  return `{${inner}${inner ? ',' : ''}${JSON.stringify(rawField.key)}:${rawField.raw}}`;
}

// One invalid request for `op`. The kinds that do not apply to it (a body case on a GET) fall back to another.
export function fuzzCase(op: Operation, r: Rng, ctx: FuzzContext, kind: CaseKind = r.pick(CASE_KINDS)): FuzzRequest {
  const opName = `${op.method} ${op.path}`;
  const headers: Record<string, string> = { accept: r.next() < 0.9 ? 'application/json' : r.pick(['*/*', 'text/html', 'application/xml', 'image/png']) };
  // Path: real-looking ids, or one broken segment.
  const brokenParam = kind === 'pathParam' && op.pathParams.length ? r.pick(op.pathParams) : null;
  const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    if (name === brokenParam) return badPathSegment(r);
    if (name === 'un') return r.pick(['1203', '1017', '0000', '9999']);
    if (name === 'ruleId') return r.pick(['PL-01', 'PL-33', 'PL-99', 'x']);
    return ctx.ids.length && r.next() < 0.5 ? r.pick(ctx.ids) : uuid(r);
  });
  if (kind === 'pathParam' && !brokenParam) kind = 'queryParam';

  // Query: plausible values for some parameters, one broken.
  const q: string[] = [];
  const brokenQuery = (kind === 'queryParam' || kind === 'queryDuplicate') && op.query.length ? r.pick(op.query) : null;
  for (const p of op.query) {
    if (p === brokenQuery) continue;
    if (p.required || r.next() < 0.3) {
      const v = sample(p.schema, r);
      q.push(`${ok(p.name)}=${ok(typeof v === 'string' ? v : JSON.stringify(v))}`);
    }
  }
  if (brokenQuery) {
    if (kind === 'queryDuplicate') {
      // Repeated keys become arrays; brackets become objects with the extended parser.
      q.push(`${ok(brokenQuery.name)}=1`, `${ok(brokenQuery.name)}=2`, `${ok(brokenQuery.name)}[a]=${badQueryValue(r)}`);
    } else q.push(`${ok(brokenQuery.name)}=${badQueryValue(r)}`);
  } else if (kind === 'queryParam' || kind === 'queryDuplicate') {
    q.push(`${r.pick(['limit', 'offset', 'q', '__proto__[x]', 'a'.repeat(3000)])}=${badQueryValue(r)}`);
  }
  const url = `${path}${q.length ? `?${q.join('&')}` : ''}`;

  const bodyKinds: CaseKind[] = ['bodyField', 'bodyMissing', 'bodyExtra', 'bodyShape', 'bodyMalformed', 'bodyDeep', 'bodyHuge', 'contentType'];
  let body: Buffer | undefined;
  const schema = op.body?.schema;
  const isJson = !op.body || op.body.contentType.includes('json');
  if (bodyKinds.includes(kind) && (!op.body || !isJson) && kind !== 'contentType' && kind !== 'bodyHuge' && kind !== 'bodyMalformed') kind = 'bodyMalformed';

  const valid = (schema && isJson ? sample(schema, r) : {}) as Record<string, unknown>;
  const base = valid && typeof valid === 'object' && !Array.isArray(valid) ? valid : {};
  const fields = Object.keys(schema?.properties ?? {});
  headers['content-type'] = op.body?.contentType ?? 'application/json';
  switch (kind) {
    case 'bodyField': {
      const key = fields.length ? r.pick(fields) : 'x';
      const bad = badValue(r);
      body = Buffer.from(bad.raw !== undefined ? joinJson(base, { key, raw: bad.raw }) : JSON.stringify({ ...base, [key]: bad.value }));
      break;
    }
    case 'bodyMissing': {
      const copy = { ...base };
      const required: string[] = schema?.required ?? fields;
      if (required.length && r.next() < 0.7) delete copy[r.pick(required)];
      else for (const k of Object.keys(copy)) delete copy[k];
      body = Buffer.from(JSON.stringify(copy));
      break;
    }
    case 'bodyExtra':
      body = Buffer.from(JSON.stringify({ ...base, [r.pick(['id', 'organisationId', 'role', 'roles', 'isAdmin', 'status', '__proto__', 'a'.repeat(1000)])]: badValue(r).value ?? 1 }));
      break;
    case 'bodyShape':
      body = Buffer.from(r.pick(['[]', 'null', '"string"', '123', 'true', '[{}]', JSON.stringify([base]), '{}', '""']));
      break;
    case 'bodyMalformed':
      body = Buffer.from(
        r.pick(['{', '{"a":', '{"a":1,}', "{'a':1}", '{"a":01}', '{"a":NaN}', '{"a":undefined}', 'nul', '\u0000', '\ufeff{}', '{"a":"\\x00"}', '{"a":"\\ud800"', '\xff\xfe{', '<xml/>', 'a=1&b=2']),
        r.next() < 0.5 ? 'utf8' : 'latin1',
      );
      break;
    case 'bodyDeep': {
      const depth = r.pick([100, 5_000, 50_000]);
      body = Buffer.from(r.next() < 0.5 ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
      break;
    }
    case 'bodyHuge': {
      // A quarter over the body limit (413), the rest large but under it (field length limits): a run of ten
      // thousand requests then moves some hundreds of MB, not GB.
      const size = r.next() < 0.25 ? ctx.bodyLimitBytes + 1 + r.int(4096) : 50_000 + r.int(200_000);
      body = Buffer.from(JSON.stringify({ ...base, [fields.length ? r.pick(fields) : 'x']: 'x'.repeat(size) }));
      break;
    }
    case 'contentType': {
      body = Buffer.from(JSON.stringify(base));
      const ct = r.pick([
        'text/plain',
        'application/xml',
        'multipart/form-data; boundary=x',
        'application/x-www-form-urlencoded',
        'application/json; charset=utf-16',
        'application/json; charset=klingon',
        'application/json; charset=latin1',
        'text/csv',
        'image/png',
        'application/octet-stream',
        '',
        ';;;',
        'application/json, text/plain',
      ]);
      headers['content-type'] = ct;
      if (r.next() < 0.2) headers['content-encoding'] = r.pick(['gzip', 'deflate', 'br', 'identity, gzip', 'x-unknown']);
      if (ct === 'application/x-www-form-urlencoded') body = Buffer.from(`a[b][c][d][e][f]=1&${'x='.repeat(2000)}&__proto__[admin]=1`);
      if (ct === 'image/png') body = r.next() < 0.5 ? Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0xd]) : Buffer.alloc(3000, 0xff);
      if (ct === 'text/csv') body = Buffer.from(`车牌号,a\n${"'; DROP TABLE x; --"},${'\u0000'}\n${'"'.repeat(101)}\n`, 'utf8');
      break;
    }
    case 'header': {
      if (schema && isJson) body = Buffer.from(JSON.stringify(base));
      const h = r.pick(['authorization', 'x-api-key', 'idempotency-key', 'x-request-id', 'accept-language', 'if-none-match']);
      headers[h] = r.pick([
        'Bearer',
        'Bearer ',
        'Bearer x.y.z',
        'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.',
        'Basic YWRtaW46YWRtaW4=',
        'hzk_00000000-0000-0000-0000-000000000000_x',
        'hzk_',
        'a'.repeat(8_000),
        '\u00ff\u00fe',
        "' OR 1=1 --",
        '',
      ]);
      break;
    }
    case 'method':
      return { op: opName, kind, method: r.pick(['PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND']), url, headers, body: Buffer.from('{}') };
    default:
      if (schema && isJson) body = Buffer.from(JSON.stringify(base));
      if (op.body && !isJson) body = Buffer.from('x');
  }
  return { op: opName, kind, method: op.method, url, headers, body };
}
