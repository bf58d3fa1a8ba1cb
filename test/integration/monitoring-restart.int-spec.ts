import { MonitoringService } from '../../src/monitoring/monitoring.service.js';
import { STATE_FLUSH_SLICES, stateFlushSlice } from '../../src/monitoring/state-flush.js';
import { PositionsService } from '../../src/tracking/positions/positions.service.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createOrgWithUser } from '../helpers/fixtures.js';
import { loadedTrip, TrackBuilder } from '../helpers/monitoring-trip.js';
import { createWaybillWorld } from '../helpers/waybill-world.js';

// Per-vehicle rule state survives a restart (issue 7): overspeed must be sustained for 10 s (TR-01); two fixes
// 5 s apart before a restart and one 12 s after the first, after it, make an alarm only if the run remembers when
// the speeding began. An episode open at shutdown is continued, not duplicated.
describe('monitoring state across a restart', () => {
  let db: TestDatabase;
  let t: TestApp | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  const episodes = (app: TestApp, vehicleId: string) =>
    app.ds.query(`SELECT id, key, severity, status, signals FROM alarms WHERE vehicle_id = $1 AND rule_id = 'TR-01' AND severity = 'alarm' ORDER BY opened_at`, [vehicleId]);

  // The write-behind is spread: one slice of the fleet per MONITOR_STATE_FLUSH_MS / STATE_FLUSH_SLICES, one statement
  // (one now()) each, rather than every changed state in one statement.
  it('should write changed states behind within MONITOR_STATE_FLUSH_MS, one slice of the fleet per statement, without a shutdown', async () => {
    t = await startTestApp({ MONITOR_CLOCK_EVERY_MS: '3600000', MONITOR_STATE_FLUSH_MS: '1000' }, db);
    const carrier = await createOrgWithUser(t, 'carrier', { regionCode: '150203' });
    const vehicles: { id: string }[] = await t.ds.query(
      `INSERT INTO vehicles (organisation_id, plate_number, plate_colour, kind, model)
       SELECT $1, '蒙Y' || lpad(i::text, 5, '0'), 'yellow', 'truck', 'flush test' FROM generate_series(1, 30) i RETURNING id`,
      [carrier.org.id],
    );
    const ids = vehicles.map((v) => v.id);
    const slices = new Set(ids.map((id) => stateFlushSlice(id, STATE_FLUSH_SLICES)));
    const start = new Date(Date.now() - 10_000);
    const positions = t.app.get(PositionsService);
    await positions.ingest(ids.flatMap((id) => new TrackBuilder(1).go(2, 0, 11, 40).records(id, start)));
    await t.app.get(MonitoringService).settle();

    const written = () =>
      t!.ds.query(`SELECT vehicle_id, updated_at, state->>'version' AS version FROM vehicle_rule_states WHERE vehicle_id = ANY($1::uuid[])`, [ids]) as Promise<
        { vehicle_id: string; updated_at: Date; version: string }[]
      >;
    const deadline = Date.now() + 5_000;
    let rows = await written();
    while (rows.length < ids.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      rows = await written();
    }
    // Every vehicle's state, while the app runs on.
    expect(rows.map((r) => r.vehicle_id).sort()).toEqual([...ids].sort());
    expect(rows.every((r) => r.version === '1')).toBe(true);
    // 30 random ids fall in several slices, and each statement (its now()) wrote one slice only.
    expect(slices.size).toBeGreaterThan(1);
    const slicesByStatement = new Map<number, Set<number>>();
    for (const r of rows) {
      const at = r.updated_at.getTime();
      slicesByStatement.set(at, (slicesByStatement.get(at) ?? new Set()).add(stateFlushSlice(r.vehicle_id, STATE_FLUSH_SLICES)));
    }
    expect(slicesByStatement.size).toBeGreaterThanOrEqual(slices.size);
    for (const inOne of slicesByStatement.values()) expect(inOne.size).toBe(1);
    await t.close();
    t = undefined;
  }, 60_000);

  it('should continue sustained overspeed and open episodes after the app restarts on the same database', async () => {
    t = await startTestApp({ MONITOR_CLOCK_EVERY_MS: '3600000' }, db);
    const w = await createWaybillWorld(t);
    await loadedTrip(t, w);
    // Out of the loading site first (departure), then 95 km/h.
    const track = new TrackBuilder(1).stay(1).go(10, 0, 60, 50).go(3, 0, 26, 95);
    const start = new Date(Date.now() - 60_000);
    const records = track.records(w.vehicle.id, start);
    // Fix times: the speeding fixes at s, s+5 (before the restart), s+12 and s+15 (after).
    const s = start.getTime() + 20_000;
    const [a, b, c] = records.slice(-3);
    a!.fixTime = a!.receivedAt = new Date(s);
    b!.fixTime = b!.receivedAt = new Date(s + 5_000);
    c!.fixTime = c!.receivedAt = new Date(s + 12_000);
    let positions = t.app.get(PositionsService);
    for (const r of records.slice(0, -1)) await positions.ingest([r]);
    await t.app.get(MonitoringService).settle();
    expect(await episodes(t, w.vehicle.id)).toEqual([]);
    await t.close(); // flushes the rule states
    t = undefined;

    t = await startTestApp({ MONITOR_CLOCK_EVERY_MS: '3600000' }, db);
    positions = t.app.get(PositionsService);
    await positions.ingest([c!]);
    await t.app.get(MonitoringService).settle();
    const opened = await episodes(t, w.vehicle.id);
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ status: 'open' });
    await t.close();
    t = undefined;

    t = await startTestApp({ MONITOR_CLOCK_EVERY_MS: '3600000' }, db);
    const d = { ...c!, fixTime: new Date(s + 15_000), receivedAt: new Date(s + 15_000), lon: c!.lon + 80 / 85_280 };
    await t.app.get(PositionsService).ingest([d]);
    await t.app.get(MonitoringService).settle();
    const continued = await episodes(t, w.vehicle.id);
    expect(continued).toHaveLength(1);
    expect(continued[0]).toMatchObject({ id: opened[0].id, status: 'open' });
  }, 120_000);
});
