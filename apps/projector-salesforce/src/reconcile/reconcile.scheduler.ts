import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import type { ReconcileEntity } from './reconcile.entities';
import type { ReconcilerService } from './reconciler.service';

/**
 * Scheduled passes (RECONCILE_SCHEDULE): each entity's pass covers what changed since its previous pass started
 * (the first one `firstWindowMs` back), so nothing between two passes is left out, and never reads a whole org.
 * A failed pass leaves the window's start where it was: the next one covers it again.
 */
export class ReconcileScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly windowStart = new Map<ReconcileEntity, number>();

  constructor(
    private readonly reconciler: ReconcilerService | null,
    private readonly schedule: ReadonlyMap<ReconcileEntity, number>,
    private readonly firstWindowMs: number,
    private readonly log: Logger,
  ) {}

  onApplicationBootstrap() {
    if (!this.reconciler) {
      if (this.schedule.size) this.log.warn('RECONCILE_SCHEDULE is set but ODOO_CDC_URL is not: no scheduled passes');
      return;
    }
    for (const [entity, everyMs] of this.schedule) {
      this.windowStart.set(entity, Date.now() - this.firstWindowMs);
      const timer = setInterval(() => void this.tick(entity), everyMs);
      timer.unref();
      this.timers.push(timer);
    }
  }

  onApplicationShutdown() {
    for (const t of this.timers) clearInterval(t);
  }

  private async tick(entity: ReconcileEntity) {
    const startedAt = Date.now();
    const report = await this.reconciler!.run({
      entity,
      sinceMs: this.windowStart.get(entity)!,
      repair: true,
      trigger: 'schedule',
    });
    if (report.status === 'ok') this.windowStart.set(entity, startedAt);
  }
}
