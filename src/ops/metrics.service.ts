import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type MetricConfiguration } from 'prom-client';

// One Prometheus registry per app instance (tests run several in one process). Modules register their
// domain metrics here: metrics.counter({...}), metrics.gauge({...}), metrics.histogram({...}).
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'hazway_' });
    this.httpDuration = this.histogram({
      name: 'hazway_http_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
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
