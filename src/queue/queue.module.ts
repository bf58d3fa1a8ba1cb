import { Global, Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { QueueDeclarations, type QueueDeclaration } from './queue.registry.js';
import { QueueService } from './queue.service.js';

@Module({})
class QueueFeatureModule {}

// BullMQ for the whole app. Modules declare their queue and job names with forFeature and handle each job with
// @JobHandler on one of their providers; the backend (Redis or PostgreSQL) is wired once, in queue.backend.ts.
//   @Module({ imports: [QueueModule.forFeature([{ queue: 'vehicles', jobs: ['qualification-expiry-scan'] }])], ... })
//   @JobHandler('vehicles', 'qualification-expiry-scan', ScanSchema) async scan(data: Scan, job: Job) { ... }
//   await queues.add('vehicles', 'qualification-expiry-scan', { carrierId }, { jobId: `scan:${carrierId}` });
//   await queues.upsertScheduler('vehicles', 'qualification-expiry-scan', { pattern: '0 3 * * *', tz: 'Asia/Shanghai' });
@Global()
@Module({ imports: [DiscoveryModule], providers: [QueueService], exports: [QueueService] })
export class QueueModule {
  static forFeature(declarations: QueueDeclaration[]): DynamicModule {
    return { module: QueueFeatureModule, providers: [{ provide: QueueDeclarations, useValue: new QueueDeclarations(declarations) }] };
  }
}
