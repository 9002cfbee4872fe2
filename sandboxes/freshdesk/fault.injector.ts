/**
 * Fault injection, set through `POST /__admin/faults`. Counts (`next429`, `next500`) fire on the next N API calls
 * and count down; rates (`rate429`, `rate500`, the "429 storm") draw from one seeded PRNG (mulberry32), so a seed and
 * a sequence of calls always inject the same faults. Injected faults answer before authentication and rate
 * accounting, as an overloaded front end would, and write nothing.
 */
export interface FaultConfig {
  /** The next N API calls answer 429 with `Retry-After: retryAfterSeconds`. */
  next429: number;
  /** The next N API calls answer 500. */
  next500: number;
  /** Probability that an API call answers 429 (a storm). */
  rate429: number;
  /** Probability that an API call answers 500. */
  rate500: number;
  /** `Retry-After` of injected 429s, in seconds. */
  retryAfterSeconds: number;
  /** Delay added before every API call is handled. */
  latencyMs: number;
  seed: number;
}

export const NO_FAULTS: Readonly<FaultConfig> = Object.freeze({
  next429: 0,
  next500: 0,
  rate429: 0,
  rate500: 0,
  retryAfterSeconds: 1,
  latencyMs: 0,
  seed: 1,
});

const COUNTS = ['next429', 'next500', 'retryAfterSeconds', 'latencyMs', 'seed'] as const;
const RATES = ['rate429', 'rate500'] as const;

/** Validates an admin body; unspecified fields take their no-fault defaults. */
export function parseFaultConfig(input: unknown): { config: FaultConfig } | { errors: string[] } {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    return { errors: ['body must be a JSON object'] };
  const config: FaultConfig = { ...NO_FAULTS };
  const errors: string[] = [];
  for (const [key, value] of Object.entries(input)) {
    if ((RATES as readonly string[]).includes(key)) {
      if (typeof value !== 'number' || !(value >= 0 && value <= 1)) errors.push(`${key} must be a number in [0, 1]`);
      else config[key as (typeof RATES)[number]] = value;
    } else if ((COUNTS as readonly string[]).includes(key)) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
        errors.push(`${key} must be an integer ≥ 0`);
      else config[key as (typeof COUNTS)[number]] = value;
    } else {
      errors.push(`unknown fault: ${key}`);
    }
  }
  return errors.length ? { errors } : { config };
}

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

export class FaultInjector {
  private current: FaultConfig = { ...NO_FAULTS };
  private random = mulberry32(NO_FAULTS.seed);
  readonly injected = { status429: 0, status500: 0 };

  get config(): Readonly<FaultConfig> {
    return this.current;
  }

  set(config: FaultConfig): void {
    this.current = { ...config };
    this.random = mulberry32(config.seed);
  }

  clear(): void {
    this.set({ ...NO_FAULTS });
    this.injected.status429 = 0;
    this.injected.status500 = 0;
  }

  /** The fault this API call gets, if any; counts down the one-shot counts first. */
  draw(): 429 | 500 | undefined {
    if (this.current.next429 > 0) {
      this.current.next429--;
      this.injected.status429++;
      return 429;
    }
    if (this.current.next500 > 0) {
      this.current.next500--;
      this.injected.status500++;
      return 500;
    }
    if (this.current.rate429 > 0 && this.random() < this.current.rate429) {
      this.injected.status429++;
      return 429;
    }
    if (this.current.rate500 > 0 && this.random() < this.current.rate500) {
      this.injected.status500++;
      return 500;
    }
    return undefined;
  }
}
