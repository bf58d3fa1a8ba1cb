import type { MigrationInterface, QueryRunner } from 'typeorm';

// The immutable records written once and read back whole (a check's results, snapshot, checklist and severities;
// an issued waybill version's document) are stored as json, not jsonb: PostgreSQL keeps the text as sent instead
// of parsing it into jsonb's binary form, which nothing here queries inside. Their large columns are compressed
// with lz4 instead of pglz where the server has it (the Debian and Docker images do; the embedded PostgreSQL does
// not, and keeps pglz). PostgreSQL's time per stored check, 3,000 inserts on PostgreSQL 15 (bench/README.md,
// session 5): a real check's 19 KB of JSON 1.17 ms as jsonb with pglz, 0.57 as json with pglz, 0.23 as json with
// lz4; `npm run bench:json` (a generated row of the same shape) 0.67, 0.44 and 0.18.
export class JsonRecords1795950000000 implements MigrationInterface {
  name = 'JsonRecords1795950000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "loading_checks" ALTER COLUMN "results" TYPE json USING "results"::json, ALTER COLUMN "checklist" TYPE json USING "checklist"::json,
         ALTER COLUMN "severities" TYPE json USING "severities"::json, ALTER COLUMN "snapshot" TYPE json USING "snapshot"::json`,
    );
    await queryRunner.query(`ALTER TABLE "waybill_versions" ALTER COLUMN "document" TYPE json USING "document"::json`);
    // Only new values are compressed with lz4; a server built without it answers feature_not_supported.
    await queryRunner.query(`DO $$ BEGIN
        ALTER TABLE "loading_checks" ALTER COLUMN "results" SET COMPRESSION lz4, ALTER COLUMN "snapshot" SET COMPRESSION lz4;
        ALTER TABLE "waybill_versions" ALTER COLUMN "document" SET COMPRESSION lz4;
      EXCEPTION WHEN feature_not_supported THEN NULL;
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "waybill_versions" ALTER COLUMN "document" SET COMPRESSION default`);
    await queryRunner.query(`ALTER TABLE "loading_checks" ALTER COLUMN "results" SET COMPRESSION default, ALTER COLUMN "snapshot" SET COMPRESSION default`);
    await queryRunner.query(`ALTER TABLE "waybill_versions" ALTER COLUMN "document" TYPE jsonb USING "document"::jsonb`);
    await queryRunner.query(
      `ALTER TABLE "loading_checks" ALTER COLUMN "results" TYPE jsonb USING "results"::jsonb, ALTER COLUMN "checklist" TYPE jsonb USING "checklist"::jsonb,
         ALTER COLUMN "severities" TYPE jsonb USING "severities"::jsonb, ALTER COLUMN "snapshot" TYPE jsonb USING "snapshot"::jsonb`,
    );
  }
}
