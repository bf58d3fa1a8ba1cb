import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuditService } from './audit.service.js';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';
import { SettingsService } from './settings.service.js';

@Global()
@Module({
  providers: [AuditService, SettingsService, { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor }],
  exports: [AuditService, SettingsService],
})
export class CommonModule {}
