import type { MigrationInterface, QueryRunner } from 'typeorm';

// The records the system promises never to change are append-only in the database too, not only in the code: the
// pre-loading check results (DOMAIN.md 3.1(b) "a check result is immutable"), the waybill's event chain and issued
// versions, the carrier's pre-trip inspections ("a new one supersedes it") and the audit log. An UPDATE or DELETE of
// one of their rows fails with SQLSTATE 23001 (restrict_violation), whoever sends it; TRUNCATE as well. Only
// disabling the triggers gets round it (the tables' owner or a superuser), and the event chain's hashes still
// reveal such an edit (GET /waybills/:id/events/verify).
const TABLES = ['loading_checks', 'waybill_events', 'waybill_versions', 'pre_trip_inspections', 'audit_entries'];

export class AppendOnlyRecords1796020000000 implements MigrationInterface {
  name = 'AppendOnlyRecords1796020000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE FUNCTION hazway_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% rows are append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'restrict_violation';
END $$`);
    for (const table of TABLES) {
      await queryRunner.query(`CREATE TRIGGER "${table}_append_only" BEFORE UPDATE OR DELETE ON "${table}" FOR EACH ROW EXECUTE FUNCTION hazway_append_only()`);
      await queryRunner.query(`CREATE TRIGGER "${table}_no_truncate" BEFORE TRUNCATE ON "${table}" FOR EACH STATEMENT EXECUTE FUNCTION hazway_append_only()`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES) {
      await queryRunner.query(`DROP TRIGGER "${table}_no_truncate" ON "${table}"`);
      await queryRunner.query(`DROP TRIGGER "${table}_append_only" ON "${table}"`);
    }
    await queryRunner.query(`DROP FUNCTION hazway_append_only()`);
  }
}
