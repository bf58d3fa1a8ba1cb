import { Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { CurrentPrincipal, Roles } from '../accounts/auth.decorators.js';
import type { Principal } from '../accounts/principal.js';
import { ApiZodBody, ApiZodQuery, UuidParam, ZodBody, ZodQuery } from '../common/zod-validation.js';
import { CreateGoodsAdditionSchema, SearchGoodsSchema, type CreateGoodsAddition, type SearchGoods } from './dangerous-goods.dto.js';
import { DangerousGoodsService } from './dangerous-goods.service.js';

type Req = Request & { id?: string };

// The catalogue for anyone signed in; its Chinese names, CAS numbers and flags are extended by administrators.
@ApiTags('dangerous-goods')
@ApiBearerAuth()
@Controller('dangerous-goods')
export class DangerousGoodsController {
  constructor(private readonly goods: DangerousGoodsService) {}

  @Get()
  @ApiZodQuery(SearchGoodsSchema)
  search(@ZodQuery(SearchGoodsSchema) q: SearchGoods) {
    return { items: this.goods.search(q.q, q.limit) };
  }

  @Get(':un')
  describe(@Param('un') un: string) {
    return this.goods.describeOrThrow(un);
  }

  @Post(':un/additions')
  @Roles('admin')
  @ApiZodBody(CreateGoodsAdditionSchema)
  add(@CurrentPrincipal() p: Principal, @Param('un') un: string, @ZodBody(CreateGoodsAdditionSchema) body: CreateGoodsAddition, @Req() req: Req) {
    return this.goods.addAddition(p, un, body, req.id);
  }

  @Delete('additions/:id')
  @Roles('admin')
  @HttpCode(204)
  async remove(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @Req() req: Req) {
    await this.goods.removeAddition(p, id, req.id);
  }
}
