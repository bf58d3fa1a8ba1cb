import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../accounts/auth.decorators.js';
import { HealthService } from './health.service.js';
import { MetricsService } from './metrics.service.js';

@ApiTags('operations')
@Controller()
export class OpsController {
  constructor(
    private readonly health: HealthService,
    private readonly metrics: MetricsService,
  ) {}

  // 200 when every dependency answers, 503 otherwise (load balancers take the instance out).
  @Public()
  @Get('health')
  async getHealth(@Res({ passthrough: true }) res: Response) {
    const result = await this.health.check();
    res.status(result.status === 'ok' ? 200 : 503);
    return result;
  }

  @Public()
  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  async getMetrics(@Res() res: Response) {
    res.setHeader('Content-Type', this.metrics.registry.contentType);
    res.send(await this.metrics.text());
  }
}
