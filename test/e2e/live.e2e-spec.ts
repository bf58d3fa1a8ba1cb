import { io, type Socket } from 'socket.io-client';
import request from 'supertest';
import { LiveBackend } from '../../src/live/live.backend.js';
import { orgRoom, regionRoomsFor, userRoom } from '../../src/live/live.rooms.js';
import { LiveService } from '../../src/live/live.service.js';
import { bearer, startTestApp, type TestApp } from '../helpers/app.js';
import { connected, refusal } from '../helpers/sockets.js';
import { describeWithRedis, redisUrl } from '../helpers/redis.js';


const sockets: Socket[] = [];

function watch(url: string, opts: { token?: string; headers?: Record<string, string> } = {}): Socket {
  const socket = io(`${url}/watch`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: opts.token === undefined ? {} : { token: opts.token },
    extraHeaders: opts.headers,
  });
  sockets.push(socket);
  return socket;
}

function waitFor<T>(socket: Socket, event: string, ms = 5_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timeout waiting for ${event}`)), ms);
    socket.once(event, (data: T) => {
      clearTimeout(timer);
      resolve(data);
    });
  });
}

// How a handshake ends: connected, or refused with a connect_error.
// Every event a socket receives, in order of arrival.
function recorder(socket: Socket): { event: string; payload: unknown }[] {
  const seen: { event: string; payload: unknown }[] = [];
  socket.onAny((event: string, payload: unknown) => seen.push({ event, payload }));
  return seen;
}

async function createOrgUser(t: TestApp, kind: string, regionCode: string, roles: string[]) {
  const admin = bearer(await t.adminToken());
  const suffix = Math.random().toString(36).slice(2, 8);
  const org = await request(t.http).post('/organisations').set(admin).send({ kind, name: `Live ${kind} ${suffix}`, regionCode });
  expect(org.status).toBe(201);
  const username = `live_${kind}_${suffix}`;
  const password = 'live-user-password-1';
  const user = await request(t.http)
    .post(`/organisations/${org.body.id}/users`)
    .set(admin)
    .send({ username, displayName: 'Live watcher', roles, password });
  expect(user.status).toBe(201);
  return { orgId: org.body.id as string, userId: user.body.user.id as string, token: await t.login(username, password) };
}

afterAll(() => {
  for (const s of sockets) s.disconnect();
});

describe('live fan-out (/watch)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('should refuse a connection without a token with TOKEN_MISSING', async () => {
    const e = await refusal(watch(t.url));
    expect(e.data).toEqual({ code: 'TOKEN_MISSING' });
    expect(e.message).toMatch(/sign in/i);
  });

  it('should refuse a forged token with TOKEN_INVALID', async () => {
    const [header, , signature] = (await t.adminToken()).split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ sub: 'someone', sid: '00000000-0000-0000-0000-000000000000' })).toString('base64url');
    const e = await refusal(watch(t.url, { token: `${header}.${forgedPayload}.${signature}` }));
    expect(e.data).toEqual({ code: 'TOKEN_INVALID' });
  });

  it('should refuse a malformed API key with API_KEY_INVALID', async () => {
    const e = await refusal(watch(t.url, { token: 'hzk_not-a-key' }));
    expect(e.data).toEqual({ code: 'API_KEY_INVALID' });
  });

  it('should deliver an event for its organisation and not one for another organisation', async () => {
    const carrier = await createOrgUser(t, 'carrier', '150102', ['org_admin', 'carrier']);
    const other = await createOrgUser(t, 'carrier', '150102', ['org_admin', 'carrier']);
    const a = await connected(watch(t.url, { token: carrier.token }));
    const b = await connected(watch(t.url, { token: other.token }));
    const seenByA = recorder(a);
    const live = t.app.get(LiveService);

    const bGetsOwn = waitFor(b, 'notification');
    live.emit([orgRoom(other.orgId)], 'notification', { for: 'other' });
    await expect(bGetsOwn).resolves.toEqual({ for: 'other' });
    // Events on one connection arrive in order: once A has its own, an event for B's organisation would
    // already have arrived too.
    const aGetsOwn = waitFor(a, 'notification');
    live.emit([orgRoom(carrier.orgId)], 'notification', { for: 'carrier' });
    await expect(aGetsOwn).resolves.toEqual({ for: 'carrier' });
    expect(seenByA).toEqual([{ event: 'notification', payload: { for: 'carrier' } }]);
  });

  it('should put a user in its user room, and accept the token from an Authorization header', async () => {
    const carrier = await createOrgUser(t, 'carrier', '150102', ['carrier']);
    const s = await connected(watch(t.url, { headers: { Authorization: `Bearer ${carrier.token}` } }));
    const got = waitFor(s, 'direct');
    t.app.get(LiveService).emit([userRoom(carrier.userId)], 'direct', { n: 1 });
    await expect(got).resolves.toEqual({ n: 1 });
  });

  it('should put an authority in the room of its region, reached by events located inside it', async () => {
    const authority = await createOrgUser(t, 'authority', '150000', ['authority']);
    const s = await connected(watch(t.url, { token: authority.token }));
    const got = waitFor(s, 'alarm');
    t.app.get(LiveService).emit(regionRoomsFor('150102'), 'alarm', { regionCode: '150102' });
    await expect(got).resolves.toEqual({ regionCode: '150102' });
  });

  it('should accept an API key and put it in its organisation room', async () => {
    const carrier = await createOrgUser(t, 'carrier', '150102', ['org_admin', 'carrier']);
    const res = await request(t.http).post('/api-keys').set(bearer(carrier.token)).send({ name: 'live', roles: ['carrier'] });
    expect(res.status).toBe(201);
    const s = await connected(watch(t.url, { token: res.body.key }));
    const got = waitFor(s, 'status');
    t.app.get(LiveService).emit([orgRoom(carrier.orgId)], 'status', { ok: true });
    await expect(got).resolves.toEqual({ ok: true });
  });

  it('should deliver to the admin room', async () => {
    const s = await connected(watch(t.url, { token: await t.adminToken() }));
    const got = waitFor(s, 'audit');
    t.app.get(LiveService).emit(['admin'], 'audit', { x: 1 });
    await expect(got).resolves.toEqual({ x: 1 });
  });

  it('should report the in-memory adapter in /health', async () => {
    const res = await request(t.http).get('/health');
    expect(res.body.checks.live).toMatchObject({ status: 'up', adapter: 'memory' });
  });
});

describeWithRedis('live fan-out across two instances sharing Redis', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp({ REDIS_URL: redisUrl! });
    // Same database, hence the same QUEUE_PREFIX and Redis channels (startTestApp derives it from the db).
    b = await startTestApp({ REDIS_URL: redisUrl!, QUEUE_PREFIX: a.env.QUEUE_PREFIX }, a.db);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('should deliver an event emitted on instance A to a client connected to instance B', async () => {
    const carrier = await createOrgUser(a, 'carrier', '150102', ['org_admin', 'carrier']);
    // Signed in on A, watching on B: both read the same sessions table.
    const s = await connected(watch(b.url, { token: carrier.token }));
    const got = waitFor(s, 'position');
    a.app.get(LiveService).emit([orgRoom(carrier.orgId)], 'position', { lat: 40.8, lon: 111.7 });
    await expect(got).resolves.toEqual({ lat: 40.8, lon: 111.7 });
  });

  it('should deliver an event once to each watcher, on the instance that emitted it and on the other', async () => {
    const carrier = await createOrgUser(a, 'carrier', '150102', ['org_admin', 'carrier']);
    const atA = await connected(watch(a.url, { token: carrier.token }));
    const atB = await connected(watch(b.url, { token: carrier.token }));
    const [seenA, seenB] = [recorder(atA), recorder(atB)];
    const gotB = waitFor(atB, 'waybill');
    a.app.get(LiveService).emit([orgRoom(carrier.orgId), regionRoomsFor('150102')[0]!], 'waybill', { n: 1, at: new Date('2026-11-30T01:00:00Z') });
    a.app.get(LiveService).emit([orgRoom(carrier.orgId)], 'waybill', { n: 2 });
    await expect(gotB).resolves.toEqual({ n: 1, at: '2026-11-30T01:00:00.000Z' });
    // A later event from B, on the same path back: once it has arrived at A, anything wrongly repeated would have too.
    const back = Promise.all([waitFor(atA, 'marker'), waitFor(atB, 'marker')]);
    b.app.get(LiveService).emit([orgRoom(carrier.orgId)], 'marker', {});
    await back;
    const waybills = (seen: { event: string; payload: unknown }[]) => seen.filter((e) => e.event === 'waybill').map((e) => e.payload);
    expect(waybills(seenA)).toEqual([{ n: 1, at: '2026-11-30T01:00:00.000Z' }, { n: 2 }]);
    expect(waybills(seenB)).toEqual([{ n: 1, at: '2026-11-30T01:00:00.000Z' }, { n: 2 }]);
  });

  it('should report the Redis adapter as up in /health', async () => {
    const res = await request(b.http).get('/health');
    expect(res.body.checks.live).toMatchObject({ status: 'up', adapter: 'redis' });
  });

  it('should close its Redis connections when the app closes', async () => {
    const c = await startTestApp({ REDIS_URL: redisUrl!, QUEUE_PREFIX: a.env.QUEUE_PREFIX }, a.db);
    const backend = c.app.get(LiveBackend);
    expect(backend.redisStatus()).toEqual({ publisher: 'ready', subscriber: 'ready' });
    await c.close();
    expect(backend.redisStatus()).toEqual({ publisher: 'end', subscriber: 'end' });
  });
});
