import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EnvSchema } from '../../src/config/env.js';

// `node dist/main.js` (built by npm test's pretest step) as a person runs it, with only the Hazway settings given:
// none of the caller's (DATABASE_URL, REDIS_URL, ...) leak in. Every wait is on an event (a log line, an exit),
// bounded.

export const MAIN = path.resolve(process.cwd(), 'dist', 'main.js');
export const STEP_MS = 60_000;

export type ServerProcess = {
  child: ChildProcess;
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLog: (needle: string, ms?: number) => Promise<string>;
  output: () => string;
};

// A log line's message (pino JSON), or the line itself.
export function logMessage(line: string): string {
  try {
    const msg = (JSON.parse(line) as { msg?: unknown }).msg;
    return typeof msg === 'string' ? msg : line;
  } catch {
    return line;
  }
}

export function spawnServer(settings: Record<string, string>): ServerProcess {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(EnvSchema.shape)) delete env[key];
  delete env.NODE_OPTIONS; // Jest's --experimental-vm-modules is not for the server
  Object.assign(env, { NODE_ENV: 'production', HOST: '127.0.0.1', LOG_LEVEL: 'info' }, settings);
  const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  const waiters = new Set<{ needle: string; resolve: (line: string) => void }>();
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      for (const w of waiters) {
        if (logMessage(line).includes(w.needle)) {
          waiters.delete(w);
          w.resolve(line);
        }
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const output = () => `--- stdout ---\n${lines.join('\n')}${partial}\n--- stderr ---\n${stderr}`;
  const waitForLog = (needle: string, ms = STEP_MS) => {
    const seen = lines.find((l) => logMessage(l).includes(needle));
    if (seen) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      const w = { needle, resolve: (line: string) => (clearTimeout(timer), resolve(line)) };
      const timer = setTimeout(() => {
        waiters.delete(w);
        reject(new Error(`no log line with "${needle}" within ${ms} ms\n${output()}`));
      }, ms);
      waiters.add(w);
      void exited.then(({ code, signal }) => {
        if (!waiters.delete(w)) return;
        clearTimeout(timer);
        reject(new Error(`server exited (code ${code}, signal ${signal}) before logging "${needle}"\n${output()}`));
      });
    });
  };
  return { child, lines, exited, waitForLog, output };
}

export async function bounded<T>(what: string, p: Promise<T>, ms = STEP_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

// Is the process running? An exited orphan stays a zombie until PID 1 reaps it, which may take a while: gone.
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
