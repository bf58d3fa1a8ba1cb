// Sends the invalid requests of http-fuzz-cases.ts to a running app, for `npm run fuzz:http` and the always-on
// e2e spec: every operation of the OpenAPI document gets its share of cases, each as every identity given
// (unauthenticated, admin, other roles), `concurrency` at a time over keep-alive connections. Counts answers by
// status, by operation and by identity, and keeps the first few 5xx answers with the request that caused them.
import http from 'node:http';
import { fuzzCase, operationsOf, CASE_KINDS, type FuzzContext, type FuzzRequest } from './http-fuzz-cases.js';
import { rng } from './jt808-mutations.js';

export type Identity = { name: string; headers: Record<string, string> };

export type HttpFuzzResult = {
  requests: number;
  seconds: number;
  operations: number;
  byStatus: Record<string, number>;
  byOperation: Record<string, Record<string, number>>;
  byIdentity: Record<string, Record<string, number>>;
  byKind: Record<string, Record<string, number>>;
  serverErrors: { identity: string; request: { method: string; url: string; headers: Record<string, string>; body?: string }; status: number; response: string }[];
  networkErrors: Record<string, number>;
};

const bump = (m: Record<string, Record<string, number>>, k: string, status: string) => {
  const row = (m[k] ??= {});
  row[status] = (row[status] ?? 0) + 1;
};

function send(agent: http.Agent, base: URL, req: FuzzRequest, identity: Identity, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...req.headers, ...identity.headers };
    // The case's own authorization / API key header, when it breaks one, wins over the identity's.
    for (const h of ['authorization', 'x-api-key']) if (req.headers[h] !== undefined) headers[h] = req.headers[h]!;
    if (req.body) headers['content-length'] = req.body.length;
    const r = http.request({ agent, host: base.hostname, port: base.port, method: req.method, path: req.url, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < 4096) chunks.push(c);
        size += c.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8').slice(0, 2000) }));
      res.on('error', reject);
    });
    r.on('timeout', () => r.destroy(new Error('TIMEOUT')));
    r.on('error', reject);
    r.end(req.body);
  });
}

export async function runHttpFuzz(o: {
  baseUrl: string;
  doc: unknown;
  identities: Identity[];
  requests: number;
  ctx: FuzzContext;
  seed?: number;
  concurrency?: number;
  timeoutMs?: number;
  // Left out for signed-in identities (e.g. POST /auth/logout would end the session the run signs in with).
  skipSignedIn?: (op: string) => boolean;
  onProgress?: (done: number) => void;
}): Promise<HttpFuzzResult> {
  const r = rng(o.seed ?? 8080);
  const ops = operationsOf(o.doc);
  const base = new URL(o.baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.concurrency ?? 8 });
  // The work list: round-robin over operations × identities, case kinds in turn, until `requests`.
  const work: { req: FuzzRequest; identity: Identity }[] = [];
  for (let round = 0; work.length < o.requests; round++) {
    for (const op of ops) {
      for (const identity of o.identities) {
        if (work.length >= o.requests) break;
        const name = `${op.method} ${op.path}`;
        if (identity.headers.authorization && o.skipSignedIn?.(name)) continue;
        const kind = CASE_KINDS[(round + work.length) % CASE_KINDS.length]!;
        work.push({ req: fuzzCase(op, r, o.ctx, kind), identity });
      }
    }
  }
  const result: HttpFuzzResult = { requests: 0, seconds: 0, operations: ops.length, byStatus: {}, byOperation: {}, byIdentity: {}, byKind: {}, serverErrors: [], networkErrors: {} };
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < work.length) {
      const { req, identity } = work[next++]!;
      let status: string;
      try {
        const res = await send(agent, base, req, identity, o.timeoutMs ?? 30_000);
        status = String(res.status);
        if (res.status >= 500 && result.serverErrors.length < 50) {
          const body = req.body ? (req.body.length > 300 ? `${req.body.subarray(0, 300).toString('utf8')}... (${req.body.length} bytes)` : req.body.toString('utf8')) : undefined;
          result.serverErrors.push({ identity: identity.name, request: { method: req.method, url: req.url.slice(0, 300), headers: req.headers, body }, status: res.status, response: res.body.slice(0, 500) });
        }
      } catch (e) {
        // The server closing a connection on an oversized or broken request is an answer too, not a 5xx; counted apart.
        const code = (e as { code?: string }).code ?? (e as Error).message;
        result.networkErrors[code] = (result.networkErrors[code] ?? 0) + 1;
        status = `network:${code}`;
      }
      result.requests++;
      result.byStatus[status] = (result.byStatus[status] ?? 0) + 1;
      bump(result.byOperation, req.op, status);
      bump(result.byIdentity, identity.name, status);
      bump(result.byKind, req.kind, status);
      if (result.requests % 1000 === 0) o.onProgress?.(result.requests);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency ?? 8 }, worker));
  agent.destroy();
  result.seconds = (performance.now() - t0) / 1000;
  return result;
}

export const serverErrorCount = (r: HttpFuzzResult) => Object.entries(r.byStatus).reduce((a, [s, n]) => a + (/^5\d\d$/.test(s) ? n : 0), 0);
