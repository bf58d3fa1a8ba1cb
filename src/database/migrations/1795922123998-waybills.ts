import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Waybills1795922123998 implements MigrationInterface {
  name = 'Waybills1795922123998';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Waybill numbers: YD + China date + the last 6 digits of this sequence (waybills.service.ts).
    await queryRunner.query(`CREATE SEQUENCE "waybill_number_seq"`);
    await queryRunner.query(`CREATE TABLE "idempotency_keys" ("organisation_id" uuid NOT NULL, "key" character varying(100) NOT NULL, "route" character varying(300) NOT NULL, "request_hash" character(64) NOT NULL, "status_code" integer, "response" jsonb, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_94ad185cd620ee841022da26a8b" PRIMARY KEY ("organisation_id", "key"))`);
    await queryRunner.query(`CREATE INDEX "idempotency_keys_created_at_idx" ON "idempotency_keys"  ("created_at") `);
    await queryRunner.query(`CREATE TABLE "dangerous_goods_additions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "un_number" character(4) NOT NULL, "kind" character varying(16) NOT NULL, "value" character varying(200) NOT NULL, "source" character varying(300) NOT NULL, "created_by_user_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "dangerous_goods_additions_kind_ck" CHECK (kind IN ('name_zh','alias','cas','flag')), CONSTRAINT "PK_829cb397784b05cbd9d0a6e2d02" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "dangerous_goods_additions_uq" ON "dangerous_goods_additions"  ("un_number", "kind", "value") `);
    await queryRunner.query(`CREATE TABLE "permits" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organisation_id" uuid NOT NULL, "type" character varying(32) NOT NULL, "number" character varying(64) NOT NULL, "issuer" character varying(100) NOT NULL, "valid_from" TIMESTAMP WITH TIME ZONE NOT NULL, "valid_until" TIMESTAMP WITH TIME ZONE NOT NULL, "single_use" boolean NOT NULL DEFAULT true, "route" text, "origin" character varying(200), "destination" character varying(200), "vehicle_plates" text array NOT NULL DEFAULT '{}', "person_ids" uuid array NOT NULL DEFAULT '{}', "goods" jsonb NOT NULL DEFAULT '[]', "status" character varying(16) NOT NULL DEFAULT 'valid', "used_by_waybill_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "permits_window_ck" CHECK (valid_until > valid_from), CONSTRAINT "permits_status_ck" CHECK (status IN ('valid','used','returned','revoked')), CONSTRAINT "permits_type_ck" CHECK (type IN ('highly_toxic_pass','explosives','fireworks','radioactive','hazardous_waste_manifest')), CONSTRAINT "PK_e0f39993461b6ea160b4f42ac1c" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "permits_organisation_id_idx" ON "permits"  ("organisation_id") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "permits_number_uq" ON "permits"  ("type", "number") `);
    await queryRunner.query(`CREATE TABLE "places" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organisation_id" uuid NOT NULL, "kind" character varying(16) NOT NULL, "name" character varying(200) NOT NULL, "address" character varying(300) NOT NULL, "region_code" character(6) NOT NULL, "lat" double precision NOT NULL, "lon" double precision NOT NULL, "geofence" jsonb, "radius_m" integer, "contact_name" character varying(50), "contact_phone" character varying(32), "status" character varying(16) NOT NULL DEFAULT 'active', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "places_coordinates_ck" CHECK (lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180), CONSTRAINT "places_status_ck" CHECK (status IN ('active','retired')), CONSTRAINT "places_kind_ck" CHECK (kind IN ('address','loading_site','unloading_site')), CONSTRAINT "PK_1afab86e226b4c3bc9a74465c12" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "places_organisation_id_idx" ON "places"  ("organisation_id") `);
    await queryRunner.query(`CREATE TABLE "waybill_lines" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "waybill_id" uuid NOT NULL, "line_no" smallint NOT NULL, "un_number" character(4) NOT NULL, "name" character varying(300) NOT NULL, "hazard_class" character varying(8) NOT NULL, "subsidiary_risks" text array NOT NULL DEFAULT '{}', "packing_group" character varying(3), "labels" text array NOT NULL DEFAULT '{}', "classification_code" character varying(8), "tunnel_code" character varying(16), "packaging_type" character varying(100), "package_count" integer, "declared_quantity" numeric(14,3) NOT NULL, "unit" character varying(4) NOT NULL, "limited_quantity" boolean NOT NULL DEFAULT false, "loaded_quantity" numeric(14,3), "loaded_packages" integer, "received_quantity" numeric(14,3), "received_packages" integer, "sds_ref" character varying(300), "label_ref" character varying(300), "flags" jsonb NOT NULL DEFAULT '{}', CONSTRAINT "waybill_lines_quantity_ck" CHECK (declared_quantity > 0), CONSTRAINT "waybill_lines_unit_ck" CHECK (unit IN ('kg','t','L','m3')), CONSTRAINT "PK_0934eba43f6683263a28608800b" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "waybill_lines_un_number_idx" ON "waybill_lines"  ("un_number") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "waybill_lines_waybill_line_uq" ON "waybill_lines"  ("waybill_id", "line_no") `);
    await queryRunner.query(`CREATE TABLE "waybills" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "number" character varying(24) NOT NULL, "version" integer NOT NULL DEFAULT '1', "status" character varying(16) NOT NULL DEFAULT 'draft', "shipper_id" uuid NOT NULL, "consignee_id" uuid, "carrier_id" uuid, "loading_site_id" uuid, "origin_place_id" uuid, "destination_place_id" uuid, "planned_departure_at" TIMESTAMP WITH TIME ZONE, "planned_arrival_at" TIMESTAMP WITH TIME ZONE, "planned_route" text, "emergency_contact_name" character varying(50), "emergency_contact_phone" character varying(32), "emergency_measures" text, "vehicle_id" uuid, "trailer_id" uuid, "tank_id" uuid, "driver_id" uuid, "escort_id" uuid, "permit_ids" uuid array NOT NULL DEFAULT '{}', "dispatched_at" TIMESTAMP WITH TIME ZONE, "certificate_snapshot" jsonb, "document_hash" character(64), "qr" text, "issued_at" TIMESTAMP WITH TIME ZONE, "created_by_user_id" uuid, "row_version" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "waybills_status_ck" CHECK (status IN ('draft','issued','check_failed','checked','loading','loaded','in_transit','arrived','delivered','discrepancy','closed','cancelled','aborted','incident')), CONSTRAINT "PK_38b1c7d5ec2d0183970dd279134" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "waybills_status_idx" ON "waybills"  ("status") `);
    await queryRunner.query(`CREATE INDEX "waybills_vehicle_id_idx" ON "waybills"  ("vehicle_id", "status") `);
    await queryRunner.query(`CREATE INDEX "waybills_loading_site_id_idx" ON "waybills"  ("loading_site_id", "created_at") `);
    await queryRunner.query(`CREATE INDEX "waybills_consignee_id_idx" ON "waybills"  ("consignee_id", "created_at") `);
    await queryRunner.query(`CREATE INDEX "waybills_carrier_id_idx" ON "waybills"  ("carrier_id", "created_at") `);
    await queryRunner.query(`CREATE INDEX "waybills_shipper_id_idx" ON "waybills"  ("shipper_id", "created_at") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "waybills_number_uq" ON "waybills"  ("number") `);
    await queryRunner.query(`CREATE TABLE "waybill_events" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "waybill_id" uuid NOT NULL, "seq" integer NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL, "type" character varying(32) NOT NULL, "from_status" character varying(16), "to_status" character varying(16) NOT NULL, "version" integer NOT NULL, "actor_user_id" uuid, "actor_organisation_id" uuid, "actor_role" character varying(16) NOT NULL, "payload" jsonb NOT NULL DEFAULT '{}', "prev_hash" character(64), "hash" character(64) NOT NULL, CONSTRAINT "PK_9c140a0e09f974accdd34df1b76" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "waybill_events_seq_uq" ON "waybill_events"  ("waybill_id", "seq") `);
    await queryRunner.query(`CREATE TABLE "waybill_versions" ("waybill_id" uuid NOT NULL, "version" integer NOT NULL, "document" jsonb NOT NULL, "document_hash" character(64) NOT NULL, "qr" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_84f9759a59eeba4452c07d2fe67" PRIMARY KEY ("waybill_id", "version"))`);
    await queryRunner.query(`ALTER TABLE "permits" ADD CONSTRAINT "permits_organisation_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "places" ADD CONSTRAINT "places_organisation_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "waybill_lines" ADD CONSTRAINT "waybill_lines_waybill_id_fk" FOREIGN KEY ("waybill_id") REFERENCES "waybills"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "waybills" ADD CONSTRAINT "waybills_shipper_id_fk" FOREIGN KEY ("shipper_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "waybills" ADD CONSTRAINT "waybills_consignee_id_fk" FOREIGN KEY ("consignee_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "waybills" ADD CONSTRAINT "waybills_carrier_id_fk" FOREIGN KEY ("carrier_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "waybills" ADD CONSTRAINT "waybills_loading_site_id_fk" FOREIGN KEY ("loading_site_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "waybills" ADD CONSTRAINT "waybills_origin_place_id_fk" FOREIGN KEY ("origin_place_id") REFERENCES "places"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "waybills" ADD CONSTRAINT "waybills_destination_place_id_fk" FOREIGN KEY ("destination_place_id") REFERENCES "places"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "waybill_events" ADD CONSTRAINT "waybill_events_waybill_id_fk" FOREIGN KEY ("waybill_id") REFERENCES "waybills"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "waybill_versions" ADD CONSTRAINT "waybill_versions_waybill_id_fk" FOREIGN KEY ("waybill_id") REFERENCES "waybills"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "waybill_versions" DROP CONSTRAINT "waybill_versions_waybill_id_fk"`);
    await queryRunner.query(`ALTER TABLE "waybill_events" DROP CONSTRAINT "waybill_events_waybill_id_fk"`);
    await queryRunner.query(`ALTER TABLE "waybills" DROP CONSTRAINT "waybills_destination_place_id_fk"`);
    await queryRunner.query(`ALTER TABLE "waybills" DROP CONSTRAINT "waybills_origin_place_id_fk"`);
    await queryRunner.query(`ALTER TABLE "waybills" DROP CONSTRAINT "waybills_loading_site_id_fk"`);
    await queryRunner.query(`ALTER TABLE "waybills" DROP CONSTRAINT "waybills_carrier_id_fk"`);
    await queryRunner.query(`ALTER TABLE "waybills" DROP CONSTRAINT "waybills_consignee_id_fk"`);
    await queryRunner.query(`ALTER TABLE "waybills" DROP CONSTRAINT "waybills_shipper_id_fk"`);
    await queryRunner.query(`ALTER TABLE "waybill_lines" DROP CONSTRAINT "waybill_lines_waybill_id_fk"`);
    await queryRunner.query(`ALTER TABLE "places" DROP CONSTRAINT "places_organisation_id_fk"`);
    await queryRunner.query(`ALTER TABLE "permits" DROP CONSTRAINT "permits_organisation_id_fk"`);
    await queryRunner.query(`DROP TABLE "waybill_versions"`);
    await queryRunner.query(`DROP INDEX "public"."waybill_events_seq_uq"`);
    await queryRunner.query(`DROP TABLE "waybill_events"`);
    await queryRunner.query(`DROP INDEX "public"."waybills_number_uq"`);
    await queryRunner.query(`DROP INDEX "public"."waybills_shipper_id_idx"`);
    await queryRunner.query(`DROP INDEX "public"."waybills_carrier_id_idx"`);
    await queryRunner.query(`DROP INDEX "public"."waybills_consignee_id_idx"`);
    await queryRunner.query(`DROP INDEX "public"."waybills_loading_site_id_idx"`);
    await queryRunner.query(`DROP INDEX "public"."waybills_vehicle_id_idx"`);
    await queryRunner.query(`DROP INDEX "public"."waybills_status_idx"`);
    await queryRunner.query(`DROP TABLE "waybills"`);
    await queryRunner.query(`DROP INDEX "public"."waybill_lines_waybill_line_uq"`);
    await queryRunner.query(`DROP INDEX "public"."waybill_lines_un_number_idx"`);
    await queryRunner.query(`DROP TABLE "waybill_lines"`);
    await queryRunner.query(`DROP INDEX "public"."places_organisation_id_idx"`);
    await queryRunner.query(`DROP TABLE "places"`);
    await queryRunner.query(`DROP INDEX "public"."permits_number_uq"`);
    await queryRunner.query(`DROP INDEX "public"."permits_organisation_id_idx"`);
    await queryRunner.query(`DROP TABLE "permits"`);
    await queryRunner.query(`DROP INDEX "public"."dangerous_goods_additions_uq"`);
    await queryRunner.query(`DROP TABLE "dangerous_goods_additions"`);
    await queryRunner.query(`DROP INDEX "public"."idempotency_keys_created_at_idx"`);
    await queryRunner.query(`DROP TABLE "idempotency_keys"`);
    await queryRunner.query(`DROP SEQUENCE "waybill_number_seq"`);
  }
}
