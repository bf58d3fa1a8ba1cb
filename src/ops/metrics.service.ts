import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type MetricConfiguration } from 'prom-client';
import { ClusterMetrics } from './cluster-metrics.js';

// One Prometheus registry per app instance (tests run several in one process). Modules register their
// domain metrics here: metrics.counter({...}), metrics.gauge({...}), metrics.histogram({...}).
@Injectable()
export class MetricsService implements OnModuleDestroy {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly gcObserver: PerformanceObserver;
  private readonly cluster = new ClusterMetrics(this.registry);

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'hazway_' });
    this.httpDuration = this.histogram({
      name: 'hazway_http_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    // Heap used is a sawtooth (allocation, then collection): its value at a random moment says little about
    // whether the heap grows. What is still used after a full (mark-sweep-compact) collection does: the live
    // set. Read when the collection is reported (the observer runs just after it), so it includes the little
    // allocated in between. NaN until the first full collection.
    const afterMajorGc = this.gauge({ name: 'hazway_nodejs_heap_used_after_major_gc_bytes', help: 'V8 heap used just after the last full garbage collection (the live set)' });
    const majorGcs = this.counter({ name: 'hazway_nodejs_major_gc_total', help: 'Full (mark-sweep-compact) garbage collections seen' });
    afterMajorGc.set(NaN);
    this.gcObserver = new PerformanceObserver((list) => {
      const major = list.getEntries().some((e) => (e as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR);
      if (!major) return;
      majorGcs.inc();
      afterMajorGc.set(v8.getHeapStatistics().used_heap_size);
    });
    this.gcObserver.observe({ entryTypes: ['gc'] });
  }

  onModuleDestroy() {
    this.gcObserver.disconnect();
    this.cluster.close();
  }

  // The text exposition for /metrics: this process's registry, or every worker's together under WORKERS > 1.
  text(): Promise<string> {
    return this.cluster.metrics();
  }

  counter<T extends string>(config: MetricConfiguration<T>): Counter<T> {
    return new Counter({ ...config, registers: [this.registry] });
  }
  gauge<T extends string>(config: MetricConfiguration<T> & { collect?: (this: Gauge<T>) => void | Promise<void> }): Gauge<T> {
    return new Gauge({ ...config, registers: [this.registry] });
  }
  histogram<T extends string>(config: MetricConfiguration<T> & { buckets?: number[] }): Histogram<T> {
    return new Histogram({ ...config, registers: [this.registry] });
  }
}
