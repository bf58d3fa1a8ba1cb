import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Notifications1795921358779 implements MigrationInterface {
  name = 'Notifications1795921358779';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "notifications" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organisation_id" uuid NOT NULL, "kind" character varying(64) NOT NULL, "severity" character varying(16) NOT NULL, "title" character varying(200) NOT NULL, "body" text NOT NULL DEFAULT '', "data" jsonb NOT NULL DEFAULT '{}', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "read_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "notifications_severity_ck" CHECK (severity IN ('info','warning','critical')), CONSTRAINT "PK_6a72c3c0f683f6462415e653c3a" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "notifications_organisation_created_idx" ON "notifications"  ("organisation_id", "created_at") `);
    await queryRunner.query(`CREATE TABLE "webhook_endpoints" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organisation_id" uuid NOT NULL, "url" character varying(2000) NOT NULL, "description" character varying(100), "secret" character varying(100) NOT NULL, "kinds" text array NOT NULL DEFAULT '{}', "active" boolean NOT NULL DEFAULT true, "created_by_user_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "deactivated_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_054c4cfb95223732f5939d2d546" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "webhook_endpoints_organisation_id_idx" ON "webhook_endpoints"  ("organisation_id") `);
    await queryRunner.query(`CREATE TABLE "webhook_deliveries" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "endpoint_id" uuid NOT NULL, "notification_id" uuid NOT NULL, "status" character varying(16) NOT NULL DEFAULT 'pending', "attempts" smallint NOT NULL DEFAULT '0', "last_status_code" smallint, "last_error" character varying(500), "last_attempt_at" TIMESTAMP WITH TIME ZONE, "next_attempt_at" TIMESTAMP WITH TIME ZONE, "delivered_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "webhook_deliveries_endpoint_notification_uq" UNIQUE ("endpoint_id", "notification_id"), CONSTRAINT "webhook_deliveries_status_ck" CHECK (status IN ('pending','delivered','failed','dead')), CONSTRAINT "PK_535dd409947fb6d8fc6dfc0112a" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "webhook_deliveries_notification_id_idx" ON "webhook_deliveries"  ("notification_id") `);
    await queryRunner.query(`CREATE INDEX "webhook_deliveries_endpoint_created_idx" ON "webhook_deliveries"  ("endpoint_id", "created_at") `);
    await queryRunner.query(`CREATE TABLE "certificate_reminders" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "subject_type" character varying(16) NOT NULL, "subject_id" uuid NOT NULL, "certificate" character varying(64) NOT NULL, "expires_on" date NOT NULL, "threshold" smallint NOT NULL, "organisation_id" uuid NOT NULL, "notification_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "certificate_reminders_uq" UNIQUE ("subject_type", "subject_id", "certificate", "expires_on", "threshold"), CONSTRAINT "certificate_reminders_threshold_ck" CHECK (threshold >= 0), CONSTRAINT "certificate_reminders_subject_type_ck" CHECK (subject_type IN ('vehicle','tank','person')), CONSTRAINT "PK_ccce13d59f2dcc0591ea3033b04" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "certificate_reminders_organisation_created_idx" ON "certificate_reminders"  ("organisation_id", "created_at") `);
    await queryRunner.query(`ALTER TABLE "notifications" ADD CONSTRAINT "notifications_organisation_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "organisations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "webhook_endpoints" ADD CONSTRAINT "webhook_endpoints_organisation_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "organisations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_endpoint_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_notification_id_fk" FOREIGN KEY ("notification_id") REFERENCES "notifications"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "certificate_reminders" ADD CONSTRAINT "certificate_reminders_organisation_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "organisations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "certificate_reminders" ADD CONSTRAINT "certificate_reminders_notification_id_fk" FOREIGN KEY ("notification_id") REFERENCES "notifications"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "certificate_reminders" DROP CONSTRAINT "certificate_reminders_notification_id_fk"`);
    await queryRunner.query(`ALTER TABLE "certificate_reminders" DROP CONSTRAINT "certificate_reminders_organisation_id_fk"`);
    await queryRunner.query(`ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "webhook_deliveries_notification_id_fk"`);
    await queryRunner.query(`ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "webhook_deliveries_endpoint_id_fk"`);
    await queryRunner.query(`ALTER TABLE "webhook_endpoints" DROP CONSTRAINT "webhook_endpoints_organisation_id_fk"`);
    await queryRunner.query(`ALTER TABLE "notifications" DROP CONSTRAINT "notifications_organisation_id_fk"`);
    await queryRunner.query(`DROP INDEX "public"."certificate_reminders_organisation_created_idx"`);
    await queryRunner.query(`DROP TABLE "certificate_reminders"`);
    await queryRunner.query(`DROP INDEX "public"."webhook_deliveries_endpoint_created_idx"`);
    await queryRunner.query(`DROP INDEX "public"."webhook_deliveries_notification_id_idx"`);
    await queryRunner.query(`DROP TABLE "webhook_deliveries"`);
    await queryRunner.query(`DROP INDEX "public"."webhook_endpoints_organisation_id_idx"`);
    await queryRunner.query(`DROP TABLE "webhook_endpoints"`);
    await queryRunner.query(`DROP INDEX "public"."notifications_organisation_created_idx"`);
    await queryRunner.query(`DROP TABLE "notifications"`);
  }
}
