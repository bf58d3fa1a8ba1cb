// JT/T 808 bad input at volume: `npm run fuzz:jt808 -- [--frames 1000000] [--connections 200] [--good 5]
// [--interval 100] [--seed 808]`.
//
// The server runs in a CHILD process (this file with --server: startBenchApp, i.e. createApp on a fresh database on
// DATABASE_URL's server, or on an embedded PostgreSQL when it is unset), so that a crash is seen as the child's exit
// instead of taking the fuzzer with it. This process sets up one carrier, its vehicles and terminals (SQL, with known
// auth codes), then runs jt808-fuzz-run.ts: `--connections` concurrent TCP connections send `--frames` random and
// mutated frames (mutations of the shared real frames, test/fixtures/jt808/frames.json), 40 % of the connections
// after authenticating as a fuzz terminal of their own, while `--good` well-behaved terminals report one position
// every `--interval` ms and wait for each 0x8001. Printed: frames sent (by mutation), connections, server crashes
// (must be 0), disconnects and missing ACKs of the well-behaved terminals (must be 0), whether every position they
// had acknowledged is stored, the server's own malformed-frame counters and its memory. Exit code 1 if any of the
// must-be-zero figures is not.
import { fork, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { fmt, fromDist, HttpClient, log, machineFacts, startBenchApp, table } from './harness.js';
import { runJt808Fuzz, type GoodTerminal } from './jt808-fuzz-run.js';
import { corpusPayloads } from './jt808-mutations.js';

type Flags = { frames: number; connections: number; good: number; interval: number; seed: number; fuzzTerminals: number };

function parseFlags(argv: string[]): Flags {
  const get = (name: string, fallback: number) => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return fallback;
    const n = Number(argv[i + 1]);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
    return n;
  };
  return {
    frames: get('frames', 1_000_000),
    connections: get('connections', 200),
    good: get('good', 5),
    interval: get('interval', 100),
    seed: get('seed', 808),
    fuzzTerminals: get('fuzz-terminals', 20),
  };
}

type Up = { kind: 'up'; url: string; terminalPort: number; databaseUrl: string; adminPassword: string; facts: Record<string, unknown> };
type Mem = { kind: 'mem'; rss: number; heapUsed: number };

// ------------------------------------------------------------------------------------------- the server process

async function serverMain() {
  const b = await startBenchApp({ LOG_LEVEL: process.env.LOG_LEVEL ?? 'error' });
  const { TerminalServer } = await fromDist('tracking/terminal/terminal.server.js');
  const port = b.app.get(TerminalServer).port as number;
  process.on('message', async (m: { kind: string }) => {
    if (m.kind === 'mem') {
      const u = process.memoryUsage();
      process.send!({ kind: 'mem', rss: u.rss, heapUsed: u.heapUsed } satisfies Mem);
    } else if (m.kind === 'stop') {
      await b.stop();
      process.exit(0);
    }
  });
  process.send!({ kind: 'up', url: b.url, terminalPort: port, databaseUrl: b.databaseUrl, adminPassword: b.adminPassword, facts: machineFacts(b) } satisfies Up);
}

// ------------------------------------------------------------------------------------------- the fuzzer

const phone = (prefix: string, i: number) => `${prefix}${String(i).padStart(8, '0')}`;

async function fuzzMain(flags: Flags) {
  const logFile = path.join(os.tmpdir(), `hazway-fuzz-jt808-${Date.now()}.log`);
  const logStream = createWriteStream(logFile);
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--server'], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let errorLines = 0;
  const countErrors = (c: Buffer) => {
    logStream.write(c);
    // pino JSON lines: level 50 error, 60 fatal; anything not JSON (a stack trace on stderr) counts too.
    for (const line of c.toString('utf8').split('\n')) if (/"level":(50|60)/.test(line) || /^(Error|TypeError|RangeError|\s+at )/.test(line)) errorLines++;
  };
  child.stdout!.on('data', countErrors);
  child.stderr!.on('data', countErrors);
  let stopping = false;
  let crash: string | null = null;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      if (!stopping) crash = `server process exited with ${signal ?? `code ${code}`}`;
      resolve();
    }),
  );
  const up = await new Promise<Up>((resolve, reject) => {
    child.once('message', (m: Up) => resolve(m));
    void exited.then(() => reject(new Error(`${crash}; see ${logFile}`)));
  });
  const mem = () =>
    crash
      ? Promise.resolve(null)
      : new Promise<Mem | null>((resolve) => {
          const onMessage = (m: Mem) => m.kind === 'mem' && (child.off('message', onMessage), resolve(m));
          child.on('message', onMessage);
          child.send({ kind: 'mem' });
          setTimeout(() => (child.off('message', onMessage), resolve(null)), 5_000).unref();
        });
  log(`server (pid ${child.pid}) on ${up.url}, JT/T 808 port ${up.terminalPort}; server log: ${logFile}`);

  const db = new pg.Client({ connectionString: up.databaseUrl, application_name: 'hazway-fuzz' });
  await db.connect();
  let exitCode = 1;
  try {
    // ---- set-up: a carrier through the API, vehicles and terminals by SQL with known auth codes
    const { hashAuthCode } = await fromDist('tracking/terminal/terminal-directory.js');
    const http = new HttpClient(up.url, 2);
    const admin = (await http.ok('POST', '/auth/login', { username: 'admin', password: up.adminPassword })).accessToken as string;
    const carrier = await http.ok('POST', '/organisations', { kind: 'carrier', name: '模糊测试运输公司', regionCode: '150203' }, admin);
    const specs = [
      ...Array.from({ length: flags.good }, (_, i) => ({ phone: phone('0137', i + 1), authCode: `good-${i + 1}`, plate: `蒙Y${String(i + 1).padStart(5, '0')}` })),
      ...Array.from({ length: flags.fuzzTerminals }, (_, i) => ({ phone: phone('0136', i + 1), authCode: `fuzz-${i + 1}`, plate: `蒙X${String(i + 1).padStart(5, '0')}` })),
    ];
    const vehicleIds: string[] = [];
    for (const s of specs) {
      const v = await db.query(`INSERT INTO vehicles (organisation_id, plate_number, plate_colour, kind, model) VALUES ($1, $2, 'yellow', 'truck', '模糊测试') RETURNING id`, [carrier.id, s.plate]);
      vehicleIds.push(v.rows[0].id);
      await db.query(`INSERT INTO terminals (organisation_id, protocol, phone, protocol_version, vehicle_id, auth_code) VALUES ($1, 'jt808', $2, '2013', $3, $4)`, [
        carrier.id,
        s.phone,
        v.rows[0].id,
        hashAuthCode(s.authCode),
      ]);
    }
    const good: GoodTerminal[] = specs.slice(0, flags.good).map((s, i) => ({ phone: s.phone, authCode: s.authCode, vehicleId: vehicleIds[i]! }));
    const fuzzTerminals = specs.slice(flags.good).map((s) => ({ phone: s.phone, authCode: s.authCode }));
    const corpusFile = fileURLToPath(new URL('../../test/fixtures/jt808/frames.json', import.meta.url));
    const corpus = corpusPayloads(JSON.parse(readFileSync(corpusFile, 'utf8')));
    log(`set-up: ${flags.good} well-behaved + ${flags.fuzzTerminals} fuzz terminals; corpus ${corpus.length} real frames`);

    // ---- the run
    const memStart = await mem();
    let memPeak = memStart?.rss ?? 0;
    const memTimer = setInterval(() => void mem().then((m) => m && (memPeak = Math.max(memPeak, m.rss))), 2_000);
    const serverCpu0 = readCpu(child.pid!);
    const clientCpu0 = process.cpuUsage();
    const result = await runJt808Fuzz({
      host: '127.0.0.1',
      port: up.terminalPort,
      frames: flags.frames,
      connections: flags.connections,
      corpus,
      fuzzTerminals,
      goodTerminals: good,
      goodIntervalMs: flags.interval,
      seed: flags.seed,
      aborted: () => crash !== null,
      onProgress: (p) => log(`${p.seconds}s: ${fmt(p.framesSent)} frames on ${fmt(p.connections)} connections; well-behaved acked ${fmt(p.goodAcked)}`),
    });
    clearInterval(memTimer);
    const serverCpu = readCpu(child.pid!) - serverCpu0;
    const clientCpu = process.cpuUsage(clientCpu0);
    const memEnd = await mem();

    // ---- after: is the server still serving, is every acknowledged position stored, what did it count
    const health = crash ? null : await http.request('GET', '/health').catch(() => null);
    const metricsText = crash ? '' : String((await http.request('GET', '/metrics').catch(() => ({ body: '' }))).body);
    http.close();
    let missing = 0;
    let acked = 0;
    for (const [vehicleId, fixes] of result.good.ackedFixes) {
      acked += fixes.length;
      const rows = await db.query(`SELECT extract(epoch FROM fix_time) * 1000 AS t FROM positions WHERE vehicle_id = $1`, [vehicleId]);
      const stored = new Set(rows.rows.map((r: { t: string }) => Math.round(Number(r.t))));
      for (const f of fixes) if (!stored.has(f)) missing++;
    }
    const fuzzStored = (await db.query(`SELECT count(*)::int AS n FROM positions WHERE vehicle_id = ANY($1::uuid[])`, [vehicleIds.slice(flags.good)])).rows[0].n as number;
    const counter = (name: string) =>
      metricsText
        .split('\n')
        .filter((l) => l.startsWith(name))
        .map((l) => {
          const m = /\{(.*)\}\s+([\d.e+]+)$/.exec(l);
          return m ? `${m[1]!.replace(/"/g, '')}: ${fmt(Number(m[2]))}` : '';
        })
        .filter(Boolean)
        .join(', ');

    const sum = (name: string) =>
      metricsText
        .split('\n')
        .filter((l) => l.startsWith(name))
        .reduce((a, l) => a + (Number(/\s([\d.e+]+)$/.exec(l)?.[1]) || 0), 0);
    const crashes = crash ? 1 : 0;
    const g = result.good;
    const mib = (b?: number | null) => (b ? `${fmt(b / 2 ** 20, 0)} MiB` : 'n/a');
    console.log('\nMachine');
    table(Object.entries({ ...up.facts, processes: 'server in a child process; fuzzer and well-behaved terminals in this one' }).map(([k, v]) => [k, String(v)] as const));
    console.log(`\nJT/T 808 fuzz run (seed ${flags.seed})`);
    table([
      ['frames sent', `${fmt(result.framesSent)} in ${fmt(result.seconds, 1)} s (${fmt(result.framesSent / result.seconds)}/s), ${fmt(result.bytesSent / 2 ** 20, 1)} MiB`],
      ['by mutation', Object.entries(result.byMutation).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')],
      ['fuzz connections', `${fmt(result.connections.opened)} opened (${fmt(result.connections.authenticatedFirst)} authenticated first); closed by the server ${fmt(result.connections.closedByServer)}, ended by us ${fmt(result.connections.endedByClient)}, reset by us ${fmt(result.connections.resetByClient)}; connect errors ${result.connections.connectErrors}`],
      ['replies to fuzz connections', fmt(result.replyFrames)],
      ['server crashes', `${crashes}${crash ? ` (${crash})` : ''}`],
      ['server error log lines', `${fmt(errorLines)} (log: ${logFile})`],
      ['well-behaved terminals', `${g.authenticated}/${g.terminals} authenticated; reports sent ${fmt(g.sent)}, acked ${fmt(g.acked)}, nacked ${g.nacked}, timed out ${g.timedOut}`],
      ['well-behaved disconnects', String(g.disconnects)],
      ['well-behaved ACK latency p50 / p99 / max', `${g.ackMs.p50} / ${g.ackMs.p99} / ${g.ackMs.max} ms`],
      ['acknowledged positions stored', `${fmt(acked - missing)} of ${fmt(acked)}${missing ? `: ${fmt(missing)} MISSING` : ' (all)'}`],
      ['positions stored for fuzz terminals', fmt(fuzzStored)],
      ['frames the server decoded (all connections)', fmt(sum('hazway_jt808_frames_received_total'))],
      ['server malformed frames counted', counter('hazway_jt808_malformed_frames_total') || 'n/a'],
      ['server refusals counted', counter('hazway_jt808_refused_total') || 'n/a'],
      ['server after the run', health ? `GET /health ${health.status}` : 'not answering'],
      ['CPU: server process / fuzzer process', `${serverCpu >= 0 ? fmt(serverCpu, 1) : 'n/a'} s / ${fmt((clientCpu.user + clientCpu.system) / 1e6, 1)} s`],
      ['server RSS start / peak / end', `${mib(memStart?.rss)} / ${mib(memPeak)} / ${mib(memEnd?.rss)}`],
    ]);
    const ok = crashes === 0 && g.disconnects === 0 && missing === 0 && g.timedOut === 0 && g.nacked === 0 && g.authenticated === g.terminals && health?.status === 200;
    console.log(`\n${ok ? 'PASS' : 'FAIL'}: crashes ${crashes}, well-behaved disconnects ${g.disconnects}, unacknowledged ${g.timedOut + g.nacked}, acknowledged but missing ${missing}`);
    console.log(JSON.stringify({ fuzzJt808: { flags, framesSent: result.framesSent, seconds: result.seconds, crashes, errorLines, good: { ...g, ackedFixes: undefined }, missing, connections: result.connections } }));
    exitCode = ok ? 0 : 1;
  } catch (e) {
    console.error(e);
  } finally {
    await db.end().catch(() => undefined);
    stopping = true;
    if (!crash) child.send({ kind: 'stop' });
    else log(`the server crashed: its database was not dropped (see ${logFile})`);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
    logStream.end();
  }
  process.exit(exitCode);
}

// CPU seconds of a process (user + system), from /proc; -1 where unavailable.
function readCpu(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return -1;
  }
}

if (process.argv.includes('--server')) await serverMain();
else await fuzzMain(parseFlags(process.argv.slice(2)));
