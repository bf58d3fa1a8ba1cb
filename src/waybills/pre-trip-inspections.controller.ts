import { Controller, Get, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { CurrentPrincipal, Roles } from '../accounts/auth.decorators.js';
import type { Principal } from '../accounts/principal.js';
import { Idempotent } from '../common/idempotency.interceptor.js';
import { ApiZodBody, UuidParam, ZodBody } from '../common/zod-validation.js';
import { CreatePreTripInspectionSchema, type CreatePreTripInspection } from './pre-trip-inspections.dto.js';
import { PreTripInspectionsService } from './pre-trip-inspections.service.js';

type Req = Request & { id?: string };

// The carrier's pre-trip inspection and safety briefing of a waybill (Order 29 art. 25), read by PL-26.
@ApiTags('waybills')
@ApiBearerAuth()
@Controller('waybills/:id/pre-trip-inspections')
export class PreTripInspectionsController {
  constructor(private readonly inspections: PreTripInspectionsService) {}

  // The service also requires the waybill's carrier organisation.
  @Post()
  @Idempotent()
  @Roles('admin', 'org_admin', 'carrier')
  @ApiZodBody(CreatePreTripInspectionSchema)
  record(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @ZodBody(CreatePreTripInspectionSchema) body: CreatePreTripInspection, @Req() req: Req) {
    return this.inspections.record(p, id, body, req.id);
  }

  @Get()
  list(@CurrentPrincipal() p: Principal, @UuidParam() id: string) {
    return this.inspections.list(p, id);
  }
}
