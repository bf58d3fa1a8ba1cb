import pg from 'pg';
import { CopyText } from './copy-text.js';
import { copyThenQuery } from './pg-copy.js';
import { toInt32, type PositionRow } from './position.js';

// What a write reports back: how many rows were new, and which (1-based positions in the rows passed), or null
// when every row was new (the common case, which then costs no join).
export type StoreResult = { inserted: number; insertedOrdinals: number[] | null };

// The database side of PositionWriter: one call stores one batch, atomically.
export interface PositionStore {
  write(rows: readonly PositionRow[]): Promise<StoreResult>;
}

export const POSITION_COLUMNS =
  'vehicle_id, fix_time, received_at, terminal_id, waybill_id, lat, lon, speed_kmh, course, altitude_m, alarm_bits, status_bits, mileage_km, source, quality, backfill, extra';

// A scratch table per connection for the batch in progress, emptied by every commit.
const CREATE_BATCH_TABLE_SQL = `CREATE TEMP TABLE IF NOT EXISTS positions_batch (LIKE positions INCLUDING DEFAULTS, ord integer NOT NULL) ON COMMIT DELETE ROWS`;
// The batch's transaction opens with its COPY (the merge and COMMIT follow in the same query string).
const BEGIN_AND_COPY_SQL = `BEGIN; COPY positions_batch (${POSITION_COLUMNS}, ord) FROM STDIN`;

// From the scratch table into the real ones, in one statement:
// - positions: ON CONFLICT DO NOTHING on the primary key (vehicle_id, fix_time), so a re-sent position is stored
//   once. In key order: concurrent batches then take their key locks in the same order and cannot deadlock, and
//   each partition's index is filled in key order.
// - vehicle_latest_positions: the newest clean fix of each vehicle in the batch, written only when it is newer
//   than the stored one, so back-filled and out-of-order fixes never move a vehicle back in time, and a flagged
//   fix (a spike, a time in the future) never becomes "the latest".
// - The answer: the number of new rows and, only when some were duplicates, which ones.
// Sent after the COPY with its COMMIT in one simple-protocol query string (a failed COPY or merge skips the rest), so
// the batch's row count is written in as an integer literal rather than passed as a parameter.
const mergeBatchSql = (rows: number) => `
WITH ins AS (
  INSERT INTO positions (${POSITION_COLUMNS})
  SELECT ${POSITION_COLUMNS} FROM positions_batch ORDER BY vehicle_id, fix_time
  ON CONFLICT DO NOTHING
  RETURNING vehicle_id, fix_time
), latest AS (
  INSERT INTO vehicle_latest_positions (vehicle_id, fix_time, lat, lon, speed_kmh, course, alarm_bits, status_bits, waybill_id, received_at)
  SELECT DISTINCT ON (vehicle_id) vehicle_id, fix_time, lat, lon, speed_kmh, course, alarm_bits, status_bits, waybill_id, received_at
  FROM positions_batch WHERE quality = 0
  ORDER BY vehicle_id, fix_time DESC
  ON CONFLICT (vehicle_id) DO UPDATE SET
    fix_time = excluded.fix_time, lat = excluded.lat, lon = excluded.lon, speed_kmh = excluded.speed_kmh, course = excluded.course,
    alarm_bits = excluded.alarm_bits, status_bits = excluded.status_bits, waybill_id = excluded.waybill_id, received_at = excluded.received_at
  WHERE excluded.fix_time > vehicle_latest_positions.fix_time
)
SELECT n.inserted,
  CASE WHEN n.inserted < ${Math.trunc(rows)}
    THEN (SELECT coalesce(array_agg(b.ord ORDER BY b.ord), '{}') FROM ins JOIN positions_batch b USING (vehicle_id, fix_time))
  END AS ords
FROM (SELECT count(*)::int AS inserted FROM ins) n;
COMMIT`;

// The batch as COPY text (tab-separated, \N for NULL, backslash escapes), UTF-8 in a Buffer, written field by field
// (CopyText). Each line ends with its 1-based position (ord), which the merge answers with. Values are already
// checked by positionRowProblem: UUIDs, finite numbers, integers in range, a known source. JSON text has no raw tab,
// newline or carriage return (JSON.stringify escapes them), so only its backslashes need escaping, and most has none.
// Room for one line without its extra items: 3 UUIDs, 2 times, 9 numbers (a double through String() is at most 24
// characters), the source and 18 separators.
const LINE_BYTES = 512;
const TAB = 9;
const NEWLINE = 10;
export function copyData(rows: readonly PositionRow[]): Buffer {
  const out = new CopyText(rows.length * 256);
  const nullable = (v: string | null | undefined) => out.ascii(v == null ? '\\N' : v);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    out.reserve(LINE_BYTES);
    out.ascii(r.vehicleId);
    out.byte(TAB);
    out.time(r.fixTime.getTime());
    out.byte(TAB);
    out.time(r.receivedAt.getTime());
    out.byte(TAB);
    nullable(r.terminalId);
    out.byte(TAB);
    nullable(r.waybillId);
    out.byte(TAB);
    out.decimal(r.lat, 6);
    out.byte(TAB);
    out.decimal(r.lon, 6);
    out.byte(TAB);
    out.decimal(r.speedKmh, 1);
    out.byte(TAB);
    out.int(r.course);
    out.byte(TAB);
    out.int(r.altitudeM);
    out.byte(TAB);
    out.int(toInt32(r.alarmBits));
    out.byte(TAB);
    out.int(toInt32(r.statusBits));
    out.byte(TAB);
    if (r.mileageKm == null) out.ascii('\\N');
    else out.decimal(r.mileageKm, 1);
    out.byte(TAB);
    out.ascii(r.source);
    out.byte(TAB);
    out.int(r.quality ?? 0);
    out.byte(TAB);
    out.byte(r.backfill ? 116 : 102); // t, f
    out.byte(TAB);
    if (r.extra == null) out.ascii('\\N');
    else {
      const json = JSON.stringify(r.extra);
      out.utf8(json.includes('\\') ? json.replace(/\\/g, '\\\\') : json);
    }
    out.byte(TAB);
    out.int(i + 1);
    out.byte(NEWLINE);
  }
  return out.result();
}

// The merge's ords (int[]) arrive as text: read with the driver's own parser, as a typed query would.
const INT4_ARRAY_OID = 1007; // not among pg's named builtins, which list scalar types only
const parseIntArray = (pg.types.getTypeParser as (oid: number, format: 'text') => (text: string) => number[])(INT4_ARRAY_OID, 'text');

// Each batch: BEGIN, COPY into the connection's scratch table, the merge statement and COMMIT, in one query string
// sent with the data (one round trip), on a connection of the writer's own pool (see PositionsService for why a pool
// of its own).
// Chosen over a single INSERT ... SELECT FROM unnest($1::uuid[], ...) statement with the same merge, by measurement
// (bench/positions-write.ts, 100,000 rows, 2,000 vehicles, median of 5 rounds, 2 cores): through PositionWriter
// 74,000 against 70,000 rows/s on PostgreSQL 18 (the embedded default) and 79,000 against 63,000 on PostgreSQL 15;
// plain COPY into positions, without duplicate handling or latest positions, did 124,000-127,000. Parsing COPY
// text costs the server less than parsing 17 array literals, and building one string costs Node less than 17
// arrays that pg then serialises. The price is a temporary table, which rules out a transaction-pooling proxy
// (PgBouncer) between the writer and PostgreSQL. (Four round trips per batch until BEGIN rode with the COPY and
// COMMIT with the merge, two until the data went with the query: under load each one also waits for a turn of the
// event loop, on both sides, while the server's backend holds the batch's transaction open.)
// A COMMIT lost with its connection may have happened or not: the retry is harmless (ON CONFLICT), it then counts
// those rows as duplicates.
export class PgPositionStore implements PositionStore {
  private readonly ready = new WeakSet<pg.PoolClient>();

  constructor(private readonly pool: Pick<pg.Pool, 'connect'>) {}

  async write(rows: readonly PositionRow[]): Promise<StoreResult> {
    if (rows.length === 0) return { inserted: 0, insertedOrdinals: null };
    const client = await this.pool.connect();
    let failure: Error | undefined;
    try {
      if (!this.ready.has(client)) {
        // pg-pool listens for 'error' only while a client is idle (it removes its listener at checkout). Should the
        // server end the connection while this client is checked out but between two queries (PostgreSQL
        // stopping), the client would emit 'error' with no listener: an uncaught exception that ends the process.
        // The batch fails through its query anyway, and release(failure) discards the client.
        client.on('error', () => undefined);
        await client.query(CREATE_BATCH_TABLE_SQL);
        this.ready.add(client);
      }
      // BEGIN, COPY, merge and COMMIT in one round trip, the data sent with the query (copyThenQuery): the merge's
      // row, as text, is the answer.
      const [[inserted, ords]] = (await copyThenQuery(client, `${BEGIN_AND_COPY_SQL};${mergeBatchSql(rows.length)}`, copyData(rows))) as [[string, string | null]];
      return { inserted: Number(inserted), insertedOrdinals: ords === null ? null : parseIntArray(ords) };
    } catch (e) {
      failure = e as Error;
      throw e;
    } finally {
      // After any failure the connection is discarded rather than returned mid-transaction (or half-broken): the
      // next batch gets a fresh one, which the retry needs anyway when the server went away.
      client.release(failure);
    }
  }
}
