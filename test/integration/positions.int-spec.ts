import { randomUUID } from 'node:crypto';
import { Logger, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { ConfigModule } from '../../src/config/config.module.js';
import { loadEnv } from '../../src/config/env.js';
import { dataSourceOptions } from '../../src/database/data-source.js';
import { DatabaseModule } from '../../src/database/database.module.js';
import { HealthService } from '../../src/ops/health.service.js';
import { MetricsService } from '../../src/ops/metrics.service.js';
import { OpsModule } from '../../src/ops/ops.module.js';
import { QUALITY } from '../../src/tracking/positions/plausibility.rules.js';
import { STATUS_POSITIONED, type PositionRecord } from '../../src/tracking/positions/position.js';
import { PgPositionStore } from '../../src/tracking/positions/position-store.js';
import { PositionWriter } from '../../src/tracking/positions/position-writer.js';
import { PositionsModule } from '../../src/tracking/positions/positions.module.js';
import { PositionsService, type LivePosition } from '../../src/tracking/positions/positions.service.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

// Position storage on real PostgreSQL: the partitioned table and the latest-position table from the migration, the
// batched idempotent writer, back-pressure and retries against a slowed or failing database, waybill linking.
describe('positions storage', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let service: PositionsService;
  let observer: pg.Client; // a second connection: sees only what is committed
  const live: LivePosition[] = [];

  const now = Date.now();
  // Whole seconds, a few minutes back: clean for the plausibility rules, inside the current month's partition
  // (unless the run starts in the first minutes of a month, when some rows go to the previous month's default).
  const t = (secondsAgo: number) => new Date(Math.floor(now / 1000) * 1000 - secondsAgo * 1000);

  const position = (vehicleId: string, fixTime: Date, over: Partial<PositionRecord> = {}): PositionRecord => ({
    vehicleId,
    terminalId: null,
    fixTime,
    receivedAt: new Date(),
    lat: 39.6,
    lon: 109.8,
    speedKmh: 45.5,
    course: 90,
    altitudeM: 1250,
    alarmBits: 0,
    statusBits: STATUS_POSITIONED | 1,
    mileageKm: 12345.6,
    source: 'jt808',
    backfill: false,
    extra: null,
    ...over,
  });
  // A vehicle driving north at about 40 km/h: 0.001 degree of latitude (111 m) per 10 s.
  const drive = (vehicleId: string, count: number, startSecondsAgo: number) =>
    Array.from({ length: count }, (_, i) => position(vehicleId, t(startSecondsAgo - i * 10), { lat: 39.6 + i * 0.001 }));

  const count = async (sql: string, params: unknown[] = []) => Number((await observer.query(sql, params)).rows[0].n);

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    db = await createTestDatabase();
    ds = await new DataSource(dataSourceOptions(db.url, 4)).initialize();
    service = new PositionsService(ds, loadEnv({ NODE_ENV: 'test', DATABASE_URL: db.url }), undefined, undefined, {
      writer: { batchDelayMs: 5 },
      waybillRefreshMs: 60_000,
    });
    await service.onApplicationBootstrap();
    service.onLive((positions) => live.push(...positions));
    observer = new pg.Client({ connectionString: db.url });
    await observer.connect();
  });
  afterAll(async () => {
    await service?.onModuleDestroy();
    await observer?.end();
    await ds?.destroy();
    await db?.drop();
  });

  it('should store a few thousand positions from concurrent callers and return a time range of a track in order', async () => {
    const vehicles = Array.from({ length: 20 }, () => randomUUID());
    const tracks = vehicles.map((v) => drive(v, 250, 2600));
    // 100 submits of 50, interleaving vehicles, all at once, as 20 terminal connections would.
    const submits = tracks.flatMap((track) => Array.from({ length: 5 }, (_, i) => track.slice(i * 50, i * 50 + 50)));
    const results = await Promise.all(submits.map((s) => service.ingest(s)));
    expect(results.reduce((n, r) => n + r.stored, 0)).toBe(5000);
    expect(results.every((r) => r.duplicates === 0 && r.flagged === 0)).toBe(true);
    expect(await count(`SELECT count(*) AS n FROM positions WHERE vehicle_id = ANY($1::uuid[])`, [vehicles])).toBe(5000);

    const points = await service.track({ vehicleId: vehicles[7]! }, tracks[7]![50]!.fixTime, tracks[7]![150]!.fixTime);
    expect(points.map((p) => p.fixTime.getTime())).toEqual(tracks[7]!.slice(50, 150).map((p) => p.fixTime.getTime()));
    expect(points[0]).toMatchObject({ vehicleId: vehicles[7], lat: tracks[7]![50]!.lat, lon: 109.8, speedKmh: 45.5, course: 90, altitudeM: 1250, quality: 0, backfill: false });
    expect(points[0]!.mileageKm).toBeCloseTo(12345.6, 1);

    // The range query is answered from the (vehicle_id, fix_time) primary key of the partitions.
    const plan = (await observer.query(
      `EXPLAIN (FORMAT JSON) SELECT * FROM positions WHERE vehicle_id = $1 AND fix_time >= $2 AND fix_time < $3 ORDER BY fix_time`,
      [vehicles[7], tracks[7]![50]!.fixTime, tracks[7]![150]!.fixTime],
    )).rows[0]['QUERY PLAN'];
    expect(JSON.stringify(plan)).toMatch(/"Index Name":"positions_[a-z0-9_]*pkey"/);

    const latest = await service.latestForVehicles(vehicles.slice(0, 3));
    expect(latest.map((l) => l.fixTime.getTime()).sort()).toEqual(tracks.slice(0, 3).map((tr) => tr[249]!.fixTime.getTime()).sort());
  });

  it('should store a re-sent position once and count the repeats, within a submit too', async () => {
    const v = randomUUID();
    const track = drive(v, 300, 4000);
    expect(await service.ingest(track)).toEqual({ stored: 300, duplicates: 0, flagged: 0 });
    // The terminal missed the ACKs and sends everything again, plus one more and one twice.
    const next = position(v, t(4000 - 3000), { lat: 39.9 });
    expect(await service.ingest([...track, next, next])).toEqual({ stored: 1, duplicates: 301, flagged: 0 });
    expect(await count(`SELECT count(*) AS n FROM positions WHERE vehicle_id = $1`, [v])).toBe(301);
  });

  it('should keep 32-bit alarm and status words and the extra items as sent', async () => {
    const v = randomUUID();
    const p = position(v, t(30), { alarmBits: 0x80000003, statusBits: 0xc0000003, extra: { satellites: 14, io: "a\"b\\c" } });
    await service.ingest([p]);
    const [point] = await service.track({ vehicleId: v }, t(31), t(29));
    expect(point).toMatchObject({ alarmBits: 0x80000003, statusBits: 0xc0000003 });
    expect((await observer.query(`SELECT extra FROM positions WHERE vehicle_id = $1`, [v])).rows[0].extra).toEqual({ satellites: 14, io: 'a"b\\c' });
    expect((await service.latestForVehicles([v]))[0]).toMatchObject({ alarmBits: 0x80000003, statusBits: 0xc0000003 });
  });

  it('should store out-of-order and back-filled positions in time order, keep the newest as latest, and forward only fresh ones live', async () => {
    const v = randomUUID();
    const lat = (i: number) => 39.6 + i * 0.0005;
    const at = (i: number) => t(600 - i * 10);
    live.length = 0;
    await service.ingest([position(v, at(10), { lat: lat(10) })]);
    // A blind-area upload (0x0704 type 1) of earlier fixes, in no particular order, then late real-time reports.
    await service.ingest([5, 2, 8].map((i) => position(v, at(i), { lat: lat(i), backfill: true })));
    await service.ingest([position(v, at(7), { lat: lat(7) })]);
    await service.ingest([position(v, at(3), { lat: lat(3) })]);

    const points = await service.track({ vehicleId: v }, at(0), at(20));
    expect(points.map((p) => p.fixTime.getTime())).toEqual([2, 3, 5, 7, 8, 10].map((i) => at(i).getTime()));
    expect(points.filter((p) => p.backfill).length).toBe(3);
    expect((await service.latestForVehicles([v]))[0]!.fixTime).toEqual(at(10));

    await service.ingest([position(v, at(12), { lat: lat(12) })]);
    expect((await service.latestForVehicles([v]))[0]).toMatchObject({ fixTime: at(12), lat: lat(12) });
    expect(live.filter((p) => p.vehicleId === v).map((p) => p.fixTime)).toEqual([at(10), at(12)]);
  });

  it('should store flagged positions with their findings, out of the latest table, live monitoring and default replay', async () => {
    const v = randomUUID();
    live.length = 0;
    const result = await service.ingest([
      position(v, t(120)),
      position(v, t(110), { lat: 41.6 }), // 222 km in 10 s
      position(v, t(100), { statusBits: 1, lat: 39.5 }), // no fix
      position(v, t(90), { lat: 39.6005 }),
    ]);
    expect(result).toEqual({ stored: 4, duplicates: 0, flagged: 2 });
    const all = await service.track({ vehicleId: v }, t(200), t(0), { includeFlagged: true });
    expect(all.map((p) => p.quality)).toEqual([0, QUALITY.IMPOSSIBLE_JUMP, QUALITY.INVALID_FIX, 0]);
    expect((await service.track({ vehicleId: v }, t(200), t(0))).map((p) => p.fixTime)).toEqual([t(120), t(90)]);
    expect(live.map((p) => p.fixTime)).toEqual([t(120), t(90)]);

    // A fix from the future is stored but never becomes "the latest", which it would stay for hours.
    await service.ingest([position(v, new Date(now + 8 * 3600_000), { lat: 39.601 })]);
    expect((await service.latestForVehicles([v]))[0]!.fixTime).toEqual(t(90));
  });

  it('should store a position whose time has no partition in the default partition', async () => {
    const v = randomUUID();
    const farFuture = new Date(Date.UTC(new Date(now).getUTCFullYear() + 5, 5, 15, 4, 0, 0));
    expect(await service.ingest([position(v, farFuture)])).toEqual({ stored: 1, duplicates: 0, flagged: 1 });
    const { rows } = await observer.query(`SELECT tableoid::regclass::text AS part, quality FROM positions WHERE vehicle_id = $1`, [v]);
    expect(rows).toEqual([{ part: 'positions_default', quality: QUALITY.FUTURE_TIME }]);
    // And again: the primary key holds in the default partition too.
    expect(await service.ingest([position(v, farFuture)])).toMatchObject({ stored: 0, duplicates: 1 });
  });

  it('should link positions taken while a waybill has goods on board to it, from the end of loading to delivery', async () => {
    const [{ id: carrier }] = await ds.query(`INSERT INTO organisations (kind, name, region_code) VALUES ('carrier', '鄂尔多斯危运', '150602') RETURNING id`);
    const [{ id: shipper }] = await ds.query(`INSERT INTO organisations (kind, name, region_code) VALUES ('shipper', '甲醇厂', '150602') RETURNING id`);
    const [{ id: vehicle }] = await ds.query(
      `INSERT INTO vehicles (organisation_id, plate_number, plate_colour, kind) VALUES ($1, '蒙K' || substr(md5(random()::text), 1, 5), 'yellow', 'truck') RETURNING id`,
      [carrier],
    );
    const [{ id: waybill }] = await ds.query(
      `INSERT INTO waybills (number, shipper_id, carrier_id, status, vehicle_id, row_version) VALUES ('YD' || substr(md5(random()::text), 1, 14), $1, $2, 'in_transit', $3, 1) RETURNING id`,
      [shipper, carrier, vehicle],
    );
    const event = (seq: number, at: Date, from: string, to: string) =>
      ds.query(
        `INSERT INTO waybill_events (waybill_id, seq, at, type, from_status, to_status, version, actor_role, hash) VALUES ($1, $2, $3, 'transition', $4, $5, 1, 'system', repeat('0', 64))`,
        [waybill, seq, at, from, to],
      );
    await event(1, t(2000), 'loading', 'loaded');
    await event(2, t(1500), 'loaded', 'in_transit');
    await service.refreshWaybillLinks();

    await service.ingest(drive(vehicle, 10, 2050)); // 2050 s ago .. 1960 s ago: loading ends 2000 s ago
    const linked = await service.track({ waybillId: waybill }, t(3000), t(0));
    expect(linked.map((p) => p.fixTime)).toEqual(drive(vehicle, 10, 2050).slice(5).map((p) => p.fixTime));
    expect(linked.every((p) => p.waybillId === waybill)).toBe(true);
    expect(await service.latestForWaybill(waybill)).toMatchObject({ vehicleId: vehicle, waybillId: waybill, fixTime: t(1960) });

    // Delivered 1000 s ago. A blind-area upload arriving afterwards still links the part of it from the trip.
    await event(3, t(1200), 'in_transit', 'arrived');
    await event(4, t(1000), 'arrived', 'delivered');
    await ds.query(`UPDATE waybills SET status = 'delivered' WHERE id = $1`, [waybill]);
    await service.refreshWaybillLinks();
    await service.ingest([position(vehicle, t(1100), { lat: 39.7, backfill: true }), position(vehicle, t(900), { lat: 39.71 })]);
    const after = await service.track({ vehicleId: vehicle }, t(1150), t(0));
    expect(after.map((p) => [p.fixTime, p.waybillId])).toEqual([
      [t(1100), waybill],
      [t(900), null],
    ]);
    // The trip is over: its last position comes from the positions table now, not from the latest table.
    expect(await service.latestForWaybill(waybill)).toMatchObject({ fixTime: t(1100), waybillId: waybill });
    expect(await service.latestForWaybill(randomUUID())).toBeNull();
  });

  describe('writer against a slow or failing database', () => {
    let pool: pg.Pool;
    let writer: PositionWriter;
    let locker: pg.Client;
    const APP = `hz-positions-it-${process.pid}`;

    beforeEach(async () => {
      pool = new pg.Pool({ connectionString: db.url, max: 1, application_name: APP });
      pool.on('error', () => undefined);
      writer = new PositionWriter(new PgPositionStore(pool), {
        batchRows: 50,
        batchDelayMs: 5,
        maxPendingRows: 100,
        maxConcurrentBatches: 1,
        retryBaseMs: 20,
        retryMaxMs: 100,
      });
      locker = new pg.Client({ connectionString: db.url });
      await locker.connect();
    });
    afterEach(async () => {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
      await writer.close(1_000);
      await pool.end();
    });

    // Holding this lock blocks the writer's statement at its vehicle_latest_positions upsert, uncommitted.
    const holdLatestTable = () => locker.query(`BEGIN; LOCK TABLE vehicle_latest_positions IN SHARE ROW EXCLUSIVE MODE`);
    const waitUntil = async (what: string, test: () => Promise<boolean> | boolean, ms = 5_000) => {
      const deadline = Date.now() + ms;
      while (!(await test())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const writerWaitsOnLock = async () =>
      (await count(`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [APP])) > 0;

    it('should make submits wait while the database is slow, answer each only after its rows are committed, and lose nothing', async () => {
      const v = randomUUID();
      const chunks = Array.from({ length: 6 }, (_, i) => drive(v, 300, 3500).slice(i * 50, i * 50 + 50));
      await holdLatestTable();
      const answered: number[] = [];
      const submits = chunks.map((chunk, i) =>
        writer.submit(chunk).then(async (r) => {
          // Visible to another connection the moment the caller hears back: committed.
          const visible = await count(`SELECT count(*) AS n FROM positions WHERE vehicle_id = $1 AND fix_time = ANY($2::timestamptz[])`, [
            v,
            chunk.map((p) => p.fixTime),
          ]);
          answered.push(i);
          expect(visible).toBe(50);
          return r;
        }),
      );
      await waitUntil('the first batch waits on the lock', writerWaitsOnLock);
      await new Promise((r) => setTimeout(r, 100));
      expect(writer.isSaturated).toBe(true);
      expect(writer.stats).toMatchObject({ pendingRows: 100, waitingSubmits: 4 });
      expect(answered).toEqual([]);
      expect(await count(`SELECT count(*) AS n FROM positions WHERE vehicle_id = $1`, [v])).toBe(0);

      await locker.query('COMMIT');
      const results = await Promise.all(submits);
      expect(results.map((r) => r.stored)).toEqual([50, 50, 50, 50, 50, 50]);
      expect(answered).toEqual([0, 1, 2, 3, 4, 5]);
      expect(writer.isSaturated).toBe(false);
      expect(await count(`SELECT count(*) AS n FROM positions WHERE vehicle_id = $1`, [v])).toBe(300);
    });

    it('should retry with backoff when its connection is killed mid-write, and answer once the rows are in', async () => {
      const v = randomUUID();
      await holdLatestTable();
      const submit = writer.submit(drive(v, 40, 3000));
      await waitUntil('the batch waits on the lock', writerWaitsOnLock);
      // The server ends the writer's session (as on a failover or restart) while the statement is in progress.
      await observer.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [APP]);
      await waitUntil('the writer has seen the failure', () => writer.stats.consecutiveFailures > 0);
      await waitUntil('the retry waits on the lock again', writerWaitsOnLock);
      await locker.query('COMMIT');
      await expect(submit).resolves.toEqual(expect.objectContaining({ stored: 40, duplicates: 0 }));
      expect(writer.stats.consecutiveFailures).toBe(0);
      expect(await count(`SELECT count(*) AS n FROM positions WHERE vehicle_id = $1`, [v])).toBe(40);
    });

    it('should refuse a batch the database rejects and stay usable for the next one', async () => {
      // The store itself does not validate (the writer does): a smallint overflow fails inside COPY.
      const store = new PgPositionStore(pool);
      const v = randomUUID();
      await expect(store.write([{ ...position(v, t(50)), course: 70_000 }])).rejects.toMatchObject({ code: '22003' });
      await expect(store.write([position(v, t(50)), position(v, t(40))])).resolves.toEqual({ inserted: 2, insertedOrdinals: null });
      await expect(store.write([position(v, t(60)), position(v, t(50))])).resolves.toEqual({ inserted: 1, insertedOrdinals: [1] });
      expect(await count(`SELECT count(*) AS n FROM positions WHERE vehicle_id = $1`, [v])).toBe(3);
    });

    it('should keep retrying while the database refuses connections, then store everything', async () => {
      const v = randomUUID();
      const unreachable = new URL(db.url);
      unreachable.port = '1'; // nothing listens there: every connection attempt is refused
      const deadPool = new pg.Pool({ connectionString: unreachable.toString(), max: 1, connectionTimeoutMillis: 500 });
      let target = new PgPositionStore(deadPool);
      const flaky = new PositionWriter({ write: (rows) => target.write(rows) }, { batchDelayMs: 5, retryBaseMs: 20, retryMaxMs: 50 });
      try {
        const submit = flaky.submit(drive(v, 20, 3000));
        await waitUntil('a few attempts failed', () => flaky.stats.consecutiveFailures >= 3);
        expect(await count(`SELECT count(*) AS n FROM positions WHERE vehicle_id = $1`, [v])).toBe(0);
        target = new PgPositionStore(pool); // the database is back
        await expect(submit).resolves.toMatchObject({ stored: 20 });
        expect(await count(`SELECT count(*) AS n FROM positions WHERE vehicle_id = $1`, [v])).toBe(20);
      } finally {
        await flaky.close(1_000);
        await deadPool.end();
      }
    });
  });
});

// The Nest wiring: PositionsModule next to the global modules it relies on (config, database, ops).
describe('PositionsModule', () => {
  let db: TestDatabase;
  let app: INestApplication;

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = loadEnv({ NODE_ENV: 'test', DATABASE_URL: db.url, DATABASE_POOL_SIZE: '2' });
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(env), DatabaseModule, OpsModule, PositionsModule],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('should ingest through the injected service, count in the metrics and report in the health check', async () => {
    const positions = app.get(PositionsService);
    const v = randomUUID();
    const fixTime = new Date(Math.floor(Date.now() / 1000) * 1000 - 5_000);
    const record: PositionRecord = {
      vehicleId: v,
      terminalId: null,
      fixTime,
      receivedAt: new Date(),
      lat: 39.6,
      lon: 109.8,
      speedKmh: 0,
      course: 0,
      altitudeM: 0,
      alarmBits: 0,
      statusBits: 0, // not positioned
      source: 'app',
      backfill: false,
    };
    expect(await positions.ingest([record])).toEqual({ stored: 1, duplicates: 0, flagged: 1 });
    expect(await positions.ingest([record])).toEqual({ stored: 0, duplicates: 1, flagged: 1 });

    const metrics = await app.get(MetricsService).registry.metrics();
    expect(metrics).toMatch(/hazway_positions_stored_total 1\n/);
    expect(metrics).toMatch(/hazway_positions_duplicates_total 1\n/);
    expect(metrics).toMatch(/hazway_positions_flagged_total\{flag="INVALID_FIX"\} 2\n/);
    expect(metrics).toMatch(/hazway_positions_pending_rows 0\n/);
    const health = await app.get(HealthService).check();
    expect(health.checks.positions).toMatchObject({ status: 'up', pendingRows: 0 });
  });
});
