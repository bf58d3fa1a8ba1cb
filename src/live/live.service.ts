import { Injectable, Logger } from '@nestjs/common';
import type { Namespace } from 'socket.io';
import { HealthService } from '../ops/health.service.js';
import type { LiveAdapterKind, LiveChannel } from './live.backend.js';
import { LiveBackend } from './live.backend.js';

// Pushes events to watchers of the /watch namespace, on every process: through the Redis adapter when
// REDIS_URL is set. Build room names with live.rooms.ts.
@Injectable()
export class LiveService {
  private readonly logger = new Logger('Live');
  private namespace?: Namespace;

  constructor(
    private readonly backend: LiveBackend,
    health: HealthService,
  ) {
    health.register({ name: 'live', check: () => this.backend.check() });
  }

  get adapter(): LiveAdapterKind {
    return this.backend.kind;
  }

  // A pub/sub channel between processes for heavy traffic (LiveBackend.channel); null with one process.
  channel(name: string): LiveChannel | null {
    return this.backend.channel(name);
  }

  // Called by WatchGateway once socket.io has created the namespace.
  attach(namespace: Namespace) {
    this.namespace = namespace;
  }

  // Fire and forget: delivery is at most once, to the sockets in any of `rooms` at that moment (each socket
  // gets the event once even when it is in several of the rooms).
  emit(rooms: readonly string[], event: string, payload: unknown): void {
    // No rooms must mean nobody: socket.io would read an empty list as "every socket in the namespace".
    if (rooms.length === 0) return;
    if (!this.namespace) {
      this.logger.warn(`"${event}" dropped: the /watch namespace is not ready yet`);
      return;
    }
    this.namespace.to(rooms as string[]).emit(event, payload);
  }
}
