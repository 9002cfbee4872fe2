import { Controller, Get, Header } from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';

/**
 * The app's Prometheus registry (DI token). Values are read at scrape time from the objects that own them (the
 * consumer runner's counters, a service's metrics), so nothing on the hot path updates a metric twice.
 */
export class HubMetrics {
  readonly registry = new Registry();

  constructor(app: string) {
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
}

@Controller()
export class MetricsController {
  constructor(private readonly metrics: HubMetrics) {}

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
