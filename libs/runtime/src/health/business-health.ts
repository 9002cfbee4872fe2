import { Controller, Get } from '@nestjs/common';
import type { HubMetrics } from '../metrics/metrics';
import { Access } from '../nest/operator-auth.guard';

/**
 * One business figure an app computes from its own store: how many records wait for something (an Odoo order not
 * yet in Salesforce, an order not yet accepted by the ERP) and how long the oldest of them has waited.
 */
export interface BusinessFigure {
  /** The Prometheus family the count is exported as; its age as `<metric>_oldest_age_seconds`. */
  metric: string;
  labels: Record<string, string>;
  /** What the figure means, for people (the console shows it). */
  title: string;
  count: number;
  /** Seconds since the oldest counted record started waiting; null when nothing waits or the store cannot tell. */
  oldestAgeSeconds: number | null;
}

export interface BusinessHealthReport {
  app: string;
  /** When the figures were read (ISO 8601). */
  checkedAt: string;
  figures: BusinessFigure[];
  /** What the app cannot count from its own store, and what it would need. */
  notes?: string[];
}

/** A Prometheus family of business figures: its name, help text and label names, all known before the first read. */
export interface BusinessFamily {
  metric: string;
  help: string;
  labelNames: string[];
  /** The store records no time for these records: no `_oldest_age_seconds` family is exported. */
  ageless?: boolean;
}

/**
 * The app's business health (DI token): figures read from its own tables at most once per `ttlMs`, so a Prometheus
 * scrape, the console and a second scraper share one round of queries instead of each running them.
 */
export class BusinessHealth {
  private cached?: { at: number; report: Promise<BusinessHealthReport> };

  constructor(
    readonly app: string,
    readonly families: BusinessFamily[],
    private readonly readFigures: () => Promise<{ figures: BusinessFigure[]; notes?: string[] }>,
    private readonly ttlMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  read(): Promise<BusinessHealthReport> {
    const t = this.now();
    if (this.cached && t - this.cached.at < this.ttlMs) return this.cached.report;
    const report = this.readFigures().then(({ figures, notes }) => ({
      app: this.app,
      checkedAt: new Date(t).toISOString(),
      figures,
      ...(notes?.length ? { notes } : {}),
    }));
    // A failed read is not kept: the next scrape asks again.
    report.catch(() => {
      if (this.cached?.report === report) this.cached = undefined;
    });
    this.cached = { at: t, report };
    return report;
  }

  /**
   * Registers each family as a gauge computed at scrape time: `<metric>` the count, `<metric>_oldest_age_seconds`
   * the oldest record's wait (0 when none waits). A failed read exports nothing for that scrape rather than a
   * made-up zero, so Prometheus' `absent()` and staleness see it.
   */
  register(metrics: HubMetrics): void {
    for (const family of this.families) {
      const ofFamily = async () =>
        (await this.read().catch(() => ({ figures: [] as BusinessFigure[] }))).figures.filter(
          (f) => f.metric === family.metric,
        );
      metrics.gauge(family.metric, family.help, family.labelNames, async (set) => {
        for (const f of await ofFamily()) set(f.labels, f.count);
      });
      if (family.ageless) continue;
      metrics.gauge(
        `${family.metric}_oldest_age_seconds`,
        `How long the oldest record counted in ${family.metric} has waited, in seconds (0 when none waits).`,
        family.labelNames,
        async (set) => {
          for (const f of await ofFamily()) set(f.labels, f.oldestAgeSeconds ?? 0);
        },
      );
    }
  }
}

/** `GET /business-health`: the app's business figures as JSON, the same numbers `/metrics` exports. */
@Access('open')
@Controller()
export class BusinessHealthController {
  constructor(private readonly health: BusinessHealth) {}

  @Get('business-health')
  read(): Promise<BusinessHealthReport> {
    return this.health.read();
  }
}

/** Seconds since `since`, never negative (clocks of two hosts disagree a little). */
export function ageSeconds(since: Date | null | undefined, now: number = Date.now()): number | null {
  if (!since) return null;
  return Math.max(0, Math.round((now - since.getTime()) / 1000));
}
