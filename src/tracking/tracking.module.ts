import { Module } from '@nestjs/common';
import { VehiclesModule } from '../vehicles/vehicles.module.js';
import { WaybillsModule } from '../waybills/waybills.module.js';
import { AppTerminalAuth } from './live/app-terminal-auth.js';
import { AppTerminalsGateway } from './live/app-terminals.gateway.js';
import { LivePositions } from './live/live-positions.js';
import { TrackingScope } from './live/tracking-scope.service.js';
import { TrackingWatchGateway } from './live/tracking-watch.gateway.js';
import { PositionsModule } from './positions/positions.module.js';
import { TerminalServer } from './terminal/terminal.server.js';
import { TrackingController } from './tracking.controller.js';

// Vehicle terminals and their positions: the JT/T 808 TCP server (terminal/), socket.io app terminals and
// watchers, storage (positions/), latest positions and track replay. Depends on vehicles and waybills; nothing
// depends on it.
@Module({
  imports: [PositionsModule, VehiclesModule, WaybillsModule],
  controllers: [TrackingController],
  providers: [TrackingScope, LivePositions, AppTerminalAuth, AppTerminalsGateway, TrackingWatchGateway, TerminalServer],
  exports: [PositionsModule],
})
export class TrackingModule {}
