import type { Logger } from 'pino';
import { classifyError, PermanentError, TargetBreaker, TransientError } from '@hub/resilience';
import type { PlannedWrite } from '../mapping/salesforce-mapping';
import type { ApiBudget } from '../salesforce/api-budget';
import { SALESFORCE_BATCH_LIMIT, SalesforcePort, SalesforceRecord, UpsertOutcome } from '../salesforce/salesforce.port';
import { AppliedPosition, AppliedPositions, positionKey, PositionKey } from './applied-positions.repository';
import { KeyedLock } from './keyed-lock';
import { MicroBatcher } from './micro-batcher';

/** A planned write with the source coordinates of the event it comes from. */
export interface WriteRequest extends PlannedWrite {
  position: number;
  eventId: string;
  /** When the writer first received it: how long it may be held back waiting for its parents. */
  receivedAt?: number;
}

/** applied: Salesforce accepted it; stale: a newer event was applied already; absent: a flag for a never-projected record. */
export type WriteOutcome = 'applied' | 'stale' | 'absent';

export interface BatchWriterOptions {
  /** Records per sObject Collections call (Salesforce allows 200). */
  batchSize: number;
  /** How long the first record of a batch waits for others to join it, per object (bulk objects wait longer). */
  lingerMs: (object: string) => number;
  /**
   * How long at most a record is held back while a parent it references (its Account…) has not been written by the
   * hub: a child sent before its parent fails and costs a second call. After this, it is sent anyway.
   */
  parentWaitMs: number;
  /** Whether the hub writes `object` keyed by `externalIdField`: only such parents are waited for. */
  tracksParent: (object: string, externalIdField: string) => boolean;
}

/**
 * Turns single writes into sObject Collections upserts of up to 200 records of one object, across events and
 * partitions, and hands each write its own record's result: a refused record fails alone, the others land.
 *
 * - One version per record in flight: writes of one record (object + external id) are serialised by a key lock.
 * - Stale-write guard: the last applied source position per record is read for the whole batch in one query; an
 *   older event is skipped. Positions of accepted records are stored in one statement after Salesforce answered.
 * - Parents first: a record referencing a parent the hub has not written yet is held back (see heldForParents), so
 *   contacts do not race their accounts into Salesforce.
 * - Each call goes through the org's breaker and its API budget (pacing, reserve).
 */
export class SalesforceBatchWriter {
  readonly metrics = {
    calls: 0,
    recordsSent: 0,
    applied: 0,
    staleSkipped: 0,
    absent: 0,
    recordFailures: 0,
    heldForParent: 0,
  };
  /** Largest and latest batch sizes, for the API-calls-per-record figure. */
  readonly batchSizes: number[] = [];
  private readonly batchers = new Map<string, MicroBatcher<WriteRequest, WriteOutcome>>();
  private readonly locks = new KeyedLock();
  /** Records Salesforce refused insert-only fields for: they exist, whatever the hub database says. */
  private readonly knownToExist = new Set<string>();
  /** Records the hub has written (`<object>\0<externalId>`), so a parent is looked up in the database once. */
  private readonly writtenParents = new Set<string>();
  private closing = false;

  constructor(
    private readonly salesforce: SalesforcePort,
    private readonly positions: AppliedPositions,
    private readonly breaker: TargetBreaker,
    private readonly budget: ApiBudget,
    private readonly options: BatchWriterOptions,
    private readonly log: Logger,
  ) {
    if (options.batchSize < 1 || options.batchSize > SALESFORCE_BATCH_LIMIT) {
      throw new RangeError(`batch size must be 1…${SALESFORCE_BATCH_LIMIT}, got ${options.batchSize}`);
    }
  }

  /** Resolves when Salesforce accepted the record (or it was stale/absent); rejects with its Transient/PermanentError. */
  write(request: WriteRequest): Promise<WriteOutcome> {
    const received = { ...request, receivedAt: request.receivedAt ?? Date.now() };
    return this.locks.run(recordKey(request), () =>
      this.batcher(request.object, request.externalIdField).add(received),
    );
  }

  private batcher(object: string, externalIdField: string): MicroBatcher<WriteRequest, WriteOutcome> {
    const key = `${object}/${externalIdField}`;
    let batcher = this.batchers.get(key);
    if (!batcher) {
      batcher = new MicroBatcher((batch) => this.flush(object, externalIdField, batch), {
        maxBatchSize: this.options.batchSize,
        lingerMs: this.options.lingerMs(object),
      });
      this.batchers.set(key, batcher);
    }
    return batcher;
  }

  /**
   * On shutdown, queued and held writes fail at once as a wait the target did not cause, so every consumer's batch
   * returns, offsets stay where the effects are durable, and the records are read again after the restart.
   */
  beforeApplicationShutdown(): void {
    this.closing = true;
  }

  private async flush(
    object: string,
    externalIdField: string,
    batch: readonly WriteRequest[],
  ): Promise<(WriteOutcome | Error | Promise<WriteOutcome>)[]> {
    if (this.closing) {
      const stopping = new TransientError('SHUTTING_DOWN', 'the projector is stopping', { targetUnavailable: true });
      return batch.map(() => stopping);
    }
    const results: (WriteOutcome | Error | Promise<WriteOutcome>)[] = new Array(batch.length);
    const guardKeys: PositionKey[] = batch.map((w) => ({ objectName: guardName(w), externalId: w.externalId }));
    let stored: Map<string, number>;
    try {
      stored = await this.positions.lastAppliedMany(guardKeys);
    } catch (error) {
      return batch.map(() => classifyError(error));
    }
    let held: Set<number>;
    try {
      held = await this.heldForParents(batch);
    } catch (error) {
      return batch.map(() => classifyError(error));
    }
    const send: { index: number; record: SalesforceRecord }[] = [];
    batch.forEach((w, index) => {
      const last = stored.get(positionKey(guardKeys[index]));
      if (last !== undefined && w.position < last) {
        this.metrics.staleSkipped++;
        results[index] = 'stale';
        return;
      }
      if (held.has(index)) {
        this.metrics.heldForParent++;
        results[index] = new Promise((r) => setTimeout(r, PARENT_RECHECK_MS)).then(() =>
          this.batcher(object, externalIdField).add(w),
        );
        return;
      }
      const exists = last !== undefined || this.knownToExist.has(recordKey(w));
      send.push({
        index,
        record: { ...(exists ? {} : w.createOnly), ...w.fields, [w.externalIdField]: w.externalId },
      });
    });
    if (held.size > 0 && send.length < this.options.batchSize) {
      // Records were held for their parents, so this batch is short: the ready ones go back to the queue and leave with
      // the held ones once their parents are written (or a full batch is ready), instead of a call of a few records now
      // and another one later. None waits longer than a held record would.
      const patience = this.options.parentWaitMs;
      const now = Date.now();
      for (const { index } of send.filter((s) => now - (batch[s.index].receivedAt ?? now) < patience)) {
        results[index] = this.batcher(object, externalIdField).add(batch[index]);
      }
      send.splice(0, send.length, ...send.filter((s) => results[s.index] === undefined));
    }
    if (send.length === 0) return results;

    let outcomes: UpsertOutcome[];
    try {
      await this.budget.beforeCall();
      outcomes = await this.breaker.fire(() =>
        this.salesforce.upsert(
          object,
          externalIdField,
          send.map((s) => s.record),
        ),
      );
      this.log.debug({ object, records: send.length, held: held.size }, 'collections call done');
      this.metrics.calls++;
      this.metrics.recordsSent += send.length;
      this.batchSizes.push(send.length);
      if (this.batchSizes.length > 1000) this.batchSizes.splice(0, this.batchSizes.length - 1000);
    } catch (error) {
      const failure = classifyError(error);
      for (const s of send) results[s.index] = failure;
      return results;
    }

    const accepted: AppliedPosition[] = [];
    outcomes.forEach((outcome, j) => {
      const { index } = send[j];
      const w = batch[index];
      if (outcome.ok) {
        accepted.push({ ...guardKeys[index], position: w.position, eventId: w.eventId });
        this.rememberWritten(`${w.object}\u0000${w.externalId}`);
        results[index] = 'applied';
      } else {
        results[index] = this.recordFailure(w, outcome.error);
      }
    });
    try {
      await this.positions.recordMany(accepted);
    } catch (error) {
      // Salesforce has the records but the guard does not know: retrying them is harmless (upsert by external id).
      const failure = classifyError(error);
      for (const a of accepted) {
        const index = guardKeys.findIndex((k) => k.objectName === a.objectName && k.externalId === a.externalId);
        results[index] = failure;
      }
      return results;
    }
    this.metrics.applied += accepted.length;
    return results;
  }

  /**
   * The writes of the batch to hold back: they reference a parent (their Account…) that the hub has not written yet,
   * and have waited less than parentWaitMs. A child sent before its parent fails and costs a second call; in an
   * initial snapshot, where Debezium reads rows in physical order, that would be most contacts. A parent the hub never
   * writes (one created in Salesforce directly) costs each child one wait, then it is sent anyway. Each consumer reads
   * one topic, so a held child never stops its parent's topic from being read.
   */
  private async heldForParents(batch: readonly WriteRequest[]): Promise<Set<number>> {
    const now = Date.now();
    const unknown = (w: WriteRequest) =>
      w.parents.filter(
        (p) =>
          this.options.tracksParent(p.object, p.externalIdField) &&
          !this.writtenParents.has(`${p.object}\u0000${p.externalId}`),
      );
    const candidates = batch.flatMap((w, index) =>
      now - (w.receivedAt ?? now) < this.options.parentWaitMs && unknown(w).length ? [index] : [],
    );
    if (candidates.length === 0) return new Set();
    const lookups = candidates.flatMap((i) =>
      unknown(batch[i]).map((p) => ({ object: p.object, externalId: p.externalId })),
    );
    for (const key of await this.positions.writtenRecords(lookups)) this.rememberWritten(key);
    return new Set(candidates.filter((i) => unknown(batch[i]).length > 0));
  }

  /** Bounded: a parent forgotten is looked up in the hub database again, nothing worse. */
  private rememberWritten(key: string): void {
    this.writtenParents.add(key);
    if (this.writtenParents.size > MAX_REMEMBERED_PARENTS) {
      this.writtenParents.delete(this.writtenParents.values().next().value!);
    }
  }

  private recordFailure(w: WriteRequest, error: TransientError | PermanentError): WriteOutcome | Error {
    const vendorCode = error instanceof PermanentError ? error.vendorCode : undefined;
    if (vendorCode === 'REQUIRED_FIELD_MISSING' && w.kind === 'flag') {
      // Flagging a record Salesforce does not have would create it half-empty; it was never projected.
      this.metrics.absent++;
      return 'absent';
    }
    this.metrics.recordFailures++;
    if (vendorCode === 'REQUIRED_FIELD_MISSING' && w.kind === 'merge') {
      return new TransientError(
        'RECORD_NOT_CREATED_YET',
        `${w.object} ${w.externalId} does not exist yet: the write that creates it has not landed (${error.message})`,
        { retryAfterMs: 2_000 },
      );
    }
    if (vendorCode === 'INVALID_FIELD_FOR_INSERT_UPDATE' && Object.keys(w.createOnly).length > 0) {
      this.knownToExist.add(recordKey(w));
      this.log.info(
        { object: w.object, externalId: w.externalId },
        'record exists already: insert-only fields dropped',
      );
      return new TransientError('INSERT_ONLY_FIELDS_ON_UPDATE', error.message, { retryAfterMs: 0 });
    }
    return error;
  }
}

/** How often a held-back record looks again for its parent. */
const PARENT_RECHECK_MS = 250;
const MAX_REMEMBERED_PARENTS = 200_000;

/** The stale-write guard's object key: per mapping write, so two entities sharing a record keep their own positions. */
const guardName = (w: PlannedWrite) => `${w.entity}:${w.object}`;
const recordKey = (w: PlannedWrite) => `${w.object}\u0000${w.externalIdField}\u0000${w.externalId}`;
