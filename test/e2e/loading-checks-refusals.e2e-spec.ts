import request from 'supertest';
import { GATE_CHECKLIST, type GateChecklistKey } from '../../src/loading-checks/check-rules.catalogue.js';
import { bearer, startTestApp, type TestApp } from '../helpers/app.js';
import { ALL_OK, createCheckWorld, startCheck, trackVehicle, type CheckWorld } from '../helpers/check-world.js';
import { createOrgWithUser } from '../helpers/fixtures.js';
import { readyWaybill, recordPreTrip, tomorrowInChinaAt, validVehicle } from '../helpers/waybill-world.js';

// The refusals of the pre-loading check (DOMAIN.md 3.1(b)) through the HTTP API on a real database: each blocking
// rule family fails alone (the whole failed-rule list is asserted, so that a regression in another rule shows),
// the waybill goes to check_failed and loading is refused; then the ways out: a new check after an amendment, and
// after the carrier substitutes a vehicle or a tank.

type Waybill = { id: string; number: string; qr: string; version: number; lines: { lineNo: number; packageCount?: number | null; declaredQuantity: number | string }[] };
type Failure = { ruleId: string; messageZh: string; messageEn: string };

// The photo limit of this app: small, so that the 413 test sends a few kilobytes.
const PHOTO_MAX_BYTES = 4096;
const jpeg = (size: number) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(size - 4, 1)]);
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('pre-loading check refusals', () => {
  let t: TestApp;
  let authority: string;
  // One world for the cases that change nothing but their own waybill; the cases that change master data (a
  // licence, a certificate, a blacklist entry) get a world of their own.
  let shared: CheckWorld;
  let permits = 0;

  beforeAll(async () => {
    t = await startTestApp({ PHOTO_MAX_BYTES: String(PHOTO_MAX_BYTES) });
    // Inner Mongolia's authority: its region covers every party the worlds create (blacklist, permit revocation).
    authority = (await createOrgWithUser(t, 'authority', { regionCode: '150000' })).token;
    shared = await createCheckWorld(t);
  });
  afterAll(() => t?.close());

  const failedRules = (res: request.Response) => (res.body.failures as Failure[]).map((f) => f.ruleId);
  const waybillStatus = async (x: CheckWorld, id: string) => (await request(t.http).get(`/waybills/${id}`).set(bearer(x.shipper.token))).body.status as string;
  const startLoading = (x: CheckWorld, id: string) => request(t.http).post(`/loading/${id}/start`).set(bearer(x.loader.token)).send({});
  const patch = async (x: CheckWorld, path: string, body: Record<string, unknown>) => {
    const res = await request(t.http).patch(path).set(bearer(x.carrier.token)).send(body);
    expect(res.status).toBe(200);
  };
  const blacklist = async (subjectType: 'organisation' | 'vehicle' | 'person', subjectId: string) => {
    const res = await request(t.http).post('/blacklist').set(bearer(authority)).send({ subjectType, subjectId, reason: '违规运输危险货物' });
    expect(res.status).toBe(201);
  };
  const answer = (key: GateChecklistKey, note: string) => ALL_OK.map((c) => (c.key === key ? { ...c, ok: false, note } : c));
  const label = (key: GateChecklistKey) => GATE_CHECKLIST.find((i) => i.key === key)!.label;

  // Sodium cyanide (UN1689, 6.1 PG I, 剧毒) in drums: issued against a matching highly toxic chemicals road transport
  // pass, so that the pass can be made invalid afterwards (issue itself refuses a waybill without one).
  async function highlyToxicWaybill(x: CheckWorld) {
    const now = Date.now();
    const permit = await request(t.http)
      .post('/permits')
      .set(bearer(x.shipper.token))
      .send({
        type: 'highly_toxic_pass',
        number: `JD-150627-2026-${String(++permits).padStart(4, '0')}`,
        issuer: '鄂尔多斯市公安局',
        validFrom: new Date(now - 3_600_000).toISOString(),
        validUntil: new Date(now + 10 * 86_400_000).toISOString(),
        vehiclePlates: [x.vehicle.plateNumber, x.trailer.plateNumber],
        personIds: [x.driver.id, x.escort.id],
        goods: [{ unNumber: 'UN1689', maxQuantity: 1, unit: 't' }],
      });
    expect(permit.status).toBe(201);
    const draft = x.draft({
      permitIds: [permit.body.id],
      lines: [{ unNumber: 'UN1689', declaredQuantity: 500, unit: 'kg', packagingType: '钢桶', packageCount: 20, sdsRef: 'SDS-氰化钠', labelRef: 'LBL-氰化钠' }],
    });
    const created = await request(t.http).post('/waybills').set(bearer(x.shipper.token)).send(draft);
    expect(created.status).toBe(201);
    // packaged goods: no tank
    await request(t.http).post(`/waybills/${created.body.id}/dispatch`).set(bearer(x.carrier.token)).send({ ...x.dispatch, tankId: null }).expect(200);
    const issued = await request(t.http).post(`/waybills/${created.body.id}/issue`).set(bearer(x.shipper.token));
    expect(issued.status).toBe(200);
    await recordPreTrip(t, x, created.body.id);
    return { wb: issued.body as Waybill, permitId: permit.body.id as string };
  }

  // One case per way a blocking rule fails. `arrange` makes the state (through the API wherever an endpoint exists)
  // and returns the waybill and the check body; the assertions are the same for all.
  type Case = {
    rules: string[];
    // fragments every failure message must contain
    zh: string | string[];
    en: string | string[];
    arrange: (x: CheckWorld) => Promise<{ wb: Waybill; body?: Record<string, unknown> }>;
    // where the waybill ends up (check_failed unless the check could not move it)
    status?: string;
    // changes only its own waybill (and permit): runs in the shared world
    shared?: true;
  };
  const ready = async (x: CheckWorld, over: Record<string, unknown> = {}) => (await readyWaybill(t, x, over)) as Waybill;
  const byNumber = (wb: Waybill, body: Record<string, unknown> = {}) => ({ wb, body: { waybillNumber: wb.number, ...body } });

  const cases: [string, Case][] = [
    [
      'PL-01: the QR of a version an amendment superseded',
      {
        shared: true,
        rules: ['PL-01'],
        zh: '二维码为运单第1版，运单当前为第2版',
        en: 'The QR code is for version 1; waybill',
        arrange: async (x) => {
          const wb = await ready(x);
          await request(t.http).post(`/waybills/${wb.id}/amend`).set(bearer(x.shipper.token)).send({ reason: '改期', changes: { plannedArrivalAt: tomorrowInChinaAt(18) } }).expect(200);
          return { wb, body: { qr: wb.qr } };
        },
      },
    ],
    [
      'PL-01: a waybill whose planned arrival day has passed',
      {
        shared: true,
        rules: ['PL-01'],
        zh: '计划到达日2026-11-02已过，运单已过期',
        en: 'planned arrival day 2026-11-02 has passed',
        arrange: async (x) => byNumber(await ready(x, { plannedDepartureAt: '2026-11-02T08:00:00+08:00', plannedArrivalAt: '2026-11-02T16:00:00+08:00' })),
      },
    ],
    [
      'PL-01: a cancelled waybill (stays cancelled)',
      {
        shared: true,
        rules: ['PL-01'],
        zh: '状态为已作废，不能进行装货前查验',
        en: 'is cancelled; a pre-loading check needs an issued (or check_failed) waybill',
        status: 'cancelled',
        arrange: async (x) => {
          const wb = await ready(x);
          await request(t.http).post(`/waybills/${wb.id}/transitions`).set(bearer(x.shipper.token)).send({ action: 'cancel', note: '客户取消' }).expect(200);
          return byNumber(wb);
        },
      },
    ],
    [
      "PL-04: the vehicle's road transport certificate expired",
      {
        rules: ['PL-04'],
        zh: '道路运输证有效期至2020-01-01，已过期',
        en: 'road transport certificate was valid until 2020-01-01',
        arrange: async (x) => {
          const wb = await ready(x);
          await patch(x, `/vehicles/${x.vehicle.id}`, { transportCertValidUntil: '2020-01-01' });
          return byNumber(wb);
        },
      },
    ],
    [
      "PL-04: the vehicle's transport scope no longer covers class 3",
      {
        rules: ['PL-04'],
        zh: '道路运输证经营范围不含第3类',
        en: 'road transport certificate scope does not cover class 3',
        arrange: async (x) => {
          const wb = await ready(x);
          await patch(x, `/vehicles/${x.vehicle.id}`, { transportScope: ['2', '8'] });
          return byNumber(wb);
        },
      },
    ],
    [
      'PL-04: the vehicle blacklisted',
      {
        rules: ['PL-04'],
        zh: ['车辆', '已列入黑名单：违规运输危险货物'],
        en: ['vehicle ', 'is blacklisted: 违规运输危险货物'],
        arrange: async (x) => {
          const wb = await ready(x);
          await blacklist('vehicle', x.vehicle.id);
          return byNumber(wb);
        },
      },
    ],
    [
      "PL-05: the carrier's licence expired",
      {
        rules: ['PL-05'],
        zh: '有效期至2020-01-01，已过期',
        en: 'was valid until 2020-01-01',
        arrange: async (x) => {
          const wb = await ready(x);
          const res = await request(t.http)
            .put(`/organisations/${x.carrier.org.id}/carrier-licence`)
            .set(bearer(x.carrier.token))
            .send({ number: `蒙交危X${x.carrier.org.id.slice(0, 4)}`, validFrom: '2015-01-01', validUntil: '2020-01-01', scope: ['1', '2', '3', '4', '5', '6.1', '8', '9'], highlyToxic: true });
          expect(res.status).toBe(200);
          return byNumber(wb);
        },
      },
    ],
    [
      'PL-06: the shipper blacklisted',
      {
        rules: ['PL-06'],
        zh: ['托运人', '已列入黑名单：违规运输危险货物'],
        en: ['shipper ', 'is blacklisted: 违规运输危险货物'],
        arrange: async (x) => {
          const wb = await ready(x);
          await blacklist('organisation', x.shipper.org.id);
          return byNumber(wb);
        },
      },
    ],
    [
      'PL-06: the consignee blacklisted',
      {
        rules: ['PL-06'],
        zh: ['收货人', '已列入黑名单：违规运输危险货物'],
        en: ['consignee ', 'is blacklisted: 违规运输危险货物'],
        arrange: async (x) => {
          const wb = await ready(x);
          await blacklist('organisation', x.consignee.org.id);
          return byNumber(wb);
        },
      },
    ],
    [
      "PL-08: the driver's driving licence expired",
      {
        rules: ['PL-08'],
        zh: '驾驶证有效期至2020-01-01，已过期',
        en: 'driving licence was valid until 2020-01-01',
        arrange: async (x) => {
          const wb = await ready(x);
          await patch(x, `/people/${x.driver.id}`, { drivingLicenceValidUntil: '2020-01-01' });
          return byNumber(wb);
        },
      },
    ],
    [
      "PL-08: the driver's licence class does not cover a tractor (C1, A2 needed)",
      {
        rules: ['PL-08'],
        zh: '准驾车型C1不能驾驶',
        en: 'licence class C1 does not cover',
        arrange: async (x) => {
          const wb = await ready(x);
          await patch(x, `/people/${x.driver.id}`, { drivingLicenceClass: 'C1' });
          return byNumber(wb);
        },
      },
    ],
    [
      "PL-10: the escort's qualification expired",
      {
        rules: ['PL-10'],
        zh: '从业资格证有效期至2020-01-01，已过期',
        en: 'qualification certificate (从业资格证) was valid until 2020-01-01',
        arrange: async (x) => {
          const wb = await ready(x);
          await patch(x, `/people/${x.escort.id}`, { qualificationValidUntil: '2020-01-01' });
          return byNumber(wb);
        },
      },
    ],
    [
      'PL-10: the escort is no longer qualified as an escort',
      {
        rules: ['PL-10'],
        zh: '从业资格类别不含押运员',
        en: ['escort ', 'is not qualified as', 'escort'],
        arrange: async (x) => {
          const wb = await ready(x);
          await patch(x, `/people/${x.escort.id}`, { categories: ['loading_manager'] });
          return byNumber(wb);
        },
      },
    ],
    [
      "PL-13: petrol not on the tank's media list",
      {
        rules: ['PL-13'],
        zh: '适装介质不含UN1203',
        en: "UN1203 is not on the tank's approved media list",
        arrange: async (x) => {
          const wb = await ready(x);
          await patch(x, `/tanks/${x.tank.id}`, { media: [{ unNumber: '1230' }], tankCode: null });
          return byNumber(wb);
        },
      },
    ],
    [
      "PL-13: petrol off the media list, though the tank's code (L4BH) would cover petrol's (LGBF): the list decides",
      {
        rules: ['PL-13'],
        zh: '适装介质不含UN1203',
        en: 'but in China the list decides',
        arrange: async (x) => {
          const wb = await ready(x);
          await patch(x, `/tanks/${x.tank.id}`, { media: [{ unNumber: '1230' }], tankCode: 'L4BH' });
          return byNumber(wb);
        },
      },
    ],
    [
      "PL-13: a tank without a media list whose code (LGAV) is below petrol's (LGBF)",
      {
        rules: ['PL-13'],
        zh: '罐体代码LGAV低于UN1203',
        en: 'no approved media list on record',
        arrange: async (x) => {
          const wb = await ready(x);
          await patch(x, `/tanks/${x.tank.id}`, { media: [], tankCode: 'LGAV' });
          return byNumber(wb);
        },
      },
    ],
    [
      'PL-15: the tank last carried explosives (UN0081) and is not cleaned',
      {
        rules: ['PL-15'],
        zh: '上次装运UN0081且未清洗，与UN1203',
        en: 'last carried UN0081 and is not cleaned; UN1203 is incompatible with it',
        arrange: async (x) => {
          const wb = await ready(x);
          await patch(x, `/tanks/${x.tank.id}`, { lastCargoUn: 'UN0081', cleaned: false });
          return byNumber(wb);
        },
      },
    ],
    [
      'PL-15: the tank is not cleaned and its last cargo is unknown',
      {
        rules: ['PL-15'],
        zh: '未登记上次装运货物，且未标记已清洗',
        en: 'last cargo not on record and the tank is not marked cleaned',
        arrange: async (x) => {
          const wb = await ready(x);
          await patch(x, `/tanks/${x.tank.id}`, { lastCargoUn: null, cleaned: false });
          return byNumber(wb);
        },
      },
    ],
    [
      'PL-19: highly toxic goods whose pass was revoked after issue',
      {
        shared: true,
        rules: ['PL-19'],
        zh: '与本次运输不符：状态为revoked',
        en: 'does not match this trip: it is revoked',
        arrange: async (x) => {
          const { wb, permitId } = await highlyToxicWaybill(x);
          await request(t.http).post(`/permits/${permitId}/revoke`).set(bearer(authority)).send({ reason: '运输企业资质被吊销' }).expect(200);
          return byNumber(wb);
        },
      },
    ],
    ...(
      [
        ['PL-07', 'driver_identity', '人脸比对不符'],
        ['PL-10', 'escort_identity', '押运员未到场'],
        ['PL-16', 'goods_match', '实物为UN1230'],
        ['PL-18', 'sds_label', '安全标签品名不符'],
        ['PL-23', 'vehicle_marking', '标志灯损坏'],
        ['PL-24', 'emergency_equipment', '缺少灭火器'],
      ] as const
    ).map(([rule, key, note]): [string, Case] => [
      `${rule}: the gate answers "no" to ${key}`,
      {
        shared: true,
        rules: [rule],
        zh: `查验人员确认不符：${label(key).zh}：${note}`,
        en: `Not confirmed at the gate: ${label(key).en}: ${note}`,
        arrange: async (x) => byNumber(await ready(x), { checklist: answer(key, note) }),
      },
    ]),
  ];

  it.each(cases)('should fail on %s alone and refuse loading', async (_name, c) => {
    const x = c.shared ? shared : await createCheckWorld(t);
    const { wb, body } = await c.arrange(x);
    const res = await startCheck(t, x, body ?? { waybillNumber: wb.number });
    expect(res.status).toBe(201);
    expect(res.body.outcome).toBe('fail');
    expect(failedRules(res)).toEqual(c.rules);
    expect(res.body.failedRules).toEqual(c.rules);
    for (const f of res.body.failures as Failure[]) {
      for (const zh of [c.zh].flat()) expect(f.messageZh).toContain(zh);
      for (const en of [c.en].flat()) expect(f.messageEn).toContain(en);
    }
    expect(await waybillStatus(x, wb.id)).toBe(c.status ?? 'check_failed');
    const start = await startLoading(x, wb.id);
    expect([start.status, start.body.code]).toEqual([422, 'NO_PASSING_CHECK']);
  });

  it('should load an amended waybill only after a new check of its new version', async () => {
    const x = shared;
    const v1 = await ready(x);
    const first = await startCheck(t, x, { qr: v1.qr });
    expect(first.body).toMatchObject({ outcome: 'pass', waybillVersion: 1 });

    // the shipper amends: fewer tonnes, a later arrival
    const amended = await request(t.http)
      .post(`/waybills/${v1.id}/amend`)
      .set(bearer(x.shipper.token))
      .send({
        reason: '减少装运量并改期',
        changes: {
          plannedArrivalAt: tomorrowInChinaAt(18),
          lines: [{ unNumber: 'UN1203', declaredQuantity: 18, unit: 't', packagingType: '罐车', sdsRef: 'SDS-汽油-2026版', labelRef: 'LBL-汽油' }],
        },
      });
    expect(amended.status).toBe(200);
    expect(amended.body).toMatchObject({ status: 'issued', version: 2 });
    expect(amended.body.qr).not.toBe(v1.qr);
    const v2 = amended.body as Waybill;

    const refused = await startLoading(x, v1.id);
    expect([refused.status, refused.body.code]).toEqual([422, 'NO_PASSING_CHECK']);
    expect(refused.body.details).toMatchObject({ status: 'issued', version: 2 });

    const second = await startCheck(t, x, { qr: v2.qr });
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ outcome: 'pass', failures: [], waybillVersion: 2, startedFrom: 'qr' });
    expect(second.body.id).not.toBe(first.body.id);

    const started = await startLoading(x, v1.id);
    expect([started.status, started.body.status]).toEqual([200, 'loading']);
    // every line of the waybill as it now stands, with its packages where it counts them
    const lines = v2.lines.map((l) => ({ lineNo: l.lineNo, loadedQuantity: Number(l.declaredQuantity) - 0.1, ...(l.packageCount ? { loadedPackages: l.packageCount } : {}) }));
    expect(lines).toEqual([{ lineNo: 1, loadedQuantity: 17.9 }]);
    const finished = await request(t.http)
      .post(`/loading/${v1.id}/finish`)
      .set(bearer(x.loader.token))
      .send({ lines, seals: ['F-11'], fillingRatioPct: 90, closures: { ok: true } });
    expect(finished.status).toBe(200);
    expect(finished.body).toMatchObject({ status: 'loaded', version: 2, lines: [{ lineNo: 1, loadedQuantity: 17.9 }] });
    // loading was recorded against the check of version 2
    const records = await t.ds.query(`SELECT waybill_version, check_id FROM loading_records WHERE waybill_id = $1`, [v1.id]);
    expect(records).toEqual([{ waybill_version: 2, check_id: second.body.id }]);
  });

  describe('substitution after a failed check', () => {
    it('should pass a new check after the carrier substitutes a vehicle whose registration expired', async () => {
      const x = await createCheckWorld(t);
      const wb = await ready(x);
      await patch(x, `/vehicles/${x.vehicle.id}`, { drivingLicenceValidUntil: '2020-01-01' });
      const failed = await startCheck(t, x, { waybillNumber: wb.number });
      expect(failedRules(failed)).toEqual(['PL-03']);
      expect(failed.body.failures[0].messageEn).toContain('registration (行驶证) was valid until 2020-01-01');
      expect(await waybillStatus(x, wb.id)).toBe('check_failed');

      const plateNumber = (x.vehicle.plateNumber as string).replace(/001$/, '009');
      expect(plateNumber).not.toBe(x.vehicle.plateNumber);
      const substitute = await request(t.http)
        .post('/vehicles')
        .set(bearer(x.carrier.token))
        .send(validVehicle(plateNumber, 'tractor', ['1', '2', '3', '4', '5', '6.1', '8', '9']));
      expect(substitute.status).toBe(201);
      await trackVehicle(t, x, substitute.body.id);
      const amended = await request(t.http).post(`/waybills/${wb.id}/amend`).set(bearer(x.carrier.token)).send({ reason: '更换牵引车', dispatch: { vehicleId: substitute.body.id } });
      expect(amended.status).toBe(200);
      expect(amended.body).toMatchObject({ status: 'issued', version: 2, vehicleId: substitute.body.id });
      // the carrier's pre-trip inspection was of the old tractor (PL-26): it inspects the substitute
      await recordPreTrip(t, x, wb.id);

      const res = await startCheck(t, x, { qr: amended.body.qr, scannedPlates: [plateNumber, x.trailer.plateNumber] });
      expect(res.body).toMatchObject({ outcome: 'pass', failures: [], waybillVersion: 2 });
      const stored = await request(t.http).get(`/loading-checks/${res.body.id}`).set(bearer(x.loader.token));
      expect(stored.body.snapshot.vehicle.id).toBe(substitute.body.id);
      expect((await startLoading(x, wb.id)).body.status).toBe('loading');
    });

    it('should pass a new check after the carrier substitutes a tank whose inspection expired', async () => {
      const x = await createCheckWorld(t);
      const wb = await ready(x);
      await patch(x, `/tanks/${x.tank.id}`, { nextInspectionDate: '2020-01-01' });
      const failed = await startCheck(t, x, { waybillNumber: wb.number });
      expect(failedRules(failed)).toEqual(['PL-12']);
      expect(failed.body.failures[0].messageZh).toContain('检验有效期至2020-01-01，已过期');
      expect(await waybillStatus(x, wb.id)).toBe('check_failed');

      const substitute = await request(t.http)
        .post('/tanks')
        .set(bearer(x.carrier.token))
        .send({ number: `${x.tank.number}-B`, kind: 'atmospheric', volumeL: 30000, tankCode: 'LGBF', media: [{ unNumber: '1203' }], nextInspectionDate: '2030-01-01', cleaned: true });
      expect(substitute.status).toBe(201);
      const amended = await request(t.http).post(`/waybills/${wb.id}/amend`).set(bearer(x.carrier.token)).send({ reason: '更换罐体', dispatch: { tankId: substitute.body.id } });
      expect(amended.status).toBe(200);
      expect(amended.body).toMatchObject({ status: 'issued', version: 2, tankId: substitute.body.id });
      await recordPreTrip(t, x, wb.id);

      const res = await startCheck(t, x, { qr: amended.body.qr });
      expect(res.body).toMatchObject({ outcome: 'pass', failures: [], waybillVersion: 2 });
      const stored = await request(t.http).get(`/loading-checks/${res.body.id}`).set(bearer(x.loader.token));
      expect(stored.body.snapshot.tank.id).toBe(substitute.body.id);
      expect((await startLoading(x, wb.id)).body.status).toBe('loading');
    });
  });

  describe('gate photos', () => {
    let loader: string;
    const upload = (type: string, body: Buffer) => request(t.http).post('/loading-checks/photos').set(bearer(loader)).set('Content-Type', type).send(body);
    const stored = async () => (await t.ds.query(`SELECT count(*)::int AS n FROM check_photos`))[0].n as number;

    beforeAll(async () => {
      loader = (await createOrgWithUser(t, 'loading_site')).token;
    });

    it('should take a photo of exactly PHOTO_MAX_BYTES and refuse one byte more with 413 BODY_TOO_LARGE', async () => {
      const before = await stored();
      const atLimit = await upload('image/jpeg', jpeg(PHOTO_MAX_BYTES));
      expect([atLimit.status, atLimit.body.size]).toEqual([201, PHOTO_MAX_BYTES]);
      const over = await upload('image/jpeg', jpeg(PHOTO_MAX_BYTES + 1));
      expect(over.status).toBe(413);
      expect(over.body).toMatchObject({ code: 'BODY_TOO_LARGE', details: { limit: PHOTO_MAX_BYTES, length: PHOTO_MAX_BYTES + 1 } });
      expect(await stored()).toBe(before + 1);
    });

    it('should refuse bytes that are not the declared image type with 400 PHOTO_CONTENT_MISMATCH', async () => {
      const before = await stored();
      const asPng = await upload('image/png', jpeg(200));
      expect([asPng.status, asPng.body.code]).toEqual([400, 'PHOTO_CONTENT_MISMATCH']);
      const asWebp = await upload('image/webp', Buffer.concat([PNG_SIGNATURE, Buffer.alloc(100, 2)]));
      expect([asWebp.status, asWebp.body.code]).toEqual([400, 'PHOTO_CONTENT_MISMATCH']);
      expect(await stored()).toBe(before);
    });
  });
});
