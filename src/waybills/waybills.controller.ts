import { Controller, Get, Header, HttpCode, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { CurrentPrincipal, Public, Roles } from '../accounts/auth.decorators.js';
import type { Principal } from '../accounts/principal.js';
import { Idempotent } from '../common/idempotency.interceptor.js';
import { ApiZodBody, ApiZodQuery, UuidParam, ZodBody, ZodQuery } from '../common/zod-validation.js';
import { renderWaybillPrint } from './waybill-print.js';
import {
  AmendSchema,
  CreateWaybillSchema,
  DeliverySchema,
  DispatchSchema,
  GoodsCheckSchema,
  ListWaybillsSchema,
  ResolveSchema,
  TransitionSchema,
  UpdateWaybillSchema,
  VerifySchema,
  type Amend,
  type CreateWaybill,
  type Delivery,
  type Dispatch,
  type GoodsCheck,
  type ListWaybills,
  type Resolve,
  type Transition,
  type UpdateWaybill,
} from './waybills.dto.js';
import { WaybillsService } from './waybills.service.js';

type Req = Request & { id?: string };

@ApiTags('waybills')
@ApiBearerAuth()
@Controller('waybills')
export class WaybillsController {
  constructor(private readonly waybills: WaybillsService) {}

  @Get()
  @ApiZodQuery(ListWaybillsSchema)
  list(@CurrentPrincipal() p: Principal, @ZodQuery(ListWaybillsSchema) q: ListWaybills) {
    return this.waybills.list(p, q);
  }

  @Post()
  @Idempotent()
  @Roles('admin', 'org_admin', 'shipper')
  @ApiZodBody(CreateWaybillSchema)
  create(@CurrentPrincipal() p: Principal, @ZodBody(CreateWaybillSchema) body: CreateWaybill, @Req() req: Req) {
    return this.waybills.create(p, body, req.id);
  }

  // Draft goods checked against the catalogue and for mixed loading, as issue would; nothing is stored.
  @Post('goods-check')
  @HttpCode(200)
  @ApiZodBody(GoodsCheckSchema)
  goodsCheck(@ZodBody(GoodsCheckSchema) body: GoodsCheck) {
    return this.waybills.goodsCheck(body);
  }

  @Get(':id')
  get(@CurrentPrincipal() p: Principal, @UuidParam() id: string) {
    return this.waybills.get(p, id);
  }

  @Patch(':id')
  @Idempotent()
  @ApiZodBody(UpdateWaybillSchema)
  update(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @ZodBody(UpdateWaybillSchema) body: UpdateWaybill, @Req() req: Req) {
    return this.waybills.update(p, id, body, req.id);
  }

  @Post(':id/dispatch')
  @Idempotent()
  @HttpCode(200)
  @ApiZodBody(DispatchSchema)
  dispatch(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @ZodBody(DispatchSchema) body: Dispatch, @Req() req: Req) {
    return this.waybills.dispatch(p, id, body, req.id);
  }

  @Post(':id/issue')
  @Idempotent()
  @HttpCode(200)
  issue(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @Req() req: Req) {
    return this.waybills.issue(p, id, req.id);
  }

  @Post(':id/amend')
  @Idempotent()
  @HttpCode(200)
  @ApiZodBody(AmendSchema)
  amend(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @ZodBody(AmendSchema) body: Amend, @Req() req: Req) {
    return this.waybills.amend(p, id, body, req.id);
  }

  @Post(':id/transitions')
  @Idempotent()
  @HttpCode(200)
  @ApiZodBody(TransitionSchema)
  transition(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @ZodBody(TransitionSchema) body: Transition, @Req() req: Req) {
    return this.waybills.transition(p, id, body, req.id);
  }

  @Post(':id/delivery')
  @Idempotent()
  @HttpCode(200)
  @ApiZodBody(DeliverySchema)
  deliver(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @ZodBody(DeliverySchema) body: Delivery, @Req() req: Req) {
    return this.waybills.deliver(p, id, body, req.id);
  }

  @Post(':id/resolve')
  @Idempotent()
  @HttpCode(200)
  @ApiZodBody(ResolveSchema)
  resolve(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @ZodBody(ResolveSchema) body: Resolve, @Req() req: Req) {
    return this.waybills.resolve(p, id, body, req.id);
  }

  @Get(':id/events')
  events(@CurrentPrincipal() p: Principal, @UuidParam() id: string) {
    return this.waybills.events(p, id);
  }

  @Get(':id/events/verify')
  verifyEvents(@CurrentPrincipal() p: Principal, @UuidParam() id: string) {
    return this.waybills.verifyEvents(p, id);
  }

  @Get(':id/document')
  document(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @Query('version') version?: string) {
    return this.waybills.version(p, id, version ? Number(version) : undefined).then(({ document, qr, documentHash }) => ({ document, qr, documentHash }));
  }

  // Printable waybill (A4) with its QR code.
  @Get(':id/print')
  @Header('Content-Type', 'text/html; charset=utf-8')
  async print(@CurrentPrincipal() p: Principal, @UuidParam() id: string) {
    const { waybill, document, qr } = await this.waybills.version(p, id);
    return renderWaybillPrint(document, qr, waybill.status);
  }
}

// Public: anyone who scans a waybill's QR code (a roadside inspector, a gate guard) can check it without an
// account, and anyone can fetch the key to check it offline.
@ApiTags('public')
@Controller('public')
export class PublicWaybillController {
  constructor(private readonly waybills: WaybillsService) {}

  @Public()
  @Get('waybill-key')
  key() {
    return this.waybills.publicKey();
  }

  @Public()
  @Post('verify')
  @HttpCode(200)
  @ApiZodBody(VerifySchema)
  verify(@ZodBody(VerifySchema) body: { qr: string }) {
    return this.waybills.verifyQr(body.qr);
  }

  @Public()
  @Get('verify')
  @ApiZodQuery(VerifySchema)
  verifyByQuery(@ZodQuery(VerifySchema) q: { qr: string }) {
    return this.waybills.verifyQr(q.qr);
  }
}
