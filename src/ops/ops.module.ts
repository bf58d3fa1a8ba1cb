import { Global, Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { HealthService } from './health.service.js';
import { MetricsService } from './metrics.service.js';
import { OpsController } from './ops.controller.js';

// Health, metrics and the HTTP latency histogram. Global: every module may register health checks and metrics.
@Global()
@Module({ controllers: [OpsController], providers: [HealthService, MetricsService], exports: [HealthService, MetricsService] })
export class OpsModule implements NestModule {
  constructor(private readonly metrics: MetricsService) {}

  configure(consumer: MiddlewareConsumer) {
    consumer
      .apply((req: Request, res: Response, next: NextFunction) => {
        const end = this.metrics.httpDuration.startTimer({ method: req.method });
        res.once('finish', () => {
          // The matched route pattern (e.g. /users/:id), never the raw URL: raw ids would explode label cardinality.
          const route = (req.route as { path?: string } | undefined)?.path;
          end({ route: route ? `${req.baseUrl}${route}` : 'unmatched', status: String(res.statusCode) });
        });
        next();
      })
      .forRoutes('*path');
  }
}
