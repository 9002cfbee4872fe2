export interface RestartBackoffOptions {
  /** The wait after the first restart before a second one; doubled after each further restart. */
  initialMs: number;
  maxMs: number;
  /** How long the capture must run before a later failure counts as a new one (the wait starts again). */
  resetAfterMs: number;
}

/**
 * When to restart a failed connector. The first failure is restarted at once; a connector that fails again soon
 * after (a dropped slot, a database refusing connections) is restarted after 1, 2, 4… times `initialMs`, at most
 * `maxMs`, so the watch does not hammer Connect or the database. Only a run that held for `resetAfterMs` forgives
 * the past restarts: a task that goes RUNNING and fails a second later is still the same failure.
 */
export class RestartBackoff {
  private restarts = 0;
  private notBefore = 0;
  private runningSince: number | undefined;

  constructor(private readonly options: RestartBackoffOptions) {}

  /** Consecutive restarts since the capture last ran for `resetAfterMs`. */
  get attempts(): number {
    return this.restarts;
  }

  /** Records a status read at `now`; true when the watch should restart the connector now. */
  observe(now: number, status: { failed: boolean; running: boolean }): boolean {
    if (status.running) {
      this.runningSince ??= now;
      if (now - this.runningSince >= this.options.resetAfterMs) {
        this.restarts = 0;
        this.notBefore = 0;
      }
      return false;
    }
    this.runningSince = undefined;
    return status.failed && now >= this.notBefore;
  }

  /** A restart was requested at `now`: the next one waits longer. */
  restarted(now: number): void {
    this.restarts++;
    this.notBefore = now + this.delayAfter(this.restarts);
  }

  /** The wait after the n-th consecutive restart. */
  delayAfter(n: number): number {
    return Math.min(this.options.maxMs, this.options.initialMs * 2 ** Math.max(0, n - 1));
  }
}
