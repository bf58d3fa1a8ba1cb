import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import pg from 'pg';
import type { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import { ENV, type Env } from '../../config/env.js';
import { HealthService } from '../../ops/health.service.js';
import { MetricsService } from '../../ops/metrics.service.js';
import { checkPlausibility, qualityFlags, type PlausibilityState } from './plausibility.rules.js';
import { fromInt32, positionRowProblem, type DriverSignIn, type PositionRecord, type PositionRow } from './position.js';
import { PgPositionStore } from './position-store.js';
import { PositionRejectedError, PositionWriter } from './position-writer.js';
import { POSITIONS_CONFIG, positionsConfig, type PositionsConfig, type PositionsConfigOverrides } from './positions.config.js';
import { WaybillLinks } from './waybill-links.js';

export type IngestResult = { stored: number; duplicates: number; flagged: number };

// A stored position that is new, clean, not back-filled and newer than anything already forwarded for its vehicle:
// what live monitoring (alarm rules, the live map) gets.
export type LivePosition = PositionRecord & { waybillId: string | null };
export type LiveListener = (positions: LivePosition[]) => void;

export type LatestPosition = {
  vehicleId: string;
  fixTime: Date;
  lat: number;
  lon: number;
  speedKmh: number;
  course: number;
  alarmBits: number;
  statusBits: number;
  waybillId: string | null;
  receivedAt: Date;
};

export type TrackPoint = {
  vehicleId: string;
  fixTime: Date;
  lat: number;
  lon: number;
  speedKmh: number;
  course: number;
  altitudeM: number;
  alarmBits: number;
  statusBits: number;
  mileageKm: number | null;
  quality: number;
  backfill: boolean;
  waybillId: string | null;
  receivedAt: Date;
};

export type TrackSubject = { vehicleId: string } | { waybillId: string };
export type TrackOptions = { includeFlagged?: boolean; limit?: number };

export type PartitionChange = { action: 'created' | 'created-with-rows' | 'dropped'; partition: string };

const TRACK_LIMIT = 100_000;

type LatestRow = {
  vehicle_id: string;
  fix_time: Date;
  lat: number;
  lon: number;
  speed_kmh: number;
  course: number;
  alarm_bits: number;
  status_bits: number;
  waybill_id: string | null;
  received_at: Date;
};
type TrackRow = LatestRow & { altitude_m: number; mileage_km: number | null; quality: number; backfill: boolean };

const latestFromRow = (r: LatestRow): LatestPosition => ({
  vehicleId: r.vehicle_id,
  fixTime: r.fix_time,
  lat: r.lat,
  lon: r.lon,
  speedKmh: r.speed_kmh,
  course: r.course,
  alarmBits: fromInt32(r.alarm_bits),
  statusBits: fromInt32(r.status_bits),
  waybillId: r.waybill_id,
  receivedAt: r.received_at,
});

// The record with what the pipeline found, as one object literal of a fixed shape (a spread of the record cost a
// dictionary-mode copy per position). Optional fields the record lacks stay absent.
function toRow(r: PositionRecord, quality: number, waybillId: string | null): PositionRow {
  const row: PositionRow = {
    vehicleId: r.vehicleId,
    terminalId: r.terminalId,
    fixTime: r.fixTime,
    receivedAt: r.receivedAt,
    lat: r.lat,
    lon: r.lon,
    speedKmh: r.speedKmh,
    course: r.course,
    altitudeM: r.altitudeM,
    alarmBits: r.alarmBits,
    statusBits: r.statusBits,
    source: r.source,
    backfill: r.backfill,
    quality,
    waybillId,
  };
  if (r.mileageKm !== undefined) row.mileageKm = r.mileageKm;
  if (r.extra !== undefined) row.extra = r.extra;
  return row;
}

// What live listeners get: the record and its waybill, without the quality (always 0 there).
function toLive(r: PositionRow): LivePosition {
  const live: LivePosition = {
    vehicleId: r.vehicleId,
    terminalId: r.terminalId,
    fixTime: r.fixTime,
    receivedAt: r.receivedAt,
    lat: r.lat,
    lon: r.lon,
    speedKmh: r.speedKmh,
    course: r.course,
    altitudeM: r.altitudeM,
    alarmBits: r.alarmBits,
    statusBits: r.statusBits,
    source: r.source,
    backfill: r.backfill,
    waybillId: r.waybillId ?? null,
  };
  if (r.mileageKm !== undefined) live.mileageKm = r.mileageKm;
  if (r.extra !== undefined) live.extra = r.extra;
  return live;
}

const LATEST_COLUMNS = 'vehicle_id, fix_time, lat, lon, speed_kmh, course, alarm_bits, status_bits, waybill_id, received_at';
const TRACK_COLUMNS = `${LATEST_COLUMNS}, altitude_m, mileage_km, quality, backfill`;

// Positions: ingest (plausibility -> waybill link -> batched durable write), latest positions and tracks, and the
// monthly partitions of the positions table.
//
// The writer has a pg.Pool of its own (maxConcurrentBatches connections, from DATABASE_URL) rather than the
// TypeORM pool: a burst of positions then cannot take the connections the API needs, a slow report query cannot
// delay a terminal's ACK, and while the database is away the writer's retries hold two connections, not twenty.
// It also gets its own statement_timeout and application_name ('hazway-positions', visible in pg_stat_activity).
// Reads and partition maintenance are ordinary queries and use the TypeORM DataSource.
@Injectable()
export class PositionsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Positions');
  readonly config: PositionsConfig;
  private readonly pool: pg.Pool;
  private readonly writer: PositionWriter;
  private readonly links: WaybillLinks;
  private readonly plausibility = new Map<string, PlausibilityState>();
  private readonly lastLive = new Map<string, number>();
  private readonly listeners = new Set<LiveListener>();
  private readonly driverListeners = new Set<(signIn: DriverSignIn) => void>();
  private readonly historyListeners = new Set<LiveListener>();
  private readonly flaggedCounter?: Counter<'flag'>;
  private maintenanceTimer?: NodeJS.Timeout;
  private linksStarted?: Promise<void>;
  private linksReady = false;

  constructor(
    private readonly ds: DataSource,
    @Inject(ENV) env: Env,
    @Optional() metrics?: MetricsService,
    @Optional() health?: HealthService,
    @Optional() @Inject(POSITIONS_CONFIG) overrides?: PositionsConfigOverrides,
  ) {
    this.config = positionsConfig(overrides);
    if (!env.DATABASE_URL) throw new Error('DATABASE_URL is not set');
    this.pool = new pg.Pool({
      connectionString: env.DATABASE_URL,
      max: this.config.writer.maxConcurrentBatches,
      application_name: 'hazway-positions',
      statement_timeout: this.config.writerStatementTimeoutMs,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 60_000,
    });
    // A pooled client whose server went away emits 'error' on the pool; unhandled, that would end the process.
    // The writer's retry gets a fresh connection.
    this.pool.on('error', (e) => this.logger.warn(`positions writer connection lost: ${e.message}`));
    this.writer = new PositionWriter(new PgPositionStore(this.pool), this.config.writer, metrics);
    // Under a sustained overload admission control saturates and drains a few times a second: one line per 10 s.
    let saturations = 0;
    let loggedAt = -Infinity;
    this.writer.on('saturated', () => {
      saturations++;
      const now = performance.now();
      if (now - loggedAt < 10_000) return;
      loggedAt = now;
      const s = this.writer.stats;
      this.logger.warn(`position writes are behind: ${s.pendingRows} pending (limit ${s.admissionLimit}), senders wait; ${saturations} time(s) so far`);
    });
    this.writer.on('drain', () => this.logger.debug('position writes caught up'));
    this.links = new WaybillLinks((sql, params) => this.ds.query(sql, params), {
      refreshMs: this.config.waybillRefreshMs,
      lookbackMs: this.config.waybillLookbackMs,
    });
    this.flaggedCounter = metrics?.counter({
      name: 'hazway_positions_flagged_total',
      help: 'Positions that failed a plausibility check (stored with their quality flags, kept out of live monitoring)',
      labelNames: ['flag'],
    });
    health?.register({
      name: 'positions',
      check: async () => {
        const s = this.writer.stats;
        // Down after a few failed writes in a row: positions are being held, not stored.
        return s.consecutiveFailures >= 3
          ? { status: 'down', error: s.lastError, pendingRows: s.pendingRows }
          : { status: 'up', pendingRows: s.pendingRows, saturated: s.saturated };
      },
    });
  }

  async onApplicationBootstrap() {
    await this.maintainPartitions().catch((e: Error) =>
      // Not fatal: the default partition stores whatever has no partition, and the next run moves it.
      this.logger.error(`partition maintenance failed: ${e.message}`),
    );
    this.maintenanceTimer = setInterval(() => {
      void this.maintainPartitions().catch((e: Error) => this.logger.error(`partition maintenance failed: ${e.message}`));
    }, this.config.maintenanceIntervalMs);
    this.maintenanceTimer.unref();
  }

  async onModuleDestroy() {
    clearInterval(this.maintenanceTimer);
    this.links.stop();
    await this.writer.close();
    await this.pool.end();
  }

  // ------------------------------------------------------------------------------------------- ingest

  // Checks, links and stores positions; resolves once they are committed, so the caller acknowledges after it.
  // Rejects (storing nothing) when a record is malformed: PositionRejectedError.
  // Not an async function: on the hot path (one call per JT/T 808 report) it costs one promise, the writer's.
  ingest(records: readonly PositionRecord[]): Promise<IngestResult> {
    // Waybill links load on first use: a process that never ingests (ROLES=worker) never polls waybills.
    if (!this.linksReady) {
      return (this.linksStarted ??= this.links.start().then(() => {
        this.linksReady = true;
      })).then(() => this.ingest(records));
    }
    const now = new Date();
    const rows: PositionRow[] = new Array(records.length);
    let flagged = 0;
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      const problem = positionRowProblem(r);
      if (problem) return Promise.reject(new PositionRejectedError(i, problem));
      const { quality, state } = checkPlausibility(r, this.plausibility.get(r.vehicleId) ?? {}, now, this.config.plausibility);
      this.plausibility.set(r.vehicleId, state);
      if (quality !== 0) {
        flagged++;
        if (this.flaggedCounter) for (const flag of qualityFlags(quality)) this.flaggedCounter.inc({ flag });
      }
      rows[i] = toRow(r, quality, this.links.lookup(r.vehicleId, r.fixTime));
    }
    // Checked above: the writer does not check again.
    return this.writer.submitChecked(rows).then(({ stored, duplicates, inserted }) => {
      this.forwardLive(rows, inserted);
      return { stored, duplicates, flagged };
    });
  }

  // Live monitoring subscribes here; returns the unsubscribe function.
  onLive(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // Newly stored clean positions that did not go live (back-filled, or older than the vehicle's newest): monitoring
  // evaluates them for the record. Returns the unsubscribe function.
  onHistory(listener: LiveListener): () => void {
    this.historyListeners.add(listener);
    return () => this.historyListeners.delete(listener);
  }

  // Driver IC-card sign-ins and sign-outs reported by terminals (JT/T 808 0x0702): monitoring checks them against
  // the waybill's crew (TR-16). Returns the unsubscribe function.
  onDriverIdentity(listener: (signIn: DriverSignIn) => void): () => void {
    this.driverListeners.add(listener);
    return () => this.driverListeners.delete(listener);
  }

  driverIdentity(signIn: DriverSignIn): void {
    for (const l of this.driverListeners) {
      try {
        l(signIn);
      } catch (err) {
        this.logger.error({ msg: 'a driver-identity listener failed', err });
      }
    }
  }

  // For the socket servers: stop reading while saturated, resume on 'drain'.
  get isSaturated(): boolean {
    return this.writer.isSaturated;
  }

  onBackpressure(listener: (saturated: boolean) => void): () => void {
    const saturated = () => listener(true);
    const drained = () => listener(false);
    this.writer.on('saturated', saturated);
    this.writer.on('drain', drained);
    return () => {
      this.writer.off('saturated', saturated);
      this.writer.off('drain', drained);
    };
  }

  get writerStats() {
    return this.writer.stats;
  }

  // Reloads the vehicle -> waybill map now (it also reloads every waybillRefreshMs).
  refreshWaybillLinks(): Promise<void> {
    return this.links.invalidate();
  }

  private forwardLive(rows: readonly PositionRow[], inserted: readonly boolean[]) {
    if (this.listeners.size === 0 && this.historyListeners.size === 0) return;
    const live: LivePosition[] = [];
    const history: LivePosition[] = [];
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      // Re-sent, flagged and back-filled positions are history: storing them must not fire (stale) alarms.
      if (!inserted[i] || r.quality !== 0) continue;
      const t = r.fixTime.getTime();
      const last = this.lastLive.get(r.vehicleId);
      if (r.backfill || (last !== undefined && t <= last)) {
        if (this.historyListeners.size) history.push({ ...r, quality: undefined, waybillId: r.waybillId ?? null } as LivePosition);
        continue;
      }
      this.lastLive.set(r.vehicleId, t);
      live.push(toLive(r));
    }
    for (const [batch, listeners] of [[live, this.listeners], [history, this.historyListeners]] as const) {
      if (batch.length === 0) continue;
      for (const listener of listeners) {
        try {
          listener(batch);
        } catch (e) {
          this.logger.error(`position listener failed: ${(e as Error).message}`);
        }
      }
    }
  }

  // ------------------------------------------------------------------------------------------- reads

  async latestForVehicles(vehicleIds: readonly string[]): Promise<LatestPosition[]> {
    if (vehicleIds.length === 0) return [];
    const rows: LatestRow[] = await this.ds.query(
      `SELECT ${LATEST_COLUMNS} FROM vehicle_latest_positions WHERE vehicle_id = ANY($1::uuid[])`,
      [vehicleIds],
    );
    return rows.map(latestFromRow);
  }

  // The latest clean position of every active vehicle whose carrier is registered inside a region prefix
  // (GB/T 2260), newest first: the snapshot an authority's region watcher starts from.
  async latestInRegion(prefix: string, limit: number): Promise<LatestPosition[]> {
    const rows: LatestRow[] = await this.ds.query(
      `SELECT lp.vehicle_id, lp.fix_time, lp.lat, lp.lon, lp.speed_kmh, lp.course, lp.alarm_bits, lp.status_bits, lp.waybill_id, lp.received_at
         FROM vehicle_latest_positions lp
         JOIN vehicles v ON v.id = lp.vehicle_id
         JOIN organisations o ON o.id = v.organisation_id
        WHERE o.region_code LIKE $1 AND o.kind <> 'platform' AND v.status = 'active'
        ORDER BY lp.fix_time DESC
        LIMIT $2`,
      [`${prefix}%`, limit],
    );
    return rows.map(latestFromRow);
  }

  // The newest clean position linked to the waybill: from the latest table while the trip is running, otherwise
  // its last point (positions_waybill_time_idx, read backwards).
  async latestForWaybill(waybillId: string): Promise<LatestPosition | null> {
    const [current]: LatestRow[] = await this.ds.query(
      `SELECT ${LATEST_COLUMNS} FROM vehicle_latest_positions WHERE waybill_id = $1 ORDER BY fix_time DESC LIMIT 1`,
      [waybillId],
    );
    if (current) return latestFromRow(current);
    const [last]: LatestRow[] = await this.ds.query(
      `SELECT ${LATEST_COLUMNS} FROM positions WHERE waybill_id = $1 AND quality = 0 ORDER BY fix_time DESC LIMIT 1`,
      [waybillId],
    );
    return last ? latestFromRow(last) : null;
  }

  // Points in time order, from <= fixTime < to. Flagged points are left out unless asked for (a replay would draw
  // every GNSS spike); at most `limit` points (100,000 by default), the earliest ones.
  async track(subject: TrackSubject, from: Date, to: Date, options: TrackOptions = {}): Promise<TrackPoint[]> {
    const [column, id] = 'vehicleId' in subject ? ['vehicle_id', subject.vehicleId] : ['waybill_id', subject.waybillId];
    const rows: TrackRow[] = await this.ds.query(
      `SELECT ${TRACK_COLUMNS} FROM positions
       WHERE ${column} = $1 AND fix_time >= $2 AND fix_time < $3 ${options.includeFlagged ? '' : 'AND quality = 0'}
       ORDER BY fix_time LIMIT $4`,
      [id, from, to, Math.min(options.limit ?? TRACK_LIMIT, TRACK_LIMIT)],
    );
    return rows.map((r) => ({
      ...latestFromRow(r),
      altitudeM: r.altitude_m,
      mileageKm: r.mileage_km,
      quality: r.quality,
      backfill: r.backfill,
    }));
  }

  // ------------------------------------------------------------------------------------------- partitions

  // Creates the partitions of the current month and partitionsAhead more, drops those older than retentionMonths
  // (hazway_positions_maintain, migration 1795924000000). Runs at boot and then daily; several processes may run it.
  async maintainPartitions(at: Date = new Date()): Promise<PartitionChange[]> {
    const rows: { action: PartitionChange['action']; partition_name: string }[] = await this.ds.query(
      `SELECT action, partition_name FROM hazway_positions_maintain($1, $2, $3)`,
      [this.config.partitionsAhead, this.config.retentionMonths, at],
    );
    const changes = rows.map((r) => ({ action: r.action, partition: r.partition_name }));
    if (changes.length) this.logger.log(`position partitions: ${changes.map((c) => `${c.action} ${c.partition}`).join(', ')}`);
    return changes;
  }
}
