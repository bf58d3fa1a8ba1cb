import { z } from 'zod';

// Every environment variable Hazway reads, parsed once at boot. README "Configuration" documents each one;
// keep the two in step.
const byteSize = z
  .string()
  .regex(/^\d+(b|kb|mb)?$/i, 'must be a size such as 512kb or 1mb')
  .transform((v) => {
    const m = /^(\d+)(b|kb|mb)?$/i.exec(v)!;
    const unit = (m[2] ?? 'b').toLowerCase();
    return Number(m[1]) * (unit === 'mb' ? 1024 * 1024 : unit === 'kb' ? 1024 : 1);
  });

// Live positions are collected for this long before one push to the watchers (LIVE_FLUSH_MS). 50 rather than 100:
// bench:ingest at 22,000 positions/s, three interleaved pairs, watcher p50 73-93 against 111-149 ms, p99 lower in two
// of three, no difference in CPU per position (bench/README.md, session 7).
export const LIVE_FLUSH_DEFAULT_MS = 50;

// Connections of a process's main pool (DATABASE_POOL_SIZE). Under WORKERS=N, unless set, the workers share it
// (workerPoolSize in src/cluster.ts).
export const DATABASE_POOL_SIZE_DEFAULT = 20;

const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL');
const redisUrl = z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL');

export const PROCESS_ROLES = ['api', 'ingest', 'worker'] as const;
export type ProcessRole = (typeof PROCESS_ROLES)[number];

export const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.url().optional(),
  ROLES: z
    .string()
    .default('api,ingest,worker')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.enum(PROCESS_ROLES)).min(1, 'must name at least one of api, ingest, worker')),
  // Processes `npm start` runs (node:cluster, sharing PORT and TERMINAL_PORT): 1 by default; more needs REDIS_URL.
  WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(DATABASE_POOL_SIZE_DEFAULT),
  // Named prepared statements per pool connection (src/database/named-statements.ts); false behind a pooler in
  // transaction mode.
  DATABASE_NAMED_STATEMENTS: z.stringbool().default(true),
  EMBEDDED_PG_DIR: z.string().min(1).optional(),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  REDIS_URL: redisUrl.optional(),
  QUEUE_PREFIX: z.string().regex(/^[a-z][a-z0-9_]*$/, 'lower-case letters, digits and _').default('hazway'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT: byteSize.default(1024 * 1024),
  AUTH_TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  AUTH_TOKEN_TTL: z.coerce.number().int().min(60).max(30 * 24 * 3600).default(12 * 3600),
  AUTH_MAX_FAILED_LOGINS: z.coerce.number().int().min(1).max(1000).default(10),
  AUTH_LOCKOUT_SECONDS: z.coerce.number().int().min(1).default(15 * 60),
  ADMIN_USERNAME: z.string().regex(/^[a-z0-9_.-]{3,64}$/).default('admin'),
  ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  // Largest gate photo (loading checks) accepted.
  PHOTO_MAX_BYTES: byteSize.default(5 * 1024 * 1024),
  // How long a credential's principal (session or API key, user, organisation) is remembered between requests;
  // 0: read from the database on every request (src/accounts/principal-cache.ts).
  PRINCIPAL_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  // Positions (src/tracking/positions): months kept, partitions made ahead, batching and back-pressure.
  POSITIONS_RETENTION_MONTHS: z.coerce.number().int().min(1).max(120).default(6),
  POSITIONS_PARTITIONS_AHEAD: z.coerce.number().int().min(1).max(24).default(3),
  POSITIONS_BATCH_ROWS: z.coerce.number().int().min(1).max(50_000).default(2000),
  POSITIONS_BATCH_DELAY_MS: z.coerce.number().int().min(0).max(5000).default(5),
  POSITIONS_MAX_PENDING_ROWS: z.coerce.number().int().min(100).max(5_000_000).default(50_000),
  POSITIONS_ADMISSION_MS: z.coerce.number().int().min(0).max(60_000).default(2000),
  POSITIONS_WRITE_CONNECTIONS: z.coerce.number().int().min(1).max(16).default(2),
  // Live positions (src/tracking/live/live-positions.ts): collected for this long before one push to the watchers (a
  // live map redraws a few times a second at most, and a flush costs one emit per watched room whatever it holds).
  LIVE_FLUSH_MS: z.coerce.number().int().min(10).max(5000).default(LIVE_FLUSH_DEFAULT_MS),
  // Web console map (src/console/): a raster tile server URL template ({z}/{x}/{y}) drawn under the built-in
  // outlines when set, and its attribution. Unset: the built-in country and province outlines only (no internet).
  MAP_TILE_URL: z
    .string()
    .regex(/^https?:\/\/\S+$/, 'must be an http(s) URL template such as https://tiles.example.cn/{z}/{x}/{y}.png')
    .refine((v) => v.includes('{z}') && v.includes('{x}') && v.includes('{y}'), 'must contain {z}, {x} and {y}')
    .optional(),
  MAP_TILE_ATTRIBUTION: z.string().max(300).optional(),
  TERMINAL_PORT: z.coerce.number().int().min(0).max(65535).default(7808),
  // JT/T 808 connections with no valid frame for this long are closed (terminals heartbeat every 60 s by default).
  TERMINAL_IDLE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(180),
  // A subpackaged (分包) JT/T 808 message with no new package for this long is asked for its missing packages
  // (0x8003), and dropped if still incomplete as long again.
  TERMINAL_SUBPACKAGE_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3_600).default(30),
  // Webhooks (src/notifications/): per-attempt timeout, attempts before a delivery is 'dead', and the first
  // retry delay, doubled on each further retry (30 s, 1 min, 2 min, ... about 1 h over the default 8 attempts).
  // How often each process checks the credentials of its open /watch sockets again (revocations reach them at once).
  WATCH_REAUTH_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  // Webhooks to loopback, private, link-local or local-name hosts are refused unless this is true (a receiver on the
  // same host or network, tests); WEBHOOK_ALLOWED_HOSTS names hosts allowed anyway (comma-separated).
  WEBHOOK_ALLOW_PRIVATE: z.stringbool().default(false),
  WEBHOOK_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((h) => h.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1')).filter(Boolean)),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(25).default(8),
  WEBHOOK_BACKOFF_MS: z.coerce.number().int().min(1).max(3_600_000).default(30_000),
  // Monitoring (src/monitoring/): an unacknowledged critical alarm escalates after this long; per-vehicle rule state
  // is written behind every MONITOR_STATE_FLUSH_MS; clock rules (offline, ETA, expiries) run every
  // MONITOR_CLOCK_EVERY_MS; SMS_CHANNEL picks the SMS sender ('log' writes the message to the log, 'none' drops it).
  MONITOR_ESCALATION_DELAY_MS: z.coerce.number().int().min(1).max(86_400_000).default(10 * 60_000),
  MONITOR_STATE_FLUSH_MS: z.coerce.number().int().min(10).max(600_000).default(5_000),
  MONITOR_CLOCK_EVERY_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  SMS_CHANNEL: z.enum(['log', 'none']).default('log'),
  // false: positions are not evaluated at all (benchmarks comparing rules on and off).
  MONITOR_ENABLED: z.stringbool().default(true),
  // Rule thresholds (src/monitoring/rules/monitor-config.ts), as JSON merged into the defaults, e.g.
  // {"corridor":{"widthM":800},"offline":{"steps":[...]}}.
  MONITOR_CONFIG: z
    .string()
    .transform((s, ctx) => {
      try {
        const v: unknown = JSON.parse(s);
        if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
      return z.NEVER;
    })
    .optional(),
});

export type Env = z.infer<typeof EnvSchema>;

export class EnvError extends Error {
  constructor(readonly issues: { key: string; message: string }[]) {
    super(
      'Invalid configuration:\n' +
        issues.map((i) => `  ${i.key}: ${i.message}`).join('\n') +
        '\nSee README.md, section Configuration.',
    );
  }
}

// Empty strings count as unset, as shells and compose files often export KEY= for "nothing".
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const cleaned = Object.fromEntries(
    Object.keys(EnvSchema.shape)
      .map((k) => [k, source[k]] as const)
      .filter(([, v]) => v !== undefined && v !== ''),
  );
  const result = EnvSchema.safeParse(cleaned);
  if (!result.success) {
    throw new EnvError(
      result.error.issues.map((i) => ({ key: String(i.path[0] ?? '?'), message: i.message })),
    );
  }
  return result.data;
}

// For the processes `npm start` runs: an invalid configuration is printed (every problem, one a line) and ends the
// process with code 1.
export function loadEnvOrExit(source: NodeJS.ProcessEnv = process.env): Env {
  try {
    return loadEnv(source);
  } catch (e) {
    if (e instanceof EnvError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
}

export const ENV = Symbol('ENV');
