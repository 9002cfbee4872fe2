/**
 * Freshdesk's per-account, per-minute API limit (support.freshdesk.com article 225439: Growth 200/min, Pro 400,
 * Enterprise 700, trial 50). Every authenticated call counts, invalid ones too (the article says so); a 401 (no account
 * known) and a call refused with 429 do not. Each answer carries `X-RateLimit-Total`, `X-RateLimit-Remaining` and
 * `X-RateLimit-Used-CurrentRequest`; over the limit the answer is 429 with `Retry-After` in seconds, until the
 * minute's window ends. The window is fixed, starting with its first call (Freshdesk does not document the window's
 * alignment).
 */
export class RateLimiter {
  private windowStart = 0;
  private used = 0;

  constructor(
    private perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  get limit(): number {
    return this.perMinute;
  }

  setLimit(perMinute: number): void {
    this.perMinute = perMinute;
  }

  reset(): void {
    this.windowStart = 0;
    this.used = 0;
  }

  /** Takes one call from the budget, or says how long to wait. */
  take():
    | { ok: true; headers: Record<string, string> }
    | { ok: false; retryAfterS: number; headers: Record<string, string> } {
    const now = this.now();
    if (now - this.windowStart >= 60_000) {
      this.windowStart = now;
      this.used = 0;
    }
    if (this.used >= this.perMinute) {
      const retryAfterS = Math.max(1, Math.ceil((this.windowStart + 60_000 - now) / 1000));
      return { ok: false, retryAfterS, headers: this.headers(0, String(retryAfterS)) };
    }
    this.used++;
    return { ok: true, headers: this.headers(1) };
  }

  /** The headers of an answer that did not go through {@link take} (an injected 429). */
  headers(usedNow: number, retryAfter?: string): Record<string, string> {
    return {
      'X-RateLimit-Total': String(this.perMinute),
      'X-RateLimit-Remaining': String(Math.max(0, this.perMinute - this.used)),
      'X-RateLimit-Used-CurrentRequest': String(usedNow),
      ...(retryAfter ? { 'Retry-After': retryAfter } : {}),
    };
  }
}
