import { Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { CurrentPrincipal, Roles } from '../accounts/auth.decorators.js';
import type { Principal } from '../accounts/principal.js';
import { ApiZodBody, ApiZodQuery, UuidParam, ZodBody, ZodQuery } from '../common/zod-validation.js';
import { CreatePermitSchema, ListPermitsSchema, RevokePermitSchema, type CreatePermit, type ListPermits, type RevokePermit } from './permits.dto.js';
import { PermitsService } from './permits.service.js';

type Req = Request & { id?: string };

@ApiTags('permits')
@ApiBearerAuth()
@Controller('permits')
export class PermitsController {
  constructor(private readonly permits: PermitsService) {}

  @Get()
  @ApiZodQuery(ListPermitsSchema)
  list(@CurrentPrincipal() p: Principal, @ZodQuery(ListPermitsSchema) q: ListPermits) {
    return this.permits.list(p, q);
  }
  // The service also requires a shipper or carrier organisation.
  @Post()
  @Roles('admin', 'org_admin', 'shipper', 'carrier')
  @ApiZodBody(CreatePermitSchema)
  create(@CurrentPrincipal() p: Principal, @ZodBody(CreatePermitSchema) body: CreatePermit, @Req() req: Req) {
    return this.permits.create(p, body, req.id);
  }
  @Get(':id')
  get(@CurrentPrincipal() p: Principal, @UuidParam() id: string) {
    return this.permits.get(p, id);
  }
  // The service also requires an authority organisation of the holder's region.
  @Post(':id/revoke')
  @HttpCode(200)
  @Roles('admin', 'org_admin', 'authority')
  @ApiZodBody(RevokePermitSchema)
  revoke(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @ZodBody(RevokePermitSchema) body: RevokePermit, @Req() req: Req) {
    return this.permits.revoke(p, id, body, req.id);
  }
  @Post(':id/return')
  @HttpCode(200)
  @Roles('admin', 'org_admin', 'shipper', 'carrier')
  returnToIssuer(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @Req() req: Req) {
    return this.permits.returnToIssuer(p, id, req.id);
  }
}
