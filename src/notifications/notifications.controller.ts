import { Controller, Delete, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { CurrentPrincipal, Roles } from '../accounts/auth.decorators.js';
import type { Principal } from '../accounts/principal.js';
import { ApiZodBody, ApiZodQuery, UuidParam, ZodBody, ZodQuery } from '../common/zod-validation.js';
import {
  CreateWebhookSchema,
  ListDeliveriesSchema,
  ListNotificationsSchema,
  type CreateWebhook,
  type ListDeliveries,
  type ListNotifications,
} from './notifications.dto.js';
import { NotificationsService } from './notifications.service.js';
import { WebhooksService } from './webhooks.service.js';

type Req = Request & { id?: string };

// The caller's own organisation's notifications, whatever its role.
@ApiTags('notifications')
@ApiBearerAuth()
@Controller('notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @ApiZodQuery(ListNotificationsSchema)
  list(@CurrentPrincipal() p: Principal, @ZodQuery(ListNotificationsSchema) q: ListNotifications) {
    return this.notifications.list(p, q);
  }

  @Post(':id/read')
  @HttpCode(200)
  read(@CurrentPrincipal() p: Principal, @UuidParam() id: string) {
    return this.notifications.markRead(p, id);
  }
}

// Endpoints are managed by the organisation's org_admin; the delivery log is open to the whole organisation.
@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @Roles('org_admin', 'admin')
  @ApiZodBody(CreateWebhookSchema)
  create(@CurrentPrincipal() p: Principal, @ZodBody(CreateWebhookSchema) body: CreateWebhook, @Req() req: Req) {
    return this.webhooks.create(p, body, req.id);
  }

  @Get()
  @Roles('org_admin', 'admin')
  list(@CurrentPrincipal() p: Principal) {
    return this.webhooks.list(p);
  }

  @Delete(':id')
  @Roles('org_admin', 'admin')
  remove(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @Req() req: Req) {
    return this.webhooks.remove(p, id, req.id);
  }

  @Get(':id/deliveries')
  @ApiZodQuery(ListDeliveriesSchema)
  deliveries(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @ZodQuery(ListDeliveriesSchema) q: ListDeliveries) {
    return this.webhooks.deliveries(p, id, q);
  }
}
