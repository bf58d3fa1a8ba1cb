import { Module } from '@nestjs/common';
import { ENV, type Env } from '../../config/env.js';
import { POSITIONS_CONFIG, type PositionsConfigOverrides } from './positions.config.js';
import { PositionsService } from './positions.service.js';

// Position storage and reads. Needs ENV, the TypeORM DataSource and (optionally) MetricsService / HealthService,
// all global; POSITIONS_CONFIG (positions.config.ts) may be provided to change the defaults.
@Module({
  providers: [
    PositionsService,
    {
      provide: POSITIONS_CONFIG,
      inject: [ENV],
      useFactory: (env: Env): PositionsConfigOverrides => ({
        retentionMonths: env.POSITIONS_RETENTION_MONTHS,
        partitionsAhead: env.POSITIONS_PARTITIONS_AHEAD,
        writer: {
          batchRows: env.POSITIONS_BATCH_ROWS,
          batchDelayMs: env.POSITIONS_BATCH_DELAY_MS,
          maxPendingRows: env.POSITIONS_MAX_PENDING_ROWS,
          admissionMs: env.POSITIONS_ADMISSION_MS,
          maxConcurrentBatches: env.POSITIONS_WRITE_CONNECTIONS,
        },
      }),
    },
  ],
  exports: [PositionsService],
})
export class PositionsModule {}
