import polyline from '@googlemaps/polyline-codec';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { LatLon, WalkerBehaviours } from './route-walker.js';
import { createViaApi, simulatedFleet } from './simulator.fleet.js';
import { SIMULATOR_ROUTES } from './simulator.routes.js';
import { MAX_BATCH_SIZE, runSimulation, type SimulationProgress, type SimulationStats } from './simulator.js';

const HELP = `JT/T 808 terminal simulator: N terminals register, authenticate and report positions along a route.

  npm run simulate -- --terminals 100 --rate 1 --duration 60
  node dist/tracking/simulator/simulator.cli.js --host 127.0.0.1 --port 7808 --terminals 100 --rate 1 --duration 60
       [--phone-prefix 0138] [--route demo] [--register]

The platform only accepts terminals it knows: a carrier registers each JT/T 808 terminal (POST /terminals with
its phone number, linked to a vehicle) before the terminal's own 0x0100 registration succeeds; unknown phones get
0x8100 result 4 (no such terminal). --create-via-api creates those records first (POST /vehicles, then
POST /terminals with the vehicleId), with the token of a carrier's org_admin/carrier user (an admin also passes
--organisation-id of the carrier). Re-running it is harmless.

Terminals:
  --terminals N          how many (default 100)
  --first-index I        index of the first terminal (default 1); runs with disjoint ranges can share a platform
  --phone-prefix P       phone = P + index zero-padded to 12 BCD digits (default 0138 → 013800000001)
  --plate-prefix P       plate = P + index as 5 digits (default 蒙Z → 蒙Z00001)
  --version V            JT/T 808 header: 2013 (default) or 2019
  --register             register (0x0100) even terminals with a known auth code
  --auth-file F          JSON {phone: authCode}: known codes are read from it and new ones written back, so that
                         the next run authenticates directly
Platform:
  --host H               JT/T 808 server (default 127.0.0.1)
  --port N               (default 7808)
  --create-via-api URL   create vehicles and terminals through the REST API first, e.g. http://localhost:3000
  --token T              bearer token for --create-via-api
  --organisation-id ID   carrier organisation (admins only)
Load:
  --rate R               positions per second per terminal (default 1; 0.1 = every 10 s)
  --duration S           reporting seconds after set-up (default 60)
  --batch N              send 0x0704 batches of N positions (default 1 = 0x0200; at most ${MAX_BATCH_SIZE})
  --timeout MS           reply timeout (default 10000)
  --concurrency N        terminals connecting at once (default 100)
  --max-in-flight N      per terminal (default 256)
Route and behaviour:
  --route R              demo (Ordos → Hohhot, default), a JSON file of [lat, lon] pairs, or polyline:<encoded>
  --speed KMH            cruise speed (default 70)
  --seed N               PRNG seed (default 808)
  --overspeed N          N terminals drive at 95 km/h for 60 s from --behaviour-at
  --deviate N            the next N leave the route by 2 km for 10 min from --behaviour-at
  --stop N               the next N stand still for 25 min from --behaviour-at
  --silent N             the next N stop reporting at --behaviour-at
  --behaviour-at S       fix-time second at which behaviours start (default 30)
Output:
  --progress S           progress line every S seconds (default 5), on stderr
  The final summary is printed readably on stderr and as one JSON line on stdout.

With more than 1 position/s per terminal, fix times advance 1 s per position (JT/T 808 times have whole seconds
and the platform keeps one position per vehicle and second). Thousands of terminals need enough file
descriptors (ulimit -n) on both sides.`;

const OPTIONS = {
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string', default: '7808' },
  terminals: { type: 'string', default: '100' },
  'first-index': { type: 'string', default: '1' },
  rate: { type: 'string', default: '1' },
  duration: { type: 'string', default: '60' },
  'phone-prefix': { type: 'string', default: '0138' },
  'plate-prefix': { type: 'string', default: '蒙Z' },
  route: { type: 'string', default: 'demo' },
  register: { type: 'boolean', default: false },
  'auth-file': { type: 'string' },
  batch: { type: 'string', default: '1' },
  version: { type: 'string', default: '2013' },
  timeout: { type: 'string', default: '10000' },
  concurrency: { type: 'string', default: '100' },
  'max-in-flight': { type: 'string', default: '256' },
  speed: { type: 'string' },
  seed: { type: 'string', default: '808' },
  overspeed: { type: 'string', default: '0' },
  deviate: { type: 'string', default: '0' },
  stop: { type: 'string', default: '0' },
  silent: { type: 'string', default: '0' },
  'behaviour-at': { type: 'string', default: '30' },
  'create-via-api': { type: 'string' },
  token: { type: 'string' },
  'organisation-id': { type: 'string' },
  progress: { type: 'string', default: '5' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

class UsageError extends Error {}

function num(name: string, value: string, check: (n: number) => boolean = (n) => n >= 0): number {
  const n = Number(value);
  if (!Number.isFinite(n) || !check(n)) throw new UsageError(`--${name}: "${value}" is not a valid value`);
  return n;
}

export function resolveRoute(spec: string): readonly LatLon[] {
  const named = SIMULATOR_ROUTES[spec];
  if (named) return named;
  if (spec.startsWith('polyline:')) return polyline.decode(spec.slice('polyline:'.length), 5) as [number, number][];
  if (existsSync(spec)) {
    const points = JSON.parse(readFileSync(spec, 'utf8')) as unknown;
    if (!Array.isArray(points) || !points.every((p) => Array.isArray(p) && p.length >= 2 && p.every(Number.isFinite))) {
      throw new UsageError(`--route ${spec}: expected a JSON array of [lat, lon] pairs`);
    }
    return points as [number, number][];
  }
  throw new UsageError(`--route ${spec}: not a known route (${Object.keys(SIMULATOR_ROUTES).join(', ')}), a file, or polyline:<encoded>`);
}

const ms = (x: number) => `${x.toFixed(1)} ms`;

function progressLine(p: SimulationProgress): string {
  if (p.phase === 'setup') return `[simulate] set-up ${p.elapsedS}s: ${p.setupDone}/${p.terminals} ready, ${p.setupFailed} failed`;
  return (
    `[simulate] ${p.phase} ${p.elapsedS}s: online ${p.online}/${p.terminals}, sent ${p.sent}, acked ${p.acked}, failed ${p.failed}, ` +
    `in flight ${p.inFlight}, ${p.windowPositionsPerSecond} pos/s, ACK p50 ${ms(p.latencyMs.p50)} p95 ${ms(p.latencyMs.p95)} p99 ${ms(p.latencyMs.p99)}`
  );
}

function summary(s: SimulationStats): string {
  const failures = Object.entries(s.setupFailures).map(([k, v]) => `${k} × ${v}`).join(', ');
  return [
    `[simulate] ${s.terminals} terminals, ${s.terminals - Object.values(s.setupFailures).reduce((a, b) => a + b, 0)} set up in ${s.setupS} s${failures ? ` (failed: ${failures})` : ''}`,
    `  reporting ${s.durationS} s at ${s.ratePerTerminal}/s per terminal${s.batchSize > 1 ? ` in batches of ${s.batchSize}` : ''} (target ${s.targetPositionsPerSecond} pos/s)`,
    `  positions: sent ${s.sent}, acked ${s.acked}, failed ${s.failed} (nacked ${s.nacked}, timed out ${s.timedOut}, aborted ${s.aborted}); missed ${s.missed}, throttled ${s.throttled}, silent ${s.silent}`,
    `  achieved ${s.positionsPerSecond} acked pos/s (sent ${s.sentPerSecond}/s); ACK latency p50 ${ms(s.latencyMs.p50)}, p95 ${ms(s.latencyMs.p95)}, p99 ${ms(s.latencyMs.p99)}, max ${ms(s.latencyMs.max)}`,
    `  connections: ${s.online} online at the end, ${s.disconnects} disconnects, ${s.reconnects} reconnects, ${s.heartbeats} heartbeats`,
  ].join('\n');
}

// Behaviours for the first terminals, one kind after the other (overspeed, deviate, stop, silent).
function behaviours(counts: { overspeed: number; deviate: number; stop: number; silent: number }, atS: number): WalkerBehaviours[] {
  const out: WalkerBehaviours[] = [];
  for (let i = 0; i < counts.overspeed; i++) out.push({ overspeed: { atS, durationS: 60, kmh: 95 } });
  for (let i = 0; i < counts.deviate; i++) out.push({ deviate: { atS, durationS: 600, km: 2 } });
  for (let i = 0; i < counts.stop; i++) out.push({ stop: { atS, durationS: 1500 } });
  for (let i = 0; i < counts.silent; i++) out.push({ silent: { atS } });
  return out;
}

export async function main(argv: string[]): Promise<number> {
  const { values: v } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  const count = num('terminals', v.terminals, (n) => Number.isInteger(n) && n >= 1);
  const rate = num('rate', v.rate, (n) => n > 0);
  const version = v.version === '2019' ? '2019' : v.version === '2013' ? '2013' : null;
  if (!version) throw new UsageError('--version must be 2013 or 2019');
  const terminals = simulatedFleet({
    count,
    firstIndex: num('first-index', v['first-index'], Number.isInteger),
    phonePrefix: v['phone-prefix'],
    platePrefix: v['plate-prefix'],
  });
  const plan = behaviours(
    { overspeed: num('overspeed', v.overspeed), deviate: num('deviate', v.deviate), stop: num('stop', v.stop), silent: num('silent', v.silent) },
    num('behaviour-at', v['behaviour-at']),
  );
  plan.forEach((b, i) => {
    if (terminals[i]) terminals[i]!.behaviours = b;
  });

  const authFile = v['auth-file'];
  const known: Record<string, string> = authFile && existsSync(authFile) ? (JSON.parse(readFileSync(authFile, 'utf8')) as Record<string, string>) : {};
  for (const t of terminals) t.authCode = known[t.phone] ?? null;

  if (v['create-via-api']) {
    if (!v.token) throw new UsageError('--create-via-api needs --token');
    console.error(`[simulate] creating ${count} vehicles and terminals through ${v['create-via-api']}`);
    const r = await createViaApi(terminals, {
      baseUrl: v['create-via-api'],
      token: v.token,
      organisationId: v['organisation-id'],
      version,
      log: (line) => console.error(`[simulate]   ${line}`),
    });
    console.error(
      `[simulate] vehicles: ${r.vehiclesCreated} created, ${r.vehiclesExisting} existing; terminals: ${r.terminalsCreated} created, ${r.terminalsExisting} existing; ${r.failures.length} failed`,
    );
  }

  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts > 1) process.exit(130);
    console.error('[simulate] interrupted: finishing (Ctrl-C again to quit at once)');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);

  const stats = await runSimulation({
    host: v.host,
    port: num('port', v.port, (n) => Number.isInteger(n) && n > 0 && n < 65536),
    terminals,
    ratePerTerminal: rate,
    durationS: num('duration', v.duration, (n) => n > 0),
    route: resolveRoute(v.route),
    batchSize: num('batch', v.batch, (n) => Number.isInteger(n) && n >= 1 && n <= MAX_BATCH_SIZE),
    version,
    register: v.register,
    replyTimeoutMs: num('timeout', v.timeout, (n) => n > 0),
    connectConcurrency: num('concurrency', v.concurrency, (n) => Number.isInteger(n) && n >= 1),
    maxInFlight: num('max-in-flight', v['max-in-flight'], (n) => Number.isInteger(n) && n >= 1),
    speed: v.speed ? { cruiseKmh: num('speed', v.speed) } : undefined,
    seed: num('seed', v.seed, Number.isInteger),
    progressIntervalMs: num('progress', v.progress, (n) => n > 0) * 1000,
    onProgress: (p) => console.error(progressLine(p)),
    signal: controller.signal,
  });
  process.off('SIGINT', onSigint);
  process.off('SIGTERM', onSigint);

  if (authFile) writeFileSync(authFile, JSON.stringify({ ...known, ...stats.authCodes }, null, 2) + '\n');
  console.error(summary(stats));
  if (Object.keys(stats.setupFailures).some((k) => k.includes('EMFILE'))) {
    console.error('[simulate] hint: EMFILE means too many open files; raise the limit (ulimit -n 65536) for the simulator and the server');
  }
  if (stats.setupFailures['REGISTER_REFUSED:4']) {
    console.error('[simulate] hint: result 4 = no such terminal: create the terminals first (--create-via-api URL --token T)');
  }
  const { authCodes: _codes, ...printable } = stats;
  console.log(JSON.stringify({ simulation: printable }));
  return stats.online > 0 || stats.acked > 0 ? 0 : 1;
}

// Run when executed (not when imported by a spec or the benchmarks).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      if (e instanceof UsageError || (e as { code?: string })?.code?.startsWith?.('ERR_PARSE_ARGS')) {
        console.error(`${(e as Error).message}\n\nnode dist/tracking/simulator/simulator.cli.js --help for the options`);
        process.exit(2);
      }
      console.error(e);
      process.exit(1);
    },
  );
}
