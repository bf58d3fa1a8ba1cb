import { Controller, Delete, Get, Patch, Post, Put, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { CurrentPrincipal, Roles } from '../accounts/auth.decorators.js';
import type { Principal } from '../accounts/principal.js';
import { ApiZodBody, ApiZodQuery, UuidParam, ZodBody, ZodQuery } from '../common/zod-validation.js';
import { CarrierLicenceService } from './carrier-licence.service.js';
import {
  CarrierLicenceSchema,
  CreatePersonSchema,
  CreateTankSchema,
  CreateTerminalSchema,
  CreateVehicleSchema,
  ListFleetSchema,
  QualificationQuerySchema,
  UpdatePersonSchema,
  UpdateTankSchema,
  UpdateTerminalSchema,
  UpdateVehicleSchema,
  type CarrierLicenceInput,
  type CreatePerson,
  type CreateTank,
  type CreateTerminal,
  type CreateVehicle,
  type ListFleet,
  type QualificationQuery,
} from './fleet.dto.js';
import { FleetService } from './fleet.service.js';
import { QualificationService } from './qualification.service.js';

type Req = Request & { id?: string };

@ApiTags('fleet')
@ApiBearerAuth()
@Controller('vehicles')
export class VehiclesController {
  constructor(
    private readonly fleet: FleetService,
    private readonly qualification: QualificationService,
  ) {}

  @Get()
  @ApiZodQuery(ListFleetSchema)
  list(@CurrentPrincipal() p: Principal, @ZodQuery(ListFleetSchema) q: ListFleet) {
    return this.fleet.listVehicles(p, q);
  }
  @Post()
  @Roles('admin', 'org_admin', 'carrier')
  @ApiZodBody(CreateVehicleSchema)
  create(@CurrentPrincipal() p: Principal, @ZodBody(CreateVehicleSchema) body: CreateVehicle, @Req() req: Req) {
    return this.fleet.createVehicle(p, { ...body, organisationId: req.query.organisationId as string | undefined }, req.id);
  }
  @Get(':id')
  get(@CurrentPrincipal() p: Principal, @UuidParam() id: string) {
    return this.fleet.getVehicle(p, id);
  }
  @Patch(':id')
  @Roles('admin', 'org_admin', 'carrier')
  @ApiZodBody(UpdateVehicleSchema)
  update(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @ZodBody(UpdateVehicleSchema) body: Partial<CreateVehicle>, @Req() req: Req) {
    return this.fleet.updateVehicle(p, id, body, req.id);
  }
  @Delete(':id')
  @Roles('admin', 'org_admin', 'carrier')
  retire(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @Req() req: Req) {
    return this.fleet.retireVehicle(p, id, req.id);
  }
  @Get(':id/qualification-status')
  @ApiZodQuery(QualificationQuerySchema)
  status(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @ZodQuery(QualificationQuerySchema) q: QualificationQuery) {
    return this.qualification.forVehicle(p, id, q);
  }
}

@ApiTags('fleet')
@ApiBearerAuth()
@Controller('tanks')
export class TanksController {
  constructor(
    private readonly fleet: FleetService,
    private readonly qualification: QualificationService,
  ) {}

  @Get()
  @ApiZodQuery(ListFleetSchema)
  list(@CurrentPrincipal() p: Principal, @ZodQuery(ListFleetSchema) q: ListFleet) {
    return this.fleet.listTanks(p, q);
  }
  @Post()
  @Roles('admin', 'org_admin', 'carrier')
  @ApiZodBody(CreateTankSchema)
  create(@CurrentPrincipal() p: Principal, @ZodBody(CreateTankSchema) body: CreateTank, @Req() req: Req) {
    return this.fleet.createTank(p, { ...body, organisationId: req.query.organisationId as string | undefined }, req.id);
  }
  @Get(':id')
  get(@CurrentPrincipal() p: Principal, @UuidParam() id: string) {
    return this.fleet.getTank(p, id);
  }
  @Patch(':id')
  @Roles('admin', 'org_admin', 'carrier')
  @ApiZodBody(UpdateTankSchema)
  update(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @ZodBody(UpdateTankSchema) body: Partial<CreateTank>, @Req() req: Req) {
    return this.fleet.updateTank(p, id, body, req.id);
  }
  @Delete(':id')
  @Roles('admin', 'org_admin', 'carrier')
  retire(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @Req() req: Req) {
    return this.fleet.retireTank(p, id, req.id);
  }
  @Get(':id/qualification-status')
  @ApiZodQuery(QualificationQuerySchema)
  status(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @ZodQuery(QualificationQuerySchema) q: QualificationQuery) {
    return this.qualification.forTank(p, id, q);
  }
}

@ApiTags('fleet')
@ApiBearerAuth()
@Controller('people')
export class PeopleController {
  constructor(
    private readonly fleet: FleetService,
    private readonly qualification: QualificationService,
  ) {}

  @Get()
  @ApiZodQuery(ListFleetSchema)
  list(@CurrentPrincipal() p: Principal, @ZodQuery(ListFleetSchema) q: ListFleet) {
    return this.fleet.listPeople(p, q);
  }
  @Post()
  @Roles('admin', 'org_admin', 'carrier', 'loader')
  @ApiZodBody(CreatePersonSchema)
  create(@CurrentPrincipal() p: Principal, @ZodBody(CreatePersonSchema) body: CreatePerson, @Req() req: Req) {
    return this.fleet.createPerson(p, { ...body, organisationId: req.query.organisationId as string | undefined }, req.id);
  }
  @Get(':id')
  get(@CurrentPrincipal() p: Principal, @UuidParam() id: string) {
    return this.fleet.getPerson(p, id);
  }
  @Patch(':id')
  @Roles('admin', 'org_admin', 'carrier', 'loader')
  @ApiZodBody(UpdatePersonSchema)
  update(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @ZodBody(UpdatePersonSchema) body: Partial<CreatePerson>, @Req() req: Req) {
    return this.fleet.updatePerson(p, id, body, req.id);
  }
  @Delete(':id')
  @Roles('admin', 'org_admin', 'carrier', 'loader')
  retire(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @Req() req: Req) {
    return this.fleet.retirePerson(p, id, req.id);
  }
  @Get(':id/qualification-status')
  @ApiZodQuery(QualificationQuerySchema)
  status(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @ZodQuery(QualificationQuerySchema) q: QualificationQuery) {
    return this.qualification.forPerson(p, id, q);
  }
}

@ApiTags('fleet')
@ApiBearerAuth()
@Controller('terminals')
export class TerminalsController {
  constructor(private readonly fleet: FleetService) {}

  @Get()
  @ApiZodQuery(ListFleetSchema)
  list(@CurrentPrincipal() p: Principal, @ZodQuery(ListFleetSchema) q: ListFleet) {
    return this.fleet.listTerminals(p, q);
  }
  @Post()
  @Roles('admin', 'org_admin', 'carrier')
  @ApiZodBody(CreateTerminalSchema)
  create(@CurrentPrincipal() p: Principal, @ZodBody(CreateTerminalSchema) body: CreateTerminal, @Req() req: Req) {
    return this.fleet.createTerminal(p, { ...body, organisationId: req.query.organisationId as string | undefined }, req.id);
  }
  @Get(':id')
  get(@CurrentPrincipal() p: Principal, @UuidParam() id: string) {
    return this.fleet.getTerminal(p, id);
  }
  @Patch(':id')
  @Roles('admin', 'org_admin', 'carrier')
  @ApiZodBody(UpdateTerminalSchema)
  update(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @ZodBody(UpdateTerminalSchema) body: Partial<CreateTerminal>, @Req() req: Req) {
    return this.fleet.updateTerminal(p, id, body, req.id);
  }
  @Delete(':id')
  @Roles('admin', 'org_admin', 'carrier')
  retire(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @Req() req: Req) {
    return this.fleet.retireTerminal(p, id, req.id);
  }
  @Post(':id/app-token')
  @Roles('admin', 'org_admin', 'carrier')
  token(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @Req() req: Req) {
    return this.fleet.issueAppToken(p, id, req.id);
  }
}

@ApiTags('fleet')
@ApiBearerAuth()
@Controller('organisations/:organisationId/carrier-licence')
export class CarrierLicenceController {
  constructor(private readonly licences: CarrierLicenceService) {}

  @Get()
  get(@CurrentPrincipal() p: Principal, @UuidParam('organisationId') organisationId: string) {
    return this.licences.get(p, organisationId);
  }
  @Put()
  @Roles('admin', 'org_admin', 'carrier')
  @ApiZodBody(CarrierLicenceSchema)
  put(@CurrentPrincipal() p: Principal, @UuidParam('organisationId') organisationId: string, @ZodBody(CarrierLicenceSchema) body: CarrierLicenceInput, @Req() req: Req) {
    return this.licences.put(p, organisationId, body, req.id);
  }
}
