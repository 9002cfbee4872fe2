import CircuitBreaker from 'opossum';
import { PermanentError, TransientError } from '../errors/hub-errors';

export interface TargetBreakerOptions {
  /** Name of the target (e.g. the Salesforce org), used in errors and health output. */
  name: string;
  /** A call slower than this fails as a transient TIMEOUT (a call may say otherwise: see {@link TargetBreaker.fire}). */
  timeoutMs: number;
  /** Failure percentage over the rolling window that opens the breaker. */
  errorThresholdPercentage: number;
  /** Minimum calls in the window before the percentage is judged. */
  volumeThreshold: number;
  /** Time the breaker stays open before one trial call (half-open). */
  resetTimeoutMs: number;
  rollingCountTimeoutMs: number;
}

export const DEFAULT_BREAKER_OPTIONS: Omit<TargetBreakerOptions, 'name'> = {
  timeoutMs: 30_000,
  errorThresholdPercentage: 50,
  volumeThreshold: 5,
  resetTimeoutMs: 5_000,
  rollingCountTimeoutMs: 10_000,
};

export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * One opossum breaker per target system. Only transient failures count against it: a record the target rejects
 * says nothing about the target's health. While open, calls are refused at once with a TransientError
 * `BREAKER_OPEN` carrying the time left until the trial call, which the runner turns into a partition pause.
 */
export class TargetBreaker {
  private readonly breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;
  private readonly recoveryListeners = new Set<() => void>();
  private openedAt = 0;

  constructor(readonly options: TargetBreakerOptions) {
    this.breaker = new CircuitBreaker((work: () => Promise<unknown>) => work(), {
      name: options.name,
      // Timed here per call instead (see fire): opossum has one timeout for every call.
      timeout: false,
      errorThresholdPercentage: options.errorThresholdPercentage,
      volumeThreshold: options.volumeThreshold,
      resetTimeout: options.resetTimeoutMs,
      rollingCountTimeout: options.rollingCountTimeoutMs,
      errorFilter: (error: unknown) => error instanceof PermanentError,
    });
    this.breaker.on('open', () => (this.openedAt = Date.now()));
    // One opossum listener fans out to every consumer lane (an app may run a dozen).
    const recovered = () => this.recoveryListeners.forEach((l) => l());
    this.breaker.on('halfOpen', recovered);
    this.breaker.on('close', recovered);
  }

  get state(): BreakerState {
    if (this.breaker.opened) return 'open';
    if (this.breaker.halfOpen) return 'half-open';
    return 'closed';
  }

  /** Registers a callback for the moment the breaker lets a trial call through, or closes. */
  onRecovery(listener: () => void): void {
    this.recoveryListeners.add(listener);
  }

  onOpen(listener: () => void): void {
    this.breaker.on('open', listener);
  }

  /**
   * Runs one call to the target through the breaker. A call slower than `timeoutMs` (default: the breaker's
   * `timeoutMs`) fails as a transient TIMEOUT and counts against the target; a call known to take long (a Bulk API
   * job: minutes) says how long it may take. Its work is not cancelled: a write may still land.
   */
  async fire<T>(work: () => Promise<T>, options: { timeoutMs?: number } = {}): Promise<T> {
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
    try {
      return (await this.breaker.fire(() => this.timed(work, timeoutMs))) as T;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'EOPENBREAKER') {
        const left = Math.max(50, this.openedAt + this.options.resetTimeoutMs - Date.now());
        throw new TransientError('BREAKER_OPEN', `breaker for ${this.options.name} is open`, {
          retryAfterMs: left,
          cause: error,
          targetUnavailable: true,
        });
      }
      throw error;
    }
  }

  private async timed<T>(work: () => Promise<T>, timeoutMs: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new TransientError('TIMEOUT', `${this.options.name} did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([work(), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  shutdown(): void {
    this.breaker.shutdown();
  }
}
