import { Logger } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayConnection, type OnGatewayInit } from '@nestjs/websockets';
import { performance } from 'node:perf_hooks';
import type { Counter, Gauge, Histogram } from 'prom-client';
import type { DefaultEventsMap, Namespace, Socket } from 'socket.io';
import type { z } from 'zod';
import { Revocations } from '../../accounts/revocations.js';
import { toFieldErrors } from '../../common/zod-validation.js';
import { handshakeCredential, type HandshakeError } from '../../live/watch.gateway.js';
import { MetricsService } from '../../ops/metrics.service.js';
import { STATUS_POSITIONED, type PositionRecord } from '../positions/position.js';
import { PositionRejectedError } from '../positions/position-writer.js';
import { PositionsService } from '../positions/positions.service.js';
import { ACK_SECONDS_BUCKETS } from '../terminal/terminal.metrics.js';
import { AppPositionBatchSchema, AppPositionSchema, type AppPosition } from '../tracking.dto.js';
import { AppTerminalAuth, AppTerminalAuthError, type AppTerminalIdentity } from './app-terminal-auth.js';

export const TERMINALS_NAMESPACE = '/terminals';
const terminalRoom = (terminalId: string) => `terminal:${terminalId}`;

// Positions of one connection accepted and not yet answered. Beyond it a message is refused with BUSY instead of
// queued: the writer bounds what it holds, but the messages waiting for room would still be held here.
export const MAX_PENDING_PER_TERMINAL = 5_000;
// An answer is owed within this time. A write still not committed then (the database is away; the writer keeps
// retrying) is answered STORAGE_UNAVAILABLE: the terminal keeps the positions and sends them again, and the
// re-sent ones are stored once whether or not the first write went through in the end.
export const ACK_DEADLINE_MS = 30_000;
// Field errors returned in one answer, at most.
const MAX_FIELD_ERRORS = 50;

export type TerminalAck =
  | { ok: true; stored: number; duplicates: number; flagged: number }
  | { ok: false; code: 'VALIDATION_FAILED'; details: unknown }
  | { ok: false; code: 'STORAGE_UNAVAILABLE' | 'BUSY'; message: string };

type TerminalSocketData = { terminal?: AppTerminalIdentity; pending: number };
type TerminalSocket = Socket<DefaultEventsMap, DefaultEventsMap, DefaultEventsMap, TerminalSocketData>;
type TerminalNamespace = Namespace<DefaultEventsMap, DefaultEventsMap, DefaultEventsMap, TerminalSocketData>;
type Ack = (answer: TerminalAck) => void;

const handshakeError = (code: string, message: string): HandshakeError => Object.assign(new Error(message), { data: { code } });

class DeadlineError extends Error {}

// /terminals: socket.io app terminals (phone apps, gateways) reporting JSON positions (DESIGN.md "The hot path").
//   handshake  auth: { token: 'hzt_<terminalId>_<secret>' }  (refused: connect_error with data.code)
//   'position'   AppPosition          + ack
//   'positions'  AppPosition[] (<=500) + ack
// The ack is { ok: true, stored, duplicates, flagged } once the positions are committed, never before; a re-sent
// position is a duplicate, stored once. The vehicle is the one the terminal is bound to: a terminal cannot report
// for another. BUSY: nothing was stored, send again later (position writes are behind, or too many positions of
// this connection are waiting for their ack).
//
// Handlers are plain socket.io listeners rather than @SubscribeMessage: this is the hot path, the ack must be sent
// exactly when the write resolves, and a bare array payload must not be taken for an argument list.
@WebSocketGateway({ namespace: TERMINALS_NAMESPACE })
export class AppTerminalsGateway implements OnGatewayInit<TerminalNamespace>, OnGatewayConnection<TerminalSocket> {
  private readonly logger = new Logger('AppTerminalsGateway');
  private namespace?: TerminalNamespace;
  private readonly messages: Counter<'outcome'>;
  private readonly refused: Counter<'code'>;
  // The histogram's two children, looked up once (a labelled observe() hashes its labels on every call).
  private readonly ackSeconds: Record<'position' | 'positions', { observe(seconds: number): void }>;

  constructor(
    private readonly auth: AppTerminalAuth,
    private readonly positions: PositionsService,
    metrics: MetricsService,
    private readonly revocations: Revocations,
  ) {
    const self = this;
    metrics.gauge({
      name: 'hazway_app_terminals_connected',
      help: 'App terminals connected to /terminals on this process',
      collect(this: Gauge) {
        this.set(self.namespace?.sockets.size ?? 0);
      },
    });
    this.messages = metrics.counter({
      name: 'hazway_app_terminal_messages_total',
      help: 'position/positions messages from app terminals, by answer (ok, invalid, busy, unavailable)',
      labelNames: ['outcome'],
    });
    this.refused = metrics.counter({
      name: 'hazway_app_terminal_refused_total',
      help: 'App terminal handshakes refused, by code',
      labelNames: ['code'],
    });
    // The socket.io counterpart of hazway_jt808_ack_seconds, with the same buckets.
    const ackSeconds: Histogram<'event'> = metrics.histogram({
      name: 'hazway_app_terminal_ack_seconds',
      help: 'From an app terminal position/positions message received to its ack sent (for stored positions: after the durable write), by event',
      labelNames: ['event'],
      buckets: ACK_SECONDS_BUCKETS,
    });
    this.ackSeconds = { position: ackSeconds.labels({ event: 'position' }), positions: ackSeconds.labels({ event: 'positions' }) };
  }

  afterInit(namespace: TerminalNamespace) {
    this.namespace = namespace;
    // A replaced token, a retired or moved terminal: its sockets end, on every process (socket.io adapter).
    this.revocations.onRevoked((r) => {
      if (r.kind === 'terminal') namespace.in(terminalRoom(r.terminalId)).disconnectSockets(true);
    });
    namespace.use((socket, next) => {
      this.auth.verify(handshakeCredential(socket)).then(
        (terminal) => {
          socket.data.terminal = terminal;
          socket.data.pending = 0;
          next();
        },
        (e: Error) => {
          if (e instanceof AppTerminalAuthError) {
            this.refused.inc({ code: e.code });
            next(handshakeError(e.code, e.message));
            return;
          }
          this.logger.error(`terminal handshake failed: ${e.message}`, e.stack);
          this.refused.inc({ code: 'INTERNAL_ERROR' });
          next(handshakeError('INTERNAL_ERROR', 'Internal server error'));
        },
      );
    });
  }

  handleConnection(socket: TerminalSocket) {
    const terminal = socket.data.terminal;
    if (!terminal) {
      socket.disconnect(true); // not reachable past the middleware
      return;
    }
    socket.join(terminalRoom(terminal.terminalId));
    socket.on('position', (payload: unknown, ack?: unknown) => void this.receive(socket, terminal, false, payload, ack));
    socket.on('positions', (payload: unknown, ack?: unknown) => void this.receive(socket, terminal, true, payload, ack));
  }

  private async receive(socket: TerminalSocket, terminal: AppTerminalIdentity, batch: boolean, payload: unknown, ackArg: unknown) {
    // A message with an ack and no payload arrives as (ack).
    const [body, ack] = typeof payload === 'function' ? [undefined, payload as Ack] : [payload, typeof ackArg === 'function' ? (ackArg as Ack) : undefined];
    const started = performance.now();
    const answer = (a: TerminalAck, outcome: string) => {
      this.messages.inc({ outcome });
      this.ackSeconds[batch ? 'positions' : 'position'].observe((performance.now() - started) / 1000);
      if (!ack) return;
      try {
        ack(a);
      } catch {
        // the socket went away: nothing to answer
      }
    };

    const parsed = batch ? AppPositionBatchSchema.safeParse(body) : AppPositionSchema.safeParse(body);
    if (!parsed.success) {
      answer({ ok: false, code: 'VALIDATION_FAILED', details: { fields: toFieldErrors(parsed.error as z.ZodError).slice(0, MAX_FIELD_ERRORS) } }, 'invalid');
      return;
    }
    const fixes: AppPosition[] = batch ? (parsed.data as AppPosition[]) : [parsed.data as AppPosition];
    // Global back-pressure, the counterpart of the TCP server pausing its reads (terminal.server.ts): while the
    // writer is saturated a submit would wait in its queue of waiters, which only the per-connection cap bounds,
    // so across connections memory would grow with the load. Refused instead; the terminal keeps the positions and
    // sends them again after a while.
    if (this.positions.isSaturated) {
      answer({ ok: false, code: 'BUSY', message: 'Position writes are behind: send these positions again later' }, 'busy');
      return;
    }
    if (socket.data.pending > 0 && socket.data.pending + fixes.length > MAX_PENDING_PER_TERMINAL) {
      answer({ ok: false, code: 'BUSY', message: `More than ${MAX_PENDING_PER_TERMINAL} positions are waiting for their answer: wait for the acks` }, 'busy');
      return;
    }
    const receivedAt = new Date();
    const records = fixes.map((f) => toRecord(f, terminal, receivedAt));
    socket.data.pending += records.length;
    let timer: NodeJS.Timeout | undefined;
    try {
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DeadlineError()), ACK_DEADLINE_MS);
      });
      const write = this.positions.ingest(records);
      // Past the deadline nobody awaits the write any more; its late failure must not go unhandled.
      write.catch(() => undefined);
      const r = await Promise.race([write, deadline]);
      answer({ ok: true, stored: r.stored, duplicates: r.duplicates, flagged: r.flagged }, 'ok');
    } catch (e) {
      if (e instanceof PositionRejectedError) {
        answer({ ok: false, code: 'VALIDATION_FAILED', details: { fields: [{ path: batch ? String(e.index) : '(root)', code: 'REJECTED', message: e.problem }] } }, 'invalid');
      } else {
        // The writer logs outages itself; a closed writer (shutdown) is not an error.
        answer({ ok: false, code: 'STORAGE_UNAVAILABLE', message: 'The positions were not stored: send them again later' }, 'unavailable');
      }
    } finally {
      clearTimeout(timer);
      socket.data.pending -= records.length;
    }
  }
}

// An app fix as PositionRecord: the vehicle and terminal come from the token, never from the payload.
export function toRecord(f: AppPosition, terminal: AppTerminalIdentity, receivedAt: Date): PositionRecord {
  return {
    vehicleId: terminal.vehicleId,
    terminalId: terminal.terminalId,
    fixTime: new Date(f.fixTime),
    receivedAt,
    lat: f.lat,
    lon: f.lon,
    speedKmh: f.speedKmh,
    course: Math.round(f.course) % 360,
    altitudeM: Math.round(f.altitudeM ?? 0),
    alarmBits: f.alarmBits ?? 0,
    statusBits: f.statusBits ?? STATUS_POSITIONED,
    mileageKm: f.mileageKm ?? null,
    source: 'app',
    backfill: f.backfill ?? false,
    extra: null,
  };
}
