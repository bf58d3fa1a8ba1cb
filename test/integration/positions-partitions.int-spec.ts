import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { loadEnv } from '../../src/config/env.js';
import { dataSourceOptions } from '../../src/database/data-source.js';
import { PositionsService } from '../../src/tracking/positions/positions.service.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

// Monthly partitions of `positions` (migration 1795924000000, hazway_positions_maintain): created ahead, dropped
// after the retention, and the default partition for everything else. A database of its own: partitions are
// dropped here.
describe('positions partitions', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let service: PositionsService;

  const now = new Date();
  // First instant of the UTC month `offset` months from now, and that month's partition name.
  const monthStart = (offset: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1));
  const partition = (offset: number) => {
    const d = monthStart(offset);
    return `positions_p${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
  };
  const inMonth = (offset: number, day = 15) => new Date(monthStart(offset).getTime() + (day - 1) * 86400_000 + 3600_000);

  const partitions = async (): Promise<string[]> =>
    (
      await ds.query(
        `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'positions'::regclass ORDER BY c.relname`,
      )
    ).map((r: { relname: string }) => r.relname);
  const insert = (fixTime: Date) =>
    ds.query(
      `INSERT INTO positions (vehicle_id, fix_time, received_at, lat, lon, source) VALUES ($1, $2, now(), 39.6, 109.8, 'jt808') RETURNING vehicle_id`,
      [randomUUID(), fixTime],
    );
  const whereIs = async (fixTime: Date): Promise<string[]> =>
    (await ds.query(`SELECT tableoid::regclass::text AS part FROM positions WHERE fix_time = $1`, [fixTime])).map((r: { part: string }) => r.part);

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    db = await createTestDatabase();
    ds = await new DataSource(dataSourceOptions(db.url, 4)).initialize();
    service = new PositionsService(ds, loadEnv({ NODE_ENV: 'test', DATABASE_URL: db.url }), undefined, undefined, {
      partitionsAhead: 5,
      retentionMonths: 6,
    });
  });
  afterAll(async () => {
    await service?.onModuleDestroy();
    await ds?.destroy();
    await db?.drop();
  });

  it('should have the current month and three ahead, plus the default partition, straight after the migration', async () => {
    expect(await partitions()).toEqual([partition(0), partition(1), partition(2), partition(3), 'positions_default'].sort());
  });

  it('should create the configured months ahead at boot, once', async () => {
    await service.onApplicationBootstrap();
    expect(await partitions()).toEqual([0, 1, 2, 3, 4, 5].map(partition).concat('positions_default').sort());
    expect(await service.maintainPartitions()).toEqual([]);
  });

  it('should keep a row outside every partition in the default partition, and move it once its month gets a partition', async () => {
    const backfilled = inMonth(-2);
    const farFuture = inMonth(40);
    await insert(backfilled);
    await insert(farFuture);
    expect(await whereIs(backfilled)).toEqual(['positions_default']);
    expect(await whereIs(farFuture)).toEqual(['positions_default']);

    // Two months back is within retention: that month gets its partition, with the row moved into it. The far
    // future row stays where it is rather than creating a partition years ahead.
    expect(await service.maintainPartitions()).toEqual([{ action: 'created-with-rows', partition: partition(-2) }]);
    expect(await whereIs(backfilled)).toEqual([partition(-2)]);
    expect(await whereIs(farFuture)).toEqual(['positions_default']);
  });

  it('should drop whole months older than the retention and expired rows of the default partition', async () => {
    const current = inMonth(0);
    const fiveAhead = inMonth(5, 20);
    const unpartitioned = inMonth(7); // beyond the months created ahead: default partition
    for (const t of [current, fiveAhead, unpartitioned]) await insert(t);
    expect(await whereIs(unpartitioned)).toEqual(['positions_default']);

    // A year and two months on, retention 6 months: everything up to the month 8 months from now goes.
    const later = monthStart(14);
    const changes = await service.maintainPartitions(new Date(later.getTime() + 10 * 86400_000));
    expect(changes.filter((c) => c.action === 'dropped').map((c) => c.partition)).toEqual([-2, 0, 1, 2, 3, 4, 5].map(partition));
    expect(changes.filter((c) => c.action !== 'dropped').map((c) => c.partition)).toEqual([14, 15, 16, 17, 18, 19].map(partition));
    expect(await whereIs(current)).toEqual([]);
    expect(await whereIs(fiveAhead)).toEqual([]);
    expect(await whereIs(unpartitioned)).toEqual([]);
    // The far-future row of the previous test is still younger than the cut-off.
    expect(await ds.query(`SELECT count(*)::int AS n FROM positions_default`)).toEqual([{ n: 1 }]);
  });

  it('should let several processes maintain partitions at the same time', async () => {
    const at = new Date(monthStart(30).getTime() + 86400_000);
    const results = await Promise.all([service.maintainPartitions(at), service.maintainPartitions(at), service.maintainPartitions(at)]);
    const created = results.flat().filter((c) => c.action !== 'dropped').map((c) => c.partition);
    expect(created.sort()).toEqual([30, 31, 32, 33, 34, 35].map(partition));
  });

  it('should refuse a retention below one month', async () => {
    await expect(ds.query(`SELECT * FROM hazway_positions_maintain(3, 0)`)).rejects.toThrow(/retention_months/);
  });
});
