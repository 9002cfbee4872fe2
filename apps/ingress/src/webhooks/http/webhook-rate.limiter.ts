import { TokenBucket } from 'limiter';
import type { WebhookSource } from './webhook.errors';

/** A request the limiter refused: when the source's next token is due, in ms. */
export interface RateRefusal {
  retryAfterMs: number;
}

/**
 * One token bucket per webhook source, in this process: `burst` requests at once, refilled at `perSecond`. One
 * source flooding the hub (a bulk update in a desk, a replayed Outbound Message queue) cannot starve the others.
 */
export class WebhookRateLimiter {
  private readonly buckets = new Map<WebhookSource, TokenBucket>();

  constructor(private readonly rate: { perSecond: number; burst: number }) {}

  /** Takes a token for `source`; returns null when taken, else how long until one is due. */
  take(source: WebhookSource): RateRefusal | null {
    const bucket = this.bucketOf(source);
    if (bucket.tryRemoveTokens(1)) return null;
    return { retryAfterMs: Math.max(1, bucket.getWaitTime(1)) };
  }

  private bucketOf(source: WebhookSource): TokenBucket {
    let bucket = this.buckets.get(source);
    if (!bucket) {
      bucket = new TokenBucket({ bucketSize: this.rate.burst, tokensPerInterval: this.rate.perSecond, interval: 1000 });
      // limiter's buckets start empty; a source starts with its whole burst.
      bucket.content = this.rate.burst;
      this.buckets.set(source, bucket);
    }
    return bucket;
  }
}
