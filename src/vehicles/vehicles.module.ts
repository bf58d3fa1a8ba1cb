import { Module } from '@nestjs/common';
import { DangerousGoodsModule } from '../dangerous-goods/dangerous-goods.module.js';
import { BlacklistController } from './blacklist.controller.js';
import { BlacklistService } from './blacklist.service.js';
import { CarrierLicenceService } from './carrier-licence.service.js';
import {
  CarrierLicenceController,
  PeopleController,
  TanksController,
  TerminalsController,
  VehiclesController,
} from './fleet.controller.js';
import { FleetRecords } from './fleet-records.js';
import { FleetService } from './fleet.service.js';
import { QualificationService } from './qualification.service.js';

// Carriers' fleet and crews: vehicles, trailers, tanks, people, terminals, certificates, licence, blacklist.
// Other modules read them through FleetService / QualificationService / BlacklistService only.
@Module({
  imports: [DangerousGoodsModule],
  controllers: [VehiclesController, TanksController, PeopleController, TerminalsController, CarrierLicenceController, BlacklistController],
  providers: [FleetRecords, FleetService, QualificationService, CarrierLicenceService, BlacklistService],
  exports: [FleetService, QualificationService, CarrierLicenceService, BlacklistService],
})
export class VehiclesModule {}
