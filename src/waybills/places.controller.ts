import { Controller, Delete, Get, Patch, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { CurrentPrincipal, Roles } from '../accounts/auth.decorators.js';
import type { Principal } from '../accounts/principal.js';
import { ApiZodBody, ApiZodQuery, UuidParam, ZodBody, ZodQuery } from '../common/zod-validation.js';
import { CreatePlaceSchema, ListPlacesSchema, UpdatePlaceSchema, type CreatePlace, type ListPlaces, type UpdatePlace } from './places.dto.js';
import { PlacesService } from './places.service.js';

type Req = Request & { id?: string };

// Writers: an organisation's org_admin or business role (PlacesService checks that it is the owner's).
const WRITERS = ['admin', 'org_admin', 'shipper', 'carrier', 'loader', 'consignee', 'authority'] as const;

@ApiTags('places')
@ApiBearerAuth()
@Controller('places')
export class PlacesController {
  constructor(private readonly places: PlacesService) {}

  @Get()
  @ApiZodQuery(ListPlacesSchema)
  list(@CurrentPrincipal() p: Principal, @ZodQuery(ListPlacesSchema) q: ListPlaces) {
    return this.places.list(p, q);
  }
  @Post()
  @Roles(...WRITERS)
  @ApiZodBody(CreatePlaceSchema)
  create(@CurrentPrincipal() p: Principal, @ZodBody(CreatePlaceSchema) body: CreatePlace, @Req() req: Req) {
    return this.places.create(p, body, req.id);
  }
  @Get(':id')
  get(@CurrentPrincipal() p: Principal, @UuidParam() id: string) {
    return this.places.get(p, id);
  }
  @Patch(':id')
  @Roles(...WRITERS)
  @ApiZodBody(UpdatePlaceSchema)
  update(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @ZodBody(UpdatePlaceSchema) body: UpdatePlace, @Req() req: Req) {
    return this.places.update(p, id, body, req.id);
  }
  @Delete(':id')
  @Roles(...WRITERS)
  retire(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @Req() req: Req) {
    return this.places.retire(p, id, req.id);
  }
}
