import { Controller, Get, HttpCode, Patch, Post, Req, Res, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { CurrentPrincipal, Roles } from '../accounts/auth.decorators.js';
import type { Principal } from '../accounts/principal.js';
import { Idempotent } from '../common/idempotency.interceptor.js';
import { ApiZodBody, ApiZodQuery, UuidParam, ZodBody, ZodQuery, parseOrThrow } from '../common/zod-validation.js';
import { CheckPhotosService } from './check-photos.service.js';
import {
  FinishLoadingSchema,
  ListChecksSchema,
  ReportSchema,
  RuleSeveritySchema,
  StartCheckSchema,
  StartLoadingSchema,
  type FinishLoading,
  type ListChecks,
  type Report,
  type StartCheck,
  type StartLoading,
} from './loading-checks.dto.js';
import { LoadingChecksService, reportCsv } from './loading-checks.service.js';

type Req = Request & { id?: string };

@ApiTags('loading-checks')
@ApiBearerAuth()
@Controller('loading-checks')
export class LoadingChecksController {
  constructor(
    private readonly checks: LoadingChecksService,
    private readonly photos: CheckPhotosService,
  ) {}

  @Post()
  @Idempotent()
  @Roles('admin', 'org_admin', 'loader')
  @ApiZodBody(StartCheckSchema)
  start(@CurrentPrincipal() p: Principal, @ZodBody(StartCheckSchema) body: StartCheck, @Req() req: Req) {
    return this.checks.start(p, body, req.id);
  }

  @Get()
  @ApiZodQuery(ListChecksSchema)
  list(@CurrentPrincipal() p: Principal, @ZodQuery(ListChecksSchema) q: ListChecks) {
    return this.checks.list(p, q);
  }

  @Get('rules')
  rules() {
    return this.checks.rules();
  }

  @Patch('rules/:ruleId')
  @Roles('admin')
  @ApiZodBody(RuleSeveritySchema)
  setSeverity(@CurrentPrincipal() p: Principal, @Req() req: Req, @ZodBody(RuleSeveritySchema) body: { severity: 'block' | 'warn' }) {
    const ruleId = parseOrThrow(z.string().regex(/^PL-\d{2}$/, 'must be a rule id such as PL-14'), req.params.ruleId, 'rule id');
    return this.checks.setSeverity(p, ruleId, body.severity, req.id);
  }

  @Get('reports')
  @ApiZodQuery(ReportSchema)
  async report(@CurrentPrincipal() p: Principal, @ZodQuery(ReportSchema) q: Report, @Res({ passthrough: true }) res: Response) {
    const report = await this.checks.report(p, q);
    if (q.format !== 'csv') return report;
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="loading-checks-${q.from.toISOString().slice(0, 10)}.csv"`);
    return reportCsv(report);
  }

  // A gate photo, posted as the raw image (image/jpeg, image/png or image/webp); cite its id in the checklist.
  @Post('photos')
  @Roles('admin', 'org_admin', 'loader')
  upload(@CurrentPrincipal() p: Principal, @Req() req: Req) {
    return this.photos.upload(p, req.headers['content-type'], req.body);
  }

  @Get('photos/:id')
  async photo(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @Res({ passthrough: true }) res: Response) {
    const photo = await this.photos.get(p, id);
    res.setHeader('Content-Type', photo.contentType);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    return new StreamableFile(photo.data);
  }

  @Get(':id')
  get(@CurrentPrincipal() p: Principal, @UuidParam() id: string) {
    return this.checks.get(p, id, true);
  }
}

@ApiTags('loading-checks')
@ApiBearerAuth()
@Controller('loading')
export class LoadingController {
  constructor(private readonly checks: LoadingChecksService) {}

  @Post(':id/start')
  @Idempotent()
  @HttpCode(200)
  @Roles('admin', 'org_admin', 'loader')
  @ApiZodBody(StartLoadingSchema)
  start(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @ZodBody(StartLoadingSchema) body: StartLoading, @Req() req: Req) {
    return this.checks.startLoading(p, id, body, req.id);
  }

  @Post(':id/finish')
  @Idempotent()
  @HttpCode(200)
  @Roles('admin', 'org_admin', 'loader')
  @ApiZodBody(FinishLoadingSchema)
  finish(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @ZodBody(FinishLoadingSchema) body: FinishLoading, @Req() req: Req) {
    return this.checks.finishLoading(p, id, body, req.id);
  }
}
