import type { Logger } from 'pino';
import { classifyError, TargetBreaker, TransientError } from '@hub/resilience';
import type { CallBudget } from './call-budget';
import type { BulkLimits, OutgoingRecord, ProjectionTarget, TargetOperation, TargetResult } from './target.port';

/** The writer's counters a bulk job adds to. */
export interface BulkMetrics {
  /** Calls of `maxBatchSize` made, and the records they carried (a failed job's records sent again count here). */
  calls: number;
  recordsSent: number;
  /** Bulk jobs the target completed, and the records they carried. */
  bulkJobs: number;
  bulkRecords: number;
  /** Bulk jobs that failed as a whole: their records went through calls of `maxBatchSize` instead. */
  bulkJobsFailed: number;
}

/** A record waiting for its job, and where its result goes (an Error when its fallback call failed as a whole). */
interface Entry {
  record: OutgoingRecord;
  settle: (result: TargetResult | Error) => void;
  /** Counted in its job's records under way (from when the job leaves until the writer is done with its result). */
  inJob?: boolean;
}

/** A call's results from its job, and how to say the writer is done with them (its records then leave the count). */
export interface BulkAnswer {
  results: (TargetResult | Error)[];
  release(): void;
}

interface Collecting {
  object: string;
  keyField: string;
  entries: Entry[];
  timer?: NodeJS.Timeout;
  /** Reads how many writes of the object the writer holds (the last caller's reader). */
  held: () => number;
}

/**
 * Large backlogs in bulk jobs ({@link ProjectionTarget.applyBulk}), for the {@link TargetWriter}: it hands over the
 * records of a call that would otherwise go through `apply`, once they passed the stale guard and their parents are
 * written, and gets one result per record, as from `apply`.
 *
 * - Whether: the target has `applyBulk`, the object has bulk limits, the call is an upsert, and the object's
 *   backlog is at the threshold: the writes of it the writer holds (queued, held for parents, in flight) that are
 *   not in a job under way already. So a few records retried while a job runs go through a call, not a job of their
 *   own.
 * - Gathering: per object and key field, records join the next job until it is full (leaves at once), the whole
 *   backlog is in it (nothing more would come: leaves at once), or `lingerMs` passed. Should neither they nor the
 *   backlog reach the threshold by then (the remainder of a backlog larger than a job), they go through calls, unless
 *   they are at least `minJobSize`: then a job is cheaper in calls.
 * - Each job is one `breaker.fire` (with the job's own timeout) within the call budget.
 * - A job that fails as a whole is counted, and its records go through `apply` in calls of `maxBatchSize`, in the
 *   same write, so none is lost; a record the failed job had applied is updated again (idempotent by key), never
 *   duplicated. While the target is unavailable (an open breaker, the budget's reserve) nothing is tried: every
 *   record fails with that, as a call would.
 */
export class BulkWriter {
  private readonly collecting = new Map<string, Collecting>();
  /**
   * Records in jobs under way (or in the calls that replace a failed one), per object and key field, until the writer
   * is done with their results: the writer still holds them until then, but they are no backlog for a next job.
   */
  private readonly inJobs = new Map<string, number>();
  /** When the last job of each object and key field ended (answered or failed). */
  private readonly lastJobEndedAt = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly target: ProjectionTarget,
    private readonly breaker: TargetBreaker,
    private readonly budget: CallBudget | undefined,
    private readonly log: Logger,
    private readonly metrics: BulkMetrics,
  ) {}

  /** Whether a call of `operation` on `object` goes in a bulk job, with `held` writes of it held by the writer. */
  takes(object: string, keyField: string, operation: TargetOperation, held: number): boolean {
    if (operation !== 'upsert' || !this.target.applyBulk || this.closed) return false;
    const limits = this.target.limits.bulk?.(object);
    if (limits === undefined || limits.threshold <= 0) return false;
    const backlog = this.backlog(object, keyField, held);
    // The end of a bulk flow: what is left below the threshold may still be worth a job of its own.
    return backlog >= limits.threshold || (backlog >= (limits.minJobSize ?? Infinity) && this.inFlow(object, keyField));
  }

  /**
   * Adds the records to their object's next job; resolves with one result per record, in order, once its job (or
   * the calls that replaced it) answered. `held` reads how many writes of the object the writer holds now. The
   * writer calls `release` once it has recorded the results (whatever happened).
   */
  async write(object: string, keyField: string, records: OutgoingRecord[], held: () => number): Promise<BulkAnswer> {
    const limits = this.target.limits.bulk!(object)!;
    const key = jobKey(object, keyField);
    let collecting = this.collecting.get(key);
    if (!collecting) {
      collecting = { object, keyField, entries: [], held };
      this.collecting.set(key, collecting);
    }
    collecting.held = held;
    const { entries } = collecting;
    const mine: Entry[] = [];
    const results = records.map(
      (record) =>
        new Promise<TargetResult | Error>((settle) => {
          const entry: Entry = { record, settle };
          mine.push(entry);
          entries.push(entry);
        }),
    );
    while (entries.length >= limits.maxBatchSize) this.send(collecting, limits, entries.splice(0, limits.maxBatchSize));
    if (entries.length > 0 && entries.length >= this.backlog(object, keyField, held())) {
      this.sendAll(collecting, limits);
    } else if (entries.length > 0)
      collecting.timer ??= setTimeout(() => this.sendAll(collecting, limits), limits.lingerMs);
    else this.stopTimer(collecting);
    return {
      results: await Promise.all(results),
      release: () => {
        const done = mine.filter((e) => e.inJob).length;
        if (done > 0) this.inJobs.set(key, (this.inJobs.get(key) ?? done) - done);
      },
    };
  }

  /**
   * On shutdown, records waiting for a job fail at once as a wait the target did not cause (they are read again
   * after the restart); jobs under way finish.
   */
  close(): void {
    this.closed = true;
    const stopping = new TransientError('SHUTTING_DOWN', 'the projector is stopping', { targetUnavailable: true });
    for (const collecting of this.collecting.values()) {
      this.stopTimer(collecting);
      for (const entry of collecting.entries.splice(0)) entry.settle(stopping);
    }
  }

  /** Whether a job of the object is under way, or one ended less than {@link BULK_FLOW_WINDOW_MS} ago. */
  private inFlow(object: string, keyField: string): boolean {
    const key = jobKey(object, keyField);
    return (
      (this.inJobs.get(key) ?? 0) > 0 || Date.now() - (this.lastJobEndedAt.get(key) ?? -Infinity) < BULK_FLOW_WINDOW_MS
    );
  }

  /** The writes of the object held and not in a job under way. */
  private backlog(object: string, keyField: string, held: number): number {
    return held - (this.inJobs.get(jobKey(object, keyField)) ?? 0);
  }

  private sendAll(collecting: Collecting, limits: BulkLimits): void {
    this.stopTimer(collecting);
    const { entries, object, keyField } = collecting;
    if (entries.length === 0) return;
    const small = entries.length < limits.threshold;
    const worthAJob = entries.length >= (limits.minJobSize ?? Infinity);
    if (small && !worthAJob && this.backlog(object, keyField, collecting.held()) < limits.threshold) {
      // What is left of a backlog once a full job left: below the threshold, and too few to be worth a job's calls,
      // so calls, as for any such backlog.
      const left = entries.splice(0);
      void this.viaCalls(
        object,
        keyField,
        left.map((e) => e.record),
      ).then((results) => left.forEach((entry, i) => entry.settle(results[i])));
      return;
    }
    this.send(collecting, limits, entries.splice(0));
  }

  private stopTimer(collecting: Collecting): void {
    clearTimeout(collecting.timer);
    collecting.timer = undefined;
  }

  private send({ object, keyField }: Collecting, limits: BulkLimits, entries: Entry[]): void {
    const key = jobKey(object, keyField);
    for (const entry of entries) entry.inJob = true;
    this.inJobs.set(key, (this.inJobs.get(key) ?? 0) + entries.length);
    void this.job(
      object,
      keyField,
      limits,
      entries.map((e) => e.record),
    ).then((results) => {
      this.lastJobEndedAt.set(key, Date.now());
      entries.forEach((entry, i) => entry.settle(results[i]));
    });
  }

  private async job(
    object: string,
    keyField: string,
    limits: BulkLimits,
    records: OutgoingRecord[],
  ): Promise<(TargetResult | Error)[]> {
    const started = Date.now();
    try {
      const call = () =>
        this.breaker.fire(() => this.target.applyBulk!(object, keyField, records), { timeoutMs: limits.timeoutMs });
      const outcomes = await (this.budget ? this.budget.run(call) : call());
      if (outcomes.length !== records.length) {
        throw new TransientError('BAD_RESPONSE', `${outcomes.length} results for a job of ${records.length}`);
      }
      this.metrics.bulkJobs++;
      this.metrics.bulkRecords += records.length;
      this.log.info(
        {
          object,
          records: records.length,
          refused: outcomes.filter((o) => !o.ok).length,
          ms: Date.now() - started,
        },
        'bulk job done',
      );
      return outcomes;
    } catch (error) {
      const failure = classifyError(error);
      if (failure instanceof TransientError && failure.targetUnavailable) {
        // The target asked to wait (breaker open, budget reserve, org limit): calls would be refused the same way.
        return records.map(() => failure);
      }
      this.metrics.bulkJobsFailed++;
      this.log.warn(
        { object, records: records.length, code: failure.code, reason: failure.message },
        'bulk job failed as a whole: its records go through calls instead',
      );
      return this.viaCalls(object, keyField, records);
    }
  }

  /**
   * Records through `apply` (a failed job's, or a remainder below the threshold), in calls of `maxBatchSize`, each
   * within the breaker and the budget.
   */
  private async viaCalls(
    object: string,
    keyField: string,
    records: OutgoingRecord[],
  ): Promise<(TargetResult | Error)[]> {
    const { maxBatchSize } = this.target.limits;
    const chunks: OutgoingRecord[][] = [];
    for (let i = 0; i < records.length; i += maxBatchSize) chunks.push(records.slice(i, i + maxBatchSize));
    const answers = await Promise.all(
      chunks.map(async (chunk): Promise<(TargetResult | Error)[]> => {
        try {
          const call = () => this.breaker.fire(() => this.target.apply(object, keyField, 'upsert', chunk));
          const outcomes = await (this.budget ? this.budget.run(call) : call());
          this.metrics.calls++;
          this.metrics.recordsSent += chunk.length;
          return outcomes;
        } catch (error) {
          const failure = classifyError(error);
          return chunk.map(() => failure);
        }
      }),
    );
    return answers.flat();
  }
}

const jobKey = (object: string, keyField: string) => `${object}\u0000${keyField}`;

/**
 * How long after a job of an object ended its flow still counts as a bulk flow, whose remainder of `minJobSize` or
 * more goes in a job: odoo-cdc publishes a large snapshot or import in bursts a few seconds apart on a loaded machine.
 */
const BULK_FLOW_WINDOW_MS = 10_000;
