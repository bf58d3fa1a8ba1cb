import { MonitoringService } from '../../src/monitoring/monitoring.service.js';
import { PositionsService } from '../../src/tracking/positions/positions.service.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
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
