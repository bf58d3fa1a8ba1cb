import type { Job } from 'bullmq';
import iconv from 'iconv-lite';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { QueueService } from '../../src/queue/queue.service.js';
import { bearer, startTestApp, type TestApp } from '../helpers/app.js';
import { createOrgWithUser } from '../helpers/fixtures.js';
import { idNumberWithCheck } from '../helpers/ids.js';

type RowResult = { row: number; ok: boolean; id?: string; errors?: { field: string; code: string; message: string; column?: string }[] };

describe('fleet import from CSV', () => {
  let t: TestApp;
  let carrier: Awaited<ReturnType<typeof createOrgWithUser>>;
  let rival: Awaited<ReturnType<typeof createOrgWithUser>>;
  beforeAll(async () => {
    t = await startTestApp();
    carrier = await createOrgWithUser(t, 'carrier', { regionCode: '150203' });
    rival = await createOrgWithUser(t, 'carrier', { regionCode: '110105' });
  });
  afterAll(() => t?.close());

  const csv = (...lines: string[]) => Buffer.from(lines.join('\r\n') + '\r\n', 'utf8');
  const post = (path: string, body: Buffer, query = '', token = carrier.token) =>
    request(t.http).post(`${path}${query}`).set(bearer(token)).set('Content-Type', 'text/csv').send(body);
  const vehiclesWithPlates = async (plates: string[]) =>
    (await t.ds.query(`SELECT plate_number FROM vehicles WHERE plate_number = ANY($1) ORDER BY plate_number`, [plates])).map(
      (r: { plate_number: string }) => r.plate_number,
    );
  const finished = async (url: string) => {
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      const status = (await request(t.http).get(url).set(bearer(carrier.token))).body;
      if (status.state === 'completed' || status.state === 'failed') return status;
    }
    throw new Error(`import ${url} did not finish`);
  };
  const errorsOf = (rows: RowResult[]) =>
    Object.fromEntries(rows.filter((r) => !r.ok).map((r) => [r.row, r.errors!.map((e) => `${e.field}:${e.code}`).sort()]));

  // Two good rows (2 and 7) and four bad ones, one of them only the database can see (plate registered already).
  const mixed = () =>
    csv(
      'plateNumber,plateColour,kind,transportScope,ratedLoadKg,totalMassKg,drivingLicenceValidUntil',
      '蒙B10001,yellow,tractor,2.1;3,30000,40000,2027-06-30',
      'XX12345,yellow,tractor,,,,',
      '蒙B10002,purple,truck,,,,2027-02-30',
      '蒙B90001,yellow,truck,,,,',
      '蒙B10003,blue,trailer,,50000,40000,',
      '蒙B10004,yellow,truck,9;3,,,',
    );
  const expectedErrors = {
    3: ['plateNumber:CUSTOM'],
    4: ['drivingLicenceValidUntil:CUSTOM', 'plateColour:INVALID_VALUE'],
    5: ['plateNumber:PLATE_TAKEN'],
    6: ['ratedLoadKg:CUSTOM'],
  };

  it('should write nothing in all-or-nothing mode and list the errors of every bad row', async () => {
    const taken = await request(t.http).post('/vehicles').set(bearer(carrier.token)).send({ plateNumber: '蒙B90001', plateColour: 'yellow', kind: 'truck' });
    expect(taken.status).toBe(201);

    const res = await post('/vehicles/import', mixed(), '?wait=true');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ kind: 'vehicles', mode: 'all-or-nothing', state: 'completed', progress: { done: 6, total: 6 } });
    const result = res.body.result;
    expect(result).toMatchObject({ rowNumbering: 'header-is-row-1', encoding: 'utf-8', committed: false, created: 0, failed: 4 });
    expect(result.rows.map((r: RowResult) => r.row)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(errorsOf(result.rows)).toEqual(expectedErrors);
    expect(result.rows.filter((r: RowResult) => r.ok).map((r: RowResult) => [r.row, r.id])).toEqual([
      [2, undefined],
      [7, undefined],
    ]);
    expect(await vehiclesWithPlates(['蒙B10001', '蒙B10004'])).toEqual([]);
    const [{ count }] = await t.ds.query(`SELECT count(*)::int AS count FROM audit_entries WHERE request_id = $1`, [res.headers['x-request-id']]);
    expect(count).toBe(0);
  });

  it('should write the good rows and report the bad ones in valid-rows mode', async () => {
    const res = await post('/vehicles/import', mixed(), '?mode=valid-rows&wait=true');
    expect(res.status).toBe(200);
    const result = res.body.result;
    expect(result).toMatchObject({ committed: true, created: 2, failed: 4 });
    expect(errorsOf(result.rows)).toEqual(expectedErrors);
    const good = result.rows.filter((r: RowResult) => r.ok);
    expect(good.map((r: RowResult) => r.row)).toEqual([2, 7]);
    const row2 = await request(t.http).get(`/vehicles/${good[0].id}`).set(bearer(carrier.token));
    expect(row2.body).toMatchObject({ plateNumber: '蒙B10001', organisationId: carrier.org.id, transportScope: ['2.1', '3'], ratedLoadKg: 30000 });
    expect(await vehiclesWithPlates(['蒙B10001', '蒙B10002', '蒙B10003', '蒙B10004'])).toEqual(['蒙B10001', '蒙B10004']);
  });

  it('should read a GBK file with Chinese headers and values', async () => {
    const text = [
      '车牌号,车牌颜色,车辆类型,经营范围,核定载质量（kg）,行驶证有效期至,道路运输证号',
      '蒙B·20001,黄,牵引车,2.1、3,30000,2027/6/30,150203009999',
      '蒙B20002,黄绿,挂车,第8类,,,',
    ].join('\r\n');
    const body = iconv.encode(text, 'gbk');
    const res = await post('/vehicles/import', body, '?wait=true');
    expect(res.status).toBe(200);
    expect(res.body.result).toMatchObject({ encoding: 'gbk', committed: true, created: 2, failed: 0 });
    const rows = await t.ds.query(
      `SELECT plate_number, plate_colour, kind, transport_scope, driving_licence_valid_until::text AS dl FROM vehicles WHERE plate_number IN ('蒙B20001', '蒙B20002') ORDER BY plate_number`,
    );
    expect(rows).toEqual([
      { plate_number: '蒙B20001', plate_colour: 'yellow', kind: 'tractor', transport_scope: ['2.1', '3'], dl: '2027-06-30' },
      { plate_number: '蒙B20002', plate_colour: 'yellow_green', kind: 'trailer', transport_scope: ['8'], dl: null },
    ]);
  });

  it('should import people from UTF-8 with a BOM, and report a bad ID number by its column', async () => {
    const good = idNumberWithCheck('15020319850312771');
    const bad = good.slice(0, 17) + (good.endsWith('1') ? '2' : '1'); // wrong check character
    const body = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      csv('姓名,身份证号,从业资格类别,从业资格证有效期至', `王五,${good},驾驶员、押运员,2027年1月31日`, `赵六,${bad},押运员,`),
    ]);
    const res = await post('/people/import', body, '?mode=valid-rows&wait=true');
    expect(res.status).toBe(200);
    expect(res.body.result).toMatchObject({ encoding: 'utf-8', created: 1, failed: 1 });
    expect(res.body.result.rows[1]).toEqual({ row: 3, ok: false, errors: [expect.objectContaining({ field: 'idNumber', column: '身份证号' })] });
    const person = await request(t.http).get(`/people/${res.body.result.rows[0].id}`).set(bearer(carrier.token));
    expect(person.body).toMatchObject({ name: '王五', categories: ['driver', 'escort'], qualificationValidUntil: '2027-01-31' });
  });

  it("should report FleetService's catalogue check on tanks as a row error", async () => {
    const res = await post('/tanks/import', csv('罐体编号,罐体类型,适装介质', 'GT-100,常压罐体,UN1203;1230', 'GT-101,常压罐体,UN1203;UN9999'), '?wait=true');
    expect(res.body.result).toMatchObject({ committed: false, created: 0, failed: 1 });
    expect(res.body.result.rows[1].errors).toEqual([expect.objectContaining({ field: 'media', column: '适装介质', code: 'UNKNOWN_UN_NUMBER' })]);
    const [{ count }] = await t.ds.query(`SELECT count(*)::int AS count FROM tanks WHERE number IN ('GT-100', 'GT-101')`);
    expect(count).toBe(0);
  });

  it('should report duplicate plates inside the file, however they are written', async () => {
    const res = await post('/vehicles/import', csv('plateNumber,plateColour,kind', '蒙B·30001,yellow,truck', '蒙B30002,yellow,truck', '蒙b30001,blue,truck'), '?wait=true');
    expect(res.body.result).toMatchObject({ committed: false, created: 0, failed: 1 });
    expect(res.body.result.rows[2]).toEqual({
      row: 4,
      ok: false,
      errors: [{ field: 'plateNumber', column: 'plateNumber', code: 'DUPLICATE_IN_FILE', message: 'plateNumber is the same as in row 2' }],
    });
    expect(await vehiclesWithPlates(['蒙B30001', '蒙B30002'])).toEqual([]);
  });

  it('should refuse a binary body as CSV_ENCODING_UNSUPPORTED', async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(512)]);
    const res = await post('/vehicles/import', png);
    expect([res.status, res.body.code]).toEqual([400, 'CSV_ENCODING_UNSUPPORTED']);
  });

  it('should refuse missing and unknown columns as CSV_COLUMNS, listing them', async () => {
    const res = await post('/vehicles/import', csv('plateNumber,foo', '蒙B40001,bar'));
    expect([res.status, res.body.code]).toEqual([400, 'CSV_COLUMNS']);
    expect(res.body.details).toMatchObject({ missing: ['plateColour', 'kind'], unknown: ['foo'] });
    expect(res.body.message).toContain('plateColour (车牌颜色)');
  });

  it('should refuse an empty or header-only file as CSV_EMPTY, a file over 10 MB, and a body that is not CSV', async () => {
    expect((await post('/vehicles/import', csv('plateNumber,plateColour,kind'))).body.code).toBe('CSV_EMPTY');
    expect((await post('/vehicles/import', Buffer.alloc(0))).body.code).toBe('CSV_EMPTY');
    const huge = await post('/vehicles/import', Buffer.alloc(10 * 1024 * 1024 + 1, 'a'));
    expect([huge.status, huge.body.code]).toEqual([413, 'BODY_TOO_LARGE']);
    const json = await request(t.http).post('/vehicles/import').set(bearer(carrier.token)).send({ plateNumber: '蒙B40001' });
    expect([json.status, json.body.code]).toEqual([415, 'CSV_CONTENT_TYPE']);
  });

  it('should document the import routes as taking text/csv', async () => {
    const doc = (await request(t.http).get('/docs/openapi.json')).body;
    expect(Object.keys(doc.paths['/vehicles/import'].post.requestBody.content)).toEqual(['text/csv']);
    expect(doc.paths['/imports/{id}'].get).toBeDefined();
  });

  it('should answer 202 with a status URL that only the importing organisation can read', async () => {
    const res = await post('/vehicles/import', csv('plateNumber,plateColour,kind', '蒙B50001,yellow,truck'));
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ importId: expect.any(String), status: 'queued', statusUrl: `/imports/${res.body.importId}`, total: 1 });
    const foreign = await request(t.http).get(res.body.statusUrl).set(bearer(rival.token));
    expect([foreign.status, foreign.body.code]).toEqual([404, 'IMPORT_NOT_FOUND']);
    const status = await finished(res.body.statusUrl);
    expect(status).toMatchObject({ id: res.body.importId, state: 'completed', result: { created: 1 } });
    expect((await request(t.http).get(res.body.statusUrl).set(bearer(rival.token))).status).toBe(404);
  });

  it('should report progress while importing a larger file', async () => {
    const lines = ['plateNumber,plateColour,kind,ratedLoadKg'];
    for (let i = 0; i < 300; i++) lines.push(`蒙C${String(10000 + i)},yellow,truck,${10000 + i}`);
    const reported: { done: number; total: number }[] = [];
    const worker = t.app.get(QueueService).getWorker('vehicles')!;
    const onProgress = (job: Job, progress: unknown) => {
      if (job.name === 'fleet-import') reported.push(progress as { done: number; total: number });
    };
    worker.on('progress', onProgress);
    try {
      const res = await post('/vehicles/import', csv(...lines), '?mode=valid-rows');
      expect(res.status).toBe(202);
      const seen: { done: number; total: number }[] = [];
      const deadline = Date.now() + 60_000;
      let status;
      do {
        status = (await request(t.http).get(res.body.statusUrl).set(bearer(carrier.token))).body;
        seen.push(status.progress);
        await new Promise((r) => setTimeout(r, 20));
      } while (status.state !== 'completed' && status.state !== 'failed' && Date.now() < deadline);

      expect(status).toMatchObject({ state: 'completed', progress: { done: 300, total: 300 }, result: { created: 300, failed: 0 } });
      expect(seen.every((p) => p.total === 300)).toBe(true);
      const dones = seen.map((p) => p.done);
      expect(dones).toEqual([...dones].sort((a, b) => a - b));
      // The job reported along the way, not only at the end.
      expect(reported.length).toBeGreaterThan(10);
      expect(reported.some((p) => p.done > 0 && p.done < 300)).toBe(true);
      expect(reported.at(-1)).toEqual({ done: 300, total: 300 });
      const [{ count }] = await t.ds.query(`SELECT count(*)::int AS count FROM vehicles WHERE plate_number LIKE '蒙C%'`);
      expect(count).toBe(300);
    } finally {
      worker.off('progress', onProgress);
    }
  });
});
