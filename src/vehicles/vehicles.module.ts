import { Module } from '@nestjs/common';
import { DangerousGoodsModule } from '../dangerous-goods/dangerous-goods.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { QueueModule } from '../queue/queue.module.js';
import { BlacklistController } from './blacklist.controller.js';
import { BlacklistService } from './blacklist.service.js';
import { CarrierLicenceService } from './carrier-licence.service.js';
import { ExpiryReminderService } from './expiry-reminder.service.js';
import {
  CarrierLicenceController,
  PeopleController,
  TanksController,
  TerminalsController,
  VehiclesController,
} from './fleet.controller.js';
import { FleetImportController } from './fleet-import.controller.js';
import { FleetImportService } from './fleet-import.service.js';
import { FleetRecords } from './fleet-records.js';
import { FleetService } from './fleet.service.js';
import { QualificationService } from './qualification.service.js';
import { EXPIRY_SCAN_JOB, FLEET_IMPORT_JOB, VEHICLES_QUEUE } from './vehicles.queue.js';

// Carriers' fleet and crews: vehicles, trailers, tanks, people, terminals, certificates, licence, blacklist.
// Other modules read them through FleetService / QualificationService / BlacklistService only.
@Module({
  imports: [DangerousGoodsModule, NotificationsModule, QueueModule.forFeature([{ queue: VEHICLES_QUEUE, jobs: [EXPIRY_SCAN_JOB, FLEET_IMPORT_JOB], concurrency: 2 }])],
  controllers: [VehiclesController, TanksController, PeopleController, TerminalsController, CarrierLicenceController, BlacklistController, FleetImportController],
  providers: [FleetRecords, FleetService, QualificationService, CarrierLicenceService, BlacklistService, ExpiryReminderService, FleetImportService],
  exports: [FleetService, QualificationService, CarrierLicenceService, BlacklistService],
})
export class VehiclesModule {}
