import { Logger } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayConnection, type OnGatewayInit } from '@nestjs/websockets';
import type { DefaultEventsMap, ExtendedError, Namespace, Socket } from 'socket.io';
import { credentialFrom } from '../accounts/auth.guard.js';
import { AuthService } from '../accounts/auth.service.js';
import type { Principal } from '../accounts/principal.js';
import { DomainError } from '../common/errors.js';
import { LiveService } from './live.service.js';
import { roomsFor } from './live.rooms.js';

export const WATCH_NAMESPACE = '/watch';

export type WatchSocketData = { principal?: Principal };
export type WatchSocket = Socket<DefaultEventsMap, DefaultEventsMap, DefaultEventsMap, WatchSocketData>;
export type WatchNamespace = Namespace<DefaultEventsMap, DefaultEventsMap, DefaultEventsMap, WatchSocketData>;

// What a refused client sees as connect_error: `message`, and `data.code` as in the HTTP error shape.
export type HandshakeError = ExtendedError & { data: { code: string } };

function handshakeError(code: string, message: string): HandshakeError {
  return Object.assign(new Error(message), { data: { code } });
}

// The token of a socket.io handshake: `auth: { token }` (what browsers can send), else the same headers the
// HTTP API reads (Authorization: Bearer, X-API-Key). A JWT or an hzk_ API key.
export function handshakeCredential(socket: Pick<Socket, 'handshake'>): string | undefined {
  const token: unknown = socket.handshake.auth?.token;
  if (typeof token === 'string' && token.trim()) return token.trim().replace(/^Bearer\s+/i, '');
  return credentialFrom(socket.handshake.headers);
}

// /watch: signed-in users and API keys watching live events. The principal is checked once, in the
// handshake, and kept on socket.data.principal for the handlers.
@WebSocketGateway({ namespace: WATCH_NAMESPACE })
export class WatchGateway implements OnGatewayInit<WatchNamespace>, OnGatewayConnection<WatchSocket> {
  private readonly logger = new Logger('WatchGateway');

  constructor(
    private readonly auth: AuthService,
    private readonly live: LiveService,
  ) {}

  afterInit(namespace: WatchNamespace) {
    namespace.use((socket, next) => {
      this.authenticate(socket).then(
        () => next(),
        (e: HandshakeError) => next(e),
      );
    });
    this.live.attach(namespace as unknown as Namespace);
  }

  // Synchronous on purpose: the client's `connect` fires in the same tick, so it is in its rooms before it
  // can see anything.
  handleConnection(socket: WatchSocket) {
    const principal = socket.data.principal;
    if (!principal) {
      socket.disconnect(true); // not reachable past the middleware; never keep an anonymous socket
      return;
    }
    socket.join(roomsFor(principal));
  }

  private async authenticate(socket: WatchSocket): Promise<void> {
    let principal: Principal;
    try {
      principal = await this.auth.authenticate(handshakeCredential(socket));
    } catch (e) {
      if (e instanceof DomainError) throw handshakeError(e.code, e.message);
      this.logger.error(`handshake failed: ${(e as Error).message}`, (e as Error).stack);
      throw handshakeError('INTERNAL_ERROR', 'Internal server error');
    }
    // As on HTTP (AuthGuard): a one-time password must be changed before anything else.
    if (principal.mustChangePassword) {
      throw handshakeError('PASSWORD_CHANGE_REQUIRED', 'Change your one-time password first: POST /auth/password');
    }
    socket.data.principal = principal;
  }
}
