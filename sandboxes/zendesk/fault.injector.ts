/**
 * Fault injection for the sandbox, set through `POST /__admin/faults` (not part of Zendesk).
 *
 * Counts fire for the next N API requests and count down (429 first, then 500); rates draw from one seeded PRNG
 * (mulberry32), so a seed and the same sequence of requests always inject the same faults. Injected answers are
 * given before authentication and are not counted against the rate limit.
 */
export interface FaultConfig {
  /** Added delay before every API request is handled. */
  latencyMs: number;
  /** The next N API requests answer 429 with `Retry-After: retryAfterSeconds`. */
  next429: number;
  /** The next N API requests answer 500. */
  next500: number;
  /** A "429 storm": probability that an API request answers 429. */
  status429Rate: number;
  /** Probability that an API request answers 503 (with `Retry-After`, as Zendesk's maintenance answers). */
  status503Rate: number;
  /** The `Retry-After` (seconds) of injected 429 and 503 answers. */
  retryAfterSeconds: number;
  /** The next N jobs (bulk endpoints) end `failed` with no item written. */
  failNextJobs: number;
  seed: number;
}

export const NO_FAULTS: Readonly<FaultConfig> = Object.freeze({
  latencyMs: 0,
  next429: 0,
  next500: 0,
  status429Rate: 0,
  status503Rate: 0,
  retryAfterSeconds: 2,
  failNextJobs: 0,
  seed: 1,
});

const RATES = new Set<keyof FaultConfig>(['status429Rate', 'status503Rate']);
const COUNTS = new Set<keyof FaultConfig>(['latencyMs', 'next429', 'next500', 'retryAfterSeconds', 'failNextJobs']);

/** Validates an admin body; unspecified fields take their no-fault defaults. */
export function parseFaultConfig(input: unknown): { config: FaultConfig } | { errors: string[] } {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    return { errors: ['body must be a JSON object'] };
  const errors: string[] = [];
  const config: FaultConfig = { ...NO_FAULTS };
  for (const [key, value] of Object.entries(input)) {
    const k = key as keyof FaultConfig;
    if (RATES.has(k)) {
      if (typeof value !== 'number' || !(value >= 0 && value <= 1)) errors.push(`${key} must be a number in [0, 1]`);
      else config[k] = value;
    } else if (COUNTS.has(k)) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
        errors.push(`${key} must be an integer ≥ 0`);
      else config[k] = value;
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

export type InjectedFault = 'status429' | 'status500' | 'status503' | 'jobFailed';

export class FaultInjector {
  private current: FaultConfig = { ...NO_FAULTS };
  private random = mulberry32(NO_FAULTS.seed);
  readonly injected: Record<InjectedFault, number> = { status429: 0, status500: 0, status503: 0, jobFailed: 0 };

  get config(): Readonly<FaultConfig> {
    return this.current;
  }

  set(config: FaultConfig): void {
    this.current = { ...config };
    this.random = mulberry32(config.seed);
  }

  clear(): void {
    this.set({ ...NO_FAULTS });
  }

  /** The status an API request is answered with instead of being handled, if any; counts it. */
  requestFault(): 429 | 500 | 503 | undefined {
    const c = this.current;
    if (c.next429 > 0) {
      c.next429--;
      this.injected.status429++;
      return 429;
    }
    if (c.next500 > 0) {
      c.next500--;
      this.injected.status500++;
      return 500;
    }
    if (c.status429Rate > 0 && this.random() < c.status429Rate) {
      this.injected.status429++;
      return 429;
    }
    if (c.status503Rate > 0 && this.random() < c.status503Rate) {
      this.injected.status503++;
      return 503;
    }
    return undefined;
  }

  /** Whether the job completing now fails as a whole; counts down. */
  jobFails(): boolean {
    if (this.current.failNextJobs <= 0) return false;
    this.current.failNextJobs--;
    this.injected.jobFailed++;
    return true;
  }
}
