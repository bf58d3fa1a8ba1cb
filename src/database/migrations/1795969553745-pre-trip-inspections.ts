import type { MigrationInterface, QueryRunner } from 'typeorm';

// The carrier's pre-trip inspections and safety briefings of a waybill (Order 29 art. 25), read by PL-26: one
// immutable row per record, the latest of a waybill found through (waybill_id, recorded_at).
export class PreTripInspections1795969553745 implements MigrationInterface {
  name = 'PreTripInspections1795969553745';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "pre_trip_inspections" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "waybill_id" uuid NOT NULL, "waybill_version" integer NOT NULL, "carrier_id" uuid NOT NULL, "inspector_id" uuid NOT NULL, "inspected_at" TIMESTAMP WITH TIME ZONE NOT NULL, "vehicle_id" uuid, "trailer_id" uuid, "tank_id" uuid, "items" jsonb NOT NULL, "briefed_person_ids" uuid array NOT NULL, "briefed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "briefing_note" character varying(500), "supersedes_id" uuid, "recorded_by_user_id" uuid, "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pre_trip_inspections_briefed_ck" CHECK (cardinality(briefed_person_ids) > 0), CONSTRAINT "PK_44972b2af4c3544dc1a31abe526" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "pre_trip_inspections_waybill_idx" ON "pre_trip_inspections"  ("waybill_id", "recorded_at") `);
    await queryRunner.query(`ALTER TABLE "pre_trip_inspections" ADD CONSTRAINT "pre_trip_inspections_waybill_id_fk" FOREIGN KEY ("waybill_id") REFERENCES "waybills"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "pre_trip_inspections" ADD CONSTRAINT "pre_trip_inspections_carrier_id_fk" FOREIGN KEY ("carrier_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "pre_trip_inspections" ADD CONSTRAINT "pre_trip_inspections_inspector_id_fk" FOREIGN KEY ("inspector_id") REFERENCES "people"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "pre_trip_inspections" DROP CONSTRAINT "pre_trip_inspections_inspector_id_fk"`);
    await queryRunner.query(`ALTER TABLE "pre_trip_inspections" DROP CONSTRAINT "pre_trip_inspections_carrier_id_fk"`);
    await queryRunner.query(`ALTER TABLE "pre_trip_inspections" DROP CONSTRAINT "pre_trip_inspections_waybill_id_fk"`);
    await queryRunner.query(`DROP INDEX "public"."pre_trip_inspections_waybill_idx"`);
    await queryRunner.query(`DROP TABLE "pre_trip_inspections"`);
  }
}
