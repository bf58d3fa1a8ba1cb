import { Global, Module } from '@nestjs/common';
import { AuditService } from './audit.service.js';
import { SettingsService } from './settings.service.js';

@Global()
@Module({ providers: [AuditService, SettingsService], exports: [AuditService, SettingsService] })
export class CommonModule {}
