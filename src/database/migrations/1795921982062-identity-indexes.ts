import type { MigrationInterface, QueryRunner } from 'typeorm';

export class IdentityIndexes1795921982062 implements MigrationInterface {
  name = 'IdentityIndexes1795921982062';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "blacklist_entries_subject_organisation_id_idx" ON "blacklist_entries"  ("subject_organisation_id") `);
    await queryRunner.query(`CREATE INDEX "people_id_number_idx" ON "people"  ("id_number") `);
    await queryRunner.query(`CREATE INDEX "vehicles_plate_number_idx" ON "vehicles"  ("plate_number") `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."vehicles_plate_number_idx"`);
    await queryRunner.query(`DROP INDEX "public"."people_id_number_idx"`);
    await queryRunner.query(`DROP INDEX "public"."blacklist_entries_subject_organisation_id_idx"`);
  }
}
