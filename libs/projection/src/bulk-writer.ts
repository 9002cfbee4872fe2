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
}

interface Collecting {
  object: string;
  keyField: string;
  entries: Entry[];
  timer?: NodeJS.Timeout;
}

/**
 * Large backlogs in bulk jobs ({@link ProjectionTarget.applyBulk}), for the {@link TargetWriter}: it hands over the
 * records of a call that would otherwise go through `apply`, once they passed the stale guard and their parents are
 * written, and gets one result per record, as from `apply`.
 *
 * - Whether: the target has `applyBulk`, the object has bulk limits, the call is an upsert, and the object's
 *   backlog (the writes of it the writer holds) is at the threshold.
 * - Gathering: per object and key field, records join the next job until it is full (leaves at once), every write
 *   of the object the writer holds is in it (nothing more would come: leaves at once), or `lingerMs` passed.
 * - Each job is one `breaker.fire` (with the job's own timeout) within the call budget.
 * - A job that fails as a whole is counted, and its records go through `apply` in calls of `maxBatchSize`, in the
 *   same write, so none is lost; a record the failed job had applied is updated again (idempotent by key), never
 *   duplicated. While the target is unavailable (an open breaker, the budget's reserve) nothing is tried: every
 *   record fails with that, as a call would.
 */
export class BulkWriter {
  private readonly collecting = new Map<string, Collecting>();
  private closed = false;

  constructor(
    private readonly target: ProjectionTarget,
    private readonly breaker: TargetBreaker,
    private readonly budget: CallBudget | undefined,
    private readonly log: Logger,
    private readonly metrics: BulkMetrics,
  ) {}

  /** Whether a call of `operation` on `object` goes in a bulk job, with `backlog` writes of it held. */
  takes(object: string, operation: TargetOperation, backlog: number): boolean {
    if (operation !== 'upsert' || !this.target.applyBulk || this.closed) return false;
    const limits = this.target.limits.bulk?.(object);
    return limits !== undefined && limits.threshold > 0 && backlog >= limits.threshold;
  }

  /**
   * Adds the records to their object's next job; resolves with one result per record, in order, once its job (or
   * the calls that replaced it) answered. `backlog` reads how many writes of the object the writer holds now.
   */
  write(
    object: string,
    keyField: string,
    records: OutgoingRecord[],
    backlog: () => number,
  ): Promise<(TargetResult | Error)[]> {
    const limits = this.target.limits.bulk!(object)!;
    const key = `${object}\u0000${keyField}`;
    let collecting = this.collecting.get(key);
    if (!collecting) {
      collecting = { object, keyField, entries: [] };
      this.collecting.set(key, collecting);
    }
    const { entries } = collecting;
    const results = records.map(
      (record) => new Promise<TargetResult | Error>((settle) => entries.push({ record, settle })),
    );
    while (entries.length >= limits.maxBatchSize) this.send(collecting, limits, entries.splice(0, limits.maxBatchSize));
    if (entries.length > 0 && entries.length >= backlog()) this.sendAll(collecting, limits);
    else if (entries.length > 0)
      collecting.timer ??= setTimeout(() => this.sendAll(collecting, limits), limits.lingerMs);
    else this.stopTimer(collecting);
    return Promise.all(results);
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

  private sendAll(collecting: Collecting, limits: BulkLimits): void {
    this.stopTimer(collecting);
    if (collecting.entries.length > 0) this.send(collecting, limits, collecting.entries.splice(0));
  }

  private stopTimer(collecting: Collecting): void {
    clearTimeout(collecting.timer);
    collecting.timer = undefined;
  }

  private send({ object, keyField }: Collecting, limits: BulkLimits, entries: Entry[]): void {
    void this.job(
      object,
      keyField,
      limits,
      entries.map((e) => e.record),
    ).then((results) => entries.forEach((entry, i) => entry.settle(results[i])));
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

  /** A failed job's records through `apply`, in calls of `maxBatchSize`, each within the breaker and the budget. */
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
