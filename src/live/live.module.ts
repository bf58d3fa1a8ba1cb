import { Global, Module } from '@nestjs/common';
import { ENV, type Env } from '../config/env.js';
import { LiveBackend } from './live.backend.js';
import { LiveService } from './live.service.js';
import { WatchGateway } from './watch.gateway.js';

// Live fan-out: the /watch socket.io namespace and LiveService for pushing to it. Global so that any module
// (notifications, tracking, alarms) can inject LiveService. createApp installs LiveIoAdapter with LiveBackend.
@Global()
@Module({
  providers: [
    {
      provide: LiveBackend,
      inject: [ENV],
      // The Redis key prefix follows QUEUE_PREFIX, so that deployments (and test runs) sharing a Redis stay apart.
      useFactory: (env: Env) => (env.REDIS_URL ? LiveBackend.connect(env.REDIS_URL, `${env.QUEUE_PREFIX}:live`) : LiveBackend.memory()),
    },
    LiveService,
    WatchGateway,
  ],
  exports: [LiveService, LiveBackend],
})
export class LiveModule {}
