import { Module } from '@nestjs/common';
import { DangerousGoodsModule } from '../dangerous-goods/dangerous-goods.module.js';
import { VehiclesModule } from '../vehicles/vehicles.module.js';
import { WaybillsModule } from '../waybills/waybills.module.js';
import { CheckPhotosService } from './check-photos.service.js';
import { LoadingChecksController, LoadingController } from './loading-checks.controller.js';
import { LoadingChecksService } from './loading-checks.service.js';

// Pre-loading checks at the loading site (PL-01..PL-33), the gate checklist with photos, and loading records.
@Module({
  imports: [DangerousGoodsModule, VehiclesModule, WaybillsModule],
  controllers: [LoadingChecksController, LoadingController],
  providers: [LoadingChecksService, CheckPhotosService],
  exports: [LoadingChecksService],
})
export class LoadingChecksModule {}
