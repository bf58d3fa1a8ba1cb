import { Logger } from '@nestjs/common';
import { ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway, type OnGatewayInit } from '@nestjs/websockets';
import type { Namespace } from 'socket.io';
import { regionPrefix } from '../../accounts/region.rules.js';
import { ForbiddenError, NotFoundError } from '../../common/errors.js';
import { toFieldErrors } from '../../common/zod-validation.js';
import { WATCH_NAMESPACE, type WatchNamespace, type WatchSocket } from '../../live/watch.gateway.js';
import { PositionsService, type LatestPosition } from '../positions/positions.service.js';
import { SubscribeSchema, type Subscription } from '../tracking.dto.js';
import { LivePositions } from './live-positions.js';
import { isPositionRoom, liveItem, regionPositionsRoom, vehicleRoom, waybillRoom, type LiveItem } from './live-positions.rules.js';
import { TrackingScope } from './tracking-scope.service.js';

// Rooms one connection may follow at once: enough for a fleet dashboard, bounded against a client that
// subscribes in a loop.
export const MAX_SUBSCRIPTIONS = 1000;

export type SubscribeAck =
  | { ok: true; snapshot: LiveItem[] }
  | { ok: false; code: 'VALIDATION_FAILED'; details: unknown }
  | { ok: false; code: 'NOT_FOUND' | 'FORBIDDEN' | 'TOO_MANY_SUBSCRIPTIONS' | 'INTERNAL_ERROR'; message: string };
export type UnsubscribeAck = { ok: true } | { ok: false; code: 'VALIDATION_FAILED'; details: unknown };

// Live positions on /watch, next to WatchGateway on the same namespace (WatchGateway authenticates the handshake
// and puts socket.data.principal; this one adds `subscribe` / `unsubscribe`):
//   subscribe { vehicleId } | { waybillId } | { region: '150102' }  -> ack { ok: true, snapshot } | { ok: false, code }
//   then event 'positions': LiveItem[] for everything followed (live-positions.rules.ts)
// The socket joins the room before the snapshot is read, so that no position falls between the two: a live
// event may arrive before the ack, and the snapshot may repeat it; clients keep the newer fixTime per vehicle.
@WebSocketGateway({ namespace: WATCH_NAMESPACE })
export class TrackingWatchGateway implements OnGatewayInit<WatchNamespace> {
  private readonly logger = new Logger('TrackingWatchGateway');

  constructor(
    private readonly scope: TrackingScope,
    private readonly positions: PositionsService,
    private readonly fanout: LivePositions,
  ) {}

  afterInit(namespace: WatchNamespace) {
    this.fanout.attach(namespace as unknown as Namespace);
  }

  @SubscribeMessage('subscribe')
  async subscribe(@ConnectedSocket() socket: WatchSocket, @MessageBody() body: unknown): Promise<SubscribeAck> {
    const parsed = SubscribeSchema.safeParse(body);
    if (!parsed.success) return { ok: false, code: 'VALIDATION_FAILED', details: { fields: toFieldErrors(parsed.error) } };
    const principal = socket.data.principal;
    if (!principal) return { ok: false, code: 'FORBIDDEN', message: 'Not signed in' }; // not reachable past the handshake
    const sub = parsed.data;
    let room: string;
    try {
      room = await this.authorise(principal, sub);
    } catch (e) {
      if (e instanceof NotFoundError) return { ok: false, code: 'NOT_FOUND', message: e.message };
      if (e instanceof ForbiddenError) return { ok: false, code: 'FORBIDDEN', message: e.message };
      this.logger.error(`subscribe failed: ${(e as Error).message}`, (e as Error).stack);
      return { ok: false, code: 'INTERNAL_ERROR', message: 'Internal server error' };
    }
    if (!socket.rooms.has(room) && [...socket.rooms].filter(isPositionRoom).length >= MAX_SUBSCRIPTIONS) {
      return { ok: false, code: 'TOO_MANY_SUBSCRIPTIONS', message: `At most ${MAX_SUBSCRIPTIONS} subscriptions per connection` };
    }
    socket.join(room);
    try {
      return { ok: true, snapshot: (await this.snapshot(sub)).map(liveItem) };
    } catch (e) {
      socket.leave(room);
      this.logger.error(`subscribe snapshot failed: ${(e as Error).message}`, (e as Error).stack);
      return { ok: false, code: 'INTERNAL_ERROR', message: 'Internal server error' };
    }
  }

  @SubscribeMessage('unsubscribe')
  unsubscribe(@ConnectedSocket() socket: WatchSocket, @MessageBody() body: unknown): UnsubscribeAck {
    const parsed = SubscribeSchema.safeParse(body);
    if (!parsed.success) return { ok: false, code: 'VALIDATION_FAILED', details: { fields: toFieldErrors(parsed.error) } };
    const sub = parsed.data;
    // Leaving needs no permission; a region room is named by its prefix, as on subscribe.
    if ('vehicleId' in sub) socket.leave(vehicleRoom(sub.vehicleId));
    else if ('waybillId' in sub) socket.leave(waybillRoom(sub.waybillId));
    else socket.leave(regionPositionsRoom(regionPrefix(sub.region)));
    return { ok: true };
  }

  // The room to join, once the caller may see the subject.
  private async authorise(principal: NonNullable<WatchSocket['data']['principal']>, sub: Subscription): Promise<string> {
    if ('vehicleId' in sub) {
      await this.scope.assertVehicle(principal, sub.vehicleId);
      return vehicleRoom(sub.vehicleId);
    }
    if ('waybillId' in sub) {
      await this.scope.assertWaybill(principal, sub.waybillId);
      return waybillRoom(sub.waybillId);
    }
    return regionPositionsRoom(this.scope.regionFor(principal, sub.region));
  }

  private async snapshot(sub: Subscription): Promise<LatestPosition[]> {
    if ('vehicleId' in sub) return this.positions.latestForVehicles([sub.vehicleId]);
    if ('waybillId' in sub) {
      const latest = await this.positions.latestForWaybill(sub.waybillId);
      return latest ? [latest] : [];
    }
    return this.scope.regionLatest(regionPrefix(sub.region));
  }
}
