import request from 'supertest';
import { DangerousGoodsService } from '../../src/dangerous-goods/dangerous-goods.service.js';
import { bearer, startTestApp, type TestApp } from '../helpers/app.js';
import { createOrgWithUser } from '../helpers/fixtures.js';

describe('dangerous-goods catalogue', () => {
  let t: TestApp;
  let admin: string;
  let shipper: Awaited<ReturnType<typeof createOrgWithUser>>;
  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.adminToken();
    shipper = await createOrgWithUser(t, 'shipper');
  });
  afterAll(() => t?.close());

  const search = (q: string, token = shipper.token) => request(t.http).get('/dangerous-goods').query({ q }).set(bearer(token));

  it('should find goods by Chinese name, CAS number, English name and UN number for anyone signed in', async () => {
    const zh = await search('甲醇');
    expect(zh.status).toBe(200);
    expect(zh.body.items[0]).toMatchObject({ unNumber: '1230', nameZh: '甲醇', hazardClass: '3', packingGroups: ['II'], match: { field: 'name_zh', rank: 'exact' } });
    const cas = await search('67-56-1');
    expect(cas.body.items.map((i: { unNumber: string }) => i.unNumber)).toEqual(['1230']);
    const en = await search('Sodium cyanide');
    expect(en.body.items[0]).toMatchObject({ unNumber: '1689', nameZh: '氰化钠', flags: { highlyToxic: true, highHazard: true } });
    const un = await search('UN1203');
    expect(un.body.items[0]).toMatchObject({ unNumber: '1203', nameZh: '汽油', match: { field: 'un', rank: 'exact' } });
    const limited = await request(t.http).get('/dangerous-goods').query({ q: '硝化', limit: 3 }).set(bearer(shipper.token));
    expect(limited.body.items).toHaveLength(3);
  });

  it('should refuse a search without a query or when signed out', async () => {
    const empty = await request(t.http).get('/dangerous-goods').set(bearer(shipper.token));
    expect([empty.status, empty.body.details.fields[0].path]).toEqual([400, 'q']);
    expect((await request(t.http).get('/dangerous-goods').query({ q: '甲醇' })).status).toBe(401);
  });

  it('should describe an entry with ADR codes, Chinese names and flags, and answer 404 for an unknown UN number', async () => {
    const res = await request(t.http).get('/dangerous-goods/UN1689').set(bearer(shipper.token));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      unNumber: '1689',
      names: ['Sodium cyanide, solid'],
      nameZh: '氰化钠',
      cas: ['143-33-9'],
      hazardClass: '6.1',
      flags: { highlyToxic: true, highHazard: true, explosivePrecursor: false, highConsequenceCandidate: true },
    });
    expect(res.body.variants[0]).toMatchObject({ packingGroup: 'I', tankCode: 'S10AH', tunnelCode: 'C/E', hazardId: '66', labels: ['6.1'] });
    const nitrocellulose = await request(t.http).get('/dangerous-goods/2555').set(bearer(shipper.token));
    expect(nitrocellulose.body.flags).toMatchObject({ explosivePrecursor: true, highHazard: true });
    const unknown = await request(t.http).get('/dangerous-goods/9999').set(bearer(shipper.token));
    expect([unknown.status, unknown.body.code]).toEqual([404, 'UN_NUMBER_UNKNOWN']);
  });

  it('should let an administrator add a Chinese alias and a flag, shown at once by search and describe, and audited', async () => {
    const alias = await request(t.http)
      .post('/dangerous-goods/1230/additions')
      .set(bearer(admin))
      .send({ kind: 'alias', value: '工业甲醇', source: '某石化企业 SDS 2026' });
    expect(alias.status).toBe(201);
    expect(alias.body).toMatchObject({ unNumber: '1230', kind: 'alias', value: '工业甲醇' });
    const flag = await request(t.http)
      .post('/dangerous-goods/UN1230/additions')
      .set(bearer(admin))
      .send({ kind: 'flag', value: 'hazardous_waste', source: '国家危险废物名录 HW06' });
    expect(flag.status).toBe(201);

    const found = await search('工业甲醇');
    expect(found.body.items[0]).toMatchObject({ unNumber: '1230', match: { field: 'alias_zh', rank: 'exact' }, flags: { hazardousWaste: true } });
    const described = await request(t.http).get('/dangerous-goods/1230').set(bearer(shipper.token));
    expect(described.body.aliasesZh).toContain('工业甲醇');
    expect(described.body.flags.hazardousWaste).toBe(true);
    expect(described.body.flagSources).toContainEqual({ flag: 'hazardousWaste', source: 'administrator: 国家危险废物名录 HW06' });
    expect(described.body.additions.map((a: { id: string }) => a.id).sort()).toEqual([alias.body.id, flag.body.id].sort());

    const audit = await t.ds.query(`SELECT action, after FROM audit_entries WHERE entity_type = 'dangerous_goods_addition' AND entity_id = $1`, [alias.body.id]);
    expect(audit).toEqual([expect.objectContaining({ action: 'dangerous-goods-addition.create', after: expect.objectContaining({ value: '工业甲醇' }) })]);

    const again = await request(t.http).post('/dangerous-goods/1230/additions').set(bearer(admin)).send({ kind: 'alias', value: '工业甲醇', source: 'twice' });
    expect([again.status, again.body.code]).toEqual([409, 'GOODS_ADDITION_EXISTS']);

    const removed = await request(t.http).delete(`/dangerous-goods/additions/${flag.body.id}`).set(bearer(admin));
    expect(removed.status).toBe(204);
    expect((await request(t.http).get('/dangerous-goods/1230').set(bearer(shipper.token))).body.flags.hazardousWaste).toBe(false);
    const gone = await request(t.http).delete(`/dangerous-goods/additions/${flag.body.id}`).set(bearer(admin));
    expect([gone.status, gone.body.code]).toEqual([404, 'GOODS_ADDITION_NOT_FOUND']);
  });

  it('should make an explosive precursor of an entry through an added CAS number', async () => {
    // UN1487 (potassium nitrate and sodium nitrite mixture) has no curated CAS; potassium nitrate is 易制爆 2.2.
    expect((await request(t.http).get('/dangerous-goods/1487').set(bearer(shipper.token))).body.flags.explosivePrecursor).toBe(false);
    const res = await request(t.http).post('/dangerous-goods/1487/additions').set(bearer(admin)).send({ kind: 'cas', value: '7757-79-1', source: 'test' });
    expect(res.status).toBe(201);
    const described = await request(t.http).get('/dangerous-goods/1487').set(bearer(shipper.token));
    expect(described.body).toMatchObject({ cas: ['7757-79-1'], flags: { explosivePrecursor: true } });
    expect((await search('7757-79-1')).body.items.map((i: { unNumber: string }) => i.unNumber)).toContain('1487');
  });

  it('should validate additions: kind, value, source, and the UN number', async () => {
    const post = (un: string, body: object) => request(t.http).post(`/dangerous-goods/${un}/additions`).set(bearer(admin)).send(body);
    const badKind = await post('1230', { kind: 'colour', value: 'red', source: 'test' });
    expect([badKind.status, badKind.body.details.fields[0].path]).toEqual([400, 'kind']);
    const badFlag = await post('1230', { kind: 'flag', value: 'dangerous', source: 'test' });
    expect([badFlag.status, badFlag.body.details.fields[0].path]).toEqual([400, 'value']);
    const badCas = await post('1230', { kind: 'cas', value: '67-56-2', source: 'test' });
    expect([badCas.status, badCas.body.details.fields[0].message]).toEqual([400, 'the CAS check digit does not match']);
    const latinName = await post('1230', { kind: 'name_zh', value: 'Methanol', source: 'test' });
    expect(latinName.status).toBe(400);
    const noSource = await post('1230', { kind: 'alias', value: '木酒精' });
    expect([noSource.status, noSource.body.details.fields[0].path]).toEqual([400, 'source']);
    const unknown = await post('9999', { kind: 'alias', value: '无', source: 'test' });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'UN_NUMBER_UNKNOWN']);
  });

  it('should let only administrators change the catalogue', async () => {
    const res = await request(t.http).post('/dangerous-goods/1230/additions').set(bearer(shipper.token)).send({ kind: 'alias', value: '木酒精', source: 'test' });
    expect([res.status, res.body.code]).toEqual([403, 'ROLE_REQUIRED']);
    const del = await request(t.http).delete('/dangerous-goods/additions/00000000-0000-4000-8000-000000000000').set(bearer(shipper.token));
    expect(del.status).toBe(403);
  });

  it("should pick up another process's additions when it reloads", async () => {
    await t.ds.query(`INSERT INTO dangerous_goods_additions (un_number, kind, value, source) VALUES ('1202', 'name_zh', '车用柴油', 'other process')`);
    await t.app.get(DangerousGoodsService).reload(); // what the 60 s timer does
    const res = await request(t.http).get('/dangerous-goods/1202').set(bearer(shipper.token));
    expect(res.body).toMatchObject({ nameZh: '车用柴油', nameSource: 'administrator: other process' });
    expect(res.body.aliasesZh).toContain('柴油');
  });

  it('should document the routes', async () => {
    const doc = (await request(t.http).get('/docs/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/dangerous-goods', '/dangerous-goods/{un}', '/dangerous-goods/{un}/additions', '/dangerous-goods/additions/{id}']),
    );
  });
});
