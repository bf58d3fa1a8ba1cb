import type { Counter, Gauge, Histogram } from 'prom-client';
import type { MetricsService } from '../../ops/metrics.service.js';
import { JT808_MESSAGE_ID } from './jt808/jt808.constants.js';
import type { Jt808SubpackageDropReason } from './jt808/jt808.subpackages.js';

// Prometheus metrics of the JT/T 808 server, all named hazway_jt808_*. Message ids become labels only when they
// are ids this platform knows: a label per 16-bit garbage id would grow the registry without bound.
const KNOWN_IDS = new Set<number>(Object.values(JT808_MESSAGE_ID));
export const messageLabel = (id: number): string => (KNOWN_IDS.has(id) ? `0x${id.toString(16).padStart(4, '0')}` : 'other');

export type RefusalReason = 'unknown_terminal' | 'no_vehicle' | 'bad_auth_code' | 'not_authenticated' | 'wrong_phone';
export type DropReason = 'time_invalid' | 'batch_item_malformed';
// What became of a subpackage (分包): waiting for the rest, the last one (the message was put together), seen
// before, refused (inconsistent or too large), or of a message id that is not reassembled.
export type FragmentOutcome = 'accepted' | 'completed' | 'repeat' | 'refused' | 'not_supported';

// Buckets of the ACK latency histograms, JT/T 808 (hazway_jt808_ack_seconds) and socket.io app terminals
// (hazway_app_terminal_ack_seconds) alike, so that the two paths compare bucket for bucket.
export const ACK_SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.5, 1, 2.5, 5, 10];

export type TerminalMetricsSource = {
  connections(): number;
  authenticated(): number;
  paused(): boolean;
};

export class TerminalMetrics {
  private readonly frames?: Counter<'message_id'>;
  private readonly malformed?: Counter<'reason'>;
  private readonly positions?: Counter<'message_id' | 'backfill'>;
  private readonly dropped?: Counter<'reason'>;
  private readonly refused?: Counter<'reason'>;
  private readonly unacked?: Counter<'reason'>;
  private readonly idleClosed?: Counter;
  private readonly pauses?: Counter;
  private readonly ackSeconds?: Histogram<'message_id'>;
  private readonly fragments?: Counter<'outcome'>;
  private readonly reassembledMessages?: Counter<'message_id'>;
  private readonly reassemblyDrops?: Counter<'reason'>;
  private readonly resendRequests?: Counter;

  constructor(metrics: MetricsService | undefined, source: TerminalMetricsSource) {
    if (!metrics) return;
    metrics.gauge({
      name: 'hazway_jt808_connections',
      help: 'Open JT/T 808 TCP connections',
      collect(this: Gauge) {
        this.set(source.connections());
      },
    });
    metrics.gauge({
      name: 'hazway_jt808_sessions_authenticated',
      help: 'JT/T 808 connections whose terminal has authenticated (0x0102)',
      collect(this: Gauge) {
        this.set(source.authenticated());
      },
    });
    metrics.gauge({
      name: 'hazway_jt808_reading_paused',
      help: '1 while the JT/T 808 server stops reading sockets because position writes are behind',
      collect(this: Gauge) {
        this.set(source.paused() ? 1 : 0);
      },
    });
    this.pauses = metrics.counter({
      name: 'hazway_jt808_reading_pauses_total',
      help: 'Times the JT/T 808 server stopped reading all sockets because position writes were behind (admission control)',
    });
    // Per frame and per position: counted in plain numbers here, handed to prom-client when it collects (a
    // labelled inc() hashes its labels on every call, a few % of the ingest thread at 20,000 frames/s).
    const frameCounts = this.frameCounts;
    const positionCounts = this.positionCounts;
    this.frames = metrics.counter({
      name: 'hazway_jt808_frames_received_total',
      help: 'JT/T 808 frames decoded, by message id',
      labelNames: ['message_id'],
      collect(this: Counter<'message_id'>) {
        for (const [id, n] of frameCounts) this.inc({ message_id: messageLabel(id) }, n);
        frameCounts.clear();
      },
    });
    this.malformed = metrics.counter({
      name: 'hazway_jt808_malformed_frames_total',
      help: 'JT/T 808 frames skipped because they did not decode (bad check code, length, truncated body, oversized)',
      labelNames: ['reason'],
    });
    this.positions = metrics.counter({
      name: 'hazway_jt808_positions_received_total',
      help: 'Positions received from JT/T 808 terminals and handed to storage (0x0200, 0x0704)',
      labelNames: ['message_id', 'backfill'],
      collect(this: Counter<'message_id' | 'backfill'>) {
        for (const [key, n] of positionCounts) this.inc({ message_id: messageLabel(Math.floor(key / 2)), backfill: String((key & 1) === 1) }, n);
        positionCounts.clear();
      },
    });
    this.dropped = metrics.counter({
      name: 'hazway_jt808_positions_dropped_total',
      help: 'Positions in a valid frame that could not be stored at all (no usable fix time, unreadable batch item); their report is answered 2 (message error), never 0',
      labelNames: ['reason'],
    });
    this.refused = metrics.counter({
      name: 'hazway_jt808_refused_total',
      help: 'JT/T 808 requests refused: registration of unknown terminals, failed authentication, reports before authentication',
      labelNames: ['reason'],
    });
    this.unacked = metrics.counter({
      name: 'hazway_jt808_unacknowledged_total',
      help: 'JT/T 808 reports left unacknowledged because storing them failed (the terminal re-sends)',
      labelNames: ['reason'],
    });
    this.fragments = metrics.counter({
      name: 'hazway_jt808_fragments_received_total',
      help: 'JT/T 808 subpackages (分包) from authenticated terminals, by outcome (accepted, completed, repeat, refused, not_supported)',
      labelNames: ['outcome'],
    });
    this.reassembledMessages = metrics.counter({
      name: 'hazway_jt808_messages_reassembled_total',
      help: 'JT/T 808 subpackaged messages put back together and handled as whole messages, by message id',
      labelNames: ['message_id'],
    });
    this.reassemblyDrops = metrics.counter({
      name: 'hazway_jt808_reassembly_dropped_total',
      help: 'Incomplete JT/T 808 subpackaged messages given up: too_many_messages / too_many_bytes (per-connection limits), timeout (missing packages asked for with 0x8003 and not sent), closed (connection closed)',
      labelNames: ['reason'],
    });
    this.resendRequests = metrics.counter({
      name: 'hazway_jt808_resend_requests_total',
      help: 'JT/T 808 0x8003 requests sent for the missing packages of a stalled subpackaged message',
    });
    this.idleClosed = metrics.counter({ name: 'hazway_jt808_idle_closed_total', help: 'JT/T 808 connections closed for sending nothing within TERMINAL_IDLE_SECONDS' });
    this.ackSeconds = metrics.histogram({
      name: 'hazway_jt808_ack_seconds',
      help: 'From a JT/T 808 frame read off the socket to its reply written (for reports: after the durable write)',
      labelNames: ['message_id'],
      buckets: ACK_SECONDS_BUCKETS,
    });
  }

  // Frames and positions counted since the last collect, by message id (ids unknown to the platform as -1).
  private readonly frameCounts = new Map<number, number>();
  private readonly positionCounts = new Map<number, number>();
  // Per reply: the labelled child is looked up once per message id (prom-client otherwise hashes the label object
  // on every call).
  private readonly ackChildren = new Map<number, { observe(v: number): void }>();

  frame(messageId: number) {
    if (!this.frames) return;
    const id = KNOWN_IDS.has(messageId) ? messageId : -1;
    this.frameCounts.set(id, (this.frameCounts.get(id) ?? 0) + 1);
  }
  malformedFrame(reason: string) {
    this.malformed?.inc({ reason });
  }
  positionsReceived(messageId: number, backfill: boolean, n: number) {
    if (n <= 0 || !this.positions) return;
    const key = (KNOWN_IDS.has(messageId) ? messageId : -1) * 2 + (backfill ? 1 : 0);
    this.positionCounts.set(key, (this.positionCounts.get(key) ?? 0) + n);
  }
  positionsDropped(reason: DropReason, n: number) {
    if (n > 0) this.dropped?.inc({ reason }, n);
  }
  refusal(reason: RefusalReason) {
    this.refused?.inc({ reason });
  }
  unacknowledged(reason: string) {
    this.unacked?.inc({ reason });
  }
  fragment(outcome: FragmentOutcome) {
    this.fragments?.inc({ outcome });
  }
  reassembled(messageId: number) {
    this.reassembledMessages?.inc({ message_id: messageLabel(messageId) });
  }
  reassemblyDropped(reason: Jt808SubpackageDropReason) {
    this.reassemblyDrops?.inc({ reason });
  }
  resendRequested() {
    this.resendRequests?.inc();
  }
  readingPaused() {
    this.pauses?.inc();
  }
  idle() {
    this.idleClosed?.inc();
  }
  ack(messageId: number, seconds: number) {
    if (!this.ackSeconds) return;
    let child = this.ackChildren.get(messageId);
    if (!child) {
      child = this.ackSeconds.labels({ message_id: messageLabel(messageId) });
      if (KNOWN_IDS.has(messageId)) this.ackChildren.set(messageId, child);
    }
    child.observe(seconds);
  }
}
