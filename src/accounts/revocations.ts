import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';

// Credentials that stopped being valid a moment ago: a session signed out, a user disabled or re-roled, a
// password reset, an API key revoked, an organisation retired. HTTP requests see it on their next call (AuthService
// forgets the principals it remembers, here and, relayed by WatchGateway, on every other process); long-lived
// connections (socket.io /watch) are told here and drop the sockets concerned at once, on every process
// (WatchGateway disconnects through the socket.io adapter).
export type Revocation =
  | { kind: 'session'; sessionId: string }
  | { kind: 'user'; userId: string; exceptSessionId?: string | null }
  | { kind: 'api_key'; apiKeyId: string }
  | { kind: 'organisation'; organisationId: string }
  // An app terminal's token replaced, the terminal retired or moved: its /terminals sockets end.
  | { kind: 'terminal'; terminalId: string };

@Injectable()
export class Revocations {
  private readonly events = new EventEmitter();

  // Call after the change is committed.
  revoked(r: Revocation): void {
    this.events.emit('revoked', r);
    this.events.emit('any', r);
  }

  // A revocation made by another process (WatchGateway relays them through the socket.io adapter).
  heardFromPeer(r: Revocation): void {
    this.events.emit('any', r);
  }

  // Revocations made by this process: what to act on once for all processes (socket.io rooms span them).
  onRevoked(listener: (r: Revocation) => void): () => void {
    this.events.on('revoked', listener);
    return () => this.events.off('revoked', listener);
  }

  // Those of this process and those heard from the others: what every process must act on itself (the principal
  // cache of AuthService).
  onAnyRevoked(listener: (r: Revocation) => void): () => void {
    this.events.on('any', listener);
    return () => this.events.off('any', listener);
  }
}

const REVOCATION_KINDS = new Set<string>(['session', 'user', 'api_key', 'organisation', 'terminal']);
// A revocation as another process sent it (through Redis): its shape checked before it is believed.
export const isRevocation = (v: unknown): v is Revocation =>
  typeof v === 'object' && v !== null && REVOCATION_KINDS.has((v as { kind?: unknown }).kind as string);
