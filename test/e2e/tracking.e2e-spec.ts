import polyline from '@googlemaps/polyline-codec';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import request from 'supertest';
import { LIVE_FLUSH_DEFAULT_MS } from '../../src/config/env.js';
import { PositionsService } from '../../src/tracking/positions/positions.service.js';
import type { LiveItem } from '../../src/tracking/live/live-positions.rules.js';
import { JT808_MESSAGE_ID as ID } from '../../src/tracking/terminal/jt808/jt808.constants.js';
import { encodeAuth, encodeLocation, encodeRegister } from '../../src/tracking/terminal/jt808/jt808.encoder.js';
import { TerminalServer } from '../../src/tracking/terminal/terminal.server.js';
import { bearer, startTestApp, type TestApp } from '../helpers/app.js';
import { connected, refusal, waitForItem } from '../helpers/sockets.js';
import { createOrgWithUser, vehicleWithTerminal } from '../helpers/fixtures.js';
import { describeWithRedis, redisUrl } from '../helpers/redis.js';
import { createWaybillWorld, issuedWaybill } from '../helpers/waybill-world.js';
import { Jt808TestClient } from './jt808-client.js';

// App terminals (/terminals), live subscriptions (/watch), latest positions and track replay (REST).

type Fix = { fixTime: string; lat: number; lon: number; speedKmh: number; course: number; altitudeM?: number; alarmBits?: number };
type Ack = { ok: boolean; code?: string; stored?: number; duplicates?: number; flagged?: number; snapshot?: LiveItem[]; details?: { fields: { path: string }[] } };

const sockets: Socket[] = [];
afterAll(() => {
  for (const s of sockets) s.disconnect();
});

function socketTo(url: string, namespace: '/watch' | '/terminals', token?: string): Socket {
  const socket = io(`${url}${namespace}`, { transports: ['websocket'], reconnection: false, forceNew: true, auth: token === undefined ? {} : { token } });
  sockets.push(socket);
  return socket;
}

const watcher = (t: TestApp, token: string) => connected(socketTo(t.url, '/watch', token));
const terminal = (t: TestApp, token: string) => connected(socketTo(t.url, '/terminals', token));
const call = (socket: Socket, event: string, payload: unknown): Promise<Ack> => socket.timeout(10_000).emitWithAck(event, payload);

// Every position item a watcher receives, in order.
function recorder(socket: Socket): LiveItem[] {
  const seen: LiveItem[] = [];
  socket.on('positions', (items: LiveItem[]) => seen.push(...items));
  return seen;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// A vehicle driving north at about 40 km/h (0.001 degree of latitude, 111 m, every 10 s), from `start`.
const drive = (start: number, count: number, from = 0): Fix[] =>
  Array.from({ length: count }, (_, k) => {
    const i = from + k;
    return { fixTime: new Date(start + i * 10_000).toISOString(), lat: 39.6 + i * 0.001, lon: 109.8, speedKmh: 40 + (i % 5), course: 0, altitudeM: 1250 };
  });
// Whole seconds, `minutes` back: clean for the plausibility rules.
const minutesAgo = (minutes: number) => Math.floor(Date.now() / 1000) * 1000 - minutes * 60_000;

let seq = 0;

// A carrier with a vehicle and an app terminal bound to it, with its token.
async function carrierWithAppTerminal(t: TestApp, regionCode = '150102') {
  const n = ++seq;
  const carrier = await createOrgWithUser(t, 'carrier', { regionCode });
  const vehicle = await request(t.http)
    .post('/vehicles')
    .set(bearer(carrier.token))
    .send({ plateNumber: `蒙A${String(10000 + n * 7 + (Date.now() % 7))}`, plateColour: 'yellow', kind: 'tractor' });
  expect(vehicle.status).toBe(201);
  const token = await appTerminalFor(t, carrier.token, vehicle.body.id);
  return { carrier, vehicleId: vehicle.body.id as string, ...token };
}

async function appTerminalFor(t: TestApp, carrierToken: string, vehicleId: string | null) {
  const term = await request(t.http)
    .post('/terminals')
    .set(bearer(carrierToken))
    .send({ protocol: 'app', phone: `0139${String(++seq).padStart(4, '0')}${String(Date.now()).slice(-4)}`, vehicleId });
  expect(term.status).toBe(201);
  const issued = await request(t.http).post(`/terminals/${term.body.id}/app-token`).set(bearer(carrierToken));
  expect(issued.status).toBe(201);
  return { terminalId: term.body.id as string, token: issued.body.token as string };
}

describe('tracking: app terminals, live subscriptions, replay', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  describe('/terminals handshake', () => {
    it('should refuse a missing, malformed or wrong token with a code', async () => {
      const { terminalId, token } = await carrierWithAppTerminal(t);
      expect((await refusal(socketTo(t.url, '/terminals'))).data).toEqual({ code: 'TOKEN_MISSING' });
      expect((await refusal(socketTo(t.url, '/terminals', 'hzt_nonsense'))).data).toEqual({ code: 'TERMINAL_TOKEN_INVALID' });
      const wrongSecret = `hzt_${terminalId}_${'A'.repeat(32)}`;
      expect((await refusal(socketTo(t.url, '/terminals', wrongSecret))).data).toEqual({ code: 'TERMINAL_TOKEN_INVALID' });
      const unknownTerminal = token.replace(terminalId, '00000000-0000-4000-8000-000000000000');
      expect((await refusal(socketTo(t.url, '/terminals', unknownTerminal))).data).toEqual({ code: 'TERMINAL_TOKEN_INVALID' });
      // A user's sign-in token is not a terminal token.
      expect((await refusal(socketTo(t.url, '/terminals', await t.adminToken()))).data).toEqual({ code: 'TERMINAL_TOKEN_INVALID' });
    });

    it('should refuse a terminal bound to no vehicle, a retired one, and a token that was replaced', async () => {
      const { carrier, terminalId, token } = await carrierWithAppTerminal(t);
      const unbound = await appTerminalFor(t, carrier.token, null);
      expect((await refusal(socketTo(t.url, '/terminals', unbound.token))).data).toEqual({ code: 'TERMINAL_NOT_BOUND' });

      const reissued = await request(t.http).post(`/terminals/${terminalId}/app-token`).set(bearer(carrier.token));
      expect((await refusal(socketTo(t.url, '/terminals', token))).data).toEqual({ code: 'TERMINAL_TOKEN_INVALID' });
      await terminal(t, reissued.body.token);

      expect((await request(t.http).delete(`/terminals/${terminalId}`).set(bearer(carrier.token))).status).toBe(200);
      expect((await refusal(socketTo(t.url, '/terminals', reissued.body.token))).data).toEqual({ code: 'TERMINAL_RETIRED' });
    });
  });

  describe('positions from an app terminal', () => {
    it('should store a position, acknowledge it, and push it to a watcher of the vehicle', async () => {
      const { carrier, vehicleId, token } = await carrierWithAppTerminal(t);
      const w = await watcher(t, carrier.token);
      expect(await call(w, 'subscribe', { vehicleId })).toEqual({ ok: true, snapshot: [] });
      const app = await terminal(t, token);

      const [fix] = drive(minutesAgo(5), 1);
      const pushed = waitForItem(w, (i) => i.vehicleId === vehicleId);
      expect(await call(app, 'position', { ...fix, alarmBits: 1 })).toEqual({ ok: true, stored: 1, duplicates: 0, flagged: 0 });
      expect(await pushed).toEqual({ vehicleId, waybillId: null, fixTime: fix!.fixTime, lat: 39.6, lon: 109.8, speedKmh: 40, course: 0, alarmBits: 1 });

      const latest = await request(t.http).get(`/vehicles/${vehicleId}/position`).set(bearer(carrier.token));
      expect(latest.status).toBe(200);
      expect(latest.body).toMatchObject({ vehicleId, fixTime: fix!.fixTime, lat: 39.6, lon: 109.8, alarmBits: 1, statusBits: 2 });
      // A later subscriber starts from the latest position.
      const w2 = await watcher(t, carrier.token);
      expect((await call(w2, 'subscribe', { vehicleId })).snapshot).toEqual([expect.objectContaining({ vehicleId, fixTime: fix!.fixTime })]);
    });

    it('should acknowledge a batch of 100 only once stored, and answer a re-sent batch with duplicates', async () => {
      const { vehicleId, token } = await carrierWithAppTerminal(t);
      const app = await terminal(t, token);
      const batch = drive(minutesAgo(60), 100);
      expect(await call(app, 'positions', batch)).toEqual({ ok: true, stored: 100, duplicates: 0, flagged: 0 });
      // Acknowledged means committed: another connection sees all of them at once.
      const [{ n }] = await t.ds.query(`SELECT count(*)::int AS n FROM positions WHERE vehicle_id = $1 AND source = 'app'`, [vehicleId]);
      expect(n).toBe(100);
      expect(await call(app, 'positions', batch)).toEqual({ ok: true, stored: 0, duplicates: 100, flagged: 0 });
      const [{ n: after }] = await t.ds.query(`SELECT count(*)::int AS n FROM positions WHERE vehicle_id = $1`, [vehicleId]);
      expect(after).toBe(100);
    });

    it('should store for the token vehicle only, whatever vehicle the payload names', async () => {
      const mine = await carrierWithAppTerminal(t);
      const other = await carrierWithAppTerminal(t);
      const app = await terminal(t, mine.token);
      const [fix] = drive(minutesAgo(3), 1);
      expect(await call(app, 'position', { ...fix, vehicleId: other.vehicleId })).toMatchObject({ ok: true, stored: 1 });
      const admin = bearer(await t.adminToken());
      expect((await request(t.http).get(`/vehicles/${mine.vehicleId}/position`).set(admin)).status).toBe(200);
      const theirs = await request(t.http).get(`/vehicles/${other.vehicleId}/position`).set(admin);
      expect([theirs.status, theirs.body.code]).toEqual([404, 'NO_POSITION']);
    });

    it('should answer VALIDATION_FAILED with the fields at fault, storing nothing', async () => {
      const { vehicleId, token } = await carrierWithAppTerminal(t);
      const app = await terminal(t, token);
      const [fix] = drive(minutesAgo(3), 1);
      const bad = await call(app, 'position', { ...fix, lat: 'north', fixTime: '2026-11-29 08:00' });
      expect(bad).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
      expect(bad.details!.fields.map((f) => f.path).sort()).toEqual(['fixTime', 'lat']);
      const oneBadInBatch = drive(minutesAgo(30), 3);
      oneBadInBatch[1] = { ...oneBadInBatch[1]!, speedKmh: -5 };
      const batch = await call(app, 'positions', oneBadInBatch);
      expect(batch).toMatchObject({ ok: false, code: 'VALIDATION_FAILED', details: { fields: [{ path: '1.speedKmh' }] } });
      expect(await call(app, 'positions', [])).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
      expect(await call(app, 'positions', drive(minutesAgo(200), 501))).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
      const [{ n }] = await t.ds.query(`SELECT count(*)::int AS n FROM positions WHERE vehicle_id = $1`, [vehicleId]);
      expect(n).toBe(0);
    });

    it('should answer STORAGE_UNAVAILABLE, never ok, when the write fails', async () => {
      const { token } = await carrierWithAppTerminal(t);
      const app = await terminal(t, token);
      const positions = t.app.get(PositionsService);
      const ingest = positions.ingest;
      positions.ingest = async () => {
        throw new Error('connection terminated');
      };
      try {
        expect(await call(app, 'positions', drive(minutesAgo(10), 3))).toMatchObject({ ok: false, code: 'STORAGE_UNAVAILABLE' });
      } finally {
        positions.ingest = ingest;
      }
    });
  });

  describe('/watch subscriptions', () => {
    it("should answer NOT_FOUND for another carrier's vehicle and never push its positions", async () => {
      const a = await carrierWithAppTerminal(t);
      const b = await carrierWithAppTerminal(t);
      const bw = await watcher(t, b.carrier.token);
      expect(await call(bw, 'subscribe', { vehicleId: a.vehicleId })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
      expect(await call(bw, 'subscribe', { vehicleId: '00000000-0000-4000-8000-000000000000' })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
      expect(await call(bw, 'subscribe', { vehicleId: 'not-a-uuid' })).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
      expect(await call(bw, 'subscribe', { vehicleId: b.vehicleId })).toMatchObject({ ok: true });
      const seen = recorder(bw);

      const start = minutesAgo(5);
      expect(await call(await terminal(t, a.token), 'position', drive(start, 1)[0])).toMatchObject({ ok: true, stored: 1 });
      const own = waitForItem(bw, (i) => i.vehicleId === b.vehicleId);
      expect(await call(await terminal(t, b.token), 'position', drive(start, 1)[0])).toMatchObject({ ok: true, stored: 1 });
      await own;
      // A's position went out first (same or earlier flush), so had it been pushed to B it would be here by now.
      expect(seen.map((i) => i.vehicleId)).toEqual([b.vehicleId]);
    });

    it('should stop pushing after unsubscribe', async () => {
      const { carrier, vehicleId, token } = await carrierWithAppTerminal(t);
      const w = await watcher(t, carrier.token);
      await call(w, 'subscribe', { vehicleId });
      expect(await call(w, 'unsubscribe', { vehicleId })).toEqual({ ok: true });
      const seen = recorder(w);
      await call(await terminal(t, token), 'position', drive(minutesAgo(5), 1)[0]);
      await sleep(LIVE_FLUSH_DEFAULT_MS * 4);
      expect(seen).toEqual([]);
    });

    it('should let an authority watch its region (once per position) and refuse other regions', async () => {
      const hohhot = await carrierWithAppTerminal(t, '150102');
      const beijing = await carrierWithAppTerminal(t, '110105');
      const start = minutesAgo(10);
      await call(await terminal(t, hohhot.token), 'position', drive(start, 1)[0]);

      const innerMongolia = await createOrgWithUser(t, 'authority', { regionCode: '150000' });
      const baotou = await createOrgWithUser(t, 'authority', { regionCode: '150200' });
      const beijingAuthority = await createOrgWithUser(t, 'authority', { regionCode: '110000' });

      const im = await watcher(t, innerMongolia.token);
      const snapshot = await call(im, 'subscribe', { region: '150000' });
      expect(snapshot.ok).toBe(true);
      expect(snapshot.snapshot!.map((i) => i.vehicleId)).toContain(hohhot.vehicleId);
      expect(snapshot.snapshot!.map((i) => i.vehicleId)).not.toContain(beijing.vehicleId);
      // Also following the vehicle itself and its county: still one copy of each position.
      expect(await call(im, 'subscribe', { vehicleId: hohhot.vehicleId })).toMatchObject({ ok: true });
      expect(await call(im, 'subscribe', { region: '150102' })).toMatchObject({ ok: true });

      const bt = await watcher(t, baotou.token);
      expect(await call(bt, 'subscribe', { region: '150102' })).toMatchObject({ ok: false, code: 'FORBIDDEN' });
      expect(await call(bt, 'subscribe', { region: '150000' })).toMatchObject({ ok: false, code: 'FORBIDDEN' });
      expect(await call(bt, 'subscribe', { region: '150200' })).toMatchObject({ ok: true });
      expect(await call(bt, 'subscribe', { vehicleId: hohhot.vehicleId })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
      const bj = await watcher(t, beijingAuthority.token);
      expect(await call(bj, 'subscribe', { region: '150000' })).toMatchObject({ ok: false, code: 'FORBIDDEN' });
      expect(await call(bj, 'subscribe', { region: '110000' })).toMatchObject({ ok: true });
      const carrierWatch = await watcher(t, hohhot.carrier.token);
      expect(await call(carrierWatch, 'subscribe', { region: '150102' })).toMatchObject({ ok: false, code: 'FORBIDDEN' });
      expect(await call(carrierWatch, 'subscribe', { region: '999999' })).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });

      const seenByIm = recorder(im);
      const seenByBaotou = recorder(bt);
      const seenByBeijing = recorder(bj);
      const [, next] = drive(start, 2);
      const imGets = waitForItem(im, (i) => i.vehicleId === hohhot.vehicleId && i.fixTime === next!.fixTime);
      await call(await terminal(t, hohhot.token), 'position', next);
      await imGets;
      const bjGets = waitForItem(bj, (i) => i.vehicleId === beijing.vehicleId);
      await call(await terminal(t, beijing.token), 'position', drive(start, 1)[0]);
      await bjGets;
      await sleep(LIVE_FLUSH_DEFAULT_MS * 3);
      expect(seenByIm.filter((i) => i.vehicleId === hohhot.vehicleId)).toHaveLength(1);
      expect(seenByIm.map((i) => i.vehicleId)).not.toContain(beijing.vehicleId);
      expect(seenByBaotou).toEqual([]);
      expect(seenByBeijing.map((i) => i.vehicleId)).toEqual([beijing.vehicleId]);
    });

    it("should let a waybill's parties follow its trip, and no one else", async () => {
      const world = await createWaybillWorld(t);
      const waybill = await issuedWaybill(t, world);
      const { token } = await appTerminalFor(t, world.carrier.token, world.vehicle.id);
      // Goods on board (the loading flow itself is tested in loading-checks): positions from now on carry the waybill.
      await t.ds.query(`UPDATE waybills SET status = 'in_transit' WHERE id = $1`, [waybill.id]);
      await t.app.get(PositionsService).refreshWaybillLinks();

      const shipper = await watcher(t, world.shipper.token);
      expect(await call(shipper, 'subscribe', { waybillId: waybill.id })).toEqual({ ok: true, snapshot: [] });
      const consignee = await watcher(t, world.consignee.token);
      expect(await call(consignee, 'subscribe', { waybillId: waybill.id })).toMatchObject({ ok: true });
      const stranger = await createOrgWithUser(t, 'shipper', { regionCode: '110105' });
      const strangerWatch = await watcher(t, stranger.token);
      expect(await call(strangerWatch, 'subscribe', { waybillId: waybill.id })).toMatchObject({ ok: false, code: 'NOT_FOUND' });

      const fix = { fixTime: new Date().toISOString(), lat: 39.7, lon: 110.1, speedKmh: 62, course: 45 };
      const pushed = waitForItem(shipper, (i) => i.vehicleId === world.vehicle.id);
      expect(await call(await terminal(t, token), 'position', fix)).toMatchObject({ ok: true, stored: 1 });
      expect(await pushed).toMatchObject({ waybillId: waybill.id, fixTime: fix.fixTime });

      const from = new Date(Date.now() - 3600_000).toISOString();
      const track = await request(t.http).get('/tracking/track').query({ waybillId: waybill.id, from }).set(bearer(world.shipper.token));
      expect(track.status).toBe(200);
      expect(track.body).toMatchObject({ waybillId: waybill.id, points: 1, times: [fix.fixTime] });
      const refused = await request(t.http).get('/tracking/track').query({ waybillId: waybill.id, from }).set(bearer(stranger.token));
      expect([refused.status, refused.body.code]).toEqual([404, 'WAYBILL_NOT_FOUND']);
    });
  });

  describe('REST: the latest position of a waybill', () => {
    it("should give a waybill's latest position to its parties, 404 NO_POSITION before there is one, and WAYBILL_NOT_FOUND to others", async () => {
      const world = await createWaybillWorld(t);
      const waybill = await issuedWaybill(t, world);
      const { token } = await appTerminalFor(t, world.carrier.token, world.vehicle.id);
      const position = (as: string) => request(t.http).get(`/waybills/${waybill.id}/position`).set(bearer(as));

      const none = await position(world.shipper.token);
      expect([none.status, none.body.code]).toEqual([404, 'NO_POSITION']);

      // On its way since 10 minutes ago (the trip window starts at dispatch when there is no loading event).
      await t.ds.query(`UPDATE waybills SET status = 'in_transit', dispatched_at = now() - interval '10 minutes' WHERE id = $1`, [waybill.id]);
      await t.app.get(PositionsService).refreshWaybillLinks();
      const [first, second] = drive(minutesAgo(4), 2);
      expect(await call(await terminal(t, token), 'positions', [first, second])).toMatchObject({ ok: true, stored: 2 });

      for (const party of [world.shipper, world.carrier, world.consignee]) {
        const res = await position(party.token);
        expect(res.status).toBe(200);
        expect(res.body).toEqual({
          vehicleId: world.vehicle.id,
          waybillId: waybill.id,
          fixTime: second!.fixTime,
          receivedAt: expect.any(String),
          lat: second!.lat,
          lon: second!.lon,
          speedKmh: second!.speedKmh,
          course: 0,
          alarmBits: 0,
          statusBits: 2,
        });
      }
      // The same answer, field for field, as the vehicle's own latest position.
      const vehicle = await request(t.http).get(`/vehicles/${world.vehicle.id}/position`).set(bearer(world.carrier.token));
      expect((await position(world.carrier.token)).body).toEqual(vehicle.body);

      const stranger = await createOrgWithUser(t, 'shipper', { regionCode: '110105' });
      const refused = await position(stranger.token);
      expect([refused.status, refused.body.code]).toEqual([404, 'WAYBILL_NOT_FOUND']);
      const unknown = await request(t.http).get('/waybills/00000000-0000-4000-8000-000000000000/position').set(bearer(await t.adminToken()));
      expect([unknown.status, unknown.body.code]).toEqual([404, 'WAYBILL_NOT_FOUND']);
      const malformed = await request(t.http).get('/waybills/not-a-uuid/position').set(bearer(world.shipper.token));
      expect(malformed.status).toBe(400);
    });
  });

  describe('REST: latest positions and track replay', () => {
    // North for 10 fixes, then east for 10: a corner a simplification must keep.
    const corner = (start: number): Fix[] =>
      Array.from({ length: 20 }, (_, i) => ({
        fixTime: new Date(start + i * 10_000).toISOString(),
        lat: i < 10 ? Number((39.6 + i * 0.001).toFixed(6)) : 39.609,
        lon: i < 10 ? 109.8 : Number((109.8 + (i - 9) * 0.0013).toFixed(6)),
        speedKmh: 38 + i,
        course: i < 10 ? 0 : 90,
      }));

    let carrier: Awaited<ReturnType<typeof carrierWithAppTerminal>>;
    let rival: Awaited<ReturnType<typeof carrierWithAppTerminal>>;
    let sent: Fix[];
    const start = minutesAgo(120);
    const from = new Date(start - 60_000).toISOString();
    const to = new Date(start + 3600_000).toISOString();
    beforeAll(async () => {
      carrier = await carrierWithAppTerminal(t);
      rival = await carrierWithAppTerminal(t);
      sent = corner(start);
      expect(await call(await terminal(t, carrier.token), 'positions', sent)).toMatchObject({ ok: true, stored: 20 });
      expect(await call(await terminal(t, rival.token), 'positions', drive(start, 3))).toMatchObject({ ok: true, stored: 3 });
    });

    const track = (query: Record<string, string | number>, token = carrier.carrier.token) =>
      request(t.http).get('/tracking/track').query(query).set(bearer(token));

    it('should replay a track as a polyline that decodes to the points sent', async () => {
      const res = await track({ vehicleId: carrier.vehicleId, from, to });
      expect(res.status).toBe(200);
      expect(res.headers['x-track-truncated']).toBe('false');
      expect(res.body).toMatchObject({ vehicleId: carrier.vehicleId, points: 20, sourcePoints: 20, truncated: false, precision: 5 });
      const decoded = polyline.decode(res.body.polyline, 5);
      expect(decoded).toHaveLength(20);
      decoded.forEach(([lat, lon], i) => {
        expect(lat).toBeCloseTo(sent[i]!.lat, 5);
        expect(lon).toBeCloseTo(sent[i]!.lon, 5);
      });
      expect(res.body.times).toEqual(sent.map((s) => s.fixTime));
      expect(res.body.speeds).toEqual(sent.map((s) => s.speedKmh));
    });

    it('should simplify with Douglas-Peucker, keeping the ends and the corner', async () => {
      const res = await track({ vehicleId: carrier.vehicleId, from, to, simplify: 50 });
      expect(res.body).toMatchObject({ points: 3, sourcePoints: 20, simplifyM: 50 });
      expect(res.body.times).toEqual([sent[0]!.fixTime, sent[9]!.fixTime, sent[19]!.fixTime]);
      const decoded = polyline.decode(res.body.polyline, 5);
      expect(decoded).toHaveLength(3);
      [0, 9, 19].forEach((k, i) => {
        expect(decoded[i]![0]).toBeCloseTo(sent[k]!.lat, 5);
        expect(decoded[i]![1]).toBeCloseTo(sent[k]!.lon, 5);
      });
    });

    it('should replay as GeoJSON: a LineString in [lon, lat] and a Point per fix', async () => {
      const res = await track({ vehicleId: carrier.vehicleId, from, to, format: 'geojson' });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/geo\+json/);
      const body = JSON.parse(res.text);
      expect(body.type).toBe('FeatureCollection');
      const [line, ...points] = body.features;
      expect(line.geometry.type).toBe('LineString');
      expect(line.geometry.coordinates).toEqual(sent.map((s) => [s.lon, s.lat]));
      expect(points).toHaveLength(20);
      expect(points[3]).toMatchObject({ geometry: { type: 'Point', coordinates: [sent[3]!.lon, sent[3]!.lat] }, properties: { time: sent[3]!.fixTime, speedKmh: sent[3]!.speedKmh } });
    });

    it('should replay as CSV with a UTF-8 BOM and a header', async () => {
      const res = await track({ vehicleId: carrier.vehicleId, from, to, format: 'csv' });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      expect(res.headers['content-disposition']).toContain(`track-vehicle-${carrier.vehicleId}.csv`);
      expect(res.text.charCodeAt(0)).toBe(0xfeff);
      const lines = res.text.slice(1).trimEnd().split('\r\n');
      expect(lines[0]).toBe('time,lat,lon,speed_kmh,course,altitude_m,alarm_bits,status_bits,mileage_km,waybill_id,quality');
      expect(lines).toHaveLength(21);
      expect(lines[1]!.split(',').slice(0, 5)).toEqual([sent[0]!.fixTime, '39.6', '109.8', '38', '0']);
    });

    it("should answer 404 for another carrier's vehicle and refuse unbounded or ambiguous queries", async () => {
      const other = await track({ vehicleId: rival.vehicleId, from, to });
      expect([other.status, other.body.code]).toEqual([404, 'VEHICLE_NOT_FOUND']);
      const long = await track({ vehicleId: carrier.vehicleId, from: '2026-01-01T00:00:00Z', to: '2026-03-01T00:00:00Z' });
      expect([long.status, long.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      const both = await track({ vehicleId: carrier.vehicleId, waybillId: carrier.vehicleId, from, to });
      expect(both.status).toBe(400);
      const neither = await track({ from, to });
      expect(neither.status).toBe(400);
      // An authority of the region reads it; one elsewhere does not.
      const im = await createOrgWithUser(t, 'authority', { regionCode: '150000' });
      expect((await track({ vehicleId: carrier.vehicleId, from, to }, im.token)).body.points).toBe(20);
      const bj = await createOrgWithUser(t, 'authority', { regionCode: '110000' });
      expect((await track({ vehicleId: carrier.vehicleId, from, to }, bj.token)).status).toBe(404);
    });

    it('should give the latest positions of the visible vehicles only', async () => {
      const res = await request(t.http)
        .get('/tracking/latest')
        .query({ vehicleIds: `${carrier.vehicleId},${rival.vehicleId}` })
        .set(bearer(carrier.carrier.token));
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([expect.objectContaining({ vehicleId: carrier.vehicleId, fixTime: sent[19]!.fixTime, lat: 39.609 })]);
      const admin = await request(t.http)
        .get('/tracking/latest')
        .query({ vehicleIds: [carrier.vehicleId, rival.vehicleId] })
        .set(bearer(await t.adminToken()));
      expect(admin.body.items.map((i: { vehicleId: string }) => i.vehicleId).sort()).toEqual([carrier.vehicleId, rival.vehicleId].sort());
      const other = await request(t.http).get(`/vehicles/${rival.vehicleId}/position`).set(bearer(carrier.carrier.token));
      expect([other.status, other.body.code]).toEqual([404, 'VEHICLE_NOT_FOUND']);
    });
  });

  it('should report connected watchers and app terminals, and positions pushed, in /metrics', async () => {
    const { carrier, vehicleId, token } = await carrierWithAppTerminal(t);
    const w = await watcher(t, carrier.token);
    await call(w, 'subscribe', { vehicleId });
    const pushed = waitForItem(w, (i) => i.vehicleId === vehicleId);
    await call(await terminal(t, token), 'position', drive(minutesAgo(5), 1)[0]);
    await pushed;
    const metrics = (await request(t.http).get('/metrics')).text;
    const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(value('hazway_watchers_connected')).toBeGreaterThanOrEqual(1);
    expect(value('hazway_app_terminals_connected')).toBeGreaterThanOrEqual(1);
    expect(value('hazway_live_positions_pushed_total')).toBeGreaterThanOrEqual(1);
    // ACK latency of the socket.io path, as hazway_jt808_ack_seconds is for JT/T 808.
    expect(metrics).toMatch(/^hazway_app_terminal_ack_seconds_count\{event="position"\} [1-9]/m);
    expect(metrics).toMatch(/^hazway_app_terminal_ack_seconds_bucket\{le="0\.001",event="position"\} \d+$/m);
  });
});

// Global back-pressure on /terminals: while the position writer is saturated (here: its pending rows at the limit,
// POSITIONS_MAX_PENDING_ROWS=100, with the write held by a lock as in jt808-overload.e2e-spec.ts), new positions are
// refused with BUSY on every connection instead of queued, and accepted again once the writer has caught up.
describe('tracking: app terminals while position writes are behind', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ POSITIONS_MAX_PENDING_ROWS: '100', POSITIONS_ADMISSION_MS: '0' });
  });
  afterAll(() => t?.close());

  it('should answer BUSY on every connection while the writer is saturated, holding nothing, and accept again after', async () => {
    const a = await carrierWithAppTerminal(t);
    const b = await carrierWithAppTerminal(t);
    const appA = await terminal(t, a.token);
    const appB = await terminal(t, b.token);
    const positions = t.app.get(PositionsService);
    const start = minutesAgo(90);
    const blocker = new pg.Client({ connectionString: t.db.url });
    await blocker.connect();
    let held: Promise<Ack>;
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE positions IN SHARE MODE');
      // 100 positions: the limit, all accepted, their write waiting for the lock.
      held = call(appA, 'positions', drive(start, 100));
      const deadline = Date.now() + 10_000;
      while (!positions.isSaturated) {
        if (Date.now() > deadline) throw new Error('the writer did not saturate');
        await sleep(20);
      }
      // Another connection (its own cap is far away) and the same one: refused, not queued behind the lock.
      expect(await call(appB, 'position', drive(start, 1)[0])).toMatchObject({ ok: false, code: 'BUSY' });
      expect(await call(appA, 'positions', drive(start, 5, 100))).toMatchObject({ ok: false, code: 'BUSY' });
      expect(positions.writerStats).toMatchObject({ pendingRows: 100, waitingSubmits: 0 });
      await blocker.query('COMMIT');
    } finally {
      await blocker.end();
    }
    expect(await held).toEqual({ ok: true, stored: 100, duplicates: 0, flagged: 0 });
    expect(positions.isSaturated).toBe(false);
    expect(await call(appB, 'position', drive(start, 1)[0])).toEqual({ ok: true, stored: 1, duplicates: 0, flagged: 0 });
    const [{ n }] = await t.ds.query(`SELECT count(*)::int AS n FROM positions WHERE vehicle_id = ANY($1::uuid[])`, [[a.vehicleId, b.vehicleId]]);
    expect(n).toBe(101);
    const metrics = (await request(t.http).get('/metrics')).text;
    expect(Number(/^hazway_app_terminal_messages_total\{outcome="busy"\} (\S+)$/m.exec(metrics)?.[1])).toBe(2);
  });
});

describeWithRedis('tracking across two instances sharing Redis', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp({ REDIS_URL: redisUrl! });
    b = await startTestApp({ REDIS_URL: redisUrl!, QUEUE_PREFIX: a.env.QUEUE_PREFIX }, a.db);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('should push a position sent to instance A to watchers on instance B (vehicle and region), once each', async () => {
    const { carrier, vehicleId, token } = await carrierWithAppTerminal(a);
    const authority = await createOrgWithUser(a, 'authority', { regionCode: '150100' });
    const onB = await watcher(b, carrier.token);
    expect(await call(onB, 'subscribe', { vehicleId })).toMatchObject({ ok: true });
    const regionOnB = await watcher(b, authority.token);
    expect(await call(regionOnB, 'subscribe', { region: '150100' })).toMatchObject({ ok: true });
    const onA = await watcher(a, carrier.token);
    expect(await call(onA, 'subscribe', { vehicleId })).toMatchObject({ ok: true });
    const seenOnB = recorder(onB);
    const seenOnA = recorder(onA);

    const [fix] = drive(minutesAgo(5), 1);
    const gotB = waitForItem(onB, (i) => i.vehicleId === vehicleId);
    const gotRegion = waitForItem(regionOnB, (i) => i.vehicleId === vehicleId);
    const gotA = waitForItem(onA, (i) => i.vehicleId === vehicleId);
    expect(await call(await terminal(a, token), 'position', fix)).toEqual({ ok: true, stored: 1, duplicates: 0, flagged: 0 });
    await expect(gotB).resolves.toMatchObject({ vehicleId, fixTime: fix!.fixTime, lat: 39.6, lon: 109.8 });
    await expect(gotRegion).resolves.toMatchObject({ vehicleId, fixTime: fix!.fixTime });
    await gotA;
    await sleep(LIVE_FLUSH_DEFAULT_MS * 3);
    expect(seenOnB).toHaveLength(1);
    expect(seenOnA).toHaveLength(1);
  });
});

// The roles split over two processes: A only ingests (the JT/T 808 TCP server), B only serves the API and the
// watchers. A position a terminal reports to A over TCP reaches a watcher on B through Redis, once.
describeWithRedis('tracking across an ingest-only and an api-only instance sharing Redis', () => {
  let ingest: TestApp;
  let api: TestApp;
  beforeAll(async () => {
    ingest = await startTestApp({ REDIS_URL: redisUrl!, ROLES: 'ingest' });
    api = await startTestApp({ REDIS_URL: redisUrl!, ROLES: 'api', QUEUE_PREFIX: ingest.env.QUEUE_PREFIX }, ingest.db);
  });
  afterAll(async () => {
    await api?.close();
    await ingest?.close();
  });

  it('should push a position sent over JT/T 808 to the ingest instance to a watcher on the api instance, once', async () => {
    expect(api.app.get(TerminalServer).port).toBeNull();
    const port = ingest.app.get(TerminalServer).port!;
    expect(port).toEqual(expect.any(Number));
    const phone = `0139${String(Date.now()).slice(-8)}`;
    const { carrier, vehicleId } = await vehicleWithTerminal(api, phone, '蒙B70901');
    const onApi = await watcher(api, carrier.token);
    expect(await call(onApi, 'subscribe', { vehicleId })).toEqual({ ok: true, snapshot: [] });
    const seen = recorder(onApi);

    const c = await Jt808TestClient.connect(port, phone);
    try {
      const reg = await c.request(
        ID.REGISTER,
        encodeRegister({ provinceId: 15, cityId: 200, manufacturerId: 'HZW01', model: 'HZ-808', terminalId: 'T70901', plateColor: 2, plate: '蒙B70901' }),
      );
      const authCode = (reg.message.body as { authCode: string }).authCode;
      expect((await c.request(ID.AUTH, encodeAuth({ authCode }))).message.body).toMatchObject({ result: 0 });
      const fixTime = new Date(minutesAgo(5));
      const got = waitForItem(onApi, (i) => i.vehicleId === vehicleId);
      const reply = await c.request(ID.LOCATION, encodeLocation({ latitude: 40.6123, longitude: 109.8456, speedKmh: 42, direction: 180, status: 0b11, time: fixTime }));
      expect(reply.message.body).toMatchObject({ replyId: ID.LOCATION, result: 0 });
      await expect(got).resolves.toMatchObject({ vehicleId, fixTime: fixTime.toISOString(), lat: 40.6123, lon: 109.8456, speedKmh: 42, course: 180 });
      await sleep(LIVE_FLUSH_DEFAULT_MS * 3);
      expect(seen).toHaveLength(1);
    } finally {
      c.destroy();
    }
  });
});
