/** How the consumer runner retries a transient failure. */
export interface RetryPolicy {
  /** Attempts made in place, back to back with short delays, before the partition is paused. */
  inlineAttempts: number;
  /** First delay; doubles each attempt. */
  baseDelayMs: number;
  /** Upper bound of one delay. */
  maxDelayMs: number;
  /**
   * Transient failures of one record (not counting calls refused by an open breaker) after which the record is
   * dead-lettered as RETRIES_EXHAUSTED, so a record that can never succeed does not hold its partition forever.
   */
  maxAttempts: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  inlineAttempts: 3,
  baseDelayMs: 100,
  maxDelayMs: 30_000,
  maxAttempts: 50,
};

/**
 * Exponential backoff with "full jitter" (a uniform draw in [d/2, d]) so that many partitions retrying after
 * one outage do not hit the target in lockstep. A target's own hint (Retry-After) wins when it is longer.
 */
export function backoffDelay(
  attempt: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  hintMs?: number,
  random: () => number = Math.random,
): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = exp / 2 + random() * (exp / 2);
  return Math.round(Math.max(jittered, Math.min(hintMs ?? 0, policy.maxDelayMs * 10)));
}
