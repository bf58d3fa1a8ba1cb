import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/net.js';
import { alive, bounded, MAIN, spawnServer, STEP_MS, type ServerProcess } from '../helpers/server-process.js';

// The real thing, as a person runs it: `node dist/main.js` (built by npm test's pretest step) with
// DATABASE_URL unset, so it starts, keeps and stops its own embedded PostgreSQL (DESIGN.md "Embedded
// PostgreSQL"). Every wait is on an event (a log line, an exit, a port), bounded by STEP_MS.

const TEST_MS = 3 * STEP_MS;
const ADMIN_PASSWORD = 'process-test-admin-password';

let parent: string;
let dataDir: string;
let pgPort: number;
let httpPort: number;
const started: ServerProcess[] = [];

function startServer(): ServerProcess {
  const server = spawnServer({
    PORT: String(httpPort),
    EMBEDDED_PG_DIR: dataDir,
    EMBEDDED_PG_PORT: String(pgPort),
    ADMIN_PASSWORD,
    TERMINAL_PORT: '0',
  });
  started.push(server);
  return server;
}

async function stopWithSigint(server: ServerProcess) {
  server.child.kill('SIGINT');
  const result = await bounded('exit after SIGINT', server.exited).catch((e: Error) => {
    throw new Error(`${e.message}\n${server.output()}`);
  });
  expect(result).toEqual({ code: 0, signal: null });
}

// Does anything accept TCP connections on 127.0.0.1:port?
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(5_000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

function postmasterPid(): number | undefined {
  const file = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return pid > 0 ? pid : undefined;
}

async function api(method: string, route: string, token?: string, body?: unknown) {
  const res = await fetch(`http://127.0.0.1:${httpPort}${route}`, {
    method,
    headers: { ...(body ? { 'Content-Type': 'application/json' } : {}), ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, body: json as any };
}

async function adminToken(): Promise<string> {
  const res = await api('POST', '/auth/login', undefined, { username: 'admin', password: ADMIN_PASSWORD });
  expect(res.status).toBe(200);
  expect(typeof res.body.accessToken).toBe('string');
  return res.body.accessToken as string;
}

async function organisationNames(token: string): Promise<string[]> {
  const res = await api('GET', '/organisations?limit=200', token);
  expect(res.status).toBe(200);
  const items = (Array.isArray(res.body) ? res.body : res.body.items) as { name: string }[];
  return items.map((o) => o.name);
}

describe('the server process (node dist/main.js) on its embedded PostgreSQL', () => {
  const ORG = '测试托运';

  beforeAll(async () => {
    // Under the OS temp folder, mode 0755: as root, PostgreSQL runs as OS user postgres, who must traverse it.
    parent = mkdtempSync(path.join(tmpdir(), 'hazway-proc-'));
    chmodSync(parent, 0o755);
    dataDir = path.join(parent, 'pg');
    pgPort = await freePort();
    httpPort = await freePort();
    while (httpPort === pgPort) httpPort = await freePort();
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run the tests with npm test, which builds first`);
  });

  afterAll(async () => {
    // Whatever happened above: no server, no PostgreSQL and no data dir outlive the test.
    for (const s of started) {
      if (s.child.exitCode === null && s.child.signalCode === null) {
        s.child.kill('SIGKILL');
        await bounded('exit after SIGKILL', s.exited, 10_000).catch(() => undefined);
      }
    }
    const pid = dataDir ? postmasterPid() : undefined;
    if (pid && alive(pid)) {
      process.kill(pid, 'SIGINT');
      const until = Date.now() + 20_000;
      while (alive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    if (parent) rmSync(parent, { recursive: true, force: true });
  }, TEST_MS);

  it(
    'should boot from an empty data dir, sign in and create an organisation',
    async () => {
      const server = startServer();
      await server.waitForLog('initialising a new PostgreSQL cluster');
      await server.waitForLog('Hazway is running');
      expect(existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(true);

      const health = await api('GET', '/health');
      expect(health.status).toBe(200);

      const token = await adminToken();
      const created = await api('POST', '/organisations', token, { kind: 'shipper', name: ORG, regionCode: '150102' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ kind: 'shipper', name: ORG, regionCode: '150102' });
      expect(await organisationNames(token)).toContain(ORG);
    },
    TEST_MS,
  );

  it(
    'should exit with code 0 on SIGINT and stop its PostgreSQL',
    async () => {
      const server = started.at(-1)!;
      expect(await accepts(pgPort)).toBe(true);
      await stopWithSigint(server);
      expect(server.output()).toContain('SIGINT received: shutting down');
      expect(await accepts(pgPort)).toBe(false);
      expect(await accepts(httpPort)).toBe(false);
      expect(postmasterPid()).toBeUndefined(); // a clean shutdown removes postmaster.pid
    },
    TEST_MS,
  );

  it(
    'should keep its data across a restart on the same data dir',
    async () => {
      const server = startServer();
      await server.waitForLog('Hazway is running');
      expect(server.output()).not.toContain('initialising a new PostgreSQL cluster');
      expect(await organisationNames(await adminToken())).toContain(ORG);
    },
    TEST_MS,
  );

  it(
    'should recover after being killed with SIGKILL, stopping the PostgreSQL the killed process left',
    async () => {
      const killed = started.at(-1)!;
      const stale = postmasterPid();
      expect(stale).toBeDefined();
      killed.child.kill('SIGKILL');
      expect(await bounded('exit after SIGKILL', killed.exited)).toEqual({ code: null, signal: 'SIGKILL' });
      // Its PostgreSQL is an orphan now, still holding the data dir and the port.
      expect(alive(stale!)).toBe(true);
      expect(await accepts(pgPort)).toBe(true);

      const server = startServer();
      await server.waitForLog(`stopping a PostgreSQL left running by an earlier process (pid ${stale})`);
      await server.waitForLog('Hazway is running');
      expect(alive(stale!)).toBe(false);
      expect(postmasterPid()).not.toBe(stale);
      expect(await organisationNames(await adminToken())).toContain(ORG);

      await stopWithSigint(server);
      expect(await accepts(pgPort)).toBe(false);
    },
    TEST_MS,
  );
});
