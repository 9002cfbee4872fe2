/** What the stall watch concludes about one consumer group at one moment. */
export interface StallState {
  stalled: boolean;
  /** Records between the group's committed offsets and the partitions' ends, at the last reading. */
  lag: number;
  /** The last commit (or the start): progress is measured from here. */
  lastCommitAt: number;
  /** Since when it has been stalled, while it is. */
  stalledSince?: number;
}

/**
 * The stall rule of one consumer group, pure: the group is stalled when it has had a backlog (lag > 0 at every reading)
 * and committed nothing for `stallAfterMs`; it recovers at its next commit, or when its lag reads 0. A group with no
 * backlog is idle, never stalled, however long since it committed. The backlog counts from the first reading that saw
 * it, so a reading missed does not make a busy group look stalled.
 */
export class StallDetector {
  private lastCommitAt: number;
  private backlogSince?: number;
  private lag = 0;

  constructor(
    readonly stallAfterMs: number,
    startedAt: number,
  ) {
    if (!Number.isFinite(stallAfterMs) || stallAfterMs <= 0)
      throw new Error(`stallAfterMs must be > 0: ${stallAfterMs}`);
    this.lastCommitAt = startedAt;
  }

  /** The group committed offsets: it moves. */
  committed(at: number): void {
    this.lastCommitAt = Math.max(this.lastCommitAt, at);
  }

  /** A reading of the group's lag. */
  observe(at: number, lag: number): StallState {
    this.lag = lag;
    if (lag <= 0) this.backlogSince = undefined;
    else this.backlogSince ??= at;
    return this.state(at);
  }

  state(at: number): StallState {
    if (this.backlogSince === undefined) return { stalled: false, lag: this.lag, lastCommitAt: this.lastCommitAt };
    const since = Math.max(this.lastCommitAt, this.backlogSince);
    const stalled = at - since >= this.stallAfterMs;
    return {
      stalled,
      lag: this.lag,
      lastCommitAt: this.lastCommitAt,
      ...(stalled ? { stalledSince: since + this.stallAfterMs } : {}),
    };
  }
}
