// Faults on the hot path: `npm run faults -- <scenario> [--terminals 200] [--rate 2] [--json]`
//
//   kill   the app is killed with SIGKILL while the terminals send, then started again on the same ports and
//          database: the terminals reconnect and re-send what was not acknowledged; every acknowledged position
//          must be stored exactly once.
//   pg     the script's own PostgreSQL is stopped mid-stream and started again: no ACK while it is away, the
//          app's memory stays bounded (RSS printed every second), ingest resumes, nothing acknowledged is lost.
//   redis  two app processes in scale-out mode on the script's own Redis (BullMQ + socket.io adapter), Redis
//          stopped and started: both processes live on, /health says what is degraded, live fan-out across
//          processes pauses (each process still serves its own watchers), queued work waits, and everything
//          recovers without a restart.
//
// Each prints what the terminals sent, what was acknowledged and what is stored, and exits 1 when a promise is
// broken. Only PostgreSQL and Redis servers started by this script are stopped; never the shared ones.
import { io, type Socket } from 'socket.io-client';
import {
  api,
  checkStored,
  dbUrl,
  mib,
  onCleanup,
  ownPostgres,
  ownRedis,
  ReliableFleet,
  runMain,
  say,
  setUpFleet,
  sleep,
  sql,
  startApp,
  waitFor,
  WATCH_REGION,
  type AppProcess,
  type StoredCheck,
} from './fault-kit.js';

type Flags = { scenario: string; terminals: number; rate: number; json: boolean; phaseS: number; outageS: number };

function parseFlags(argv: string[]): Flags {
  const num = (name: string, fallback: number) => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return fallback;
    const n = Number(argv[i + 1]);
    if (!(n > 0)) throw new Error(`--${name} must be a positive number`);
    return n;
  };
  const scenario = argv.find((a) => !a.startsWith('--') && !/^\d/.test(a)) ?? '';
  if (!['kill', 'pg', 'redis'].includes(scenario)) throw new Error('usage: faults <kill|pg|redis> [--terminals N] [--rate R] [--phase S] [--outage S] [--json]');
  return { scenario, terminals: num('terminals', 200), rate: num('rate', 2), json: argv.includes('--json'), phaseS: num('phase', 8), outageS: num('outage', 10) };
}

const ADMIN_PASSWORD = 'faults-admin-password-808';

async function freshDatabase(serverUrl: string): Promise<string> {
  const name = `hz_faults_${Date.now().toString(36)}`;
  await sql(serverUrl, `CREATE DATABASE "${name}"`);
  return dbUrl(serverUrl, name);
}

function printStored(flags: Flags, fleet: ReliableFleet, s: StoredCheck) {
  const c = fleet.refresh();
  say(
    `terminals produced ${c.generated} positions; sent ${c.sent} (of which re-sent ${c.resent}); acknowledged ${s.acked}; ` +
      `unacknowledged at the end ${c.backlog + c.inFlight}; failed sends ${c.failedSends}, nacks ${c.nacked}; disconnects ${c.disconnects}, reconnects ${c.reconnects}`,
  );
  say(
    `stored rows ${s.storedRows}, distinct (vehicle, fix_time) ${s.distinctKeys}; acknowledged but missing ${s.ackedMissing}; ` +
      `stored more than once ${s.duplicates}; stored without an ACK reaching the terminal ${s.storedNotAcked}`,
  );
  if (flags.json) console.log(JSON.stringify({ faults: { scenario: flags.scenario, fleet: c, stored: s } }));
}

// ------------------------------------------------------------------------------------------- kill

async function killScenario(flags: Flags): Promise<number> {
  const pg = await ownPostgres();
  onCleanup(() => pg.close());
  const databaseUrl = await freshDatabase(pg.url);
  const env = { DATABASE_URL: databaseUrl, ADMIN_PASSWORD };
  let app: AppProcess = await startApp('app-1', env);
  onCleanup(() => app.kill('SIGKILL'));
  const ports = { PORT: String(app.httpPort), TERMINAL_PORT: String(app.terminalPort) };
  const setup = await setUpFleet(app.url, databaseUrl, ADMIN_PASSWORD, flags.terminals);
  const fleet = new ReliableFleet({
    host: '127.0.0.1',
    ports: [app.terminalPort],
    terminals: setup.terminals,
    ratePerTerminal: flags.rate,
    startTime: Math.floor(Date.now() / 1000) * 1000 - Math.ceil(flags.phaseS * 3 * flags.rate + 120) * 1000,
  });
  onCleanup(() => fleet.close());
  await fleet.start();
  say(`${flags.terminals} terminals online on app-1 (pid ${app.child.pid}), ${flags.rate} positions/s each`);
  // The kill must come mid-stream: after the first acknowledgements (slow on a busy machine), then `phase` s more.
  await waitFor('first acknowledgements', () => fleet.refresh().acked > 0, 180_000, 100);
  await sleep(flags.phaseS * 1000);
  const before = { ...fleet.refresh() };
  await app.kill('SIGKILL');
  say(`app-1 killed with SIGKILL: acknowledged so far ${before.acked}, in flight ${before.inFlight}, backlog ${before.backlog}`);
  await sleep(2_000);
  app = await startApp('app-2', { ...env, ...ports });
  say(`app-2 started on the same ports (pid ${app.child.pid})`);
  await waitFor('terminals back online', () => fleet.refresh().online === flags.terminals, 180_000);
  say(`all ${flags.terminals} terminals back online; sending for ${flags.phaseS} s more`);
  await sleep(flags.phaseS * 1000);
  fleet.stopProducing();
  const drained = await fleet.drain(60_000);
  await fleet.close();
  const stored = await checkStored(databaseUrl, fleet.acked, setup.terminals.map((t) => t.vehicleId));
  printStored(flags, fleet, stored);
  const okay = drained && stored.ackedMissing === 0 && stored.duplicates === 0 && before.acked > 0 && fleet.c.reconnects >= flags.terminals;
  say(okay ? 'PASS: every acknowledged position stored exactly once across the SIGKILL' : `FAIL (drained ${drained})`);
  await app.kill('SIGTERM');
  return okay ? 0 : 1;
}

// ------------------------------------------------------------------------------------------- pg

async function pgScenario(flags: Flags): Promise<number> {
  const pg = await ownPostgres();
  onCleanup(() => pg.close());
  const databaseUrl = await freshDatabase(pg.url);
  // A small admission limit, so that back-pressure (terminals paused) shows within a short outage.
  const maxPending = Math.max(500, Math.round(flags.terminals * flags.rate * 2));
  const app = await startApp('app', { DATABASE_URL: databaseUrl, ADMIN_PASSWORD, POSITIONS_MAX_PENDING_ROWS: String(maxPending) }, { echoErrors: true });
  void app.exited.then((e) => say(`app exited: code ${e.code}, signal ${e.signal}`));
  onCleanup(() => app.kill('SIGKILL'));
  const setup = await setUpFleet(app.url, databaseUrl, ADMIN_PASSWORD, flags.terminals);
  const fleet = new ReliableFleet({
    host: '127.0.0.1',
    ports: [app.terminalPort],
    terminals: setup.terminals,
    ratePerTerminal: flags.rate,
    startTime: Math.floor(Date.now() / 1000) * 1000 - Math.ceil((flags.phaseS * 2 + flags.outageS + 30) * flags.rate + 120) * 1000,
    replyTimeoutMs: 20_000,
  });
  onCleanup(() => fleet.close());
  await fleet.start();
  say(`${flags.terminals} terminals online, ${flags.rate} positions/s each; POSITIONS_MAX_PENDING_ROWS=${maxPending}`);

  const rss: { t: number; rss: number; acked: number; phase: string }[] = [];
  let phase = 'before';
  const t0 = Date.now();
  const sampler = setInterval(() => {
    const c = fleet.refresh();
    const r = { t: Math.round((Date.now() - t0) / 1000), rss: app.rss(), acked: c.acked, phase };
    rss.push(r);
    say(`t=${r.t}s ${phase.padEnd(8)} app RSS ${mib(r.rss)}, acknowledged ${c.acked}, in flight ${c.inFlight}, backlog ${c.backlog}, online ${c.online}`);
  }, 1000);
  onCleanup(() => clearInterval(sampler));

  await sleep(flags.phaseS * 1000);
  phase = 'pg down';
  await pg.stop();
  const ackedAtStop = fleet.refresh().acked;
  say(`PostgreSQL stopped (acknowledged so far ${ackedAtStop})`);
  await sleep(1_500);
  const ackedAtGrace = fleet.refresh().acked;
  const health = await api(app.url, 'GET', '/health').catch((e: Error) => ({ status: 0, body: e.message }));
  say(`/health while PostgreSQL is away: ${health.status} ${JSON.stringify(health.body).slice(0, 400)}`);
  await sleep(flags.outageS * 1000 - 1_500);
  const ackedDuring = fleet.refresh().acked - ackedAtStop;
  const ackedAfterGrace = fleet.refresh().acked - ackedAtGrace;
  const rssDuring = rss.filter((r) => r.phase === 'pg down').map((r) => r.rss);
  phase = 'pg up';
  await pg.start();
  say(`PostgreSQL started again; acknowledgements while it was away: ${ackedDuring} (${ackedAfterGrace} after the first 1.5 s)`);
  await waitFor('ACKs again', () => fleet.refresh().acked > ackedAtStop + ackedDuring, 60_000);
  const resumedAfter = Math.round((Date.now() - t0) / 1000);
  say(`acknowledgements resumed (t=${resumedAfter}s); sending for ${flags.phaseS} s more`);
  await sleep(flags.phaseS * 1000);
  phase = 'drain';
  fleet.stopProducing();
  const drained = await fleet.drain(90_000);
  clearInterval(sampler);
  await fleet.close();
  const healthAfter = await api(app.url, 'GET', '/health');
  say(`/health after: ${healthAfter.status} ${JSON.stringify(healthAfter.body).slice(0, 300)}`);
  const stored = await checkStored(databaseUrl, fleet.acked, setup.terminals.map((t) => t.vehicleId));
  printStored(flags, fleet, stored);
  const before = rss.filter((r) => r.phase === 'before').map((r) => r.rss);
  const peak = Math.max(...rss.map((r) => r.rss));
  say(`app RSS: before the outage max ${mib(Math.max(...before))}, during max ${mib(Math.max(...rssDuring))}, peak overall ${mib(peak)}; alive ${app.alive()}`);
  const errors = app.errorLines.length;
  say(`error-level log lines: ${errors}${errors ? `, e.g. ${app.errorLines[0]!.slice(0, 300)}` : ''}`);
  // A batch whose COMMIT reached PostgreSQL just before it stopped may be answered in the first moments; after
  // that nothing may be acknowledged until it is back (the 1.5 s grace covers the in-flight commits).
  const okay =
    drained && app.alive() && stored.ackedMissing === 0 && stored.duplicates === 0 && ackedDuring <= flags.terminals * 2 && ackedAfterGrace === 0 && healthAfter.status === 200;
  if (flags.json) {
    console.log(JSON.stringify({ pgRss: rss }));
    console.log(
      JSON.stringify({
        pg: {
          ackedAtStop,
          ackedDuring,
          ackedAfterGrace,
          resumedAfterS: resumedAfter,
          drained,
          alive: app.alive(),
          healthDuring: health.status,
          healthAfter: healthAfter.status,
          rssBeforeMax: Math.max(...before),
          rssDuringMax: Math.max(...rssDuring),
          rssPeak: peak,
          errorLines: errors,
        },
      }),
    );
  }
  say(okay ? 'PASS: ingest held back while PostgreSQL was away, resumed, and lost nothing acknowledged' : `FAIL (drained ${drained}, acked during outage ${ackedDuring})`);
  await app.kill('SIGTERM');
  return okay ? 0 : 1;
}

// ------------------------------------------------------------------------------------------- redis

async function watcher(url: string, token: string): Promise<{ socket: Socket; got: () => number; vehicles: Set<string> }> {
  const socket = io(`${url}/watch`, { auth: { token }, transports: ['websocket'], reconnection: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (e: Error) => reject(new Error(`watcher connect: ${e.message}`)));
  });
  let n = 0;
  const vehicles = new Set<string>();
  socket.on('positions', (items: { vehicleId: string }[]) => {
    n += items.length;
    for (const i of items) vehicles.add(i.vehicleId);
  });
  const ack = (await socket.timeout(10_000).emitWithAck('subscribe', { region: WATCH_REGION })) as { ok: boolean };
  if (!ack.ok) throw new Error(`subscribe refused: ${JSON.stringify(ack)}`);
  return { socket, got: () => n, vehicles };
}

async function redisScenario(flags: Flags): Promise<number> {
  const pg = await ownPostgres();
  onCleanup(() => pg.close());
  const redis = await ownRedis();
  onCleanup(() => redis.close());
  const databaseUrl = await freshDatabase(pg.url);
  const env = { DATABASE_URL: databaseUrl, REDIS_URL: redis.url, ADMIN_PASSWORD, QUEUE_PREFIX: 'faults' };
  const a = await startApp('app-a', env);
  onCleanup(() => a.kill('SIGKILL'));
  const b = await startApp('app-b', env);
  onCleanup(() => b.kill('SIGKILL'));
  const setup = await setUpFleet(a.url, databaseUrl, ADMIN_PASSWORD, flags.terminals);
  // Terminals report to app-a only; one watcher on each process.
  const onA = await watcher(a.url, setup.watcherToken);
  const onB = await watcher(b.url, setup.watcherToken);
  onCleanup(() => (onA.socket.close(), onB.socket.close()));
  const fleet = new ReliableFleet({
    host: '127.0.0.1',
    ports: [a.terminalPort],
    terminals: setup.terminals,
    ratePerTerminal: flags.rate,
    startTime: Math.floor(Date.now() / 1000) * 1000 - Math.ceil((flags.phaseS * 3 + flags.outageS + 30) * flags.rate + 120) * 1000,
  });
  onCleanup(() => fleet.close());
  await fleet.start();
  const window = async (label: string, seconds: number) => {
    const s = { a: onA.got(), b: onB.got(), acked: fleet.refresh().acked };
    await sleep(seconds * 1000);
    const r = { a: onA.got() - s.a, b: onB.got() - s.b, acked: fleet.refresh().acked - s.acked };
    say(`${label}: ${r.acked} positions acknowledged by app-a; watcher on app-a got ${r.a}, watcher on app-b got ${r.b}`);
    return r;
  };
  const healthOf = async (app: AppProcess) => {
    const h = await api(app.url, 'GET', '/health').catch((e: Error) => ({ status: 0, body: { error: e.message } }));
    const checks = (h.body as { checks?: Record<string, { status: string; error?: string }> }).checks ?? {};
    return { status: h.status, down: Object.entries(checks).filter(([, c]) => c.status !== 'up').map(([k, c]) => `${k} (${c.error ?? 'down'})`) };
  };

  const normal = await window('Redis up', flags.phaseS);
  await redis.stop();
  say('Redis stopped');
  await sleep(2_000);
  const hA = await healthOf(a);
  const hB = await healthOf(b);
  say(`/health app-a: ${hA.status}, down: ${hA.down.join(', ') || 'nothing'}`);
  say(`/health app-b: ${hB.status}, down: ${hB.down.join(', ') || 'nothing'}`);
  // Queued work while Redis is away: a fleet CSV import (a BullMQ job) waits for Redis instead of failing.
  const csv = 'plateNumber,plateColour,kind\n蒙Z99001,yellow,truck\n';
  const importStarted = Date.now();
  const importing = fetch(`${a.url}/vehicles/import?organisationId=${setup.carrierId}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${setup.adminToken}`, 'content-type': 'text/csv' },
    body: csv,
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as { importId?: string; state?: string }, ms: Date.now() - importStarted }));
  const outage = await window('Redis down', Math.max(2, flags.outageS - 2));
  const importSettledDuring = await Promise.race([importing.then(() => true), sleep(10).then(() => false)]);
  say(`fleet import submitted during the outage: ${importSettledDuring ? 'answered during the outage' : 'still waiting for Redis (the request is held, not failed)'}`);
  await redis.start();
  say('Redis started again (empty: this Redis keeps no data on disk)');
  const recoveryStart = Date.now();
  await waitFor('both /health 200', async () => (await healthOf(a)).status === 200 && (await healthOf(b)).status === 200, 60_000, 250);
  say(`/health 200 on both processes ${((Date.now() - recoveryStart) / 1000).toFixed(1)} s after Redis came back`);
  const imp = await Promise.race([importing, sleep(30_000).then(() => null)]);
  let importFinal = 'no answer';
  if (imp) {
    importFinal = `answered ${imp.status} after ${(imp.ms / 1000).toFixed(1)} s`;
    if (imp.body.importId) {
      await waitFor('import done', async () => {
        const r = await api(a.url, 'GET', `/imports/${imp.body.importId}`, setup.adminToken);
        importFinal = `answered ${imp.status} after ${(imp.ms / 1000).toFixed(1)} s; job ${r.body.state}`;
        return ['completed', 'failed'].includes(String(r.body.state));
      }, 30_000, 500).catch(() => undefined);
    }
  }
  say(`fleet import: ${importFinal}`);
  await sleep(1_000);
  const after = await window('Redis back', flags.phaseS);
  fleet.stopProducing();
  const drained = await fleet.drain(60_000);
  await fleet.close();
  const stored = await checkStored(databaseUrl, fleet.acked, setup.terminals.map((t) => t.vehicleId));
  printStored(flags, fleet, stored);
  say(`processes alive after the outage: app-a ${a.alive()}, app-b ${b.alive()} (no restart)`);
  say(`error-level log lines: app-a ${a.errorLines.length}, app-b ${b.errorLines.length}${a.errorLines[0] ? `; e.g. ${a.errorLines[0].slice(0, 240)}` : ''}`);
  const degraded = hA.status === 503 && hB.status === 503;
  const okay =
    a.alive() && b.alive() && degraded && normal.b > 0 && outage.acked > 0 && outage.a > 0 && outage.b === 0 && after.b > 0 && stored.ackedMissing === 0 && stored.duplicates === 0 && drained;
  if (flags.json) console.log(JSON.stringify({ redis: { normal, outage, after, health: { a: hA, b: hB }, import: importFinal } }));
  say(
    okay
      ? 'PASS: Redis away → ingest and local watchers go on, cross-process fan-out pauses, /health 503; Redis back → everything resumes without a restart'
      : 'FAIL',
  );
  await Promise.all([a.kill('SIGTERM'), b.kill('SIGTERM')]);
  return okay ? 0 : 1;
}

const flags = parseFlags(process.argv.slice(2));
await runMain(() => (flags.scenario === 'kill' ? killScenario(flags) : flags.scenario === 'pg' ? pgScenario(flags) : redisScenario(flags)));
