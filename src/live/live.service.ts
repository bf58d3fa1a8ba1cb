import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Namespace } from 'socket.io';
import { HealthService } from '../ops/health.service.js';
import type { LiveAdapterKind, LiveChannel } from './live.backend.js';
import { LiveBackend } from './live.backend.js';

// Events bound for the other processes are collected for this long and published together.
export const RELAY_MS = 20;
// How long a watcher's handshake waits for this process to hear the others (Redis slow or away: it goes on, and
// hears them once the subscription is through).
export const LISTEN_WAIT_MS = 1_000;
// Between processes (LiveBackend.channel): never sent to a client.
const EVENTS_CHANNEL = 'events';

// One emit as it crosses to the other processes: rooms, event name, payload.
type Relayed = [rooms: string[], event: string, payload: unknown];
const isRelayed = (x: unknown): x is Relayed =>
  Array.isArray(x) && x.length === 3 && Array.isArray(x[0]) && x[0].every((r) => typeof r === 'string') && typeof x[1] === 'string';

// Pushes events to watchers of the /watch namespace, on every process. Build room names with live.rooms.ts.
//
// How an event crosses processes (REDIS_URL set): emitted at once to this process's sockets (`namespace.local`),
// and published to the others on a channel of Hazway's own (LiveBackend.channel), several emits of RELAY_MS in
// one message. A process hears that channel only while it has /watch sockets, and a publisher sends nothing while
// no other process listens (LiveChannel.othersListening). So a pre-loading check's waybill announcement costs no
// Redis publish, and no decoding in every other process, unless somebody watches elsewhere: through the socket.io
// Redis adapter, which published every emit and which every process decoded, it was about 5 % of a check's CPU
// (bench/README.md, session 10). The adapter still carries what must reach every process (revocations, a
// disconnect of a revoked credential's sockets).
@Injectable()
export class LiveService implements OnModuleDestroy {
  private readonly logger = new Logger('Live');
  private namespace?: Namespace;
  private readonly events: LiveChannel | null;
  // Channels heard while this process has watchers, with their handlers (this service's own, LivePositions').
  private readonly watched = new Map<LiveChannel, (payload: unknown) => void>();
  private outbox: Relayed[] = [];
  private relayTimer?: NodeJS.Timeout;

  constructor(
    private readonly backend: LiveBackend,
    health: HealthService,
  ) {
    health.register({ name: 'live', check: () => this.backend.check() });
    this.events = backend.channel(EVENTS_CHANNEL);
    if (this.events) this.whileWatched(this.events, (batch) => this.deliverRelayed(batch));
  }

  get adapter(): LiveAdapterKind {
    return this.backend.kind;
  }

  // A pub/sub channel between processes for heavy traffic (LiveBackend.channel); null with one process.
  channel(name: string): LiveChannel | null {
    return this.backend.channel(name);
  }

  // `handler` hears `channel` whenever this process has /watch sockets (and from the handshake of the first one,
  // see listening()).
  whileWatched(channel: LiveChannel, handler: (payload: unknown) => void): void {
    this.watched.set(channel, handler);
    if (this.namespace && this.namespace.sockets.size > 0) void channel.listen(handler);
  }

  // Called by WatchGateway's handshake before a socket connects: every channel of whileWatched() subscribed, so
  // that the client, once connected, misses nothing another process publishes. Bounded by LISTEN_WAIT_MS.
  async listening(): Promise<void> {
    if (this.watched.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const subscribed = Promise.all([...this.watched].map(([channel, handler]) => channel.listen(handler)));
    await Promise.race([subscribed, new Promise<void>((resolve) => (timer = setTimeout(resolve, LISTEN_WAIT_MS)))]);
    clearTimeout(timer);
  }

  // Called by WatchGateway once socket.io has created the namespace.
  attach(namespace: Namespace) {
    this.namespace = namespace;
    // socket.io has removed a socket from namespace.sockets by the time it says 'disconnect'.
    const toggle = () => {
      const on = namespace.sockets.size > 0;
      for (const [channel, handler] of this.watched) void channel.listen(on ? handler : null);
    };
    namespace.on('connection', (socket: { once(event: 'disconnect', fn: () => void): void }) => {
      toggle();
      socket.once('disconnect', toggle);
    });
  }

  onModuleDestroy() {
    for (const channel of this.watched.keys()) void channel.listen(null);
    if (this.relayTimer) clearTimeout(this.relayTimer);
    this.relayTimer = undefined;
    this.outbox = [];
  }

  // Fire and forget: delivery is at most once, to the sockets in any of `rooms` at that moment (each socket
  // gets the event once even when it is in several of the rooms). JSON payloads: what crosses to another process
  // is JSON, as what reaches the client is.
  emit(rooms: readonly string[], event: string, payload: unknown): void {
    // No rooms must mean nobody: socket.io would read an empty list as "every socket in the namespace".
    if (rooms.length === 0) return;
    if (!this.namespace) {
      this.logger.warn(`"${event}" dropped: the /watch namespace is not ready yet`);
      return;
    }
    this.deliver(rooms, event, payload);
    if (!this.events?.othersListening()) return;
    this.outbox.push([[...rooms], event, payload]);
    if (!this.relayTimer) {
      this.relayTimer = setTimeout(() => this.relay(), RELAY_MS);
      this.relayTimer.unref();
    }
  }

  private relay() {
    this.relayTimer = undefined;
    const batch = this.outbox;
    this.outbox = [];
    if (batch.length) this.events?.publish(batch);
  }

  // What another process emitted, to this process's sockets.
  private deliverRelayed(batch: unknown) {
    if (!this.namespace || !Array.isArray(batch)) return;
    for (const item of batch) {
      if (!isRelayed(item)) continue;
      const [rooms, event, payload] = item;
      if (rooms.length) this.deliver(rooms, event, payload);
    }
  }

  // To this process's sockets in any of `rooms`. socket.io encodes the packet before it looks for sockets: skipped
  // when none of the rooms has one here (the rooms of a waybill's parties, mostly watched from nowhere).
  private deliver(rooms: readonly string[], event: string, payload: unknown) {
    const namespace = this.namespace!;
    const local = namespace.adapter.rooms;
    if (rooms.some((room) => local.has(room))) namespace.local.to(rooms as string[]).emit(event, payload);
  }
}
