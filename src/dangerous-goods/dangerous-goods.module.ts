import { Module } from '@nestjs/common';
import { DangerousGoodsService } from './dangerous-goods.service.js';

@Module({ providers: [DangerousGoodsService], exports: [DangerousGoodsService] })
export class DangerousGoodsModule {}
