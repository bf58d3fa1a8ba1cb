import http from 'node:http';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { freePort } from '../helpers/net.js';
import { deleteQueueKeys } from '../../src/queue/queue.backend.js';
import { describeWithRedis, redisUrl } from '../helpers/redis.js';
import { alive, bounded, logMessage, spawnServer, STEP_MS, type ServerProcess } from '../helpers/server-process.js';

// `npm start` with WORKERS=2 (src/cluster.ts): one primary, two app processes sharing the HTTP port.

const TEST_MS = 3 * STEP_MS;

// One request on a connection of its own (no keep-alive), so that the kernel hands each one to a worker afresh.
function get(port: number, route: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: route, agent: false, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

// The aggregated count of GET /health answered 200, from /metrics.
async function healthCount(port: number): Promise<number> {
  const { status, body } = await get(port, '/metrics');
  expect(status).toBe(200);
  const line = body.split('\n').find((l) => l.startsWith('hazway_http_request_duration_seconds_count{') && l.includes('route="/health"') && l.includes('status="200"'));
  return line ? Number(line.split(' ').pop()) : 0;
}

const workerPids = (server: ServerProcess) =>
  server.lines.map((l) => /^worker \d+ \(pid (\d+)\) is serving$/.exec(logMessage(l))?.[1]).filter((p): p is string => !!p).map(Number);

describe('WORKERS > 1 without REDIS_URL', () => {
  it('should refuse to start, saying why', async () => {
    const server = spawnServer({ WORKERS: '2', DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', PORT: String(await freePort()) });
    expect(await bounded('exit', server.exited)).toEqual({ code: 1, signal: null });
    expect(server.output()).toContain('WORKERS=2 needs REDIS_URL');
  });
});

describeWithRedis('npm start with WORKERS=2', () => {
  let db: TestDatabase;
  let port: number;
  let server: ServerProcess;

  beforeAll(async () => {
    db = await createTestDatabase();
    port = await freePort();
    server = spawnServer({
      WORKERS: '2',
      DATABASE_URL: db.url,
      REDIS_URL: redisUrl!,
      QUEUE_PREFIX: `${db.name.replace(/^hz_/, 'c_')}`,
      PORT: String(port),
      TERMINAL_PORT: String(await freePort()),
      ADMIN_PASSWORD: 'cluster-test-admin-password',
    });
    await server.waitForLog('Hazway is running');
  }, TEST_MS);

  afterAll(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
      for (const pid of workerPids(server)) if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    await db?.drop();
    if (db) await deleteQueueKeys(redisUrl!, db.name.replace(/^hz_/, 'c_'));
  }, TEST_MS);

  it('should say where to open it once, after both workers serve', async () => {
    const running = server.lines.filter((l) => logMessage(l).startsWith('Hazway is running'));
    expect(running).toHaveLength(1);
    expect(logMessage(running[0]!)).toContain(`http://localhost:${port}`);
    expect(logMessage(running[0]!)).toContain('2 worker processes');
    const pids = workerPids(server);
    expect(pids).toHaveLength(2);
    expect(new Set([...pids, server.child.pid])).toHaveProperty('size', 3);
  });

  it('should answer /metrics for both workers together', async () => {
    const before = await healthCount(port);
    for (let i = 0; i < 20; i++) expect((await get(port, '/health')).status).toBe(200);
    // Each /metrics scrape sums both registries: every one of the 20 requests counts, whichever worker answered.
    expect(await healthCount(port)).toBe(before + 20);
  });

  it('should replace a worker that dies, and go on answering meanwhile', async () => {
    const [victim] = workerPids(server);
    process.kill(victim!, 'SIGKILL');
    await server.waitForLog(`(pid ${victim}) exited (code null, signal SIGKILL): starting another`);
    for (let i = 0; i < 10; i++) expect((await get(port, '/health')).status).toBe(200);
    await bounded('a third worker', (async () => {
      while (workerPids(server).length < 3) await new Promise((r) => setTimeout(r, 100));
    })());
    expect(alive(workerPids(server)[2]!)).toBe(true);
  }, TEST_MS);

  it('should stop every worker and exit 0 on SIGTERM', async () => {
    const pids = workerPids(server).filter(alive);
    expect(pids).toHaveLength(2);
    server.child.kill('SIGTERM');
    expect(await bounded('exit after SIGTERM', server.exited)).toEqual({ code: 0, signal: null });
    expect(pids.filter(alive)).toEqual([]);
    await expect(get(port, '/health')).rejects.toThrow(/ECONNREFUSED/);
  }, TEST_MS);
});
