import { context, Context, Link, trace } from '@opentelemetry/api';

/**
 * Collects single items into batches: a batch goes as soon as it is full, or when its first item has waited
 * `lingerMs`, or, with `idleMs`, once no item has been added for that long. Each item's promise settles with its own
 * entry of the batch's result.
 *
 * `idleMs` is what keeps a quiet pipeline fresh: the records of one Kafka fetch arrive within microseconds of each
 * other and share a call, but nothing waits for records that are not there yet. A trickle (two changes a second) then
 * goes a record at a time, each a few milliseconds after it arrived, where a fixed linger would hold every one of them
 * for the whole linger; during a flow the items keep coming within `idleMs`, so calls still fill up to `lingerMs`.
 *
 * (DataLoader was the first choice; it can only dispatch on a timer, so during a bulk load half-full batches left
 * every linger period. A full batch must leave at once: that is what keeps a snapshot near 200 records per call.)
 *
 * Tracing: a batch is sent inside a span `send batch` in the trace of its first item, linked to the span of every
 * other item, so the call it makes (an HTTP client span) is found from each record's trace.
 */
export class MicroBatcher<T, R> {
  private queue: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void; trace: Context }[] = [];
  private timer?: NodeJS.Timeout;
  /** When the waiting batch must leave at the latest (its first item's arrival plus the linger). */
  private deadline = 0;

  constructor(
    /** One entry per item: its result, its error, or a promise of either (an item handed on, e.g. re-queued). */
    private readonly flush: (items: T[]) => Promise<(R | Error | Promise<R>)[]>,
    /** `lingerMs` may be read anew for each batch (e.g. short while nothing else is arriving). */
    private readonly options: {
      maxBatchSize: number;
      lingerMs: number | (() => number);
      /** Read on each item: how long the batch waits for another one before it goes (never past the linger). */
      idleMs?: () => number;
    },
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject, trace: context.active() });
      if (this.queue.length >= this.options.maxBatchSize) this.sendFullBatches();
      else this.schedule();
    });
  }

  private schedule(): void {
    const { idleMs } = this.options;
    const now = Date.now();
    if (this.timer === undefined) this.deadline = now + this.linger();
    else if (!idleMs) return;
    clearTimeout(this.timer);
    const at = idleMs ? Math.min(this.deadline, now + idleMs()) : this.deadline;
    this.timer = setTimeout(() => this.sendAll(), Math.max(0, at - now));
  }

  private linger(): number {
    const { lingerMs } = this.options;
    return typeof lingerMs === 'number' ? lingerMs : lingerMs();
  }

  private sendFullBatches(): void {
    while (this.queue.length >= this.options.maxBatchSize)
      void this.run(this.queue.splice(0, this.options.maxBatchSize));
    if (this.queue.length === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private sendAll(): void {
    this.timer = undefined;
    while (this.queue.length > 0) void this.run(this.queue.splice(0, this.options.maxBatchSize));
  }

  private async run(batch: MicroBatcher<T, R>['queue']): Promise<void> {
    let results: (R | Error | Promise<R>)[];
    try {
      results = await inBatchSpan(batch, () => this.flush(batch.map((b) => b.item)));
    } catch (error) {
      for (const b of batch) b.reject(error);
      return;
    }
    batch.forEach((b, i) => {
      const r = results[i];
      if (r instanceof Error) b.reject(r);
      else if (r instanceof Promise) r.then(b.resolve, b.reject);
      else b.resolve(r);
    });
  }
}

/** Runs a batch's call in a span of its first item's trace, linked to the other items' spans (none without a trace). */
async function inBatchSpan<X>(batch: { trace: Context }[], send: () => Promise<X>): Promise<X> {
  const parent = batch[0].trace;
  if (!trace.getSpanContext(parent)) return send();
  const links: Link[] = batch.slice(1).flatMap((b) => {
    const linked = trace.getSpanContext(b.trace);
    return linked ? [{ context: linked }] : [];
  });
  const span = trace
    .getTracer('hub-projection')
    .startSpan('send batch', { attributes: { 'hub.batch.size': batch.length }, links }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), send);
  } finally {
    span.end();
  }
}
