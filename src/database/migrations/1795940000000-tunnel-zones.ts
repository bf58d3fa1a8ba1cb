import type { MigrationInterface, QueryRunner } from 'typeorm';

// Zones of kind 'tunnel' with their ADR 1.9.5.2.2 category (A-E), for TR-09.
export class TunnelZones1795940000000 implements MigrationInterface {
  name = 'TunnelZones1795940000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "zones" ADD "tunnel_category" character(1)`);
    await queryRunner.query(`ALTER TABLE "zones" DROP CONSTRAINT "zones_kind_ck"`);
    await queryRunner.query(`ALTER TABLE "zones" ADD CONSTRAINT "zones_kind_ck" CHECK (kind IN ('restricted','populated','parking','tunnel'))`);
    await queryRunner.query(`ALTER TABLE "zones" ADD CONSTRAINT "zones_tunnel_category_ck" CHECK (tunnel_category IN ('A','B','C','D','E'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "zones" DROP CONSTRAINT "zones_tunnel_category_ck"`);
    await queryRunner.query(`ALTER TABLE "zones" DROP CONSTRAINT "zones_kind_ck"`);
    await queryRunner.query(`ALTER TABLE "zones" ADD CONSTRAINT "zones_kind_ck" CHECK (kind IN ('restricted','populated','parking'))`);
    await queryRunner.query(`ALTER TABLE "zones" DROP COLUMN "tunnel_category"`);
  }
}
