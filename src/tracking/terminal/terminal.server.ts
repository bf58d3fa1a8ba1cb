import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { ENV, type Env } from '../../config/env.js';
import { HealthService } from '../../ops/health.service.js';
import { MetricsService } from '../../ops/metrics.service.js';
import { PositionsService } from '../positions/positions.service.js';
import { DEFAULT_SESSION_LIMITS, Jt808Session, type SessionHost, type SessionLimits } from './jt808-session.js';
import { PgTerminalDirectory, type TerminalDirectory } from './terminal-directory.js';
import { TerminalMetrics } from './terminal.metrics.js';

// last_seen_at is written at most this often per terminal, for all terminals in one statement.
const SEEN_INTERVAL_MS = 30_000;
// How long shutdown waits for reports already read to be stored and answered.
const SHUTDOWN_DRAIN_MS = 10_000;
// After socket.end(), how long a terminal gets to close its side before the socket is destroyed.
const SHUTDOWN_END_MS = 2_000;

// The JT/T 808 TCP server (ROLES includes 'ingest'): a plain node:net server on TERMINAL_PORT (STYLE.md 3: Nest's
// microservice TCP transport has its own framing, not a device protocol). It owns the sockets and what all
// connections share: back-pressure from the position writer, idle detection, last_seen_at, metrics and health.
// What happens on one connection is in jt808-session.ts; the codec is pure and lives in jt808/.
//
// Memory per connection is the socket, a session of a dozen fields and a 1.1 kB frame buffer: idle detection is one
// sweep over all sessions, not a timer per socket.
@Injectable()
export class TerminalServer implements OnApplicationBootstrap, OnModuleDestroy, SessionHost {
  readonly logger = new Logger('Jt808');
  readonly directory: TerminalDirectory;
  readonly metrics: TerminalMetrics;
  readonly limits: SessionLimits;
  // The bound port once listening (TERMINAL_PORT may be 0), null when this process does not ingest.
  port: number | null = null;

  private server?: net.Server;
  private readonly sessions = new Set<Jt808Session>();
  private authenticatedCount = 0;
  // Times reading was paused because position writes were behind (also hazway_jt808_reading_pauses_total).
  readingPauses = 0;
  private saturated = false;
  private stopping = false;
  // performance.now() when reading last resumed after back-pressure: sessions held that long are not idle.
  private resumedAt = 0;
  private connectionSeq = 0;
  private sweepTimer?: NodeJS.Timeout;
  private unsubscribeBackpressure?: () => void;
  private seenPending = new Map<string, Date>();
  private flushing?: Promise<void>;
  private readonly idleMs: number;
  private readonly subpackageTimeoutMs: number;

  constructor(
    @Inject(ENV) private readonly env: Env,
    readonly positions: PositionsService,
    ds: DataSource,
    @Optional() metrics?: MetricsService,
    @Optional() health?: HealthService,
  ) {
    this.directory = new PgTerminalDirectory((sql, params) => ds.query(sql, params));
    this.idleMs = env.TERMINAL_IDLE_SECONDS * 1000;
    this.subpackageTimeoutMs = env.TERMINAL_SUBPACKAGE_TIMEOUT_SECONDS * 1000;
    this.limits = { ...DEFAULT_SESSION_LIMITS, subpackages: { ...DEFAULT_SESSION_LIMITS.subpackages, timeoutMs: this.subpackageTimeoutMs } };
    this.metrics = new TerminalMetrics(metrics, {
      connections: () => this.sessions.size,
      authenticated: () => this.authenticatedCount,
      paused: () => this.saturated,
    });
    if (this.enabled) {
      health?.register({
        name: 'terminals',
        check: async () => ({
          status: this.port !== null && !this.stopping ? 'up' : 'down',
          listening: this.port !== null && !this.stopping,
          port: this.port,
          connections: this.sessions.size,
          sessions: this.authenticatedCount,
          readingPaused: this.saturated,
        }),
      });
    }
  }

  get enabled(): boolean {
    return this.env.ROLES.includes('ingest');
  }

  get holdReading(): boolean {
    return this.saturated || this.stopping;
  }

  get connections(): number {
    return this.sessions.size;
  }

  get authenticatedSessions(): number {
    return this.authenticatedCount;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.enabled) return;
    const server = net.createServer({ noDelay: true, keepAlive: true, keepAliveInitialDelay: 60_000 }, (socket) => this.accept(socket));
    server.on('error', (e) => this.logger.error(`JT/T 808 server error: ${e.message}`));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.env.TERMINAL_PORT, this.env.HOST, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.port = (server.address() as net.AddressInfo).port;
    this.saturated = this.positions.isSaturated;
    this.unsubscribeBackpressure = this.positions.onBackpressure((saturated) => this.onBackpressure(saturated));
    // A quarter of the idle time, between 0.25 and 5 s: idle connections close within 25 % of TERMINAL_IDLE_SECONDS
    // (and stalled subpackaged messages are asked for within 25 % of TERMINAL_SUBPACKAGE_TIMEOUT_SECONDS).
    const sweepMs = Math.min(5_000, Math.max(250, Math.floor(Math.min(this.idleMs, this.subpackageTimeoutMs) / 4)));
    this.sweepTimer = setInterval(() => this.sweep(), sweepMs);
    this.sweepTimer.unref();
    this.logger.log(`JT/T 808 server listening on ${this.env.HOST}:${this.port} (idle timeout ${this.env.TERMINAL_IDLE_SECONDS} s)`);
  }

  // Stop accepting, stop reading, let the reports already read be stored and answered, then end the connections.
  // Runs before PositionsService closes its writer (this module is destroyed first), so those writes still go out.
  async onModuleDestroy(): Promise<void> {
    const server = this.server;
    if (!server || this.stopping) return;
    this.stopping = true;
    clearInterval(this.sweepTimer);
    this.unsubscribeBackpressure?.();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Paused, not closed: the frames already read are still handled and answered.
    for (const s of this.sessions) s.updateFlow();
    const deadline = performance.now() + SHUTDOWN_DRAIN_MS;
    while (this.pendingFrames() > 0 && performance.now() < deadline) await sleep(20);
    const unanswered = this.pendingFrames();
    if (unanswered > 0) this.logger.warn(`closing with ${unanswered} JT/T 808 frames unanswered: their terminals will re-send`);
    for (const s of this.sessions) s.close('shutting down');
    const force = setTimeout(() => {
      for (const s of this.sessions) s.socket.destroy();
    }, SHUTDOWN_END_MS);
    await closed;
    clearTimeout(force);
    await this.flushSeen();
    this.port = null;
    this.logger.log('JT/T 808 server closed');
  }

  // ------------------------------------------------------------------------------------------- SessionHost

  authenticated(_session: Jt808Session, on: boolean): void {
    this.authenticatedCount += on ? 1 : -1;
  }

  seen(session: Jt808Session): void {
    const now = performance.now();
    if (now - session.seenReportedAt < SEEN_INTERVAL_MS || !session.terminalId) return;
    session.seenReportedAt = now;
    this.seenPending.set(session.terminalId, new Date());
  }

  // ------------------------------------------------------------------------------------------- connections

  private accept(socket: net.Socket): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const session = new Jt808Session(socket, this, ++this.connectionSeq, `${socket.remoteAddress}:${socket.remotePort}`);
    this.sessions.add(session);
    socket.on('data', (chunk: Buffer) => session.onData(chunk));
    // Resets and timeouts are normal for vehicles on mobile networks: logged at debug, never thrown.
    socket.on('error', (e) => this.logger.debug(`jt808 #${session.id}: socket error: ${e.message}`));
    socket.on('close', () => {
      this.sessions.delete(session);
      session.onClose();
    });
    session.updateFlow();
  }

  private onBackpressure(saturated: boolean): void {
    if (saturated === this.saturated) return;
    this.saturated = saturated;
    if (saturated) {
      this.readingPauses++;
      this.metrics.readingPaused();
    }
    else this.resumedAt = performance.now();
    // Debug only: under overload this happens a few times a second (PositionsService logs it, rate-limited).
    this.logger.debug(saturated ? 'position writes are behind: pausing JT/T 808 reads' : 'position writes caught up: resuming JT/T 808 reads');
    if (saturated) {
      for (const s of this.sessions) s.updateFlow();
      return;
    }
    // Resumed in the order they were last heard from, longest first: sockets are read again in the order they are
    // resumed, and reading pauses again once the limit is reached, so resuming in one fixed order would serve the
    // same terminals first on every cycle and leave the others unread until their reports time out.
    const order = [...this.sessions].sort((a, b) => a.lastFrameAt - b.lastFrameAt);
    for (const s of order) s.updateFlow();
  }

  private pendingFrames(): number {
    let n = 0;
    for (const s of this.sessions) n += s.pending;
    return n;
  }

  // One pass over all connections: close the idle ones, ask for the missing packages of stalled subpackaged
  // messages, and write last_seen_at for the terminals heard from.
  private sweep(): void {
    if (this.stopping) return;
    if (!this.saturated) {
      const now = performance.now();
      const cutoff = now - this.idleMs;
      // Packages held in socket buffers by back-pressure are not missing: a full timeout of reading first.
      const subpackages = this.readingPauses === 0 || now - this.resumedAt >= this.subpackageTimeoutMs;
      for (const s of this.sessions) {
        if (subpackages && !s.paused) {
          try {
            s.sweepSubpackages(now);
          } catch (e) {
            // A bug here must not stop the sweep for everyone (nor escape the interval and end the process).
            this.logger.error(`jt808 #${s.id}: subpackage sweep failed: ${(e as Error).message}`);
          }
        }
        // A connection waiting for its writes, or held by back-pressure, is not idle.
        if (s.pending > 0 || s.closing || Math.max(s.lastFrameAt, this.resumedAt) > cutoff) continue;
        this.metrics.idle();
        s.close(`nothing received for ${this.env.TERMINAL_IDLE_SECONDS} s`);
      }
    }
    void this.flushSeen();
  }

  // Writes last_seen_at, and closes sessions whose terminal changed since they authenticated: retired, moved to
  // another vehicle, or its auth code cleared (fleet.service.ts clears it when the vehicle or number changes).
  private flushSeen(): Promise<void> {
    if (this.flushing || this.seenPending.size === 0) return this.flushing ?? Promise.resolve();
    const batch = this.seenPending;
    this.seenPending = new Map();
    this.flushing = this.directory
      .touch(batch)
      .then((states) => {
        const current = new Map(states.map((s) => [s.id, s]));
        for (const s of this.sessions) {
          if (!s.terminalId || !batch.has(s.terminalId)) continue;
          const state = current.get(s.terminalId);
          if (!state || !state.active || !state.hasAuthCode || state.vehicleId !== s.vehicleId) {
            this.logger.log(`jt808 #${s.id} ${s.phone}: terminal record changed, closing the session (it must register again)`);
            s.close('terminal record changed');
          }
        }
      })
      .catch((e: Error) => {
        // Kept for the next sweep (newer times win).
        for (const [id, at] of batch) if (!this.seenPending.has(id)) this.seenPending.set(id, at);
        this.logger.warn(`last_seen_at not written for ${batch.size} terminals: ${e.message}`);
      })
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
