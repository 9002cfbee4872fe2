import { WebhookRateLimiter } from './webhook-rate.limiter';

describe('WebhookRateLimiter', () => {
  afterEach(() => jest.useRealTimers());

  it('lets a burst through, refuses the next with the wait for a token, and refills at the rate', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const limiter = new WebhookRateLimiter({ perSecond: 2, burst: 3 });
    expect([limiter.take('zendesk'), limiter.take('zendesk'), limiter.take('zendesk')]).toEqual([null, null, null]);
    const refused = limiter.take('zendesk');
    expect(refused).not.toBeNull();
    expect(refused!.retryAfterMs).toBeGreaterThan(0);
    expect(refused!.retryAfterMs).toBeLessThanOrEqual(500);
    jest.advanceTimersByTime(500);
    expect(limiter.take('zendesk')).toBeNull();
    expect(limiter.take('zendesk')).not.toBeNull();
  });

  it('keeps one bucket per source: a flooding source does not starve another', () => {
    const limiter = new WebhookRateLimiter({ perSecond: 1, burst: 1 });
    expect(limiter.take('freshdesk')).toBeNull();
    expect(limiter.take('freshdesk')).not.toBeNull();
    expect(limiter.take('salesforce-outbound-message')).toBeNull();
  });
});
