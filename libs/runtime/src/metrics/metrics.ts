import { Controller, Get, Header } from '@nestjs/common';
import { Counter, Gauge, Metric, Registry } from 'prom-client';
import { Access } from '../nest/operator-auth.guard';

/**
 * The app's Prometheus registry (DI token). Most values are read at scrape time from the objects that own them (the
 * consumer runner's counters, a service's metrics), so nothing on the hot path updates a metric twice; histograms,
 * which cannot be rebuilt from a total, are observed where the work happens and registered here
 * ({@link HubMetrics.register}).
 */
export class HubMetrics {
  readonly registry = new Registry();

  constructor(readonly app: string) {
    this.registry.setDefaultLabels({ app });
  }

  /** A gauge whose value(s) are computed when Prometheus scrapes. */
  gauge(
    name: string,
    help: string,
    labelNames: string[],
    collect: (set: (labels: Record<string, string>, value: number) => void) => Promise<void> | void,
  ): void {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        await collect((labels, value) => this.set(labels, value));
      },
    });
  }

  /**
   * A counter (`…_total`) whose value(s) are read when Prometheus scrapes from a total the owner keeps since start.
   * The total must never decrease while the process lives (a restart starts it at 0, which `rate()` expects).
   */
  counter(
    name: string,
    help: string,
    labelNames: string[],
    collect: (set: (labels: Record<string, string>, value: number) => void) => Promise<void> | void,
  ): void {
    if (!name.endsWith('_total')) throw new Error(`counter ${name}: a counter's name ends in _total`);
    new Counter({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        await collect((labels, value) => this.inc(labels, value));
      },
    });
  }

  /** Metrics made elsewhere (with `registers: []`) and updated on the hot path, e.g. histograms. */
  register(...metrics: Metric[]): void {
    for (const metric of metrics) this.registry.registerMetric(metric);
  }
}

@Access('open')
@Controller()
export class MetricsController {
  constructor(private readonly metrics: HubMetrics) {}

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
