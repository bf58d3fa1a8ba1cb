import type { MigrationInterface, QueryRunner } from 'typeorm';

export class LoadingChecks1795923035310 implements MigrationInterface {
  name = 'LoadingChecks1795923035310';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "check_photos" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organisation_id" uuid NOT NULL, "uploaded_by_user_id" uuid, "content_type" character varying(32) NOT NULL, "size" integer NOT NULL, "sha256" character(64) NOT NULL, "data" bytea NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_5bb5eb9e71e76b9912c17c65570" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "check_photos_organisation_id_idx" ON "check_photos"  ("organisation_id", "created_at") `);
    await queryRunner.query(`CREATE TABLE "check_rule_settings" ("rule_id" character varying(8) NOT NULL, "severity" character varying(8) NOT NULL, "updated_by_user_id" uuid, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "check_rule_settings_severity_ck" CHECK (severity IN ('block','warn')), CONSTRAINT "PK_a9c681e7fa2d9a07188a324d8f9" PRIMARY KEY ("rule_id"))`);
    await queryRunner.query(`CREATE TABLE "loading_checks" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "waybill_id" uuid NOT NULL, "waybill_version" integer NOT NULL, "loading_site_id" uuid NOT NULL, "place_id" uuid, "operator_person_id" uuid, "checked_by_user_id" uuid, "started_from" character varying(8) NOT NULL, "outcome" character varying(8) NOT NULL, "results" jsonb NOT NULL, "checklist" jsonb NOT NULL, "severities" jsonb NOT NULL, "snapshot" jsonb NOT NULL, "failed_rules" text array NOT NULL DEFAULT '{}', "checked_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "loading_checks_started_from_ck" CHECK (started_from IN ('qr','number')), CONSTRAINT "loading_checks_outcome_ck" CHECK (outcome IN ('pass','fail')), CONSTRAINT "PK_6b43d04e0ac75a7800aa994360b" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "loading_checks_site_day_idx" ON "loading_checks"  ("loading_site_id", "checked_at") `);
    await queryRunner.query(`CREATE INDEX "loading_checks_waybill_idx" ON "loading_checks"  ("waybill_id", "waybill_version") `);
    await queryRunner.query(`CREATE TABLE "loading_records" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "waybill_id" uuid NOT NULL, "waybill_version" integer NOT NULL, "check_id" uuid NOT NULL, "operator_person_id" uuid, "started_by_user_id" uuid, "started_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "finished_at" TIMESTAMP WITH TIME ZONE, "lines" jsonb, "seals" text array NOT NULL DEFAULT '{}', "checks" jsonb, CONSTRAINT "PK_5e95e80d5e9f13d85aff8cc1cd6" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "loading_records_waybill_idx" ON "loading_records"  ("waybill_id", "waybill_version") `);
    await queryRunner.query(`ALTER TABLE "loading_checks" ADD CONSTRAINT "loading_checks_waybill_id_fk" FOREIGN KEY ("waybill_id") REFERENCES "waybills"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "loading_records" ADD CONSTRAINT "loading_records_check_id_fk" FOREIGN KEY ("check_id") REFERENCES "loading_checks"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "loading_records" DROP CONSTRAINT "loading_records_check_id_fk"`);
    await queryRunner.query(`ALTER TABLE "loading_checks" DROP CONSTRAINT "loading_checks_waybill_id_fk"`);
    await queryRunner.query(`DROP INDEX "public"."loading_records_waybill_idx"`);
    await queryRunner.query(`DROP TABLE "loading_records"`);
    await queryRunner.query(`DROP INDEX "public"."loading_checks_waybill_idx"`);
    await queryRunner.query(`DROP INDEX "public"."loading_checks_site_day_idx"`);
    await queryRunner.query(`DROP TABLE "loading_checks"`);
    await queryRunner.query(`DROP TABLE "check_rule_settings"`);
    await queryRunner.query(`DROP INDEX "public"."check_photos_organisation_id_idx"`);
    await queryRunner.query(`DROP TABLE "check_photos"`);
  }
}
