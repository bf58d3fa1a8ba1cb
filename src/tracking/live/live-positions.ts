import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Counter, Gauge } from 'prom-client';
import type { Namespace } from 'socket.io';
import { ENV, type Env } from '../../config/env.js';
import type { LiveChannel } from '../../live/live.backend.js';
import { LiveService } from '../../live/live.service.js';
import { MetricsService } from '../../ops/metrics.service.js';
import { PositionsService, type LivePosition } from '../positions/positions.service.js';
import { liveItem, planEmits, POSITIONS_EVENT, type LiveItem, type RegionBatch } from './live-positions.rules.js';
import { TrackingScope } from './tracking-scope.service.js';

// Beyond this many positions waiting for a flush (the owner lookup is stuck), new ones are dropped and counted:
// live delivery is at most once, and memory must stay bounded.
const MAX_BUFFERED = 100_000;
const OWNER_TTL_MS = 5 * 60_000;
const MAX_OWNERS_CACHED = 500_000;
// Between processes (LiveBackend.channel): never sent to a client.
const CLUSTER_CHANNEL = 'positions';

type CachedOwner = { organisationId: string; regionCode: string | null; expires: number };

// Pushes every clean live position (PositionsService.onLive, after the durable write) to the /watch rooms of its
// vehicle, its waybill and the regions of the vehicle's carrier, as event 'positions' with an array.
//
// How it crosses processes: a flush is published once to the other processes (a Redis channel of its own,
// LiveBackend.channel), and every process, this one included, emits it locally (`namespace.local`) to the rooms it
// has sockets in. One Redis message per flush per ingesting process, instead of one per watched room (about 20,000
// a second at the hot path's target). A process subscribes to the flushes only while it has /watch sockets
// (LiveService.whileWatched, from the handshake of the first), and skips its own unparsed. (The socket.io adapter's
// serverSideEmit, used before, is decoded by every process, the sender included: 4.7 % of a single ingest process's
// CPU profile went to serialising and parsing.)
// The price: every process with watchers receives every flush, JSON of about 150 bytes a position. While no other
// process listens (one app process with Redis for its queues), nothing is published (LiveChannel.othersListening),
// and a flush with no watcher here either does no work at all.
@Injectable()
export class LivePositions implements OnModuleDestroy {
  private readonly logger = new Logger('LivePositions');
  private namespace?: Namespace;
  private buffer: LivePosition[] = [];
  private timer?: NodeJS.Timeout;
  private flushing = false;
  private dropped = 0;
  private ownerLookupFailing = false;
  private readonly owners = new Map<string, CachedOwner>();
  private readonly unsubscribe: () => void;
  private readonly pushed: Counter;
  private readonly channel: LiveChannel | null;
  private readonly flushMs: number;

  constructor(
    positions: PositionsService,
    private readonly scope: TrackingScope,
    live: LiveService,
    metrics: MetricsService,
    @Inject(ENV) env: Env,
  ) {
    this.flushMs = env.LIVE_FLUSH_MS;
    this.unsubscribe = positions.onLive((batch) => this.collect(batch));
    this.channel = live.channel(CLUSTER_CHANNEL);
    // The other processes' flushes, heard while this one has watchers.
    if (this.channel) {
      live.whileWatched(this.channel, (batches) => {
        if (Array.isArray(batches)) this.deliver(batches as RegionBatch[]);
      });
    }
    this.pushed = metrics.counter({
      name: 'hazway_live_positions_pushed_total',
      help: 'Positions pushed to watchers on this process (counted once per room emit that carried them)',
    });
    const self = this;
    metrics.gauge({
      name: 'hazway_watchers_connected',
      help: 'Sockets connected to /watch on this process',
      collect(this: Gauge) {
        this.set(self.namespace?.sockets.size ?? 0);
      },
    });
  }

  // Called by TrackingWatchGateway once socket.io has created the /watch namespace.
  attach(namespace: Namespace) {
    this.namespace = namespace;
  }

  onModuleDestroy() {
    this.unsubscribe(); // (LiveService stops the channel's listening, as it started it)
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.buffer = [];
  }

  // On the ingest path: keep it to a push.
  private collect(batch: LivePosition[]) {
    if (this.buffer.length + batch.length > MAX_BUFFERED) {
      if (this.dropped === 0) this.logger.warn('live positions are being dropped: the flush is behind');
      this.dropped += batch.length;
      return;
    }
    for (const p of batch) this.buffer.push(p);
    this.schedule();
  }

  private schedule() {
    if (this.timer || this.flushing || this.buffer.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.flushMs);
    this.timer.unref();
  }

  // Exposed for tests and benchmarks: flushes what is buffered now.
  async flush(): Promise<void> {
    if (this.flushing) return;
    const batch = this.buffer;
    this.buffer = [];
    const namespace = this.namespace;
    if (batch.length === 0 || !namespace) return;
    if (this.dropped > 0) {
      this.logger.warn(`${this.dropped} live positions were dropped while the flush was behind`);
      this.dropped = 0;
    }
    // Nobody watching here, and no other process listening (or none at all: in-memory adapter): nothing to do.
    if (namespace.sockets.size === 0 && !this.channel?.othersListening()) return;
    this.flushing = true;
    try {
      const regions = await this.regionsOf(batch);
      const byRegion = new Map<string | null, LiveItem[]>();
      for (const p of batch) {
        const code = regions.get(p.vehicleId) ?? null;
        const items = byRegion.get(code);
        const item = liveItem(p);
        if (items) items.push(item);
        else byRegion.set(code, [item]);
      }
      const batches: RegionBatch[] = [...byRegion];
      this.channel?.publish(batches);
      this.deliver(batches);
    } catch (e) {
      this.logger.error(`live positions flush failed: ${(e as Error).message}`);
    } finally {
      this.flushing = false;
      this.schedule();
    }
  }

  // To this process's watchers.
  private deliver(batches: readonly RegionBatch[]) {
    const namespace = this.namespace;
    if (!namespace) return;
    const rooms = namespace.adapter.rooms;
    for (const emit of planEmits(batches, (room) => rooms.has(room))) {
      namespace.local.to(emit.to).except(emit.except).emit(POSITIONS_EVENT, emit.items);
      this.pushed.inc(emit.items.length);
    }
  }

  // vehicleId -> region code of its carrier, cached for OWNER_TTL_MS (a vehicle changes carrier rarely, and a
  // few minutes of the old region are harmless). Misses are looked up in one query per flush. When the lookup
  // fails, those positions still reach their vehicle and waybill rooms.
  private async regionsOf(batch: readonly LivePosition[]): Promise<Map<string, string | null>> {
    const now = Date.now();
    const regions = new Map<string, string | null>();
    const missing: string[] = [];
    for (const p of batch) {
      if (regions.has(p.vehicleId)) continue;
      const cached = this.owners.get(p.vehicleId);
      if (cached && cached.expires > now) regions.set(p.vehicleId, cached.regionCode);
      else {
        regions.set(p.vehicleId, null);
        missing.push(p.vehicleId);
      }
    }
    if (missing.length === 0) return regions;
    try {
      const found = await this.scope.owners(missing);
      if (this.owners.size + missing.length > MAX_OWNERS_CACHED) this.owners.clear();
      for (const id of missing) {
        const owner = found.get(id);
        // An unknown vehicle is cached too (as no region), so that it costs no query per flush.
        this.owners.set(id, { organisationId: owner?.organisationId ?? '', regionCode: owner?.regionCode ?? null, expires: now + OWNER_TTL_MS });
        regions.set(id, owner?.regionCode ?? null);
      }
      if (this.ownerLookupFailing) this.logger.log('vehicle owners are looked up again');
      this.ownerLookupFailing = false;
    } catch (e) {
      if (!this.ownerLookupFailing) this.logger.warn(`vehicle owner lookup failed, positions reach vehicle and waybill rooms only: ${(e as Error).message}`);
      this.ownerLookupFailing = true;
    }
    return regions;
  }
}
