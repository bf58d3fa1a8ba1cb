import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Accounts1795920027131 implements MigrationInterface {
  name = 'Accounts1795920027131';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "organisations" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "kind" character varying(16) NOT NULL, "name" character varying(200) NOT NULL, "uscc" character varying(18), "region_code" character(6) NOT NULL, "address" character varying(300), "contact_phone" character varying(32), "status" character varying(16) NOT NULL DEFAULT 'active', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "organisations_region_code_ck" CHECK (region_code ~ '^[0-9]{6}$'), CONSTRAINT "organisations_status_ck" CHECK (status IN ('active','retired')), CONSTRAINT "organisations_kind_ck" CHECK (kind IN ('platform','shipper','carrier','loading_site','consignee','authority')), CONSTRAINT "PK_7bf54cba378d5b2f1d4c10ef4df" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "organisations_region_code_idx" ON "organisations"  ("region_code") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "organisations_uscc_uq" ON "organisations"  ("uscc") WHERE uscc IS NOT NULL`);
    await queryRunner.query(`CREATE TABLE "api_keys" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organisation_id" uuid NOT NULL, "created_by_user_id" uuid, "name" character varying(100) NOT NULL, "secret_hash" character(64) NOT NULL, "roles" text array NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE, "last_used_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_5c8a79801b44bd27b79228e1dad" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "api_keys_organisation_id_idx" ON "api_keys"  ("organisation_id") `);
    await queryRunner.query(`CREATE TABLE "users" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organisation_id" uuid NOT NULL, "username" character varying(64) NOT NULL, "display_name" character varying(100) NOT NULL, "phone" character varying(32), "password_hash" text NOT NULL, "roles" text array NOT NULL, "status" character varying(16) NOT NULL DEFAULT 'active', "must_change_password" boolean NOT NULL DEFAULT false, "failed_logins" integer NOT NULL DEFAULT '0', "locked_until" TIMESTAMP WITH TIME ZONE, "last_login_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "users_status_ck" CHECK (status IN ('active','disabled')), CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "users_organisation_id_idx" ON "users"  ("organisation_id") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "users_username_uq" ON "users"  ("username") `);
    await queryRunner.query(`CREATE TABLE "sessions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "revoked_at" TIMESTAMP WITH TIME ZONE, "ip" character varying(64), "user_agent" character varying(300), CONSTRAINT "PK_3238ef96f18b355b671619111bc" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "sessions_user_id_idx" ON "sessions"  ("user_id") `);
    await queryRunner.query(`CREATE TABLE "audit_entries" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "actor_user_id" uuid, "actor_api_key_id" uuid, "organisation_id" uuid, "action" character varying(64) NOT NULL, "entity_type" character varying(64) NOT NULL, "entity_id" character varying(64) NOT NULL, "before" jsonb, "after" jsonb, "request_id" character varying(64), CONSTRAINT "PK_6b1623bcad4d04530b76548d619" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "audit_entries_organisation_id_idx" ON "audit_entries"  ("organisation_id", "at") `);
    await queryRunner.query(`CREATE INDEX "audit_entries_entity_idx" ON "audit_entries"  ("entity_type", "entity_id") `);
    await queryRunner.query(`CREATE TABLE "system_settings" ("key" character varying(100) NOT NULL, "value" text NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_b1b5bc664526d375c94ce9ad43d" PRIMARY KEY ("key"))`);
    await queryRunner.query(`ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_organisation_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "users" ADD CONSTRAINT "users_organisation_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sessions" DROP CONSTRAINT "sessions_user_id_fk"`);
    await queryRunner.query(`ALTER TABLE "users" DROP CONSTRAINT "users_organisation_id_fk"`);
    await queryRunner.query(`ALTER TABLE "api_keys" DROP CONSTRAINT "api_keys_organisation_id_fk"`);
    await queryRunner.query(`DROP TABLE "system_settings"`);
    await queryRunner.query(`DROP INDEX "public"."audit_entries_entity_idx"`);
    await queryRunner.query(`DROP INDEX "public"."audit_entries_organisation_id_idx"`);
    await queryRunner.query(`DROP TABLE "audit_entries"`);
    await queryRunner.query(`DROP INDEX "public"."sessions_user_id_idx"`);
    await queryRunner.query(`DROP TABLE "sessions"`);
    await queryRunner.query(`DROP INDEX "public"."users_username_uq"`);
    await queryRunner.query(`DROP INDEX "public"."users_organisation_id_idx"`);
    await queryRunner.query(`DROP TABLE "users"`);
    await queryRunner.query(`DROP INDEX "public"."api_keys_organisation_id_idx"`);
    await queryRunner.query(`DROP TABLE "api_keys"`);
    await queryRunner.query(`DROP INDEX "public"."organisations_uscc_uq"`);
    await queryRunner.query(`DROP INDEX "public"."organisations_region_code_idx"`);
    await queryRunner.query(`DROP TABLE "organisations"`);
  }
}
