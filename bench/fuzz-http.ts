// HTTP bad input at volume: `npm run fuzz:http -- [--requests 10000] [--concurrency 8] [--seed 8080]`.
//
// Starts the real app in-process on a fresh database (startBenchApp: DATABASE_URL's server, or an embedded
// PostgreSQL when it is unset), reads the OpenAPI document it serves (GET /docs/openapi.json), creates one
// organisation and user per role tried, and sends `--requests` invalid requests (bench/http-fuzz-cases.ts) spread
// over every operation, each as every identity: unauthenticated, admin, carrier, shipper, authority, loader.
// Prints the counts by status, by identity, by case kind and by operation, and every 5xx with its request.
// Any 5xx is a bug: the exit code is 1.
import { fmt, HttpClient, log, startBenchApp, table } from './harness.js';
import { runHttpFuzz, serverErrorCount, type Identity } from './http-fuzz-run.js';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
  return n;
}

const ROLES = [
  { name: 'carrier', kind: 'carrier', roles: ['org_admin', 'carrier'] },
  { name: 'shipper', kind: 'shipper', roles: ['org_admin', 'shipper'] },
  { name: 'authority', kind: 'authority', roles: ['authority'], regionCode: '150000' },
  { name: 'loader', kind: 'loading_site', roles: ['loader'] },
] as const;

const requests = flag('requests', 10_000);
const concurrency = flag('concurrency', 8);
const seed = flag('seed', 8080);
const b = await startBenchApp({ LOG_LEVEL: process.env.LOG_LEVEL ?? 'fatal' });
let code = 1;
try {
  const client = new HttpClient(b.url, 2);
  const admin = (await client.ok('POST', '/auth/login', { username: 'admin', password: b.adminPassword })).accessToken as string;
  const identities: Identity[] = [{ name: 'anonymous', headers: {} }, { name: 'admin', headers: { authorization: `Bearer ${admin}` } }];
  const ids: string[] = [];
  const password = `Fuzz-${Date.now()}-pw!`;
  for (const role of ROLES) {
    const org = await client.ok('POST', '/organisations', { kind: role.kind, name: `模糊测试 ${role.name}`, regionCode: 'regionCode' in role ? role.regionCode : '150203' }, admin);
    await client.ok('POST', `/organisations/${org.id}/users`, { username: `fuzz-${role.name}`, displayName: role.name, roles: role.roles, password }, admin);
    const token = (await client.ok('POST', '/auth/login', { username: `fuzz-${role.name}`, password })).accessToken as string;
    identities.push({ name: role.name, headers: { authorization: `Bearer ${token}` } });
  }
  // Real ids for the path now and then, of an organisation and user of their own: the run may well disable that
  // user or reset its password, which must not sign out the identities it runs as.
  const victimOrg = await client.ok('POST', '/organisations', { kind: 'shipper', name: '模糊测试 目标', regionCode: '150203' }, admin);
  const victim = await client.ok('POST', `/organisations/${victimOrg.id}/users`, { username: 'fuzz-victim', displayName: 'victim', roles: ['shipper'], password }, admin);
  ids.push(victimOrg.id, victim.user.id);
  const doc = await client.ok('GET', '/docs/openapi.json');
  client.close();
  log(`OpenAPI: ${Object.keys(doc.paths).length} paths; identities: ${identities.map((i) => i.name).join(', ')}`);

  const result = await runHttpFuzz({
    baseUrl: b.url,
    doc,
    identities,
    requests,
    concurrency,
    seed,
    ctx: { ids, bodyLimitBytes: 1024 * 1024 },
    skipSignedIn: (op) => op === 'POST /auth/logout',
    onProgress: (n) => log(`${fmt(n)} requests`),
  });
  const fiveXX = serverErrorCount(result);
  const row = (counts: Record<string, number>) =>
    Object.entries(counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([s, n]) => `${s}×${fmt(n)}`)
      .join('  ');
  console.log(`\nHTTP fuzz run (seed ${seed}): ${fmt(result.requests)} invalid requests over ${result.operations} operations × ${identities.length} identities in ${fmt(result.seconds, 1)} s`);
  table([
    ['by status', row(result.byStatus)],
    ['5xx responses', String(fiveXX)],
  ]);
  console.log('\nBy identity');
  table(Object.entries(result.byIdentity).map(([k, v]) => [k, row(v)] as const));
  console.log('\nBy case kind');
  table(Object.entries(result.byKind).map(([k, v]) => [k, row(v)] as const));
  console.log('\nBy operation');
  table(Object.entries(result.byOperation).map(([k, v]) => [k, row(v)] as const));
  if (result.serverErrors.length) {
    console.log('\n5xx answers (first 50)');
    for (const e of result.serverErrors) console.log(JSON.stringify(e));
  }
  console.log(`\n${fiveXX === 0 ? 'PASS' : 'FAIL'}: ${fmt(result.requests)} requests, ${fiveXX} answered 5xx`);
  console.log(JSON.stringify({ fuzzHttp: { requests: result.requests, seconds: result.seconds, byStatus: result.byStatus, fiveXX, networkErrors: result.networkErrors } }));
  code = fiveXX === 0 ? 0 : 1;
} catch (e) {
  console.error(e);
} finally {
  await b.stop();
}
process.exit(code);
