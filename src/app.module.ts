import { Module, type DynamicModule } from '@nestjs/common';
import { AccountsModule } from './accounts/accounts.module.js';
import { CommonModule } from './common/common.module.js';
import { ConfigModule } from './config/config.module.js';
import type { Env } from './config/env.js';
import { DatabaseModule } from './database/database.module.js';
import { LiveModule } from './live/live.module.js';
import { NotificationsModule } from './notifications/notifications.module.js';
import { LoggingModule } from './ops/logging.module.js';
import { OpsModule } from './ops/ops.module.js';
import { QueueModule } from './queue/queue.module.js';
import { VehiclesModule } from './vehicles/vehicles.module.js';
import { WaybillsModule } from './waybills/waybills.module.js';
import { LoadingChecksModule } from './loading-checks/loading-checks.module.js';
import { TrackingModule } from './tracking/tracking.module.js';
import { PartiesModule } from './waybills/parties.module.js';
import { MonitoringModule } from './monitoring/monitoring.module.js';
import { ConsoleModule } from './console/console.module.js';

@Module({})
export class AppModule {
  static forRoot(env: Env): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(env), LoggingModule.forRoot(env), DatabaseModule, CommonModule, AccountsModule, OpsModule, QueueModule, LiveModule, NotificationsModule, VehiclesModule, WaybillsModule, LoadingChecksModule, TrackingModule, PartiesModule, MonitoringModule, ConsoleModule],
    };
  }
}
