import type { MigrationInterface, QueryRunner } from 'typeorm';

// PL-21 reads the goods already on a check's vehicle and trailer: the lines of the other waybills whose vehicle or
// trailer it is, in a status with goods on board (GOODS_ON_VEHICLE_STATUSES). vehicle_id is found through
// waybills_vehicle_id_idx (vehicle_id, status); trailer_id had no index, so this partial one holds only the waybills
// with goods on board (a few per vehicle at most, however many waybills a trailer has carried).
export class WaybillsOnVehicleTrailer1796017868663 implements MigrationInterface {
  name = 'WaybillsOnVehicleTrailer1796017868663';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "waybills_on_vehicle_trailer_idx" ON "waybills"  ("trailer_id") WHERE status IN ('loading', 'loaded', 'in_transit', 'arrived', 'incident')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."waybills_on_vehicle_trailer_idx"`);
  }
}
