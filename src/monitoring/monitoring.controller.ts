import { Controller, Delete, Get, HttpCode, Patch, Post, Put, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentPrincipal, Roles } from '../accounts/auth.decorators.js';
import type { Principal } from '../accounts/principal.js';
import { Idempotent } from '../common/idempotency.interceptor.js';
import { ApiZodBody, ApiZodQuery, UuidParam, ZodBody, ZodQuery } from '../common/zod-validation.js';
import { AlarmsService } from './alarms.service.js';
import {
  AcknowledgeSchema,
  CloseAlarmSchema,
  ListAlarmsSchema,
  ListZonesSchema,
  StatisticsSchema,
  ZoneFeatureSchema,
  type Acknowledge,
  type CloseAlarm,
  type ListAlarms,
  type ListZones,
  type Statistics,
  type ZoneFeature,
} from './monitoring.dto.js';
import { StatisticsService, statisticsCsv } from './statistics.service.js';
import { ZonesService } from './zones.service.js';

type Req = Request & { id?: string };

// Alarm episodes and their handling. Carriers see their own vehicles' alarms, authorities those of carriers in
// their region, administrators all; carrier monitors / dispatchers / org_admins and authorities handle them.
@ApiTags('monitoring')
@ApiBearerAuth()
@Controller('alarms')
export class AlarmsController {
  constructor(private readonly alarms: AlarmsService) {}

  @Get()
  @Roles('monitor', 'carrier', 'org_admin', 'authority', 'admin')
  @ApiZodQuery(ListAlarmsSchema)
  list(@CurrentPrincipal() p: Principal, @ZodQuery(ListAlarmsSchema) q: ListAlarms) {
    return this.alarms.list(p, q);
  }

  @Get(':id')
  @Roles('monitor', 'carrier', 'org_admin', 'authority', 'admin')
  get(@CurrentPrincipal() p: Principal, @UuidParam() id: string) {
    return this.alarms.get(p, id);
  }

  @Post(':id/acknowledge')
  @HttpCode(200)
  @Idempotent()
  @Roles('monitor', 'carrier', 'org_admin', 'authority')
  @ApiZodBody(AcknowledgeSchema)
  acknowledge(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @ZodBody(AcknowledgeSchema) body: Acknowledge, @Req() req: Req) {
    return this.alarms.acknowledge(p, id, body ?? {}, req.id);
  }

  @Post(':id/close')
  @HttpCode(200)
  @Idempotent()
  @Roles('monitor', 'carrier', 'org_admin', 'authority')
  @ApiZodBody(CloseAlarmSchema)
  close(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @ZodBody(CloseAlarmSchema) body: CloseAlarm, @Req() req: Req) {
    return this.alarms.close(p, id, body, req.id);
  }
}

// Restricted zones, populated zones and designated parking as GeoJSON Features; authorities write in their region.
@ApiTags('monitoring')
@ApiBearerAuth()
@Controller('zones')
export class ZonesController {
  constructor(private readonly zones: ZonesService) {}

  @Get()
  @ApiZodQuery(ListZonesSchema)
  list(@CurrentPrincipal() p: Principal, @ZodQuery(ListZonesSchema) q: ListZones) {
    return this.zones.list(p, q);
  }

  @Get(':id')
  get(@CurrentPrincipal() p: Principal, @UuidParam() id: string) {
    return this.zones.get(p, id);
  }

  @Post()
  @Idempotent()
  @Roles('authority', 'org_admin', 'admin')
  @ApiZodBody(ZoneFeatureSchema)
  create(@CurrentPrincipal() p: Principal, @ZodBody(ZoneFeatureSchema) body: ZoneFeature, @Req() req: Req) {
    return this.zones.create(p, body, req.id);
  }

  @Put(':id')
  @Idempotent()
  @Roles('authority', 'org_admin', 'admin')
  @ApiZodBody(ZoneFeatureSchema)
  replace(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @ZodBody(ZoneFeatureSchema) body: ZoneFeature, @Req() req: Req) {
    return this.zones.update(p, id, body, req.id);
  }

  @Patch(':id')
  @Idempotent()
  @Roles('authority', 'org_admin', 'admin')
  @ApiZodBody(ZoneFeatureSchema)
  update(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @ZodBody(ZoneFeatureSchema) body: ZoneFeature, @Req() req: Req) {
    return this.zones.update(p, id, body, req.id);
  }

  @Delete(':id')
  @Roles('authority', 'org_admin', 'admin')
  remove(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @Req() req: Req) {
    return this.zones.remove(p, id, req.id);
  }
}

@ApiTags('monitoring')
@ApiBearerAuth()
@Controller('monitoring')
export class MonitoringController {
  constructor(private readonly statistics: StatisticsService) {}

  @Get('statistics')
  @Roles('authority', 'org_admin', 'admin')
  @ApiZodQuery(StatisticsSchema)
  async stats(@CurrentPrincipal() p: Principal, @ZodQuery(StatisticsSchema) q: Statistics, @Res({ passthrough: true }) res: Response) {
    const s = await this.statistics.compute(p, q.from, q.to);
    if (q.format !== 'csv') return s;
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="monitoring-${q.from.toISOString().slice(0, 10)}.csv"`);
    return statisticsCsv(s);
  }
}
