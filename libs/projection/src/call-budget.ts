import { TransientError } from '@hub/resilience';

export interface CallBudgetOptions {
  /** Above this share of the daily allowance (percent), calls are paced. */
  softLimitPercent: number;
  /** This share (percent) is never used by the hub's writes: people and other integrations of the account need it. */
  reservePercent: number;
  /** Pacing spreads the calls left before the reserve over this horizon. */
  horizonMs: number;
  /** While the reserve is reached, the usage is read again once in this interval to learn whether it recovered. */
  probeIntervalMs: number;
}

export interface UsageReading {
  used: number;
  max: number;
}

/**
 * Keeps the hub within a target account's daily API allowance (Salesforce's `Sforce-Limit-Info`, read on every
 * response). Below the soft limit it does nothing. Above it, calls are spaced so the calls left before the reserve
 * last the horizon: the projector slows down smoothly instead of running into the vendor's hard limit. At the reserve
 * it stops (a TransientError the runner turns into a pause, never a dead letter).
 *
 * Never below the reserve: calls in flight count as spent before their answer brings a new reading, so concurrent
 * batches cannot overshoot the last reading; and at the reserve no write goes through to learn whether the rolling
 * 24-hour window recovered: the usage is read instead (`probe`, e.g. Salesforce's `/limits`), at most once per
 * probe interval, and writes resume when it shows room again.
 */
export class CallBudget {
  readonly metrics = { pacedCalls: 0, pacingWaitMs: 0, reserveRefusals: 0, probes: 0 };
  private nextSlotAt = 0;
  private lastProbeAt = -Infinity;
  private inFlight = 0;

  constructor(
    private readonly reading: () => UsageReading | undefined,
    readonly options: CallBudgetOptions,
    /** Reads the usage again without spending a write (its answer updates `reading`). */
    private readonly probe: () => Promise<unknown> = () => Promise.resolve(),
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /** Current pacing interval in ms (0 when not pacing, Infinity at the reserve), for metrics and logs. */
  intervalMs(): number {
    const usage = this.reading();
    if (!usage || usage.max <= 0) return 0;
    if (usage.used + this.inFlight < (usage.max * this.options.softLimitPercent) / 100) return 0;
    const left = this.callsLeft(usage);
    return left <= 0 ? Infinity : this.options.horizonMs / left;
  }

  /** Runs one call within the budget: waits for its slot, or throws TransientError API_BUDGET_RESERVED. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await call();
    } finally {
      this.inFlight--;
    }
  }

  private async acquire(): Promise<void> {
    let interval = this.intervalMs();
    if (interval === Infinity) interval = await this.probeOrRefuse();
    this.inFlight++;
    if (interval === 0) return;
    const now = this.now();
    const slot = Math.max(now, this.nextSlotAt);
    this.nextSlotAt = slot + interval;
    this.metrics.pacedCalls++;
    if (slot > now) {
      this.metrics.pacingWaitMs += slot - now;
      await this.sleep(slot - now);
    }
  }

  private async probeOrRefuse(): Promise<number> {
    const now = this.now();
    if (this.inFlight === 0 && now - this.lastProbeAt >= this.options.probeIntervalMs) {
      this.lastProbeAt = now;
      this.metrics.probes++;
      await this.probe();
      const interval = this.intervalMs();
      if (interval !== Infinity) return interval;
    }
    this.metrics.reserveRefusals++;
    const usage = this.reading()!;
    throw new TransientError(
      'API_BUDGET_RESERVED',
      `API usage ${usage.used}/${usage.max} (with ${this.inFlight} calls in flight) reached the ${this.options.reservePercent}% reserve`,
      {
        retryAfterMs: Math.max(1_000, this.lastProbeAt + this.options.probeIntervalMs - this.now()),
        targetUnavailable: true,
      },
    );
  }

  private callsLeft(usage: UsageReading): number {
    return Math.floor((usage.max * (100 - this.options.reservePercent)) / 100) - usage.used - this.inFlight;
  }
}
