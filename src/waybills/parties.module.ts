import { Module } from '@nestjs/common';
import { DangerousGoodsModule } from '../dangerous-goods/dangerous-goods.module.js';
import { PermitsController } from './permits.controller.js';
import { PermitsService } from './permits.service.js';
import { PlacesController } from './places.controller.js';
import { PlacesService } from './places.service.js';

// What waybills point at besides organisations: places (addresses, loading and unloading sites with their
// geofences) and transport permits. The waybills module and tracking read them through these two services.
@Module({
  imports: [DangerousGoodsModule],
  controllers: [PlacesController, PermitsController],
  providers: [PlacesService, PermitsService],
  exports: [PlacesService, PermitsService],
})
export class PartiesModule {}
