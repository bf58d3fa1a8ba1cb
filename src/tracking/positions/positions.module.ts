import { Module } from '@nestjs/common';
import { PositionsService } from './positions.service.js';

// Position storage and reads. Needs ENV, the TypeORM DataSource and (optionally) MetricsService / HealthService,
// all global; POSITIONS_CONFIG (positions.config.ts) may be provided to change the defaults.
@Module({ providers: [PositionsService], exports: [PositionsService] })
export class PositionsModule {}
