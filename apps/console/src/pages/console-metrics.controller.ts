import { Controller, Get, Header } from '@nestjs/common';
import { HubMetrics } from '@hub/runtime';
import { Public } from '../auth/console-auth.guard';

/** `/metrics` like every app's (Prometheus scrapes every pod of the release), without a session. */
@Controller()
@Public()
export class ConsoleMetricsController {
  constructor(private readonly metrics: HubMetrics) {}

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
