import { Module } from '@nestjs/common';
import { VehiclesModule } from '../vehicles/vehicles.module.js';
import { WaybillsModule } from '../waybills/waybills.module.js';
import { PositionsModule } from './positions/positions.module.js';

// Vehicle terminals and their positions: the JT/T 808 TCP server (terminal/), socket.io app terminals and
// watchers, storage (positions/), latest positions and track replay. Depends on vehicles and waybills; nothing
// depends on it.
@Module({
  imports: [PositionsModule, VehiclesModule, WaybillsModule],
  controllers: [],
  providers: [],
  exports: [PositionsModule],
})
export class TrackingModule {}
