import { Module } from '@nestjs/common';
import { DangerousGoodsController } from './dangerous-goods.controller.js';
import { DangerousGoodsService } from './dangerous-goods.service.js';

// The catalogue (49 CFR + ADR Table A + Chinese names and flags). Imported by the modules that check UN numbers
// (vehicles, waybills); Nest registers the controller once however many modules import it.
@Module({ controllers: [DangerousGoodsController], providers: [DangerousGoodsService], exports: [DangerousGoodsService] })
export class DangerousGoodsModule {}
