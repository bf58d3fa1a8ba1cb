import type { MigrationInterface, QueryRunner } from 'typeorm';

// Vehicle positions, the ingest hot path (DESIGN.md "The hot path: a position"). Hand-written SQL: a partitioned
// table has no TypeORM entity (the entity drift check covers entities only), so nothing here is generated.
//
// - positions: partitioned BY RANGE (fix_time), one partition per calendar month in UTC (positions_pYYYYMM), plus
//   a DEFAULT partition so that a row whose time falls outside the created partitions (a very late blind-area
//   upload, a clock far off) is still stored. The primary key (vehicle_id, fix_time) makes a re-sent position a
//   no-op (INSERT ... ON CONFLICT DO NOTHING) and serves track queries by vehicle and time range.
// - No foreign keys on positions: an FK check per inserted row on the hot path, and vehicles are retired rather
//   than deleted. The writer only stores positions of vehicles the sessions resolved.
// - vehicle_latest_positions: one row per vehicle, replaced only by a newer fix (the writer's upsert guards on
//   fix_time), so back-filled and out-of-order positions never move a vehicle back in time.
// - hazway_positions_maintain(months_ahead, retention_months, ref_time): creates the partitions of the current month
//   and months_ahead more, creates the partition of any month that has rows in the default partition (moving the
//   rows), drops whole partitions that ended before the retention cut-off and deletes expired rows from the
//   default partition. Called here for the first partitions, then by PositionsService at boot and daily.
export class Positions1795924000000 implements MigrationInterface {
  name = 'Positions1795924000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "positions" (
        "vehicle_id" uuid NOT NULL,
        "fix_time" timestamptz NOT NULL,
        "received_at" timestamptz NOT NULL,
        "terminal_id" uuid,
        "waybill_id" uuid,
        "lat" double precision NOT NULL,
        "lon" double precision NOT NULL,
        "speed_kmh" real NOT NULL DEFAULT 0,
        "course" smallint NOT NULL DEFAULT 0,
        "altitude_m" integer NOT NULL DEFAULT 0,
        "alarm_bits" integer NOT NULL DEFAULT 0,
        "status_bits" integer NOT NULL DEFAULT 0,
        "mileage_km" real,
        "source" varchar(8) NOT NULL,
        "quality" smallint NOT NULL DEFAULT 0,
        "backfill" boolean NOT NULL DEFAULT false,
        "extra" jsonb,
        CONSTRAINT "positions_pk" PRIMARY KEY ("vehicle_id", "fix_time"),
        CONSTRAINT "positions_source_ck" CHECK ("source" IN ('jt808','app'))
      ) PARTITION BY RANGE ("fix_time")`);
    await queryRunner.query(`CREATE INDEX "positions_waybill_time_idx" ON "positions" ("waybill_id", "fix_time") WHERE "waybill_id" IS NOT NULL`);
    await queryRunner.query(`CREATE TABLE "positions_default" PARTITION OF "positions" DEFAULT`);

    await queryRunner.query(`
      CREATE TABLE "vehicle_latest_positions" (
        "vehicle_id" uuid NOT NULL,
        "fix_time" timestamptz NOT NULL,
        "lat" double precision NOT NULL,
        "lon" double precision NOT NULL,
        "speed_kmh" real NOT NULL,
        "course" smallint NOT NULL,
        "alarm_bits" integer NOT NULL,
        "status_bits" integer NOT NULL,
        "waybill_id" uuid,
        "received_at" timestamptz NOT NULL,
        CONSTRAINT "vehicle_latest_positions_pk" PRIMARY KEY ("vehicle_id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "vehicle_latest_positions_waybill_id_idx" ON "vehicle_latest_positions" ("waybill_id") WHERE "waybill_id" IS NOT NULL`,
    );

    // Months are UTC calendar months. Several processes may run this at once (each at boot): the transaction-level
    // advisory lock makes them take turns, and every step checks what exists first.
    await queryRunner.query(`
      CREATE FUNCTION "hazway_positions_maintain"(months_ahead integer, retention_months integer, ref_time timestamptz DEFAULT now())
      RETURNS TABLE (action text, partition_name text)
      LANGUAGE plpgsql AS $fn$
      DECLARE
        this_month timestamp := date_trunc('month', ref_time AT TIME ZONE 'UTC');
        cutoff timestamptz := (date_trunc('month', ref_time AT TIME ZONE 'UTC') - make_interval(months => retention_months)) AT TIME ZONE 'UTC';
        m timestamp;
        lo timestamptz;
        hi timestamptz;
        part text;
        rec record;
      BEGIN
        IF months_ahead < 0 OR retention_months < 1 THEN
          RAISE EXCEPTION 'months_ahead must be >= 0 and retention_months >= 1 (got %, %)', months_ahead, retention_months;
        END IF;
        PERFORM pg_advisory_xact_lock(hashtext('hazway.positions.partitions'));

        -- Months to have: the current one and months_ahead more, plus any earlier month within retention that
        -- already has rows in the default partition (a back-filled upload from before the first partition existed).
        -- Rows further in the future (a terminal clock gone wrong) stay in the default partition until their month
        -- comes within reach, rather than creating partitions years ahead.
        FOR m IN
          SELECT g FROM generate_series(this_month, this_month + make_interval(months => months_ahead), interval '1 month') g
          UNION
          SELECT DISTINCT date_trunc('month', d.fix_time AT TIME ZONE 'UTC') FROM positions_default d
          WHERE d.fix_time >= cutoff AND d.fix_time < (this_month + make_interval(months => months_ahead + 1)) AT TIME ZONE 'UTC'
          ORDER BY 1
        LOOP
          part := 'positions_p' || to_char(m, 'YYYYMM');
          CONTINUE WHEN to_regclass(quote_ident(part)) IS NOT NULL;
          lo := m AT TIME ZONE 'UTC';
          hi := (m + interval '1 month') AT TIME ZONE 'UTC';
          IF EXISTS (SELECT 1 FROM positions_default WHERE fix_time >= lo AND fix_time < hi) THEN
            -- A new partition may not be created while the default partition holds rows of its range: move them
            -- into a detached table first, then attach it (which also builds its indexes).
            EXECUTE format('CREATE TABLE %I (LIKE positions INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
            EXECUTE format(
              'WITH moved AS (DELETE FROM positions_default WHERE fix_time >= $1 AND fix_time < $2 RETURNING *) INSERT INTO %I SELECT * FROM moved',
              part) USING lo, hi;
            EXECUTE format('ALTER TABLE positions ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
            action := 'created-with-rows';
          ELSE
            EXECUTE format('CREATE TABLE %I PARTITION OF positions FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
            action := 'created';
          END IF;
          partition_name := part;
          RETURN NEXT;
        END LOOP;

        -- Retention: whole months that ended on or before the cut-off go at once.
        FOR rec IN
          SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = 'positions'::regclass AND c.relname ~ '^positions_p[0-9]{6}$'
          ORDER BY c.relname
        LOOP
          hi := (to_date(substr(rec.relname, 12), 'YYYYMM')::timestamp + interval '1 month') AT TIME ZONE 'UTC';
          IF hi <= cutoff THEN
            EXECUTE format('DROP TABLE %I', rec.relname);
            action := 'dropped';
            partition_name := rec.relname;
            RETURN NEXT;
          END IF;
        END LOOP;
        DELETE FROM positions_default WHERE fix_time < cutoff;
        RETURN;
      END
      $fn$`);
    // The first partitions (the current month and three ahead, six months' retention); the service keeps them
    // coming with its own settings.
    await queryRunner.query(`SELECT * FROM hazway_positions_maintain(3, 6)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION "hazway_positions_maintain"(integer, integer, timestamptz)`);
    await queryRunner.query(`DROP TABLE "vehicle_latest_positions"`);
    // Drops every partition with it.
    await queryRunner.query(`DROP TABLE "positions"`);
  }
}
