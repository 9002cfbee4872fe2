import { TransientError } from '@hub/resilience';

export interface ApiBudgetOptions {
  /** Above this share of the daily allowance (percent), calls are paced. */
  softLimitPercent: number;
  /** This share (percent) is never used by the hub: people and other integrations of the org need it too. */
  reservePercent: number;
  /** Pacing spreads the calls left before the reserve over this horizon. */
  horizonMs: number;
  /** While the reserve is reached, one call in this interval goes through to learn whether the budget recovered. */
  probeIntervalMs: number;
}

export interface ApiUsageReading {
  used: number;
  max: number;
}

/**
 * Keeps the hub within the org's daily API allowance, read from `Sforce-Limit-Info` on every response. Below the
 * soft limit it does nothing. Above it, calls are spaced so the calls left before the reserve last the horizon:
 * the projector slows down smoothly instead of running into `REQUEST_LIMIT_EXCEEDED`. At the reserve it stops
 * (a TransientError the runner turns into a pause, never a dead letter), letting one probe call through per
 * interval, because the allowance is a rolling 24-hour window and only a response tells that it recovered.
 */
export class ApiBudget {
  readonly metrics = { pacedCalls: 0, pacingWaitMs: 0, reserveRefusals: 0 };
  private nextSlotAt = 0;
  private lastProbeAt = 0;

  constructor(
    private readonly reading: () => ApiUsageReading | undefined,
    readonly options: ApiBudgetOptions,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /** Current pacing interval in ms (0 when not pacing), for metrics and logs. */
  intervalMs(): number {
    const usage = this.reading();
    if (!usage || usage.max <= 0) return 0;
    if (usage.used < (usage.max * this.options.softLimitPercent) / 100) return 0;
    const left = this.callsLeft(usage);
    return left <= 0 ? Infinity : this.options.horizonMs / left;
  }

  /** Waits for this call's slot; throws TransientError API_BUDGET_RESERVED when the reserve is reached. */
  async beforeCall(): Promise<void> {
    const interval = this.intervalMs();
    if (interval === 0) return;
    const now = this.now();
    if (interval === Infinity) {
      if (now - this.lastProbeAt >= this.options.probeIntervalMs) {
        this.lastProbeAt = now;
        return;
      }
      this.metrics.reserveRefusals++;
      const usage = this.reading()!;
      throw new TransientError(
        'API_BUDGET_RESERVED',
        `Salesforce API usage ${usage.used}/${usage.max} reached the ${this.options.reservePercent}% reserve`,
        { retryAfterMs: this.lastProbeAt + this.options.probeIntervalMs - now, targetUnavailable: true },
      );
    }
    const slot = Math.max(now, this.nextSlotAt);
    this.nextSlotAt = slot + interval;
    this.metrics.pacedCalls++;
    if (slot > now) {
      this.metrics.pacingWaitMs += slot - now;
      await this.sleep(slot - now);
    }
  }

  private callsLeft(usage: ApiUsageReading): number {
    return Math.floor((usage.max * (100 - this.options.reservePercent)) / 100) - usage.used;
  }
}
