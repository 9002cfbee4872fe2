export interface RateLimitGateOptions {
  /** Retries of one call after a 429, each after the wait the desk asked for. */
  maxRetries: number;
  /** A longer wait than this is not waited out here: the call fails and the consumer pauses instead. */
  maxWaitMs: number;
  /**
   * Requests in flight at once to the account, at most; more wait their turn. One record per call (Freshdesk) with a
   * consumer of hundreds of records in flight would otherwise open hundreds of connections to one account.
   */
  maxConcurrent?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** 429s retried per request, each after its Retry-After; a wait over a minute fails the call (the consumer pauses). */
export const DEFAULT_RATE_LIMIT: RateLimitGateOptions = { maxRetries: 4, maxWaitMs: 60_000, maxConcurrent: 8 };

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One desk account's rate limit, shared by every call of the adapter: a 429 closes the gate for the `Retry-After` the
 * desk sent, every call waits for it to open (not only the one that was refused: the budget is the account's), and
 * the refused call goes again. Zendesk and Freshdesk both ask clients to wait `Retry-After` seconds and retry; doing it
 * per call, here, keeps a storm of 429s from failing whole batches (a Zendesk bulk job already running is polled again,
 * not sent again) and from opening the breaker, which is for a desk that is down, not one that asks to slow down.
 */
export class RateLimitGate {
  private openAt = 0;
  private inFlight = 0;
  private readonly queue: Array<() => void> = [];
  readonly metrics = { waits: 0, retried: 0 };
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(private readonly options: RateLimitGateOptions) {
    this.sleep = options.sleep ?? realSleep;
    this.now = options.now ?? Date.now;
  }

  /**
   * Runs `call`, retrying it while `retryAfterOf` reads its failure as a 429 (answering the wait in ms), up to
   * `maxRetries` times; any other failure, and the last 429, are thrown as they came.
   */
  async run<T>(call: () => Promise<T>, retryAfterOf: (error: unknown) => number | undefined): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const closed = this.openAt - this.now();
      if (closed > 0) {
        this.metrics.waits++;
        await this.sleep(closed);
      }
      try {
        return await this.slot(call);
      } catch (error) {
        const wait = retryAfterOf(error);
        if (wait === undefined || attempt >= this.options.maxRetries || wait > this.options.maxWaitMs) throw error;
        this.openAt = Math.max(this.openAt, this.now() + wait);
        this.metrics.retried++;
      }
    }
  }

  /** Runs the call once a place among the `maxConcurrent` in flight is free. */
  private async slot<T>(call: () => Promise<T>): Promise<T> {
    const max = this.options.maxConcurrent ?? Infinity;
    if (this.inFlight >= max) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.inFlight++;
    try {
      return await call();
    } finally {
      this.inFlight--;
      this.queue.shift()?.();
    }
  }
}
