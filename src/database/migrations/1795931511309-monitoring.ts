import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Monitoring1795931511309 implements MigrationInterface {
  name = 'Monitoring1795931511309';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "alarms" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "rule_id" character varying(8) NOT NULL, "key" character varying(100) NOT NULL DEFAULT '', "severity" character varying(8) NOT NULL, "status" character varying(16) NOT NULL DEFAULT 'open', "vehicle_id" uuid NOT NULL, "plate" character varying(20) NOT NULL DEFAULT '', "waybill_id" uuid, "waybill_number" character varying(24), "carrier_id" uuid NOT NULL, "region_code" character(6) NOT NULL, "opened_at" TIMESTAMP WITH TIME ZONE NOT NULL, "raised_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_at" TIMESTAMP WITH TIME ZONE NOT NULL, "closed_at" TIMESTAMP WITH TIME ZONE, "signals" integer NOT NULL DEFAULT '1', "evidence" jsonb NOT NULL DEFAULT '{}', "message_zh" text NOT NULL, "message_en" text NOT NULL, "historical" boolean NOT NULL DEFAULT false, "acknowledged_by" uuid, "acknowledged_at" TIMESTAMP WITH TIME ZONE, "disposition" text, "closed_by" uuid, "escalated_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "alarms_severity_ck" CHECK (severity IN ('info','warn','alarm','critical')), CONSTRAINT "alarms_status_ck" CHECK (status IN ('open','acknowledged','closed')), CONSTRAINT "PK_b776da486fb19d38b4f7777a6da" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "alarms_opened_idx" ON "alarms"  ("opened_at") `);
    await queryRunner.query(`CREATE INDEX "alarms_waybill_idx" ON "alarms"  ("waybill_id") `);
    await queryRunner.query(`CREATE INDEX "alarms_region_opened_idx" ON "alarms"  ("region_code", "opened_at") `);
    await queryRunner.query(`CREATE INDEX "alarms_carrier_opened_idx" ON "alarms"  ("carrier_id", "opened_at") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "alarms_not_closed_uq" ON "alarms"  ("vehicle_id", "rule_id", "key", "historical") WHERE status <> 'closed'`);
    await queryRunner.query(`CREATE TABLE "alarm_steps" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "alarm_id" uuid NOT NULL, "kind" character varying(16) NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL, "actor_user_id" uuid, "actor_organisation_id" uuid, "note" text, "data" jsonb NOT NULL DEFAULT '{}', CONSTRAINT "alarm_steps_kind_ck" CHECK (kind IN ('opened','severity','acknowledged','escalated','closed')), CONSTRAINT "PK_422c7dba52e4d7403653146c504" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "alarm_steps_alarm_idx" ON "alarm_steps"  ("alarm_id", "at") `);
    await queryRunner.query(`CREATE TABLE "vehicle_rule_states" ("vehicle_id" uuid NOT NULL, "state" jsonb NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_957d0268d90d51dfe984a8c5e6b" PRIMARY KEY ("vehicle_id"))`);
    await queryRunner.query(`CREATE TABLE "zones" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organisation_id" uuid NOT NULL, "region_code" character(6) NOT NULL, "name" character varying(200) NOT NULL, "kind" character varying(16) NOT NULL, "polygon" jsonb NOT NULL, "banned_classes" text array NOT NULL DEFAULT '{}', "windows" jsonb NOT NULL DEFAULT '[]', "speed_limit_kmh" integer, "status" character varying(16) NOT NULL DEFAULT 'active', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "zones_status_ck" CHECK (status IN ('active','retired')), CONSTRAINT "zones_kind_ck" CHECK (kind IN ('restricted','populated','parking')), CONSTRAINT "PK_880484a43ca311707b05895bd4a" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "zones_region_idx" ON "zones"  ("region_code") `);
    await queryRunner.query(`CREATE INDEX "zones_organisation_idx" ON "zones"  ("organisation_id") `);
    await queryRunner.query(`ALTER TABLE "alarm_steps" ADD CONSTRAINT "alarm_steps_alarm_id_fk" FOREIGN KEY ("alarm_id") REFERENCES "alarms"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "zones" ADD CONSTRAINT "zones_organisation_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "zones" DROP CONSTRAINT "zones_organisation_id_fk"`);
    await queryRunner.query(`ALTER TABLE "alarm_steps" DROP CONSTRAINT "alarm_steps_alarm_id_fk"`);
    await queryRunner.query(`DROP INDEX "public"."zones_organisation_idx"`);
    await queryRunner.query(`DROP INDEX "public"."zones_region_idx"`);
    await queryRunner.query(`DROP TABLE "zones"`);
    await queryRunner.query(`DROP TABLE "vehicle_rule_states"`);
    await queryRunner.query(`DROP INDEX "public"."alarm_steps_alarm_idx"`);
    await queryRunner.query(`DROP TABLE "alarm_steps"`);
    await queryRunner.query(`DROP INDEX "public"."alarms_not_closed_uq"`);
    await queryRunner.query(`DROP INDEX "public"."alarms_carrier_opened_idx"`);
    await queryRunner.query(`DROP INDEX "public"."alarms_region_opened_idx"`);
    await queryRunner.query(`DROP INDEX "public"."alarms_waybill_idx"`);
    await queryRunner.query(`DROP INDEX "public"."alarms_opened_idx"`);
    await queryRunner.query(`DROP TABLE "alarms"`);
  }
}
