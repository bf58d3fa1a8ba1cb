// Position write rate: `npm run bench:build && node dist/bench/positions-write.js`. On a fresh, migrated database
// (created on the server at DATABASE_URL, or on an embedded PostgreSQL started for the run), in rounds so that a
// noisy machine hits every method alike, it measures, in rows per second:
//   1. PositionWriter end to end: BENCH_CALLERS concurrent callers submitting BENCH_SUBMIT_ROWS each (as terminal
//      connections do), group-committed into batches, with the store in use (src/tracking/positions/
//      position-store.ts: COPY into a temporary table, then one INSERT ... ON CONFLICT DO NOTHING + latest-position
//      upsert, per transaction);
//   2. the same with the alternative store: one INSERT ... SELECT FROM unnest($1::uuid[], ...) statement with the
//      same ON CONFLICT and upsert (UnnestStore below);
//   3-4. both stores alone, sequential batches of BENCH_BATCH rows;
//   5. plain COPY into positions (no duplicate handling, no latest positions): the ceiling;
//   6. the harness's raw COPY of 7-column rows, the machine-independent reference (DESIGN.md: ~400,000 rows/s).
// Prints medians and every run; asserts nothing about speed.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { copyRate, envInt, fmt, freshDatabase, fromDist, log, table } from './harness.js';

const CONFIG = {
  rows: envInt('BENCH_ROWS', 100_000),
  rounds: envInt('BENCH_ROUNDS', 5),
  batch: envInt('BENCH_BATCH', 2000),
  vehicles: envInt('BENCH_VEHICLES', 2000),
  callers: envInt('BENCH_CALLERS', 200),
  submitRows: envInt('BENCH_SUBMIT_ROWS', 10),
};

type Row = {
  vehicleId: string;
  terminalId: string | null;
  fixTime: Date;
  receivedAt: Date;
  lat: number;
  lon: number;
  speedKmh: number;
  course: number;
  altitudeM: number;
  alarmBits: number;
  statusBits: number;
  mileageKm: number | null;
  source: 'jt808';
  backfill: boolean;
  quality: number;
  waybillId: string | null;
  extra: Record<string, unknown> | null;
};

const COLUMNS =
  'vehicle_id, fix_time, received_at, terminal_id, waybill_id, lat, lon, speed_kmh, course, altitude_m, alarm_bits, status_bits, mileage_km, source, quality, backfill, extra';

// Every vehicle reports every 10 s; `rows` rows cover rows / vehicles reports each.
function generate(rows: number, vehicles: string[], start: number): Row[] {
  const out: Row[] = new Array(rows);
  for (let i = 0; i < rows; i++) {
    const v = i % vehicles.length;
    const step = Math.floor(i / vehicles.length);
    out[i] = {
      vehicleId: vehicles[v]!,
      terminalId: null,
      fixTime: new Date(start + step * 10_000),
      receivedAt: new Date(start + step * 10_000 + 400),
      lat: 39 + v / 1000 + step * 0.001,
      lon: 109 + v / 1000,
      speedKmh: 40 + (i % 40),
      course: i % 360,
      altitudeM: 1000 + (i % 300),
      alarmBits: 0,
      statusBits: 3,
      mileageKm: 10_000 + step / 10,
      source: 'jt808',
      backfill: false,
      quality: 0,
      waybillId: null,
      extra: i % 10 === 0 ? { satellites: 12 } : null,
    };
  }
  return out;
}

const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
function copyText(rows: readonly Row[]): Buffer {
  let s = '';
  for (const r of rows) {
    s += `${r.vehicleId}\t${r.fixTime.toISOString()}\t${r.receivedAt.toISOString()}\t\\N\t\\N\t${r.lat}\t${r.lon}\t${r.speedKmh}\t${r.course}\t${r.altitudeM}\t${r.alarmBits | 0}\t${r.statusBits | 0}\t${r.mileageKm ?? '\\N'}\t${r.source}\t${r.quality}\t${r.backfill ? 't' : 'f'}\t${r.extra ? esc(JSON.stringify(r.extra)) : '\\N'}\n`;
  }
  return Buffer.from(s);
}


// The alternative measured against the COPY store: the same merge as one statement over 17 unnested arrays.
const UNNEST_TYPES = ['uuid', 'timestamptz', 'timestamptz', 'uuid', 'uuid', 'float8', 'float8', 'float4', 'int2', 'int4', 'int4', 'int4', 'float4', 'text', 'int2', 'bool', 'jsonb'];
const UNNEST_SQL = `
WITH input AS (
  SELECT * FROM unnest(${UNNEST_TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ')}) WITH ORDINALITY AS u(${COLUMNS}, ord)
), ins AS (
  INSERT INTO positions (${COLUMNS}) SELECT ${COLUMNS} FROM input ON CONFLICT DO NOTHING RETURNING vehicle_id, fix_time
), latest AS (
  INSERT INTO vehicle_latest_positions (vehicle_id, fix_time, lat, lon, speed_kmh, course, alarm_bits, status_bits, waybill_id, received_at)
  SELECT DISTINCT ON (vehicle_id) vehicle_id, fix_time, lat, lon, speed_kmh, course, alarm_bits, status_bits, waybill_id, received_at
  FROM input WHERE quality = 0 ORDER BY vehicle_id, fix_time DESC
  ON CONFLICT (vehicle_id) DO UPDATE SET fix_time = excluded.fix_time, lat = excluded.lat, lon = excluded.lon, speed_kmh = excluded.speed_kmh,
    course = excluded.course, alarm_bits = excluded.alarm_bits, status_bits = excluded.status_bits, waybill_id = excluded.waybill_id,
    received_at = excluded.received_at
  WHERE excluded.fix_time > vehicle_latest_positions.fix_time
)
SELECT n.inserted, CASE WHEN n.inserted < $18::int
  THEN (SELECT coalesce(array_agg(input.ord ORDER BY input.ord), '{}') FROM ins JOIN input USING (vehicle_id, fix_time)) END AS ords
FROM (SELECT count(*)::int AS inserted FROM ins) n`;

class UnnestStore {
  constructor(private readonly pool: pg.Pool) {}
  async write(rows: readonly Row[]) {
    const cols: unknown[][] = UNNEST_TYPES.map(() => new Array(rows.length));
    rows.forEach((r, i) => {
      const values = [r.vehicleId, r.fixTime.toISOString(), r.receivedAt.toISOString(), r.terminalId, r.waybillId, r.lat, r.lon, r.speedKmh, r.course,
        r.altitudeM, r.alarmBits | 0, r.statusBits | 0, r.mileageKm, r.source, r.quality, r.backfill, r.extra == null ? null : JSON.stringify(r.extra)];
      values.forEach((v, c) => (cols[c]![i] = v));
    });
    const res = await this.pool.query(UNNEST_SQL, [...cols, rows.length]);
    const { inserted, ords } = res.rows[0];
    return { inserted, insertedOrdinals: ords === null ? null : (ords as string[]).map(Number) };
  }
}


const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const { Logger } = await import('@nestjs/common');
  Logger.overrideLogger(['error']);
  const { PositionWriter } = await fromDist('tracking/positions/position-writer.js');
  const { PgPositionStore } = await fromDist('tracking/positions/position-store.js');
  const { copyFrom } = await fromDist('tracking/positions/pg-copy.js');

  const db = await freshDatabase('hz_bench_pos', { migrate: true });
  const pool = new pg.Pool({ connectionString: db.url, max: 4, application_name: 'hazway-bench' });
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();

  const vehicles = Array.from({ length: CONFIG.vehicles }, () => randomUUID());
  // A time inside the current month's partition.
  const start = Date.now() - Math.ceil(CONFIG.rows / CONFIG.vehicles) * 10_000 - 60_000;
  const data = generate(CONFIG.rows, vehicles, start);
  const batches: Row[][] = [];
  for (let i = 0; i < data.length; i += CONFIG.batch) batches.push(data.slice(i, i + CONFIG.batch));

  const reset = () => client.query('TRUNCATE positions, vehicle_latest_positions');
  const timed = async (fn: () => Promise<unknown>) => {
    await reset();
    await client.query('CHECKPOINT').catch(() => undefined); // may need superuser; only levels the field
    const t0 = performance.now();
    await fn();
    const rate = CONFIG.rows / ((performance.now() - t0) / 1000);
    const [{ n }] = (await client.query(`SELECT count(*)::int AS n FROM positions`)).rows;
    if (n !== CONFIG.rows) throw new Error(`stored ${n} rows, expected ${CONFIG.rows}`);
    return rate;
  };

  type Store = { write(rows: readonly Row[]): Promise<unknown> };
  const copyStore: Store = new PgPositionStore(pool);
  const unnestStore: Store = new UnnestStore(pool);
  const throughWriter = (store: Store) => async () => {
    const writer = new PositionWriter(store, { batchRows: CONFIG.batch, maxConcurrentBatches: 2 });
    let next = 0;
    const caller = async () => {
      for (;;) {
        const from = next;
        next += CONFIG.submitRows;
        if (from >= data.length) return;
        await writer.submit(data.slice(from, from + CONFIG.submitRows));
      }
    };
    await Promise.all(Array.from({ length: CONFIG.callers }, caller));
    await writer.close();
  };
  const oneByOne = (store: Store) => async () => {
    for (const b of batches) await store.write(b);
  };
  const writerLabel = `${CONFIG.callers} callers x ${CONFIG.submitRows} rows`;
  const methods: Record<string, () => Promise<unknown>> = {
    [`PositionWriter, ${writerLabel}, COPY store (in use)`]: throughWriter(copyStore),
    [`PositionWriter, ${writerLabel}, unnest store`]: throughWriter(unnestStore),
    [`COPY store alone, ${CONFIG.batch}-row batches`]: oneByOne(copyStore),
    [`unnest store alone, ${CONFIG.batch}-row batches`]: oneByOne(unnestStore),
    'plain COPY into positions (no duplicates handling, no latest)': async () => {
      await copyFrom(client, `COPY positions (${COLUMNS}) FROM STDIN`, copyText(data));
    },
  };

  const runs: Record<string, number[]> = Object.fromEntries(Object.keys(methods).map((k) => [k, []]));
  const reference: number[] = [];
  for (let round = 0; round < CONFIG.rounds; round++) {
    for (const [name, fn] of Object.entries(methods)) runs[name]!.push(await timed(fn));
    reference.push((await copyRate(db.url, 100_000)).rowsPerSecond);
    log(`round ${round + 1}/${CONFIG.rounds} done`);
  }

  console.log(`\nPosition write rate, ${fmt(CONFIG.rows)} rows (17 columns) per run, ${CONFIG.vehicles} vehicles, median of ${CONFIG.rounds} rounds`);
  console.log(`PostgreSQL ${db.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}\n`);
  const ref = median(reference);
  table([
    ...Object.entries(runs).map(
      ([name, xs]) => [name, `${fmt(median(xs)).padStart(9)} rows/s  (${(median(xs) / ref).toFixed(2)} x ref)  runs: ${xs.map((x) => fmt(x / 1000)).join(' ')} k`] as const,
    ),
    ['reference: raw COPY, 7-column rows (harness)', `${fmt(ref).padStart(9)} rows/s  runs: ${reference.map((x) => fmt(x / 1000)).join(' ')} k`],
  ]);

  await client.end();
  await pool.end();
  await db.drop();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
