// What storing a check's JSON costs PostgreSQL, by column type and compression: `npm run bench:build && node
// dist/bench/json-storage.js` (DATABASE_URL=<server>, or an embedded PostgreSQL started for the run). The figures
// behind migration 1795950000000-json-records (loading_checks.results/snapshot, waybill_versions.document as json,
// lz4 where the server has it).
//
// The row is shaped and sized like a stored check of bench:checks (32 rule results with evidence and messages in
// Chinese and English, about 12 KB; a snapshot of the waybill, its lines, vehicle, tank and people, about 7 KB),
// generated here. Each variant inserts BENCH_JSON_ROWS rows in one INSERT ... SELECT on the server, so only
// PostgreSQL's own work is timed: the text cast to the column type (jsonb parses it, json checks it), TOAST
// compression and the write. Rounds are interleaved; prints the median per row, each variant's table size, and the
// raw COPY rate of the same run. Asserts nothing about speed.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { copyRate, envInt, fmt, freshDatabase, log, table } from './harness.js';

const ROWS = envInt('BENCH_JSON_ROWS', 3000);
const ROUNDS = envInt('BENCH_ROUNDS', 3);

const day = (i: number) => `2027-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 27) + 1).padStart(2, '0')}`;
function checkRow() {
  const results = Array.from({ length: 32 }, (_, i) => ({
    ruleId: `PL-${String(i + 1).padStart(2, '0')}`,
    status: i % 7 === 3 ? 'not_applicable' : 'pass',
    severity: i % 5 === 0 ? 'warn' : 'block',
    evidence: { subjectId: randomUUID(), number: `YD2026112900${String(i).padStart(4, '0')}`, validUntil: day(i), today: '2026-11-29', plate: '蒙K·A1234', classes: ['3'], ok: true },
    messageZh: `车辆道路运输证有效至${day(i)}，经营范围包括第3类危险货物（规则${i + 1}）`,
    messageEn: `Road transport certificate valid until ${day(i)}; its scope includes class 3 dangerous goods (rule ${i + 1})`,
  }));
  // Whole rows, as the check's read gives them (every column of the entity).
  const person = (role: string) => ({
    id: randomUUID(), organisationId: randomUUID(), name: '张三', role, idNumber: '150602199001011234', phone: '13800000000', status: 'active',
    licenceClass: 'A2', licenceNumber: '150602199001011234', licenceValidUntil: day(2), createdAt: new Date().toISOString(), updatedAt: new Date().toISOString(),
    qualifications: ['driver', 'escort', 'loader'].map((category, i) => ({ category, number: randomUUID().slice(0, 12), issuedBy: '鄂尔多斯市交通运输局', validFrom: day(i), validUntil: day(i + 3), classes: ['2', '3', '8'] })),
  });
  const org = (kind: string) => ({ id: randomUUID(), kind, name: `鄂尔多斯市${kind}有限公司`, uscc: '91150602MA0N000000', regionCode: '150602', contactPhone: '04778000000', address: '内蒙古自治区鄂尔多斯市东胜区', status: 'active', createdAt: new Date().toISOString() });
  const snapshot = {
    now: new Date().toISOString(),
    today: '2026-11-29',
    waybill: {
      id: randomUUID(),
      number: 'YD20261129000001',
      version: 1,
      status: 'issued',
      lines: ['UN1202', 'UN1223', 'UN1268'].map((un, i) => ({ id: randomUUID(), lineNo: i + 1, unNumber: un, name: '柴油', hazardClass: '3', packingGroup: 'III', declaredQuantity: 8 - i, unit: 't', tankCode: 'LGBF' })),
    },
    vehicle: { id: randomUUID(), plate: '蒙K·A1234', kind: 'tank_truck', licenceValidUntil: day(5), transportCertificate: { number: '150602001234', validUntil: day(6), scope: ['3', '8'] }, insuranceValidUntil: day(7) },
    tank: { id: randomUUID(), code: 'LGBF', volumeL: 30000, inspectionValidUntil: day(8), approvedMedia: ['UN1202', 'UN1223', 'UN1268', 'UN1203'] },
    driver: person('driver'),
    escort: person('escort'),
    operator: person('loader'),
    orgs: ['shipper', 'consignee', 'carrier', 'loading_site'].map(org),
    carrier: { org: org('carrier'), licence: { number: '蒙交运管许可鄂字150602001234号', validUntil: day(9), scope: ['3', '8'] } },
    terminal: { online: true, lastSeenAt: new Date().toISOString(), fixAgeSeconds: 12, alarmBits: 0 },
  };
  return { results: JSON.stringify(results), snapshot: JSON.stringify(snapshot) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const db = await freshDatabase('hz_bench_json');
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    const row = checkRow();
    await c.query(`CREATE TABLE src (results text, snapshot text)`);
    await c.query(`INSERT INTO src VALUES ($1, $2)`, [row.results, row.snapshot]);
    const lz4 = await c.query(`CREATE TEMP TABLE lz4_probe (t text COMPRESSION lz4)`).then(
      () => true,
      (e: { code?: string }) => (e.code === '0A000' ? false : Promise.reject(e)),
    );
    const variants = [
      { name: 'jsonb, pglz (before)', type: 'jsonb', compression: 'pglz' },
      { name: 'json, pglz (embedded PostgreSQL)', type: 'json', compression: 'pglz' },
      ...(lz4 ? [{ name: 'json, lz4 (now, where supported)', type: 'json', compression: 'lz4' }] : []),
      ...(lz4 ? [{ name: 'jsonb, lz4', type: 'jsonb', compression: 'lz4' }] : []),
    ];
    log(`${ROUNDS} rounds of ${fmt(ROWS)} rows per variant; results ${fmt(row.results.length)} and snapshot ${fmt(row.snapshot.length)} characters`);
    const times = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    const sizes = new Map<string, number>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, v] of variants.entries()) {
        const t = `v${i}_${round}`;
        await c.query(`CREATE TABLE ${t} (results ${v.type} COMPRESSION ${v.compression}, snapshot ${v.type} COMPRESSION ${v.compression})`);
        // || '' makes each value a new text datum (a toasted one would otherwise be copied as it is).
        const t0 = performance.now();
        await c.query(`INSERT INTO ${t} SELECT (results || '')::${v.type}, (snapshot || '')::${v.type} FROM src, generate_series(1, ${ROWS})`);
        times.get(v.name)!.push((performance.now() - t0) / ROWS);
        sizes.set(v.name, Number((await c.query(`SELECT pg_total_relation_size('${t}') AS n`)).rows[0].n));
        await c.query(`DROP TABLE ${t}`);
      }
    }
    const copy = await copyRate(db.url);
    console.log(`\nStoring a check's JSON (${fmt(ROWS)} rows per run, ${ROUNDS} rounds), PostgreSQL ${db.version}`);
    table([
      ...variants.map((v) => [
        `  ${v.name}`,
        `${median(times.get(v.name)!).toFixed(3)} ms per row (runs ${times.get(v.name)!.map((x) => x.toFixed(3)).join(', ')}), ${fmt(sizes.get(v.name)! / ROWS / 1024, 1)} KiB stored per row`,
      ] as const),
      ...(lz4 ? [] : [['  lz4', 'not supported by this server (json stays pglz; migration 1795950000000 skips it)'] as const]),
      ['  raw COPY rows/s (7 columns, same database)', fmt(copy.rowsPerSecond)],
    ]);
    console.log(JSON.stringify({ jsonStorage: { rows: ROWS, rounds: ROUNDS, msPerRow: Object.fromEntries([...times].map(([k, v]) => [k, median(v)])), lz4, copyRowsPerSecond: copy.rowsPerSecond } }));
  } finally {
    await c.end();
    await db.drop();
  }
}

await main();
