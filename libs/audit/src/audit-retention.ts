import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import type { PgAuditTrail } from './audit-trail.repository';

/**
 * The retention purge, on a timer: entries recorded more than AUDIT_RETENTION_DAYS ago are removed through the
 * database's `audit_purge` (the only DELETE the table accepts). Several instances purging at once is harmless: each
 * removes what is past the horizon. A failed pass is logged and tried again at the next tick.
 */
export class AuditRetention implements OnModuleInit, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly trail: Pick<PgAuditTrail, 'purge'>,
    private readonly options: { retentionDays: number; intervalMs: number },
    private readonly log: Logger,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.purgeOnce(), this.options.intervalMs);
    this.timer.unref();
    void this.purgeOnce();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async purgeOnce(): Promise<number> {
    try {
      const removed = await this.trail.purge(this.options.retentionDays);
      if (removed > 0) this.log.info({ removed, retentionDays: this.options.retentionDays }, 'audit entries purged');
      return removed;
    } catch (error) {
      this.log.warn({ error: (error as Error).message }, 'audit purge failed: tried again at the next tick');
      return 0;
    }
  }
}
