/**
 * At most `size` calls at once; the others wait their turn, in order. A target that takes one record per call (a
 * desk without a batch endpoint) would otherwise get as many calls at once as the consumer has records in flight,
 * and the time they spend queued inside the target would count against the breaker's call timeout.
 */
export class CallSlots {
  private inUse = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly size: number) {
    if (!(size >= 1)) throw new RangeError(`call slots: expected at least 1, got ${size}`);
  }

  /** Calls waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(call: () => Promise<T>): Promise<T> {
    if (this.inUse >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.inUse++;
    try {
      return await call();
    } finally {
      // The slot passes straight to the next waiter, so a newcomer cannot take it in between.
      const next = this.waiting.shift();
      if (next) next();
      else this.inUse--;
    }
  }
}
