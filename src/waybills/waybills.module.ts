import { Module } from '@nestjs/common';
import { DangerousGoodsModule } from '../dangerous-goods/dangerous-goods.module.js';
import { VehiclesModule } from '../vehicles/vehicles.module.js';
import { PartiesModule } from './parties.module.js';
import { PreTripInspectionsController } from './pre-trip-inspections.controller.js';
import { PreTripInspectionsService } from './pre-trip-inspections.service.js';
import { QrKeysService } from './qr-keys.service.js';
import { PublicWaybillController, WaybillsController } from './waybills.controller.js';
import { WaybillsService } from './waybills.service.js';

// Electronic waybills: drafting, dispatch, issue, QR, lifecycle, delivery and reconciliation, and the carrier's
// pre-trip inspections of a waybill. Depends on the fleet (vehicles), the catalogue and the parties; loading checks
// and tracking use WaybillsService.
@Module({
  imports: [DangerousGoodsModule, VehiclesModule, PartiesModule],
  controllers: [WaybillsController, PublicWaybillController, PreTripInspectionsController],
  providers: [WaybillsService, QrKeysService, PreTripInspectionsService],
  exports: [WaybillsService, QrKeysService],
})
export class WaybillsModule {}
