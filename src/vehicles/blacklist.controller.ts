import { Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { CurrentPrincipal, Roles } from '../accounts/auth.decorators.js';
import type { Principal } from '../accounts/principal.js';
import { ApiZodBody, ApiZodQuery, UuidParam, ZodBody, ZodQuery } from '../common/zod-validation.js';
import {
  BlacklistStatusQuerySchema,
  CreateBlacklistEntrySchema,
  LiftBlacklistEntrySchema,
  ListBlacklistSchema,
  type BlacklistStatusQuery,
  type CreateBlacklistEntry,
  type LiftBlacklistEntry,
  type ListBlacklist,
} from './blacklist.dto.js';
import { BlacklistService } from './blacklist.service.js';

type Req = Request & { id?: string };

@ApiTags('blacklist')
@ApiBearerAuth()
@Controller('blacklist')
export class BlacklistController {
  constructor(private readonly blacklist: BlacklistService) {}

  // Any signed-in caller: is this organisation, vehicle or person barred today? Declared before :id.
  @Get('status')
  @ApiZodQuery(BlacklistStatusQuerySchema)
  status(@ZodQuery(BlacklistStatusQuerySchema) q: BlacklistStatusQuery) {
    return this.blacklist.status(q);
  }
  @Get()
  @ApiZodQuery(ListBlacklistSchema)
  list(@CurrentPrincipal() p: Principal, @ZodQuery(ListBlacklistSchema) q: ListBlacklist) {
    return this.blacklist.list(p, q);
  }
  @Get(':id')
  get(@CurrentPrincipal() p: Principal, @UuidParam() id: string) {
    return this.blacklist.get(p, id);
  }
  // The service also requires an authority organisation (an org_admin of a carrier passes this guard only).
  @Post()
  @Roles('admin', 'org_admin', 'authority')
  @ApiZodBody(CreateBlacklistEntrySchema)
  create(@CurrentPrincipal() p: Principal, @ZodBody(CreateBlacklistEntrySchema) body: CreateBlacklistEntry, @Req() req: Req) {
    return this.blacklist.create(p, body, req.id);
  }
  @Post(':id/lift')
  @HttpCode(200)
  @Roles('admin', 'org_admin', 'authority')
  @ApiZodBody(LiftBlacklistEntrySchema)
  lift(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @ZodBody(LiftBlacklistEntrySchema) body: LiftBlacklistEntry, @Req() req: Req) {
    return this.blacklist.lift(p, id, body, req.id);
  }
}
