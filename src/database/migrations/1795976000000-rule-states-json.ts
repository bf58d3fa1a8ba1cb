import type { MigrationInterface, QueryRunner } from 'typeorm';

// The monitoring rule states are written behind every few seconds and read back whole only at start-up: stored as
// json (the text kept as written, not parsed into jsonb's binary form, which nothing here queries inside), in pages
// left half empty so that rewriting a state is a HOT update (no new index entry, much less WAL). PostgreSQL 15, 2,000
// states of 1.3 KB upserted 20 times: 307-333 ms and 2.2 MB of WAL a time as jsonb with full pages, 95-98 ms and
// 0.43 MB as json with fillfactor 50, sent as one json array (bench/README.md, session 7).
export class RuleStatesJson1795976000000 implements MigrationInterface {
  name = 'RuleStatesJson1795976000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "vehicle_rule_states" ALTER COLUMN "state" TYPE json USING "state"::json`);
    await queryRunner.query(`ALTER TABLE "vehicle_rule_states" SET (fillfactor = 50)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "vehicle_rule_states" RESET (fillfactor)`);
    await queryRunner.query(`ALTER TABLE "vehicle_rule_states" ALTER COLUMN "state" TYPE jsonb USING "state"::jsonb`);
  }
}
