import { io, type Socket } from 'socket.io-client';
import request from 'supertest';
import type { AlarmView } from '../../src/monitoring/alarms.service.js';
import { MonitoringService } from '../../src/monitoring/monitoring.service.js';
import { PositionsService } from '../../src/tracking/positions/positions.service.js';
import { JT808_MESSAGE_ID as ID } from '../../src/tracking/terminal/jt808/jt808.constants.js';
import { encodeAuth, encodeDriverIdentity, encodeRegister } from '../../src/tracking/terminal/jt808/jt808.encoder.js';
import { TerminalServer } from '../../src/tracking/terminal/terminal.server.js';
import { bearer, startTestApp, type TestApp } from '../helpers/app.js';
import { createOrgWithUser, PASSWORD } from '../helpers/fixtures.js';
import { loadedTrip, ORIGIN, TrackBuilder } from '../helpers/monitoring-trip.js';
import { connected } from '../helpers/sockets.js';
import { createWaybillWorld, type WaybillWorld } from '../helpers/waybill-world.js';
import { Jt808TestClient } from './jt808-client.js';
import { eventually, startReceiver, type Receiver } from './notifications-receiver.js';

// Monitoring end to end: a loaded waybill's vehicle reports a trip through PositionsService (the pipeline both
// terminal kinds feed) that leaves the loading site, speeds, leaves its route through a restricted zone, presses
// the emergency button and reaches the destination. Alarms reach /watch watchers allowed to see them, are handled
// (acknowledge, close, audited), escalate when critical and unacknowledged, are delivered to webhooks (retried),
// move the waybill (departure, arrival), and add up in the authorities' statistics.

const M_PER_DEG_LON = 111_320 * Math.cos((40 * Math.PI) / 180);

describe('monitoring', () => {
  let t: TestApp;
  let w: WaybillWorld;
  let monitorToken: string;
  let authority: Awaited<ReturnType<typeof createOrgWithUser>>;
  let outsider: Awaited<ReturnType<typeof createOrgWithUser>>;
  let trip: Awaited<ReturnType<typeof loadedTrip>>;
  let receiver: Receiver;
  let webhookId: string;
  let zoneId: string;
  let tunnelId: string;
  const sockets: Socket[] = [];
  const seen = { monitor: [] as AlarmView[], authority: [] as AlarmView[], outsider: [] as AlarmView[] };
  let start: Date;
  let tripPositions = 0;

  const watcher = async (token: string, into: AlarmView[]) => {
    const s = io(`${t.url}/watch`, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token } });
    sockets.push(s);
    s.on('alarms', (items: AlarmView[]) => into.push(...items));
    return connected(s);
  };
  const alarms = async (token: string, query = '') => {
    const res = await request(t.http).get(`/alarms?limit=200${query}`).set(bearer(token));
    expect(res.status).toBe(200);
    return res.body.items as (AlarmView & { openedAt: string; closedAt: string | null; escalatedAt: string | null })[];
  };

  beforeAll(async () => {
    t = await startTestApp({
      MONITOR_ESCALATION_DELAY_MS: '300',
      MONITOR_CLOCK_EVERY_MS: '3600000',
      WEBHOOK_BACKOFF_MS: '50',
      WEBHOOK_MAX_ATTEMPTS: '4',
      WEBHOOK_TIMEOUT_MS: '2000',
    });
    w = await createWaybillWorld(t);
    const admin = await t.adminToken();
    const username = `monitor_${Math.random().toString(36).slice(2, 8)}`;
    const created = await request(t.http).post(`/organisations/${w.carrier.org.id}/users`).set(bearer(admin)).send({ username, displayName: '监控员', roles: ['monitor'], password: PASSWORD });
    expect(created.status).toBe(201);
    monitorToken = await t.login(username, PASSWORD);
    authority = await createOrgWithUser(t, 'authority', { regionCode: '150200' }); // Baotou: the carrier is in 150203
    outsider = await createOrgWithUser(t, 'authority', { regionCode: '150100' }); // Hohhot
    trip = await loadedTrip(t, w);

    // The carrier's webhook receiver fails each delivery twice, then accepts it.
    receiver = await startReceiver(({ forDelivery }) => (forDelivery <= 2 ? 503 : 200));
    const hook = await request(t.http).post('/webhooks').set(bearer(w.carrier.token)).send({ url: receiver.url, kinds: ['alarm.opened'] });
    expect(hook.status).toBe(201);
    webhookId = hook.body.webhook.id;

    // A restricted zone banning class 3 where the vehicle will wander off its route (1.5 km north of the road).
    const lon = (eastM: number) => ORIGIN.lon + eastM / M_PER_DEG_LON;
    const lat = (northM: number) => ORIGIN.lat + northM / 111_320;
    const zone = await request(t.http)
      .post('/zones')
      .set(bearer(authority.token))
      .send({
        type: 'Feature',
        geometry: { type: 'Polygon', coordinates: [[[lon(3300), lat(1200)], [lon(3700), lat(1200)], [lon(3700), lat(1800)], [lon(3300), lat(1800)], [lon(3300), lat(1200)]]] },
        properties: { name: '水源保护区', kind: 'restricted', bannedClasses: ['3'], regionCode: '150203' },
      });
    expect(zone.status).toBe(201);
    zoneId = zone.body.id;
    // A category E tunnel on the road, 2.1-2.5 km east: closed to the gasoline tanker (tunnel code D/E in a tank).
    const tunnelFeature = (tunnelCategory?: string) => ({
      type: 'Feature',
      geometry: { type: 'Polygon', coordinates: [[[lon(2100), lat(-100)], [lon(2500), lat(-100)], [lon(2500), lat(100)], [lon(2100), lat(100)], [lon(2100), lat(-100)]]] },
      properties: { name: '大青山隧道', kind: 'tunnel', regionCode: '150203', ...(tunnelCategory ? { tunnelCategory } : {}) },
    });
    const noCategory = await request(t.http).post('/zones').set(bearer(authority.token)).send(tunnelFeature());
    expect([noCategory.status, noCategory.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    const tunnel = await request(t.http).post('/zones').set(bearer(authority.token)).send(tunnelFeature('E'));
    expect([tunnel.status, tunnel.body.properties?.tunnelCategory]).toEqual([201, 'E']);
    tunnelId = tunnel.body.id;

    await watcher(monitorToken, seen.monitor);
    await watcher(authority.token, seen.authority);
    await watcher(outsider.token, seen.outsider);

    const track = new TrackBuilder(10)
      .stay(1)
      .go(6, 0, 139, 50) // leaves the loading site's 500 m geofence at the 4th fix
      .go(4, 0, 264, 95) // 95 km/h for 30 s
      .go(5, 0, 139, 50)
      .go(6, 250, 50, 50) // 1.5 km north, off the planned route
      .go(12, 0, 100, 40) // two minutes off route, through the restricted zone
      .go(6, -250, 50, 50) // back on the road
      .go(2, 0, 100, 30, 1) // emergency button (alarm bit 0), held
      .arrive(30, 100, 1);
    // Fix times from now on (plausible up to 10 minutes ahead): after the loading, so the positions are linked to
    // the trip (tracking/positions/waybill-links.ts), which the on-route statistics count.
    start = new Date(Date.now() + 5_000);
    const positions = t.app.get(PositionsService);
    const monitoring = t.app.get(MonitoringService);
    await positions.refreshWaybillLinks(); // link the trip's positions to the waybill now, not at the next reload
    // One position per message until the departure is recorded, then the rest as one batch (a batch upload), so
    // that the zone alarm opens and closes within one evaluation, well before its escalation is due.
    const records = track.records(w.vehicle.id, start);
    tripPositions = records.length;
    for (const r of records.slice(0, 6)) await positions.ingest([r]);
    await monitoring.settle();
    await positions.ingest(records.slice(6));
    await monitoring.settle();
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await receiver?.close();
    await t?.close();
  });

  it('should move the loaded waybill to in transit on leaving the loading site and to arrived at the destination', async () => {
    const res = await request(t.http).get(`/waybills/${trip.waybill.id}`).set(bearer(w.shipper.token));
    expect(res.body.status).toBe('arrived');
    const events = await request(t.http).get(`/waybills/${trip.waybill.id}/events`).set(bearer(w.shipper.token));
    const moves = (events.body.items ?? events.body).filter((e: { type: string }) => e.type === 'depart' || e.type === 'arrive');
    expect(moves.map((e: { type: string; actorRole: string }) => [e.type, e.actorRole])).toEqual([
      ['depart', 'system'],
      ['arrive', 'system'],
    ]);
    const notes = await request(t.http).get('/notifications').set(bearer(w.consignee.token));
    expect(notes.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'waybill.arrived', data: expect.objectContaining({ waybillId: trip.waybill.id }) })]));
  });

  it('should count the positions evaluated and time the rules per batch in /metrics', async () => {
    const metrics = (await request(t.http).get('/metrics')).text;
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1]);
    // Every position of the trip (one batch per message for the first six, then one batch for the rest).
    expect(value('hazway_monitor_positions_evaluated_total')).toBeGreaterThanOrEqual(tripPositions);
    const batches = value('hazway_monitor_batch_evaluation_seconds_count');
    expect(batches).toBeGreaterThanOrEqual(2);
    expect(batches).toBeLessThan(value('hazway_monitor_positions_evaluated_total'));
    expect(value('hazway_monitor_batch_evaluation_seconds_sum')).toBeGreaterThan(0);
  });

  it('should store the trip as alarm episodes, one per rule and key, with the waybill and evidence', async () => {
    const items = await alarms(monitorToken, `&vehicleId=${w.vehicle.id}&historical=false`);
    const rules = items.map((a) => a.ruleId);
    expect(rules).toEqual(expect.arrayContaining(['TR-01', 'TR-06', 'TR-07', 'TR-09', 'TR-14']));
    for (const rule of ['TR-01', 'TR-06', 'TR-07', 'TR-09', 'TR-14']) expect(rules.filter((r) => r === rule)).toHaveLength(1);
    const speeding = items.find((a) => a.ruleId === 'TR-01')!;
    expect(speeding).toMatchObject({ status: 'closed', plate: w.vehicle.plateNumber, waybillId: trip.waybill.id, waybillNumber: trip.waybill.number, carrierId: w.carrier.org.id });
    expect(new Date(speeding.openedAt).getTime()).toBeGreaterThanOrEqual(start.getTime() + 70_000);
    expect(speeding.message.zh).toMatch(/超速/);
    const zone = items.find((a) => a.ruleId === 'TR-07')!;
    expect(zone).toMatchObject({ severity: 'critical', key: zoneId, status: 'closed' });
    expect(items.find((a) => a.ruleId === 'TR-14')).toMatchObject({ severity: 'critical', status: 'open' });
    // the tunnel: ADR 8.6.4 from the waybill line's tunnel code D/E and the dispatched tank
    expect(items.find((a) => a.ruleId === 'TR-09')).toMatchObject({ severity: 'critical', key: tunnelId, status: 'closed', evidence: expect.objectContaining({ tunnelCategory: 'E', prohibitedCategories: ['D', 'E'] }) });
  });

  it('should stream alarms to the carrier and the authorities of its region, not to others', async () => {
    await eventually(async () => (seen.monitor.some((a) => a.ruleId === 'TR-14') ? true : undefined), 5_000, 'the TR-14 alarm on /watch');
    for (const rule of ['TR-01', 'TR-06', 'TR-14']) {
      expect(seen.monitor.some((a) => a.ruleId === rule)).toBe(true);
      expect(seen.authority.some((a) => a.ruleId === rule)).toBe(true);
    }
    const item = seen.monitor.find((a) => a.ruleId === 'TR-01')!;
    expect(Object.keys(item)).toEqual(expect.arrayContaining(['id', 'ruleId', 'severity', 'status', 'vehicleId', 'plate', 'waybillId', 'waybillNumber', 'openedAt', 'lastAt', 'closedAt', 'message', 'evidence']));
    expect(seen.monitor.some((a) => a.ruleId === 'TR-01' && a.status === 'closed')).toBe(true);
    expect(seen.outsider).toEqual([]);
  });

  it('should escalate an unacknowledged critical alarm, and only that one', async () => {
    const escalated = await eventually(async () => {
      const items = await alarms(monitorToken, `&vehicleId=${w.vehicle.id}&ruleId=TR-14`);
      return items[0]?.escalatedAt ? items[0] : undefined;
    }, 10_000, 'the escalation');
    const detail = await request(t.http).get(`/alarms/${escalated.id}`).set(bearer(monitorToken));
    expect(detail.body.steps.map((s: { kind: string }) => s.kind)).toEqual(['opened', 'escalated']);
    const notes = await request(t.http).get('/notifications?limit=200').set(bearer(w.carrier.token));
    expect(notes.body.items.filter((n: { kind: string }) => n.kind === 'alarm.escalated').map((n: { data: { alarm: { id: string } } }) => n.data.alarm.id)).toEqual([escalated.id]);
    // The zone alarm was critical too, but closed by its rule before the delay: not escalated.
    const [zone] = await alarms(monitorToken, `&vehicleId=${w.vehicle.id}&ruleId=TR-07`);
    expect(zone!.escalatedAt).toBeNull();
    expect(seen.monitor.some((a) => a.id === escalated.id && a.escalatedAt)).toBe(true);
  });

  it('should deliver alarm.opened to the webhook, retried after the receiver failed twice', async () => {
    const delivery = await eventually(async () => {
      const res = await request(t.http).get(`/webhooks/${webhookId}/deliveries`).set(bearer(w.carrier.token));
      const delivered = (res.body.items as { id: string; status: string; attempts: number }[]).filter((d) => d.status === 'delivered');
      return delivered[0];
    }, 15_000, 'a delivered webhook');
    expect(delivery.attempts).toBe(3);
    const tries = receiver.received.filter((r) => r.headers['x-hazway-delivery'] === delivery.id);
    expect(tries.map((r) => r.answeredWith)).toEqual([503, 503, 200]);
    expect(tries[0]!.headers['x-hazway-event']).toBe('alarm.opened');
    expect(JSON.parse(tries[2]!.rawBody).notification.data.alarm).toMatchObject({ vehicleId: w.vehicle.id });
  });

  it('should let the carrier monitor acknowledge and close an alarm, audited, and keep others out', async () => {
    // The emergency alarm is still open (the button is held): closing a rule-closed one would be refused.
    const [speeding] = await alarms(monitorToken, `&vehicleId=${w.vehicle.id}&ruleId=TR-14`);
    const [ruleClosed] = await alarms(monitorToken, `&vehicleId=${w.vehicle.id}&ruleId=TR-06`);
    expect((await request(t.http).post(`/alarms/${ruleClosed!.id}/acknowledge`).set(bearer(monitorToken)).send({})).body.code).toBe('ALARM_CLOSED');
    // Outside the region, or another organisation's vehicle: not found.
    expect((await request(t.http).get(`/alarms/${speeding!.id}`).set(bearer(outsider.token))).status).toBe(404);
    expect((await request(t.http).post(`/alarms/${speeding!.id}/acknowledge`).set(bearer(outsider.token)).send({})).status).toBe(404);
    // The shipper and the consignee of the waybill see its alarms (read only); they cannot handle them.
    expect(speeding!.waybillId).toBe(trip.waybill.id);
    expect((await request(t.http).get(`/alarms/${speeding!.id}`).set(bearer(w.shipper.token))).status).toBe(200);
    expect((await request(t.http).get(`/alarms?waybillId=${trip.waybill.id}`).set(bearer(w.consignee.token))).body.items.map((a: { id: string }) => a.id)).toContain(speeding!.id);
    expect((await request(t.http).post(`/alarms/${speeding!.id}/acknowledge`).set(bearer(w.shipper.token)).send({})).status).toBe(404);
    expect((await request(t.http).get(`/alarms?vehicleId=${w.vehicle.id}`).set(bearer(outsider.token))).body.items).toEqual([]);
    expect((await request(t.http).get(`/alarms/${speeding!.id}`).set(bearer(authority.token))).status).toBe(200);

    const ack = await request(t.http).post(`/alarms/${speeding!.id}/acknowledge`).set(bearer(monitorToken)).send({ note: '已电话联系司机' });
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ status: 'acknowledged' });
    expect(ack.body.acknowledgedAt).not.toBeNull();
    const again = await request(t.http).post(`/alarms/${speeding!.id}/acknowledge`).set(bearer(monitorToken)).send({});
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('ALARM_ALREADY_ACKNOWLEDGED');
    expect((await request(t.http).post(`/alarms/${speeding!.id}/close`).set(bearer(monitorToken)).send({})).status).toBe(400);
    const closed = await request(t.http).post(`/alarms/${speeding!.id}/close`).set(bearer(authority.token)).send({ disposition: '司机绕行施工路段，已核实' });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ status: 'closed', disposition: '司机绕行施工路段，已核实' });
    expect(closed.body.steps.map((s: { kind: string; note: string | null }) => [s.kind, s.note])).toEqual([
      ['opened', null],
      ['escalated', expect.any(String)],
      ['acknowledged', '已电话联系司机'],
      ['closed', '司机绕行施工路段，已核实'],
    ]);
    expect((await request(t.http).post(`/alarms/${speeding!.id}/close`).set(bearer(monitorToken)).send({ disposition: 'x' })).body.code).toBe('ALARM_CLOSED');
    const audit = await t.ds.query(`SELECT action, actor_user_id FROM audit_entries WHERE entity_type = 'alarm' AND entity_id = $1 ORDER BY at, id`, [speeding!.id]);
    expect(audit.map((a: { action: string }) => a.action)).toEqual(['alarm.escalate', 'alarm.acknowledge', 'alarm.close']);
  });

  it('should filter and page the alarm list', async () => {
    const crit = await alarms(monitorToken, `&severity=critical&vehicleId=${w.vehicle.id}`);
    expect(crit.length).toBeGreaterThan(0);
    expect(crit.every((a) => a.severity === 'critical')).toBe(true);
    const page = await request(t.http).get(`/alarms?limit=1&offset=0&vehicleId=${w.vehicle.id}`).set(bearer(monitorToken));
    expect(page.body.items).toHaveLength(1);
    expect(page.body.total).toBeGreaterThan(1);
    const later = await request(t.http).get(`/alarms?from=${new Date(Date.now() + 2 * 3_600_000).toISOString()}`).set(bearer(monitorToken));
    expect(later.body.total).toBe(0);
    expect((await request(t.http).get('/alarms?status=nope').set(bearer(monitorToken))).status).toBe(400);
  });

  it('should keep zones to the authorities of their region', async () => {
    const feature = (regionCode?: string) => ({
      type: 'Feature',
      geometry: { type: 'Polygon', coordinates: [[[111.0, 40.0], [111.1, 40.0], [111.1, 40.1], [111.0, 40.0]]] },
      properties: { name: '城区禁行', kind: 'restricted', bannedClasses: [], windows: [{ from: '07:00', to: '09:00' }], speedLimitKmh: 40, ...(regionCode ? { regionCode } : {}) },
    });
    const own = await request(t.http).post('/zones').set(bearer(authority.token)).send(feature('150203'));
    expect(own.status).toBe(201);
    expect(own.body).toMatchObject({ type: 'Feature', geometry: { type: 'Polygon' }, properties: { kind: 'restricted', regionCode: '150203', speedLimitKmh: 40 } });
    expect((await request(t.http).post('/zones').set(bearer(authority.token)).send(feature('150105'))).body.code).toBe('REGION_FORBIDDEN');
    expect((await request(t.http).post('/zones').set(bearer(w.carrier.token)).send(feature())).status).toBe(403);
    const bad = await request(t.http).post('/zones').set(bearer(authority.token)).send({ ...feature(), geometry: { type: 'Polygon', coordinates: [[[111, 40], [111.1, 40], [111, 40]]] } });
    expect(bad.status).toBe(400);
    // Others cannot edit it (not found); everyone signed in reads it.
    expect((await request(t.http).put(`/zones/${own.body.id}`).set(bearer(outsider.token)).send(feature())).status).toBe(404);
    expect((await request(t.http).get(`/zones/${own.body.id}`).set(bearer(w.carrier.token))).status).toBe(200);
    const edited = await request(t.http).put(`/zones/${own.body.id}`).set(bearer(authority.token)).send({ ...feature(), properties: { ...feature().properties, name: '城区禁行（改）' } });
    expect(edited.status).toBe(200);
    expect(edited.body.properties).toMatchObject({ name: '城区禁行（改）', regionCode: '150203' });
    const list = await request(t.http).get('/zones?kind=restricted').set(bearer(w.carrier.token));
    expect(list.body).toMatchObject({ type: 'FeatureCollection' });
    expect(list.body.features.map((f: { id: string }) => f.id)).toEqual(expect.arrayContaining([own.body.id, zoneId]));
    expect((await request(t.http).delete(`/zones/${own.body.id}`).set(bearer(authority.token))).status).toBe(200);
    expect((await request(t.http).get(`/zones/${own.body.id}`).set(bearer(authority.token))).status).toBe(404);
    const audit = await t.ds.query(`SELECT action FROM audit_entries WHERE entity_type = 'zone' AND entity_id = $1 ORDER BY at, id`, [own.body.id]);
    expect(audit.map((a: { action: string }) => a.action)).toEqual(['zone.create', 'zone.update', 'zone.retire']);
  });

  it('should give authorities statistics of their region, as JSON and CSV', async () => {
    const from = new Date(start.getTime() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const res = await request(t.http).get(`/monitoring/statistics?from=${from}&to=${to}`).set(bearer(authority.token));
    expect(res.status).toBe(200);
    expect(res.body.byRule).toEqual(expect.arrayContaining([expect.objectContaining({ ruleId: 'TR-01', count: 1 })]));
    expect(res.body.byCarrier).toEqual([expect.objectContaining({ carrierId: w.carrier.org.id, count: res.body.alarms })]);
    expect(res.body.byDay.reduce((s: number, d: { count: number }) => s + d.count, 0)).toBe(res.body.alarms);
    expect(res.body.acknowledgement.acknowledged).toBe(1);
    expect(res.body.acknowledgement.meanSeconds).toBeGreaterThan(0);
    expect(res.body.onRoute.positions).toBeGreaterThan(30);
    expect(res.body.onRoute.offRoute).toBeGreaterThan(0);
    expect(res.body.onRoute.rate).toBeGreaterThan(0);
    expect(res.body.onRoute.rate).toBeLessThan(1);
    const other = await request(t.http).get(`/monitoring/statistics?from=${from}&to=${to}`).set(bearer(outsider.token));
    expect(other.body.alarms).toBe(0);
    const csv = await request(t.http).get(`/monitoring/statistics?from=${from}&to=${to}&format=csv`).set(bearer(authority.token));
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.text).toContain('rule,TR-01,,1');
    expect((await request(t.http).get(`/monitoring/statistics?from=${from}&to=${to}`).set(bearer(w.carrier.token))).status).toBe(403);
  });

  it('should raise the offline alarm from the clock and close it with the next position', async () => {
    const monitoring = t.app.get(MonitoringService);
    // A second loaded trip, in transit, whose terminal then falls silent.
    const w2 = await createWaybillWorld(t);
    const trip2 = await loadedTrip(t, w2);
    const positions = t.app.get(PositionsService);
    const track = new TrackBuilder(10).stay(1).go(6, 0, 139, 50);
    const begin = new Date(Date.now() - 40 * 60_000); // the last fix below stays in the past
    for (const r of track.records(w2.vehicle.id, begin)) await positions.ingest([r]);
    await monitoring.settle();
    expect((await request(t.http).get(`/waybills/${trip2.waybill.id}`).set(bearer(w2.shipper.token))).body.status).toBe('in_transit');
    const lastFix = begin.getTime() + 6 * 10_000;
    await monitoring.runClock(new Date(lastFix + 6 * 60_000));
    const [offline] = await alarms(w2.carrier.token, `&vehicleId=${w2.vehicle.id}&ruleId=TR-13`);
    expect(offline).toMatchObject({ status: 'open', severity: 'warn' });
    await monitoring.runClock(new Date(lastFix + 25 * 60_000));
    expect((await alarms(w2.carrier.token, `&vehicleId=${w2.vehicle.id}&ruleId=TR-13`))[0]).toMatchObject({ id: offline!.id, severity: 'alarm' });
    const next = new TrackBuilder(10).go(1, 0, 1000, 40).records(w2.vehicle.id, new Date(lastFix + 26 * 60_000));
    next[0]!.lon = track.fixes.at(-1)!.lon + 1000 / M_PER_DEG_LON;
    await positions.ingest(next);
    await monitoring.settle();
    expect((await alarms(w2.carrier.token, `&vehicleId=${w2.vehicle.id}&ruleId=TR-13`))[0]).toMatchObject({ id: offline!.id, status: 'closed' });
  });

  it("should check a driver's IC card sent over JT/T 808 against the waybill's crew (TR-16)", async () => {
    const monitoring = t.app.get(MonitoringService);
    const w3 = await createWaybillWorld(t);
    await loadedTrip(t, w3); // loaded: monitored as a trip
    const phone = `0139${String(Date.now()).slice(-8)}`;
    expect((await request(t.http).post('/terminals').set(bearer(w3.carrier.token)).send({ phone, vehicleId: w3.vehicle.id })).status).toBe(201);
    const c = await Jt808TestClient.connect(t.app.get(TerminalServer).port!, phone);
    try {
      const reg = await c.request(ID.REGISTER, encodeRegister({ provinceId: 15, cityId: 200, manufacturerId: 'HZW01', model: 'HZ-808', terminalId: 'T16', plateColor: 2, plate: w3.vehicle.plateNumber }));
      const authCode = (reg.message.body as { authCode: string }).authCode;
      expect((await c.request(ID.AUTH, encodeAuth({ authCode }))).message.body).toMatchObject({ result: 0 });
      const [driver] = await t.ds.query(`SELECT id_number FROM people WHERE id = $1`, [w3.driver.id]);
      const card = (name: string, idCardNumber: string) =>
        encodeDriverIdentity({ layout: '2019', status: 1, time: new Date(), icReadResult: 0, name, certificateNumber: '', issuingAuthority: '包头市交通运输局', expiry: '2030-01-01', idCardNumber });
      const stranger = await c.request(ID.DRIVER_IDENTITY, card('张三', '150203199001010011'));
      expect(stranger.message.body).toMatchObject({ replyId: ID.DRIVER_IDENTITY, result: 0 });
      await monitoring.settle();
      const [open] = await eventually(async () => {
        const found = await alarms(w3.carrier.token, `&vehicleId=${w3.vehicle.id}&ruleId=TR-16`);
        return found.length ? found : undefined;
      }, 5_000, 'the TR-16 alarm');
      expect(open).toMatchObject({ status: 'open', severity: 'alarm', key: 'driver', evidence: expect.objectContaining({ reason: 'not-on-waybill', cardName: '张三' }) });
      await c.request(ID.DRIVER_IDENTITY, card('司机', driver.id_number));
      await monitoring.settle();
      await eventually(async () => ((await alarms(w3.carrier.token, `&vehicleId=${w3.vehicle.id}&ruleId=TR-16`))[0]?.status === 'closed' ? true : undefined), 5_000, 'TR-16 closed');
    } finally {
      c.destroy();
    }
  });
});
