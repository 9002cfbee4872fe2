/**
 * Faults the tests can inject through `POST /__admin/faults`: a server that answers HTTP 500 (a worker that died,
 * a proxy in front of Odoo), PostgreSQL serialization failures inside the request's transaction (which the server
 * retries as Odoo does, and which reach the client once the tries are spent), and latency. Counts fire on the next
 * requests (or transaction attempts) and are used up; rates draw from one seeded PRNG (mulberry32), so a seed and a
 * request sequence always inject the same faults.
 */

export interface FaultConfig {
  /** Added before every RPC request is handled. */
  latencyMs: number;
  /** The next N RPC requests answer HTTP 500 without doing anything. */
  status500: number;
  /** Probability that an RPC request answers HTTP 500 without doing anything. */
  status500Rate: number;
  /** The next N transaction attempts fail with SQLSTATE 40001 just before they would commit. */
  serializationFailures: number;
  /** Probability, per transaction attempt, of a serialization failure. */
  serializationFailureRate: number;
  /**
   * Odoo sleeps uniform(0, 2^try) seconds between tries; the bound is 2^try × this (1000 = Odoo's timing).
   * Tests lower it so five tries take milliseconds.
   */
  retryBaseMs: number;
  seed: number;
}

export const NO_FAULTS: Readonly<FaultConfig> = Object.freeze({
  latencyMs: 0,
  status500: 0,
  status500Rate: 0,
  serializationFailures: 0,
  serializationFailureRate: 0,
  retryBaseMs: 1000,
  seed: 1,
});

type Key = keyof FaultConfig;
const RATES: Key[] = ['status500Rate', 'serializationFailureRate'];
const COUNTS: Key[] = ['status500', 'serializationFailures'];
const DURATIONS: Key[] = ['latencyMs', 'retryBaseMs'];

/** Validates an admin request body; fields left out take their no-fault defaults. */
export function parseFaultConfig(input: unknown): { config: FaultConfig } | { errors: string[] } {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { errors: ['body must be a JSON object'] };
  }
  const errors: string[] = [];
  const config: FaultConfig = { ...NO_FAULTS };
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    const k = key as Key;
    if (RATES.includes(k)) {
      if (typeof value !== 'number' || !(value >= 0 && value <= 1)) errors.push(`${key} must be a number in [0, 1]`);
      else config[k] = value;
    } else if (COUNTS.includes(k) || k === 'seed') {
      if (typeof value !== 'number' || !Number.isInteger(value) || (k !== 'seed' && value < 0)) {
        errors.push(`${key} must be ${k === 'seed' ? 'an integer' : 'an integer ≥ 0'}`);
      } else config[k] = value;
    } else if (DURATIONS.includes(k)) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) errors.push(`${key} must be a number ≥ 0`);
      else config[k] = value;
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

export interface InjectedCounts {
  status500: number;
  serializationFailure: number;
}

export class FaultInjector {
  private current: FaultConfig = { ...NO_FAULTS };
  private random = mulberry32(NO_FAULTS.seed);
  readonly injected: InjectedCounts = { status500: 0, serializationFailure: 0 };

  /** The configuration, with the counts still to fire. */
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

  /** Whether this request answers 500 (uses up one count, or draws against the rate). */
  status500(): boolean {
    return this.fire('status500', 'status500Rate', 'status500');
  }

  /** Whether this transaction attempt fails with a serialization failure. */
  serializationFailure(): boolean {
    return this.fire('serializationFailures', 'serializationFailureRate', 'serializationFailure');
  }

  /** The bound of the wait before try number `tryNumber + 1`, as Odoo's `retrying` draws it. */
  retryWaitMs(tryNumber: number): number {
    return this.random() * 2 ** tryNumber * this.current.retryBaseMs;
  }

  private fire(count: 'status500' | 'serializationFailures', rate: Key, counter: keyof InjectedCounts): boolean {
    let fired = false;
    if (this.current[count] > 0) {
      this.current = { ...this.current, [count]: this.current[count] - 1 };
      fired = true;
    } else if (this.current[rate] > 0) {
      fired = this.random() < this.current[rate];
    }
    if (fired) this.injected[counter]++;
    return fired;
  }
}
