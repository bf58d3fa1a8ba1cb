import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

// The fault and scale-out scripts of bench/ (bench/faults.ts, bench/scaleout.ts), in short runs: each starts its
// own PostgreSQL (and Redis, nginx), the app as child processes, and JT/T 808 terminals that re-send what was not
// acknowledged; it prints what was sent, acknowledged and stored, and exits 1 when a promise is broken. Built by
// npm test's pretest step (npm run bench:build). The full runs: npm run faults -- <kill|pg|redis>, npm run scaleout.

const DIST = path.resolve(process.cwd(), 'dist', 'bench');
const RUN_MS = 8 * 60_000;
const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;
const withRedis = hasRedisServer ? describe : describe.skip;

function runScript(script: string, args: string[]): Promise<{ code: number | null; output: string; json: Record<string, any> }> {
  const file = path.join(DIST, script);
  if (!existsSync(file)) throw new Error(`${file} is missing: run the tests with npm test (its pretest step runs npm run bench:build)`);
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // Jest's --experimental-vm-modules is not for the scripts
  delete env.DATABASE_URL; // they start their own PostgreSQL and Redis
  delete env.REDIS_URL;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file, ...args, '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.once('exit', (code) => {
      const json: Record<string, any> = {};
      for (const line of output.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          Object.assign(json, JSON.parse(line));
        } catch {
          /* not ours */
        }
      }
      resolve({ code, output, json });
    });
  });
}

// The script's own lines; on a failure also the rest (the exception, the app's last log lines).
const report = (r: { code: number | null; output: string }) =>
  r.code === 0
    ? r.output.split('\n').filter((l) => /^\[\d\d:\d\d:\d\d\]/.test(l)).join('\n')
    : `${r.output.split('\n').filter((l) => /stderr|ERROR|exited/.test(l)).slice(0, 40).join('\n')}\n...\n${r.output.slice(-4000)}`;

describe('faults on the hot path (bench/faults.ts, short runs)', () => {
  it(
    'should store every acknowledged position exactly once when the app is killed with SIGKILL while 200 terminals send',
    async () => {
      const r = await runScript('faults.js', ['kill', '--terminals', '200', '--rate', '2', '--phase', '5']);
      console.log(report(r));
      expect(r.code).toBe(0);
      const { fleet, stored } = r.json.faults;
      expect(stored.acked).toBeGreaterThan(0);
      expect(stored.ackedMissing).toBe(0);
      expect(stored.duplicates).toBe(0);
      expect(fleet.reconnects).toBeGreaterThanOrEqual(200);
      expect(fleet.backlog + fleet.inFlight).toBe(0);
    },
    RUN_MS,
  );

  it(
    'should hold back ACKs while PostgreSQL restarts, with bounded memory, then resume and store every acknowledged position once',
    async () => {
      const r = await runScript('faults.js', ['pg', '--terminals', '100', '--rate', '2', '--phase', '5', '--outage', '6']);
      console.log(report(r));
      expect(r.code).toBe(0);
      const { fleet, stored } = r.json.faults;
      const pg = r.json.pg;
      expect(pg.ackedAtStop).toBeGreaterThan(0);
      // Only commits already on their way when PostgreSQL stopped may still be answered (the script's grace).
      expect(pg.ackedDuring).toBeLessThanOrEqual(200);
      expect(pg.ackedAfterGrace).toBe(0);
      expect(pg.rssDuringMax).toBeLessThan(pg.rssBeforeMax * 1.5);
      expect(pg.alive).toBe(true);
      expect(pg.healthAfter).toBe(200);
      expect(stored.acked).toBeGreaterThan(pg.ackedAtStop);
      expect(stored.ackedMissing).toBe(0);
      expect(stored.duplicates).toBe(0);
      expect(fleet.backlog + fleet.inFlight).toBe(0);
    },
    RUN_MS,
  );
});

withRedis(`faults with Redis${hasRedisServer ? '' : ' (skipped: no redis-server binary on PATH)'}`, () => {
  it(
    'should degrade and recover without a restart when Redis goes away in scale-out mode',
    async () => {
      const r = await runScript('faults.js', ['redis', '--terminals', '50', '--rate', '2', '--phase', '5', '--outage', '6']);
      console.log(report(r));
      expect(r.code).toBe(0);
      const { outage, after, health } = r.json.redis;
      expect(health.a.status).toBe(503);
      expect(outage.acked).toBeGreaterThan(0); // ingest goes on
      expect(outage.a).toBeGreaterThan(0); // watchers of the ingesting process still get positions
      expect(outage.b).toBe(0); // fan-out to the other process pauses
      expect(after.b).toBeGreaterThan(0); // and comes back
    },
    RUN_MS,
  );

  it(
    'should run three processes behind a balancer: spread, watchers see everything, jobs once, a killed process loses nothing',
    async () => {
      const r = await runScript('scaleout.js', ['--terminals', '60', '--phase', '5', '--jobs', '30']);
      console.log(report(r));
      expect(r.code).toBe(0);
      expect(r.json.scaleout.verdict).toEqual({ spreadOk: true, watchersOk: true, jobsOk: true, killOk: true, alarmsOk: true });
    },
    RUN_MS,
  );
});
