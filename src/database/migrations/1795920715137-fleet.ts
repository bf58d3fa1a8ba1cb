import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Fleet1795920715137 implements MigrationInterface {
  name = 'Fleet1795920715137';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "blacklist_entries" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "subject_type" character varying(16) NOT NULL, "subject_id" uuid NOT NULL, "subject_organisation_id" uuid NOT NULL, "reason" character varying(500) NOT NULL, "issued_by_organisation_id" uuid NOT NULL, "issued_by_user_id" uuid, "valid_from" date NOT NULL, "valid_until" date, "lifted_at" TIMESTAMP WITH TIME ZONE, "lifted_by_user_id" uuid, "lift_reason" character varying(500), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "blacklist_entries_dates_ck" CHECK (valid_until IS NULL OR valid_until >= valid_from), CONSTRAINT "blacklist_entries_subject_type_ck" CHECK (subject_type IN ('organisation','vehicle','person')), CONSTRAINT "PK_61b3b4cd52f946ff6807b9120e3" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "blacklist_entries_subject_idx" ON "blacklist_entries"  ("subject_type", "subject_id") `);
    await queryRunner.query(`CREATE TABLE "carrier_licences" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organisation_id" uuid NOT NULL, "number" character varying(32) NOT NULL, "valid_from" date, "valid_until" date NOT NULL, "scope" text array NOT NULL, "highly_toxic" boolean NOT NULL DEFAULT false, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_9c3236532fa85b0108b1addceb0" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "carrier_licences_organisation_id_uq" ON "carrier_licences"  ("organisation_id") `);
    await queryRunner.query(`CREATE TABLE "people" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organisation_id" uuid NOT NULL, "name" character varying(50) NOT NULL, "id_number" character(18) NOT NULL, "phone" character varying(32), "categories" text array NOT NULL, "driving_licence_class" character varying(8), "driving_licence_valid_until" date, "qualification_cert_number" character varying(32), "qualification_valid_until" date, "endorsements" text array NOT NULL DEFAULT '{}', "status" character varying(16) NOT NULL DEFAULT 'active', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "people_categories_ck" CHECK (categories <@ ARRAY['driver','escort','loading_manager']::text[]), CONSTRAINT "people_status_ck" CHECK (status IN ('active','retired')), CONSTRAINT "PK_aa866e71353ee94c6cc51059c5b" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "people_organisation_id_idx" ON "people"  ("organisation_id") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "people_id_number_uq" ON "people"  ("id_number") WHERE status = 'active'`);
    await queryRunner.query(`CREATE TABLE "vehicles" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organisation_id" uuid NOT NULL, "plate_number" character varying(16) NOT NULL, "plate_colour" character varying(16) NOT NULL, "kind" character varying(16) NOT NULL, "model" character varying(50), "driving_licence_valid_until" date, "next_safety_inspection" date, "transport_cert_number" character varying(32), "transport_cert_valid_until" date, "transport_scope" text array NOT NULL DEFAULT '{}', "rated_load_kg" integer, "total_mass_kg" integer, "insurance_policy" character varying(64), "insurance_valid_until" date, "adr_type" character varying(8), "usual_trailer_id" uuid, "usual_tank_id" uuid, "usual_driver_id" uuid, "usual_escort_id" uuid, "status" character varying(16) NOT NULL DEFAULT 'active', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "vehicles_status_ck" CHECK (status IN ('active','retired')), CONSTRAINT "vehicles_plate_colour_ck" CHECK (plate_colour IN ('yellow','blue','green','yellow_green','black','white')), CONSTRAINT "vehicles_kind_ck" CHECK (kind IN ('truck','tractor','trailer')), CONSTRAINT "PK_18d8646b59304dce4af3a9e35b6" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "vehicles_organisation_id_idx" ON "vehicles"  ("organisation_id") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "vehicles_plate_number_uq" ON "vehicles"  ("plate_number") WHERE status = 'active'`);
    await queryRunner.query(`CREATE TABLE "tanks" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organisation_id" uuid NOT NULL, "number" character varying(32) NOT NULL, "kind" character varying(20) NOT NULL, "volume_l" integer, "compartments" smallint NOT NULL DEFAULT '1', "tank_code" character varying(16), "media" jsonb NOT NULL DEFAULT '[]', "inspection_report_no" character varying(64), "next_inspection_date" date, "pressure_registration_no" character varying(64), "last_cargo_un" character(4), "cleaned" boolean NOT NULL DEFAULT false, "vehicle_id" uuid, "status" character varying(16) NOT NULL DEFAULT 'active', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "tanks_status_ck" CHECK (status IN ('active','retired')), CONSTRAINT "tanks_kind_ck" CHECK (kind IN ('atmospheric','pressure_vessel','portable','tank_container')), CONSTRAINT "PK_6f4aa0dd55c110e1ca7cac7b504" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "tanks_organisation_id_idx" ON "tanks"  ("organisation_id") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "tanks_number_uq" ON "tanks"  ("organisation_id", "number") WHERE status = 'active'`);
    await queryRunner.query(`CREATE TABLE "terminals" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organisation_id" uuid NOT NULL, "protocol" character varying(8) NOT NULL DEFAULT 'jt808', "phone" character varying(20) NOT NULL, "device_id" character varying(30), "protocol_version" character varying(4), "vehicle_id" uuid, "auth_code" character varying(64), "app_token_hash" character(64), "last_seen_at" TIMESTAMP WITH TIME ZONE, "status" character varying(16) NOT NULL DEFAULT 'active', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "terminals_status_ck" CHECK (status IN ('active','retired')), CONSTRAINT "terminals_protocol_version_ck" CHECK (protocol_version IS NULL OR protocol_version IN ('2011','2013','2019')), CONSTRAINT "terminals_protocol_ck" CHECK (protocol IN ('jt808','app')), CONSTRAINT "PK_cd9f1bbe36836bffd5217d3fe60" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "terminals_organisation_id_idx" ON "terminals"  ("organisation_id") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "terminals_vehicle_id_uq" ON "terminals"  ("vehicle_id") WHERE status = 'active' AND vehicle_id IS NOT NULL`);
    await queryRunner.query(`CREATE UNIQUE INDEX "terminals_phone_uq" ON "terminals"  ("phone") WHERE status = 'active'`);
    await queryRunner.query(`ALTER TABLE "carrier_licences" ADD CONSTRAINT "carrier_licences_organisation_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "organisations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "people" ADD CONSTRAINT "people_organisation_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "vehicles" ADD CONSTRAINT "vehicles_organisation_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "tanks" ADD CONSTRAINT "tanks_organisation_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "tanks" ADD CONSTRAINT "tanks_vehicle_id_fk" FOREIGN KEY ("vehicle_id") REFERENCES "vehicles"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "terminals" ADD CONSTRAINT "terminals_organisation_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "terminals" ADD CONSTRAINT "terminals_vehicle_id_fk" FOREIGN KEY ("vehicle_id") REFERENCES "vehicles"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "terminals" DROP CONSTRAINT "terminals_vehicle_id_fk"`);
    await queryRunner.query(`ALTER TABLE "terminals" DROP CONSTRAINT "terminals_organisation_id_fk"`);
    await queryRunner.query(`ALTER TABLE "tanks" DROP CONSTRAINT "tanks_vehicle_id_fk"`);
    await queryRunner.query(`ALTER TABLE "tanks" DROP CONSTRAINT "tanks_organisation_id_fk"`);
    await queryRunner.query(`ALTER TABLE "vehicles" DROP CONSTRAINT "vehicles_organisation_id_fk"`);
    await queryRunner.query(`ALTER TABLE "people" DROP CONSTRAINT "people_organisation_id_fk"`);
    await queryRunner.query(`ALTER TABLE "carrier_licences" DROP CONSTRAINT "carrier_licences_organisation_id_fk"`);
    await queryRunner.query(`DROP INDEX "public"."terminals_phone_uq"`);
    await queryRunner.query(`DROP INDEX "public"."terminals_vehicle_id_uq"`);
    await queryRunner.query(`DROP INDEX "public"."terminals_organisation_id_idx"`);
    await queryRunner.query(`DROP TABLE "terminals"`);
    await queryRunner.query(`DROP INDEX "public"."tanks_number_uq"`);
    await queryRunner.query(`DROP INDEX "public"."tanks_organisation_id_idx"`);
    await queryRunner.query(`DROP TABLE "tanks"`);
    await queryRunner.query(`DROP INDEX "public"."vehicles_plate_number_uq"`);
    await queryRunner.query(`DROP INDEX "public"."vehicles_organisation_id_idx"`);
    await queryRunner.query(`DROP TABLE "vehicles"`);
    await queryRunner.query(`DROP INDEX "public"."people_id_number_uq"`);
    await queryRunner.query(`DROP INDEX "public"."people_organisation_id_idx"`);
    await queryRunner.query(`DROP TABLE "people"`);
    await queryRunner.query(`DROP INDEX "public"."carrier_licences_organisation_id_uq"`);
    await queryRunner.query(`DROP TABLE "carrier_licences"`);
    await queryRunner.query(`DROP INDEX "public"."blacklist_entries_subject_idx"`);
    await queryRunner.query(`DROP TABLE "blacklist_entries"`);
  }
}
