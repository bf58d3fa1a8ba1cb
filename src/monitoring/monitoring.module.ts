import { Module } from '@nestjs/common';
import { ENV, type Env } from '../config/env.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { QueueModule } from '../queue/queue.module.js';
import { TrackingModule } from '../tracking/tracking.module.js';
import { WaybillsModule } from '../waybills/waybills.module.js';
import { AlarmsService } from './alarms.service.js';
import { MONITOR_RULES, trRules } from './monitor-rules.js';
import { AlarmsController, MonitoringController, ZonesController } from './monitoring.controller.js';
import { MonitoringProcessor } from './monitoring.processor.js';
import { CLOCK_JOB, ESCALATE_JOB, MONITORING_QUEUE } from './monitoring.queue.js';
import { MonitoringService } from './monitoring.service.js';
import { LoggingSmsChannel, NoSmsChannel, SMS_CHANNEL } from './sms.channel.js';
import { StatisticsService } from './statistics.service.js';
import { ZonesService } from './zones.service.js';

// Route and qualification monitoring in transit (issue 7): rules on the position stream, alarm episodes with a
// handling workflow, zones, statistics. Depends on tracking (positions), waybills and notifications; nothing
// depends on it.
@Module({
  imports: [TrackingModule, WaybillsModule, NotificationsModule, QueueModule.forFeature([{ queue: MONITORING_QUEUE, jobs: [CLOCK_JOB, ESCALATE_JOB], concurrency: 2 }])],
  controllers: [AlarmsController, ZonesController, MonitoringController],
  providers: [
    AlarmsService,
    ZonesService,
    StatisticsService,
    MonitoringService,
    MonitoringProcessor,
    { provide: MONITOR_RULES, inject: [ENV], useFactory: (env: Env) => trRules(env.MONITOR_CONFIG) },
    { provide: SMS_CHANNEL, inject: [ENV], useFactory: (env: Env) => (env.SMS_CHANNEL === 'none' ? new NoSmsChannel() : new LoggingSmsChannel()) },
  ],
  exports: [MonitoringService, AlarmsService],
})
export class MonitoringModule {}
