import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

// /metrics of a server run with WORKERS > 1 (src/cluster.ts): a scrape reaches one worker, which asks the primary
// for every worker's metrics (over the cluster's IPC channel) and answers with their aggregate, as prom-client's
// AggregatorRegistry computes it (counters and histograms summed, gauges summed unless a metric says otherwise).
// A single process answers with its own registry.

export const METRICS_REQUEST = 'hazway:metrics-request'; // worker -> primary: a scrape arrived
export const COLLECT_METRICS = 'hazway:metrics-collect'; // primary -> every worker: send yours
export const METRICS_PART = 'hazway:metrics-part'; // worker -> primary: mine
export const METRICS_RESULT = 'hazway:metrics-result'; // primary -> the asking worker: everyone's

export type MetricsMessage =
  | { type: typeof METRICS_REQUEST; id: number }
  | { type: typeof COLLECT_METRICS; id: string }
  | { type: typeof METRICS_PART; id: string; metrics: unknown }
  | { type: typeof METRICS_RESULT; id: number; parts: unknown[] };

const ANSWER_TIMEOUT_MS = 5_000;

export class ClusterMetrics {
  private nextId = 0;
  private readonly waiting = new Map<number, (parts: unknown[] | null) => void>();
  private readonly onMessage = (m: MetricsMessage) => {
    if (m?.type === COLLECT_METRICS) {
      void this.registry.getMetricsAsJSON().then((metrics) => process.send?.({ type: METRICS_PART, id: m.id, metrics } satisfies MetricsMessage));
    } else if (m?.type === METRICS_RESULT) {
      this.waiting.get(m.id)?.(m.parts);
    }
  };

  constructor(private readonly registry: Registry) {
    if (cluster.isWorker) process.on('message', this.onMessage);
  }

  close() {
    process.off('message', this.onMessage);
    for (const answer of this.waiting.values()) answer(null);
  }

  // The text exposition of this process, or of every worker when this is a cluster worker.
  async metrics(): Promise<string> {
    if (!cluster.isWorker || !process.send) return this.registry.metrics();
    const id = ++this.nextId;
    const parts = await new Promise<unknown[] | null>((resolve) => {
      const timer = setTimeout(() => answer(null), ANSWER_TIMEOUT_MS);
      const answer = (p: unknown[] | null) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(p);
      };
      this.waiting.set(id, answer);
      process.send!({ type: METRICS_REQUEST, id } satisfies MetricsMessage);
    });
    // No answer from the primary (it is stopping): this worker's own figures rather than none.
    if (!parts || parts.length === 0) return this.registry.metrics();
    return AggregatorRegistry.aggregate(parts as Parameters<typeof AggregatorRegistry.aggregate>[0]).metrics();
  }
}
