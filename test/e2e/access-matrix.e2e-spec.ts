import { writeFileSync } from 'node:fs';
import request from 'supertest';
import { NotificationsService } from '../../src/notifications/notifications.service.js';
import { bearer, startTestApp, type TestApp } from '../helpers/app.js';
import { createOrgWithUser, PASSWORD } from '../helpers/fixtures.js';
import { idNumberWithCheck } from '../helpers/ids.js';
import { createWaybillWorld, issuedWaybill } from '../helpers/waybill-world.js';
import { io } from 'socket.io-client';
import { connected, refusal } from '../helpers/sockets.js';
import { ACTORS, LAST, MATRIX, readOf, regionWatcher, waybillReader, type Actor, type ActorKey, type WorldKey, type WorldRecords } from './access-matrix.js';

// Every HTTP operation of the OpenAPI document x every role x own / other organisation (authorities: in / out of
// region), as test/e2e/access-matrix.ts says it should be. Every allowed answer is also scanned for the ids and
// names of world B's records, which no caller of world A (nor an authority outside the region) may see: a list or
// CSV export that forgets its scope fails here too.

const ok = (res: request.Response, what: string) => {
  if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
};

type Cell = { op: string; actor: ActorKey; target: WorldKey | '-'; expected: 'allow' | 'deny'; status: number; code?: string; problem?: string };

let seq = 0;

async function buildWorld(t: TestApp, authorityIn: string): Promise<WorldRecords> {
  const w = await createWaybillWorld(t);
  const k = ++seq;
  const post = (token: string, path: string) => request(t.http).post(path).set(bearer(token));
  const admin = await t.adminToken();
  const carrier = w.carrier.token;
  const spareUser = ok(await post(admin, `/organisations/${w.shipper.org.id}/users`).send({ username: `spare_${w.shipper.username}`, displayName: 'Spare', roles: ['shipper'], password: PASSWORD }), 'spare user');
  const key = ok(await post(carrier, '/api-keys').send({ name: 'spare', roles: ['carrier'] }), 'spare key');
  const notification = await t.app.get(NotificationsService).notify(w.carrier.org.id, { kind: 'matrix.test', severity: 'info', title: '矩阵' });
  const webhook = ok(await post(carrier, '/webhooks').send({ url: 'https://hooks.example.com/a', kinds: ['never.sent'] }), 'webhook');
  const spareWebhook = ok(await post(carrier, '/webhooks').send({ url: 'https://hooks.example.com/b', kinds: ['never.sent'] }), 'webhook');
  const plateStem = w.vehicle.plateNumber.slice(0, 4);
  const vehicle = async (suffix: string) =>
    ok(
      await post(carrier, '/vehicles').send({
        plateNumber: `${plateStem}${suffix}`,
        plateColour: 'yellow',
        kind: 'truck',
        transportScope: ['3'],
        drivingLicenceValidUntil: '2030-01-01',
        nextSafetyInspection: '2030-01-01',
        transportCertValidUntil: '2030-01-01',
        insuranceValidUntil: '2030-01-01',
        ratedLoadKg: 20000,
        totalMassKg: 30000,
      }),
      'vehicle',
    );
  const spareVehicle = await vehicle('901');
  const appVehicle = await vehicle('902');
  const spareTank = ok(
    await post(carrier, '/tanks').send({ number: `SP-${k}-${w.tank.number}`, kind: 'atmospheric', volumeL: 20000, tankCode: 'LGBF', media: [{ unNumber: '1203' }], nextInspectionDate: '2030-01-01', cleaned: true }),
    'spare tank',
  );
  const sparePerson = ok(
    await post(carrier, '/people').send({ name: `备用${k}`, idNumber: idNumberWithCheck(`15020319800101${String(300 + k).slice(-3)}`), categories: ['escort'], qualificationValidUntil: '2030-01-01' }),
    'spare person',
  );
  const phone = (n: number) => `1380${String(k).padStart(3, '0')}${String(n).padStart(4, '0')}`;
  const terminal = ok(await post(carrier, '/terminals').send({ protocol: 'jt808', phone: phone(1), vehicleId: w.vehicle.id }), 'terminal');
  const spareTerminal = ok(await post(carrier, '/terminals').send({ protocol: 'jt808', phone: phone(2) }), 'spare terminal');
  const appTerminal = ok(await post(carrier, '/terminals').send({ protocol: 'app', phone: phone(3), vehicleId: appVehicle.id }), 'app terminal');
  const blacklist = ok(await post(authorityIn, '/blacklist').send({ subjectType: 'vehicle', subjectId: spareVehicle.id, reason: '矩阵测试' }), 'blacklist');
  const imported = ok(
    await post(carrier, '/vehicles/import').set('Content-Type', 'text/csv').send(Buffer.from(`plateNumber,plateColour,kind\r\n${plateStem}903,yellow,truck\r\n`)),
    'import',
  );
  const draftBody = w.draft() as Record<string, unknown>;
  const draft = ok(await post(w.shipper.token, '/waybills').send(draftBody), 'draft');
  ok(await post(carrier, `/waybills/${draft.id}/dispatch`).send(w.dispatch), 'dispatch');
  const toIssue = ok(await post(w.shipper.token, '/waybills').send(draftBody), 'draft to issue');
  ok(await post(carrier, `/waybills/${toIssue.id}/dispatch`).send(w.dispatch), 'dispatch');
  const issued = await issuedWaybill(t, w);
  const toAmend = await issuedWaybill(t, w);
  const toCheck = await issuedWaybill(t, w);
  const forCheckRead = await issuedWaybill(t, w);
  const operator = ok(
    await post(w.loader.token, '/people').send({ name: `装卸${k}`, idNumber: idNumberWithCheck(`15062719850101${String(400 + k).slice(-3)}`), categories: ['loading_manager'], qualificationValidUntil: '2030-01-01' }),
    'operator',
  );
  const check = ok(await post(w.loader.token, '/loading-checks').send({ waybillNumber: forCheckRead.number, operatorId: operator.id, checklist: [] }), 'check');
  const photo = ok(await post(w.loader.token, '/loading-checks/photos').set('Content-Type', 'image/jpeg').send(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, 1)])), 'photo');
  const place = (name: string) => post(w.shipper.token, '/places').send({ kind: 'address', name, address: `${name}地址`, regionCode: '150602', lat: 39.6, lon: 109.8 });
  const privatePlace = ok(await place(`托运人仓库${k}`), 'place');
  const sparePlace = ok(await place(`托运人旧址${k}`), 'place');
  const permit = (n: string) =>
    post(carrier, '/permits').send({
      type: 'highly_toxic_pass',
      number: `P${k}-${n}`,
      issuer: '包头市公安局',
      validFrom: new Date(Date.now() - 86_400_000).toISOString(),
      validUntil: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      vehiclePlates: [w.vehicle.plateNumber],
      goods: [{ unNumber: 'UN1689', maxQuantity: 10, unit: 't' }],
    });
  const mainPermit = ok(await permit('1'), 'permit');
  const sparePermit = ok(await permit('2'), 'permit');
  // Monitoring: an alarm of this world's vehicle (as the rules would store it), and zones drawn by the authority of
  // the region (zones are rules of the road: every signed-in caller reads them).
  const [carrierOrg]: { region_code: string }[] = await t.ds.query(`SELECT region_code FROM organisations WHERE id = $1`, [w.carrier.org.id]);
  const [alarm]: { id: string }[] = await t.ds.query(
    `INSERT INTO alarms (rule_id, key, severity, vehicle_id, plate, carrier_id, region_code, opened_at, last_at, message_zh, message_en)
     VALUES ('TR-01', '', 'alarm', $1, $2, $3, $4, now(), now(), '超速', 'Overspeed') RETURNING id`,
    [w.vehicle.id, w.vehicle.plateNumber, w.carrier.org.id, carrierOrg!.region_code],
  );
  const zoneBody = (name: string) => ({
    type: 'Feature',
    geometry: { type: 'Polygon', coordinates: [[[109.8, 40.6], [109.9, 40.6], [109.9, 40.7], [109.8, 40.7], [109.8, 40.6]]] },
    properties: { name, kind: 'restricted', bannedClasses: ['3'], regionCode: '150203' },
  });
  const zone = ok(await post(authorityIn, '/zones').send(zoneBody(`矩阵禁区${k}`)), 'zone');
  const spareZone = ok(await post(authorityIn, '/zones').send(zoneBody(`矩阵备用禁区${k}`)), 'zone');
  const adminZone = ok(await post(authorityIn, '/zones').send(zoneBody(`矩阵备用禁区${k}b`)), 'zone');
  await t.ds.query(
    `INSERT INTO vehicle_latest_positions (vehicle_id, fix_time, lat, lon, speed_kmh, course, alarm_bits, status_bits, received_at)
     VALUES ($1, now(), 39.6, 109.8, 0, 0, 0, 3, now())`,
    [w.vehicle.id],
  );
  return {
    orgs: { shipper: w.shipper.org.id, carrier: w.carrier.org.id, consignee: w.consignee.org.id, loader: w.loader.org.id },
    orgNames: [] as string[],
    spareUserId: spareUser.user.id,
    apiKeyId: key.apiKey.id,
    notificationId: notification.id,
    webhookId: webhook.webhook.id,
    spareWebhookId: spareWebhook.webhook.id,
    vehicleId: w.vehicle.id,
    spareVehicleId: spareVehicle.id,
    tankId: w.tank.id,
    spareTankId: spareTank.id,
    driverId: w.driver.id,
    sparePersonId: sparePerson.id,
    terminalId: terminal.id,
    spareTerminalId: spareTerminal.id,
    appTerminalId: appTerminal.id,
    blacklistEntryId: blacklist.id,
    importId: imported.importId,
    draftWaybillId: draft.id,
    issueWaybillId: toIssue.id,
    issuedWaybill: { id: issued.id, number: issued.number, qr: issued.qr },
    amendWaybillId: toAmend.id,
    checkWaybill: { id: toCheck.id, number: toCheck.number },
    checkId: check.id,
    photoId: photo.id,
    privatePlaceId: privatePlace.id,
    sparePlaceId: sparePlace.id,
    sitePlaceId: w.origin.id,
    permitId: mainPermit.id,
    alarmId: alarm!.id,
    zoneId: zone.id,
    spareZoneId: spareZone.id,
    adminZoneId: adminZone.id,
    sparePermitId: sparePermit.id,
    plate: w.vehicle.plateNumber,
    draftBody,
  };
}

// Ids and names of world B that no caller of world A may see. Sites (places any signed-in caller sees) and the
// waybill number/QR (public verification) are left out; so are records whose id an actor sent in its own request.
async function secretsOf(t: TestApp, w: WorldRecords): Promise<string[]> {
  const names: { name: string }[] = await t.ds.query(`SELECT name FROM organisations WHERE id = ANY($1::uuid[])`, [Object.values(w.orgs)]);
  // The consignee's and the loading site's ids are left out: their sites (open to every signed-in caller, so that a
  // shipper can name them in a draft) carry the owner's id.
  return [
    w.orgs.shipper,
    w.orgs.carrier,
    ...names.map((n) => n.name),
    w.spareUserId,
    w.apiKeyId,
    w.notificationId,
    w.webhookId,
    w.spareWebhookId,
    w.vehicleId,
    w.spareVehicleId,
    w.tankId,
    w.spareTankId,
    w.driverId,
    w.sparePersonId,
    w.terminalId,
    w.spareTerminalId,
    w.appTerminalId,
    w.blacklistEntryId,
    w.draftWaybillId,
    w.issueWaybillId,
    w.issuedWaybill.id,
    w.amendWaybillId,
    w.checkWaybill.id,
    w.checkId,
    w.photoId,
    w.privatePlaceId,
    w.sparePlaceId,
    w.permitId,
    w.sparePermitId,
    w.alarmId,
    w.plate,
  ];
}

describe('access matrix (e2e)', () => {
  let t: TestApp;
  const tokens = new Map<ActorKey, string>();
  const worlds = {} as Record<WorldKey, WorldRecords>;
  let secretsB: string[] = [];
  let secretsA: string[] = [];
  let goodsAdditionId = '';
  let operations: string[] = [];
  const cells: Cell[] = [];

  beforeAll(async () => {
    t = await startTestApp({ ROLES: 'api' });
    const admin = await t.adminToken();
    const authIn = await createOrgWithUser(t, 'authority', { regionCode: '150000', roles: ['authority'] });
    const authOut = await createOrgWithUser(t, 'authority', { regionCode: '110000', roles: ['authority'] });
    worlds.A = await buildWorld(t, authIn.token);
    worlds.B = await buildWorld(t, authIn.token);
    secretsA = await secretsOf(t, worlds.A);
    secretsB = await secretsOf(t, worlds.B);
    const A = worlds.A;
    const userToken = async (kind: 'shipper' | 'carrier' | 'consignee' | 'loader', roles: string[]) => {
      const username = `mx_${roles.join('_')}_${Math.random().toString(36).slice(2, 7)}`;
      ok(await request(t.http).post(`/organisations/${A.orgs[kind]}/users`).set(bearer(admin)).send({ username, displayName: username, roles, password: PASSWORD }), 'user');
      return t.login(username, PASSWORD);
    };
    const orgAdmin = (kind: 'shipper' | 'carrier' | 'consignee' | 'loader', role: string) => userToken(kind, ['org_admin', role]);
    const carrierAdmin = await orgAdmin('carrier', 'carrier');
    const key = ok(await request(t.http).post('/api-keys').set(bearer(carrierAdmin)).send({ name: 'matrix', roles: ['carrier'] }), 'key');
    tokens.set('admin', admin);
    tokens.set('shipper', await orgAdmin('shipper', 'shipper'));
    tokens.set('carrier', carrierAdmin);
    tokens.set('dispatcher', await userToken('carrier', ['carrier']));
    tokens.set('monitor', await userToken('carrier', ['monitor']));
    tokens.set('loader', await orgAdmin('loader', 'loader'));
    tokens.set('consignee', await orgAdmin('consignee', 'consignee'));
    tokens.set('authorityIn', authIn.token);
    tokens.set('authorityOut', authOut.token);
    tokens.set('carrierKey', key.key);
    goodsAdditionId = ok(await request(t.http).post('/dangerous-goods/1203/additions').set(bearer(admin)).send({ kind: 'alias', value: 'matrix alias', source: 'access matrix' }), 'addition').id;
    const doc = (await request(t.http).get('/docs/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
  }, 300_000);
  afterAll(() => t?.close());

  it('should have a matrix entry for every operation of the OpenAPI document, and none for an operation that is gone', () => {
    expect(operations.length).toBeGreaterThan(50);
    expect(operations.filter((op) => !MATRIX[op])).toEqual([]);
    expect(Object.keys(MATRIX).filter((op) => !operations.includes(op))).toEqual([]);
  });

  // Before the HTTP cells: the last of those signs every actor out.
  it('should let /watch subscriptions to vehicles, waybills and regions follow the same scope', async () => {
    const watch = (token?: string) => io(`${t.url}/watch`, { transports: ['websocket'], reconnection: false, forceNew: true, auth: token ? { token } : {} });
    const anon = watch();
    expect((await refusal(anon)).data?.code).toBe('TOKEN_MISSING');
    anon.disconnect();
    const problems: string[] = [];
    let subscriptions = 0;
    for (const a of ACTORS.filter((x) => x.key !== 'anon')) {
      const s = await connected(watch(tokens.get(a.key)));
      const cases: [string, unknown, boolean][] = [
        ...(['A', 'B'] as const).flatMap((w): [string, unknown, boolean][] => [
          [`vehicle ${w}`, { vehicleId: worlds[w].vehicleId }, readOf('carrier')(a, w)],
          [`waybill ${w}`, { waybillId: worlds[w].issuedWaybill.id }, waybillReader(true)(a, w)],
        ]),
        ['region in', { region: '150203' }, regionWatcher(a, 'in')],
        ['region out', { region: '110000' }, regionWatcher(a, 'out')],
      ];
      for (const [what, payload, allowed] of cases) {
        subscriptions++;
        const ack = (await s.timeout(10_000).emitWithAck('subscribe', payload)) as { ok: boolean; code?: string };
        if (ack.ok !== allowed || (!ack.ok && !['NOT_FOUND', 'FORBIDDEN'].includes(ack.code ?? ''))) {
          problems.push(`${a.key} subscribing to ${what}: ${JSON.stringify(ack).slice(0, 120)} (expected ${allowed ? 'ok' : 'refused'})`);
        }
      }
      s.disconnect();
    }
    // eslint-disable-next-line no-console
    console.log(`access matrix (/watch): ${subscriptions} subscriptions, ${problems.length} problems`);
    expect(problems).toEqual([]);
  }, 120_000);

  it('should allow and deny every cell as the matrix says, and never show another organisation records', async () => {
    const ordered = [...operations.filter((op) => !LAST.includes(op)), ...LAST.filter((op) => operations.includes(op))];
    let n = 0;
    const run = async (op: string, a: Actor, target: WorldKey | '-') => {
      const entry = MATRIX[op]!;
      const tw: WorldKey = target === '-' ? 'A' : target;
      const expected = entry.allow(a, tw) ? 'allow' : 'deny';
      const c = entry.call({ a, w: worlds[tw], t: tw, worldA: worlds.A, goodsAdditionId, n: ++n });
      const method = op.split(' ')[0]!.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
      let req = request(t.http)[method](c.path);
      if (c.query) req = req.query(c.query);
      const token = tokens.get(a.key);
      if (token) req = req.set(bearer(token));
      if (c.contentType) req = req.set('Content-Type', c.contentType);
      const res = await (c.raw !== undefined ? req.send(c.raw) : c.body !== undefined ? req.send(c.body as object) : req);
      const code = (res.body as { code?: string } | undefined)?.code;
      const denied = res.status === 401 || res.status === 403 || (res.status === 404 && !entry.allowedNotFound?.includes(code ?? ''));
      const cell: Cell = { op, actor: a.key, target, expected, status: res.status, code };
      if (res.status >= 500) cell.problem = 'server error';
      else if (expected === 'allow' && denied) cell.problem = 'denied, should be allowed';
      else if (expected === 'deny' && !denied) cell.problem = 'allowed, should be denied';
      else if (expected === 'allow' && entry.empty?.(a, tw) && ((res.body as { items?: unknown[] }).items?.length ?? 0) > 0) cell.problem = 'answer lists records the caller may not see';
      else if (expected === 'allow' && !entry.openAnswer && !entry.allow(ACTORS[0]!, 'A')) {
        // What the caller may not see must not be in the answer. Authorities in the region and the administrator see
        // both worlds; an authority outside sees neither; everyone else of world A never sees world B.
        const hidden = a.key === 'authorityOut' ? [...secretsA, ...secretsB] : a.world === 'A' ? secretsB : [];
        const text = typeof res.text === 'string' && res.text ? res.text : JSON.stringify(res.body ?? '');
        const own = c.path + JSON.stringify(c.query ?? {}) + JSON.stringify(c.body ?? {});
        const leaked = hidden.find((s) => text.includes(s) && !own.includes(s));
        if (leaked) cell.problem = `answer shows another organisation's ${leaked}`;
      }
      cells.push(cell);
    };
    for (const op of ordered) {
      const entry = MATRIX[op]!;
      const targets: (WorldKey | '-')[] = entry.scoped ? ['A', 'B'] : ['-'];
      const all = ACTORS.flatMap((a) => targets.map((target) => ({ a, target })));
      // Denials first (they change nothing), so that what an allowed call changes cannot turn a denial into a 409.
      const deny = all.filter(({ a, target }) => !entry.allow(a, target === '-' ? 'A' : target));
      const allow = all.filter(({ a, target }) => entry.allow(a, target === '-' ? 'A' : target));
      await Promise.all(deny.map(({ a, target }) => run(op, a, target)));
      for (const { a, target } of allow) await run(op, a, target);
    }
    const problems = cells.filter((c) => c.problem).map((c) => `${c.op} as ${c.actor} on ${c.target}: ${c.status} ${c.code ?? ''} (${c.problem})`);
    // eslint-disable-next-line no-console
    console.log(
      `access matrix: ${operations.length} operations, ${ACTORS.length} actors, ${cells.length} cells ` +
        `(${cells.filter((c) => c.expected === 'allow').length} allowed, ${cells.filter((c) => c.expected === 'deny').length} denied), ${problems.length} problems`,
    );
    // MATRIX_DUMP=<file> writes every cell and both worlds' records, to read a failure.
    if (process.env.MATRIX_DUMP) writeFileSync(process.env.MATRIX_DUMP, JSON.stringify({ worlds, cells }, null, 1));
    expect(problems).toEqual([]);
  }, 600_000);
});
