/**
 * Fault injection for the sandbox, set through `POST /__admin/faults`.
 *
 * Every probabilistic decision draws from one seeded PRNG (mulberry32), so a given seed and the
 * same sequence of requests always inject the same faults. Rates are probabilities in [0, 1];
 * a rate of 1 always fires, 0 never fires and draws nothing. Counts (`bulkJobFailures`) draw
 * nothing: they fire for the next N occasions and count down.
 */

export interface FaultConfig {
  /** Added delay before every REST request is handled. */
  latencyMs: number;
  /** Probability that a REST request answers 503 SERVER_UNAVAILABLE without doing anything. */
  status503Rate: number;
  /** Probability, per record written, of UNABLE_TO_LOCK_ROW (per record in collections, 400 on single writes). */
  unableToLockRowRate: number;
  /** One-shot: when set, every token issued so far is invalidated at once. */
  expireTokens: boolean;
  /** While set, every REST request answers 403 REQUEST_LIMIT_EXCEEDED. */
  requestLimitExceeded: boolean;
  /** Probability that a write commits, then its response is held and the socket destroyed. */
  commitThenTimeoutRate: number;
  /** How long a commit-then-timeout response is held before the socket is destroyed. */
  commitThenTimeoutMs: number;
  /**
   * How many of the next Bulk API 2.0 ingest jobs to fail as a whole when their processing starts: state `Failed`
   * with {@link bulkJobErrorMessage}, no row written, every row in `unprocessedrecords`. Counts down as jobs fail.
   */
  bulkJobFailures: number;
  /** The `errorMessage` of those jobs (Salesforce's `<Code> : <message>` form). */
  bulkJobErrorMessage: string;
  seed: number;
}

export const NO_FAULTS: Readonly<FaultConfig> = Object.freeze({
  latencyMs: 0,
  status503Rate: 0,
  unableToLockRowRate: 0,
  expireTokens: false,
  requestLimitExceeded: false,
  commitThenTimeoutRate: 0,
  commitThenTimeoutMs: 1000,
  bulkJobFailures: 0,
  bulkJobErrorMessage: 'InternalServerError : An internal server error occurred while processing the job',
  seed: 1,
});

type FaultKey = keyof FaultConfig;
const RATES: FaultKey[] = ['status503Rate', 'unableToLockRowRate', 'commitThenTimeoutRate'];
const DURATIONS: FaultKey[] = ['latencyMs', 'commitThenTimeoutMs'];
const FLAGS: FaultKey[] = ['expireTokens', 'requestLimitExceeded'];
const COUNTS: FaultKey[] = ['bulkJobFailures'];
const TEXTS: FaultKey[] = ['bulkJobErrorMessage'];

/** Validates an admin request body; unspecified fields take their no-fault defaults. */
export function parseFaultConfig(input: unknown): { config: FaultConfig } | { errors: string[] } {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { errors: ['body must be a JSON object'] };
  }
  const errors: string[] = [];
  const config: FaultConfig = { ...NO_FAULTS };
  for (const [key, value] of Object.entries(input)) {
    const k = key as FaultKey;
    if (RATES.includes(k)) {
      if (typeof value !== 'number' || !(value >= 0 && value <= 1)) errors.push(`${key} must be a number in [0, 1]`);
      else (config[k] as number) = value;
    } else if (DURATIONS.includes(k)) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) errors.push(`${key} must be a number ≥ 0`);
      else (config[k] as number) = value;
    } else if (FLAGS.includes(k)) {
      if (typeof value !== 'boolean') errors.push(`${key} must be a boolean`);
      else (config[k] as boolean) = value;
    } else if (COUNTS.includes(k)) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
        errors.push(`${key} must be an integer ≥ 0`);
      } else (config[k] as number) = value;
    } else if (TEXTS.includes(k)) {
      if (typeof value !== 'string' || value.trim() === '') errors.push(`${key} must be a non-empty string`);
      else (config[k] as string) = value;
    } else if (k === 'seed') {
      if (typeof value !== 'number' || !Number.isInteger(value)) errors.push('seed must be an integer');
      else config.seed = value;
    } else {
      errors.push(`unknown fault: ${key}`);
    }
  }
  return errors.length ? { errors } : { config };
}

/** mulberry32: a 32-bit seeded generator, good enough to spread faults evenly. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type InjectedFault =
  'status503' | 'unableToLockRow' | 'commitThenTimeout' | 'requestLimitExceeded' | 'bulkJobFailed';

export class FaultInjector {
  private current: FaultConfig = { ...NO_FAULTS };
  private random = mulberry32(NO_FAULTS.seed);
  readonly injected: Record<InjectedFault, number> = {
    status503: 0,
    unableToLockRow: 0,
    commitThenTimeout: 0,
    requestLimitExceeded: 0,
    bulkJobFailed: 0,
  };

  get config(): Readonly<FaultConfig> {
    return this.current;
  }

  /** Replaces the configuration and restarts the PRNG from its seed. */
  set(config: FaultConfig): void {
    this.current = { ...config, expireTokens: false };
    this.random = mulberry32(config.seed);
  }

  clear(): void {
    this.set({ ...NO_FAULTS });
  }

  resetCounters(): void {
    for (const key of Object.keys(this.injected) as InjectedFault[]) this.injected[key] = 0;
  }

  private roll(rate: number, fault: InjectedFault): boolean {
    if (rate <= 0) return false;
    const fired = this.random() < rate;
    if (fired) this.injected[fault]++;
    return fired;
  }

  status503(): boolean {
    return this.roll(this.current.status503Rate, 'status503');
  }

  lockRow(): boolean {
    return this.roll(this.current.unableToLockRowRate, 'unableToLockRow');
  }

  commitThenTimeout(): boolean {
    return this.roll(this.current.commitThenTimeoutRate, 'commitThenTimeout');
  }

  requestLimitExceeded(): boolean {
    if (this.current.requestLimitExceeded) this.injected.requestLimitExceeded++;
    return this.current.requestLimitExceeded;
  }

  /** Fails the next `count` ingest jobs (replacing any count left), without touching the rest or the PRNG. */
  failBulkJobs(count: number, errorMessage = NO_FAULTS.bulkJobErrorMessage): void {
    this.current = { ...this.current, bulkJobFailures: count, bulkJobErrorMessage: errorMessage };
  }

  /** Whether the ingest job starting now fails as a whole, and with what message; counts the fault down. */
  bulkJobFailure(): string | undefined {
    if (this.current.bulkJobFailures <= 0) return undefined;
    this.current.bulkJobFailures--;
    this.injected.bulkJobFailed++;
    return this.current.bulkJobErrorMessage;
  }
}
