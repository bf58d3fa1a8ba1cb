import { Inject, Logger, type OnModuleDestroy } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayConnection, type OnGatewayInit } from '@nestjs/websockets';
import type { DefaultEventsMap, ExtendedError, Namespace, Socket } from 'socket.io';
import { credentialFrom } from '../accounts/auth.guard.js';
import { AuthService } from '../accounts/auth.service.js';
import type { Principal } from '../accounts/principal.js';
import { isRevocation, Revocations, type Revocation } from '../accounts/revocations.js';
import { DomainError, UnauthenticatedError } from '../common/errors.js';
import { ENV, type Env } from '../config/env.js';
import { LiveService } from './live.service.js';
import { apiKeyRoom, orgRoom, roomsFor, sessionRoom, userRoom } from './live.rooms.js';

export const WATCH_NAMESPACE = '/watch';

export type WatchSocketData = { principal?: Principal; credential?: string };
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

// What a socket whose credential was revoked receives just before it is disconnected.
export const SIGNED_OUT_EVENT = 'signed_out';

// A revocation relayed to the other processes (serverSideEmit through the Redis adapter): they forget the
// principals they remember (AuthService).
const REVOKED_EVENT = 'hazway:revoked';

// /watch: signed-in users and API keys watching live events. The principal is checked in the handshake and kept on
// socket.data.principal for the handlers. A socket does not outlive its credential: a revocation (sign-out, user
// disabled or re-roled, password reset, API key revoked, organisation retired) disconnects its sockets at once on
// every process (through the socket.io adapter, Redis when configured), and every WATCH_REAUTH_SECONDS each
// process checks its sockets' credentials again (expiry, and a revocation missed while Redis was away).
@WebSocketGateway({ namespace: WATCH_NAMESPACE })
export class WatchGateway implements OnGatewayInit<WatchNamespace>, OnGatewayConnection<WatchSocket>, OnModuleDestroy {
  private readonly logger = new Logger('WatchGateway');
  private namespace?: WatchNamespace;
  private stopListening?: () => void;
  private recheck?: NodeJS.Timeout;
  private rechecking = false;

  constructor(
    private readonly auth: AuthService,
    private readonly live: LiveService,
    private readonly revocations: Revocations,
    @Inject(ENV) private readonly env: Env,
  ) {}

  afterInit(namespace: WatchNamespace) {
    this.namespace = namespace;
    this.stopListening = this.revocations.onRevoked((r) => {
      this.disconnectRevoked(r);
      this.tellPeers(r);
    });
    if (this.live.adapter === 'redis') {
      namespace.on(REVOKED_EVENT as never, (r: unknown) => {
        if (isRevocation(r)) this.revocations.heardFromPeer(r);
      });
    }
    this.recheck = setInterval(() => void this.recheckAll(), this.env.WATCH_REAUTH_SECONDS * 1000);
    this.recheck.unref();
    // Signed in, then this process hears the other processes' live events before the client is told it is
    // connected (LiveService.listening).
    namespace.use((socket, next) => {
      this.authenticate(socket).then(
        () => this.live.listening().then(() => next()),
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
    const rooms = roomsFor(principal);
    if (principal.sessionId) rooms.push(sessionRoom(principal.sessionId));
    if (principal.apiKeyId) rooms.push(apiKeyRoom(principal.apiKeyId));
    socket.join(rooms);
  }

  onModuleDestroy() {
    this.stopListening?.();
    if (this.recheck) clearInterval(this.recheck);
  }

  // The sockets of a revoked credential, on every process.
  private disconnectRevoked(r: Revocation) {
    const ns = this.namespace;
    if (!ns || r.kind === 'terminal') return;
    const [room, code] =
      r.kind === 'session'
        ? [sessionRoom(r.sessionId), 'SESSION_REVOKED']
        : r.kind === 'user'
          ? [userRoom(r.userId), 'SESSION_REVOKED']
          : r.kind === 'api_key'
            ? [apiKeyRoom(r.apiKeyId), 'API_KEY_REVOKED']
            : [orgRoom(r.organisationId), 'ACCOUNT_DISABLED'];
    const except = r.kind === 'user' && r.exceptSessionId ? [sessionRoom(r.exceptSessionId)] : [];
    try {
      ns.in(room).except(except).emit(SIGNED_OUT_EVENT, { code });
      ns.in(room).except(except).disconnectSockets(true);
    } catch (e) {
      // The periodic re-check catches what this misses.
      this.logger.warn(`could not disconnect revoked sockets (${room}): ${(e as Error).message}`);
    }
  }

  // The other processes forget the principals they remember (AuthService): their next request reads the database.
  // With the in-memory adapter there are none.
  private tellPeers(r: Revocation) {
    if (this.live.adapter !== 'redis' || !this.namespace) return;
    try {
      this.namespace.serverSideEmit(REVOKED_EVENT as never, r as never);
    } catch (e) {
      // Their cached principals end within PRINCIPAL_CACHE_MS anyway.
      this.logger.warn(`could not tell the other processes of a revocation: ${(e as Error).message}`);
    }
  }

  // This process's sockets, each credential checked again; a refused one is told why and disconnected. A check that
  // fails for another reason (the database away) keeps the socket: the next round decides.
  private async recheckAll() {
    if (this.rechecking || !this.namespace) return;
    this.rechecking = true;
    try {
      const verdicts = new Map<string, Promise<string | null>>();
      for (const socket of this.namespace.sockets.values()) {
        const credential = socket.data.credential;
        if (!credential) continue;
        let verdict = verdicts.get(credential);
        if (!verdict) {
          verdict = this.auth.authenticate(credential).then(
            () => null,
            (e: unknown) => (e instanceof UnauthenticatedError ? e.code : null),
          );
          verdicts.set(credential, verdict);
        }
        const code = await verdict;
        if (code && socket.connected) {
          socket.emit(SIGNED_OUT_EVENT, { code });
          socket.disconnect(true);
        }
      }
    } finally {
      this.rechecking = false;
    }
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
    socket.data.credential = handshakeCredential(socket);
  }
}
