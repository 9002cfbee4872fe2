import { context, trace } from '@opentelemetry/api';
import type { Logger } from 'pino';
import {
  CarriedOverError,
  classifyError,
  DeferredError,
  PermanentError,
  TargetBreaker,
  TransientError,
} from '@hub/resilience';
import { AppliedPosition, AppliedPositions, positionKey, PositionKey } from './applied-positions.repository';
import { BulkWriter } from './bulk-writer';
import type { CallBudget } from './call-budget';
import { CallSlots } from './call-slots';
import { KeyedLock } from './keyed-lock';
import { MicroBatcher } from './micro-batcher';
import { ParentTracker } from './parent-tracker';
import { operationOf, ProjectionTarget, TargetOperation, TargetResult, TargetWrite } from './target.port';
import type { WriteAuditRecord, WriteAuditSink } from './write-audit.port';

/** A planned write with the source coordinates of the event it comes from. */
export interface WriteRequest extends TargetWrite {
  /** The event's source system: positions are compared within one source only. */
  source: string;
  position: number;
  eventId: string;
  aggregateId: string;
  /**
   * Set when the event was parked and is read back: since when it waits for its parents. After the target's
   * parentWaitMs it is sent even without them.
   */
  parkedAt?: number;
  /** When this write was first held back in place on this pass (parked writes only). */
  heldSince?: number;
  /** The trace of the event the write comes from: taken from the active span when the write is handed over. */
  traceId?: string | null;
}

/**
 * applied: the target accepted it; stale: a newer event of the same source was applied already; absent: a flag for a
 * record never projected; removed: a record deleted from the target.
 */
export type WriteOutcome = 'applied' | 'stale' | 'absent' | 'removed';

type Slot = WriteOutcome | Error | Promise<WriteOutcome>;

/**
 * Turns single writes into batched calls of one object (up to the target's batch size) across events and
 * partitions, and hands each write its own record's result: a refused record fails alone, the others land.
 *
 * - One version per record in flight: writes of one record (object + key) are serialised by a key lock.
 * - Stale-write guard: the last applied position per record and source is read for the whole batch in one query;
 *   an older event of the same source is skipped. Positions of accepted records are stored in one statement.
 * - Parents first ({@link ParentTracker}): a record referencing a parent the hub has not written yet is deferred
 *   (its event is parked, so only its key waits) until the parent lands or the target's parent wait is over; read
 *   back from the park it waits in place for a moment first, so children gather into full calls.
 * - A write linked to a record created in the target (`linkedBy`) goes in an `update` call by the target's own key,
 *   never in an upsert, and without create-only fields: the record is there, and a second one must not be made.
 * - Each call goes through the target account's breaker and its call budget (pacing, reserve).
 * - A large backlog of one object goes in bulk jobs instead ({@link BulkWriter}), when the target has them: the
 *   same guard, parents and per-record results, fewer calls.
 * - With an audit sink, every write the target answered (and every stale one skipped) is reported in one call per
 *   batch before the positions are stored; a sink that fails fails the batch's writes with a transient error.
 */
export class TargetWriter {
  readonly metrics = {
    calls: 0,
    recordsSent: 0,
    applied: 0,
    staleSkipped: 0,
    absent: 0,
    removed: 0,
    recordFailures: 0,
    deferred: 0,
    heldForParent: 0,
    /** Writes of a short call kept for a fuller one: sent back to Kafka, or (read back from the park) held here. */
    carriedOver: 0,
    /** Linked writes whose record the target never had (another org's): written by their key instead. */
    linksGone: 0,
    /** Bulk jobs the target completed, and the records they carried. */
    bulkJobs: 0,
    bulkRecords: 0,
    /** Bulk jobs that failed as a whole: their records went through calls instead (counted in calls). */
    bulkJobsFailed: 0,
  };
  private readonly bulk: BulkWriter;
  private readonly batchers = new Map<string, MicroBatcher<WriteRequest, WriteOutcome>>();
  private readonly locks = new KeyedLock();
  /** The target's calls at once (TargetLimits.maxConcurrentCalls). */
  private readonly slots: CallSlots;
  /** Writes accepted by `write` and not settled yet, per record: a held child whose parent is among them keeps waiting. */
  private readonly pending = new Map<string, number>();
  /** The same per batcher: writes of one object and kind this process holds (queued, held for parents, in flight). */
  private readonly pendingIn = new Map<string, number>();
  /** Records the target refused create-only fields for: they exist, whatever the hub database says. */
  private readonly knownToExist = new Set<string>();
  /** Per batcher: when writes arrived for the first time (carried ones coming back are not counted again). */
  private readonly arrivals = new Map<string, number[]>();
  /** Records carried over to a later fetch: since when each waits to be sent (a newer version inherits the wait). */
  private readonly carriedSince = new Map<string, number>();
  /** Records whose link names nothing in the target: from then on they are written by their key, like unlinked ones. */
  private readonly goneLinks = new Set<string>();
  private closing = false;

  constructor(
    private readonly target: ProjectionTarget,
    private readonly positions: AppliedPositions,
    private readonly parents: ParentTracker,
    private readonly breaker: TargetBreaker,
    private readonly budget: CallBudget | undefined,
    private readonly log: Logger,
    private readonly audit?: WriteAuditSink,
  ) {
    this.bulk = new BulkWriter(target, breaker, budget, log, this.metrics);
    this.slots = new CallSlots(target.limits.maxConcurrentCalls ?? Number.MAX_SAFE_INTEGER);
  }

  /** Resolves when the target accepted the write (or it was stale, absent); rejects with its Transient/PermanentError. */
  write(request: WriteRequest): Promise<WriteOutcome> {
    if (this.audit && request.traceId === undefined) {
      const span = trace.getSpanContext(context.active());
      request = { ...request, traceId: span && trace.isSpanContextValid(span) ? span.traceId : null };
    }
    const key = recordKey(request);
    if (request.linkedBy && this.goneLinks.has(key)) {
      request = { ...request, ...request.linkedBy.unlinked, linkedBy: undefined };
    }
    const batcher = batcherKey(request);
    if (!this.carriedSince.has(key)) this.arrived(request);
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
    this.pendingIn.set(batcher, (this.pendingIn.get(batcher) ?? 0) + 1);
    return this.locks
      .run(key, () => this.batcher(request).add(request))
      .finally(() => {
        const left = (this.pending.get(key) ?? 1) - 1;
        if (left > 0) this.pending.set(key, left);
        else this.pending.delete(key);
        this.pendingIn.set(batcher, (this.pendingIn.get(batcher) ?? 1) - 1);
      });
  }

  /** Whether a parent the write waits for is being written by this process right now (queued or in flight). */
  private parentPending(w: WriteRequest): boolean {
    return this.parents.unknownParents(w).some((p) => this.pending.has(recordKey(p)));
  }

  /**
   * On shutdown, queued and held writes fail at once as a wait the target did not cause, so every consumer's batch
   * returns, offsets stay where the effects are durable, and the records are read again after the restart.
   */
  close(): void {
    this.closing = true;
    this.bulk.close();
  }

  private batcher(w: WriteRequest): MicroBatcher<WriteRequest, WriteOutcome> {
    const operation = operationOf(w);
    const key = batcherKey(w);
    let batcher = this.batchers.get(key);
    if (!batcher) {
      const { limits } = this.target;
      const object = w.object;
      batcher = new MicroBatcher((batch) => this.flush(w.object, w.keyField, operation, batch), {
        maxBatchSize: limits.maxBatchSize,
        // What arrives together leaves together; a batch waits for more only while more keeps arriving (within the
        // quiet linger), up to the full linger, where a flow fills its calls. A write alone goes almost at once.
        lingerMs: limits.lingerMs(object),
        ...(limits.quietLingerMs ? { idleMs: () => limits.quietLingerMs!(object) } : {}),
      });
      this.batchers.set(key, batcher);
    }
    return batcher;
  }

  private async flush(
    object: string,
    keyField: string,
    operation: TargetOperation,
    batch: readonly WriteRequest[],
  ): Promise<Slot[]> {
    if (this.closing) {
      const stopping = new TransientError('SHUTTING_DOWN', 'the projector is stopping', { targetUnavailable: true });
      return batch.map(() => stopping);
    }
    const results: Slot[] = new Array(batch.length);
    const guardKeys: PositionKey[] = batch.map((w) => ({ scope: w.scope, key: w.key, source: w.source }));
    let stored: Map<string, number>;
    let waiting: Set<number>;
    try {
      stored = operation === 'remove' ? new Map() : await this.positions.lastAppliedMany(guardKeys);
      waiting = await this.parents.waiting(batch);
    } catch (error) {
      return batch.map(() => classifyError(error));
    }
    const now = Date.now();
    // Held a moment; longer while parents of the kind it waits for are landing (a snapshot's accounts) or its own
    // parent is queued or in flight here (a batch lingering, a slow call: the gap between two landings can pass the
    // landing window on a busy machine), never past the longest hold, after which it is deferred and its park
    // partition moves on.
    const holding = (w: WriteRequest) => {
      const held = now - (w.heldSince ?? now);
      return (
        held < PARKED_HOLD_MS ||
        (held < PARKED_HOLD_MAX_MS && (this.parents.landing(w.parents, 1_000) || this.parentPending(w)))
      );
    };
    const hold = (w: WriteRequest): Promise<WriteOutcome> => {
      const held = { ...w, heldSince: w.heldSince ?? now };
      const outcome = new Promise((r) => setTimeout(r, PARENT_RECHECK_MS)).then(() => this.batcher(held).add(held));
      // The slot is read only if this flush returns; should it fail after the hold began, its callers already have the
      // flush's error, and the held write's own rejection must not become an unhandled one (which ends the process).
      outcome.catch(() => undefined);
      return outcome;
    };
    const send: number[] = [];
    let held = 0;
    batch.forEach((w, index) => {
      const last = stored.get(positionKey(guardKeys[index]));
      if (last !== undefined && w.position < last) {
        this.metrics.staleSkipped++;
        results[index] = 'stale';
      } else if (waiting.has(index) && w.parkedAt !== undefined && holding(w)) {
        // Read back from the park: wait here a little, so children whose parents land together leave together.
        this.metrics.heldForParent++;
        held++;
        results[index] = hold(w);
      } else if (waiting.has(index)) {
        this.metrics.deferred++;
        results[index] = new DeferredError(
          'PARENT_NOT_WRITTEN_YET',
          `${w.object} ${w.key} references ${w.parents.map((p) => `${p.object} ${p.key}`).join(', ')}, not written by the hub yet`,
          { retryAfterMs: PARENT_RECHECK_MS },
        );
      } else {
        send.push(index);
      }
    });
    const deferred = batch.filter((_, i) => results[i] instanceof DeferredError).length;
    if (deferred > 0 && send.length < this.target.limits.maxBatchSize) {
      // Children deferred for their parents leave this call short: the ready children of the call are parked with
      // them, so they all come back together and share full calls, instead of a short call now and more later.
      for (const index of send.filter(
        (i) => batch[i].parkedAt === undefined && this.parents.hasTrackedParent(batch[i]),
      )) {
        this.metrics.deferred++;
        results[index] = new DeferredError(
          'PARKED_WITH_SIBLINGS',
          `${batch[index].object} ${batch[index].key} goes with the records of its call that wait for their parents`,
          { retryAfterMs: PARENT_RECHECK_MS },
        );
      }
      send.splice(0, send.length, ...send.filter((i) => results[i] === undefined));
    }
    if (held > 0 && send.length < this.target.limits.maxBatchSize) {
      // Writes were held for their parents, so this call would be short: the ready ones wait with them (no longer
      // than a held one would) and leave together once the parents land or a batch is full, in one call, not two.
      for (const index of send.filter((i) => batch[i].parkedAt !== undefined && holding(batch[i]))) {
        results[index] = hold(batch[index]);
      }
      send.splice(0, send.length, ...send.filter((i) => results[i] === undefined));
    }
    if (send.length === 0) return this.audit ? this.auditSkipped(batch, results) : results;
    // A large backlog of the object goes in a bulk job: carrying a remainder over is for calls of maxBatchSize.
    const heldOfObject = () => this.pendingIn.get(batcherKey(batch[0])) ?? 0;
    const bulk = this.bulk.takes(object, keyField, operation, heldOfObject());
    if (!bulk && this.carryOver(batch, send, now)) {
      for (const index of send) {
        this.metrics.carriedOver++;
        // Read back from the park, a write waits here instead: its park partition is fetched again only once every
        // record it read is done, held ones too, so it would come back late; the others it waits for are here.
        results[index] =
          batch[index].parkedAt !== undefined
            ? hold(batch[index])
            : new CarriedOverError(
                `${object} ${batch[index].key} goes back to Kafka to leave with the records behind it in a fuller call`,
              );
      }
      return results;
    }
    for (const index of send) this.carriedSince.delete(recordKey(batch[index]));

    let outcomes: (TargetResult | Error)[];
    let release = () => {};
    let sent: Record<string, unknown>[] = [];
    try {
      const records = send.map((index) => {
        const w = batch[index];
        // A linked record was created in the target: it exists whatever the hub database says.
        const exists =
          operation === 'update' || stored.has(positionKey(guardKeys[index])) || this.knownToExist.has(recordKey(w));
        return { write: w, payload: { ...(exists ? {} : w.createOnly), ...w.fields } };
      });
      sent = records.map((r) => r.payload);
      if (bulk) {
        // The job's own counters; an Error is a record whose call failed as a whole (a failed job sent again).
        ({ results: outcomes, release } = await this.bulk.write(object, keyField, records, heldOfObject));
      } else {
        // Queued for a slot outside the breaker: waiting for a turn is not the target being slow.
        const call = () =>
          this.slots.run(() => this.breaker.fire(() => this.target.apply(object, keyField, operation, records)));
        outcomes = await (this.budget ? this.budget.run(call) : call());
        this.log.debug({ object, operation, records: send.length }, 'target call done');
        this.metrics.calls++;
        this.metrics.recordsSent += send.length;
      }
    } catch (error) {
      const failure = classifyError(error);
      // Why the call failed, once per call (an open breaker refusing calls is reported when it opens, not per call).
      if (failure.code !== 'BREAKER_OPEN')
        this.log.warn(
          { object, operation, records: send.length, code: failure.code, error: failure.message },
          'target call failed',
        );
      for (const index of send) results[index] = failure;
      return this.audit ? this.auditSkipped(batch, results) : results;
    }
    try {
      return await this.land(batch, send, sent, guardKeys, outcomes, results);
    } finally {
      // A job's records leave its count once their results are recorded: until then the writer still holds them.
      release();
    }
  }

  /** Each sent write's result from its record's outcome; the positions of the accepted ones stored. */
  private async land(
    batch: readonly WriteRequest[],
    send: readonly number[],
    sent: readonly Record<string, unknown>[],
    guardKeys: readonly PositionKey[],
    outcomes: readonly (TargetResult | Error)[],
    results: Slot[],
  ): Promise<Slot[]> {
    const accepted: AppliedPosition[] = [];
    const removed: { scope: string; key: string }[] = [];
    outcomes.forEach((outcome, j) => {
      const index = send[j];
      const w = batch[index];
      if (outcome instanceof Error) {
        results[index] = classifyError(outcome);
      } else if (outcome.ok) {
        if (w.kind === 'remove') removed.push({ scope: w.scope, key: w.key });
        else
          accepted.push({ ...guardKeys[index], position: w.position, eventId: w.eventId, aggregateId: w.aggregateId });
        results[index] = w.kind === 'remove' ? 'removed' : 'applied';
      } else {
        results[index] = this.recordFailure(w, outcome);
      }
    });
    try {
      // The trail first: a write whose entry could not be stored is not acknowledged (see WriteAuditSink).
      if (this.audit) await this.recordAudit(batch, results, send, sent);
    } catch (error) {
      const failure = auditFailure(error);
      this.log.warn({ object: batch[0].object, error: failure.message }, 'audit entries not stored: writes retried');
      for (const index of send) results[index] = failure;
      for (let i = 0; i < batch.length; i++) if (results[i] === 'stale') results[i] = failure;
      return results;
    }
    try {
      await this.positions.recordMany(accepted);
      await this.positions.forget(removed);
    } catch (error) {
      // The target has the records but the guard does not know: retrying them is harmless (idempotent by key).
      const failure = classifyError(error);
      for (const index of send) if (typeof results[index] === 'string') results[index] = failure;
      return results;
    }
    for (const a of accepted) this.parents.written(batch[0].object, a.key);
    this.metrics.applied += accepted.length;
    this.metrics.removed += removed.length;
    return results;
  }

  /**
   * Reports the batch's writes the target answered (`send`, with what was sent) and the stale ones skipped, in one
   * call of the audit sink. Writes deferred, held or carried over are not reported: nothing was written yet.
   */
  private async recordAudit(
    batch: readonly WriteRequest[],
    results: readonly Slot[],
    send: readonly number[],
    sent: readonly Record<string, unknown>[],
  ): Promise<void> {
    if (!this.audit) return;
    const records: WriteAuditRecord[] = [];
    const entry = (w: WriteRequest, result: Slot, fields: Record<string, unknown>): WriteAuditRecord => ({
      object: w.object,
      key: w.key,
      targetId: w.linkedBy?.value ?? null,
      parentKeys: w.parents.map((p) => p.key),
      fields,
      canonicalId: w.aggregateId,
      eventId: w.eventId,
      source: w.source,
      position: w.position,
      traceId: w.traceId ?? null,
      outcome: result instanceof Error ? 'failed' : (result as WriteOutcome),
      reason:
        result instanceof Error
          ? `${(result as Error & { code?: string }).code ?? result.name}: ${result.message}`
          : result === 'stale'
            ? 'a newer event of the same source was applied already'
            : null,
    });
    batch.forEach((w, i) => {
      if (results[i] === 'stale') records.push(entry(w, 'stale', {}));
    });
    send.forEach((index, j) => {
      const result = results[index];
      if (typeof result === 'string' || result instanceof Error) records.push(entry(batch[index], result, sent[j]));
    });
    if (records.length > 0) await this.audit.recordWrites(records);
  }

  /** A batch that sent nothing: its stale writes are still reported; a sink that fails fails them (retried). */
  private async auditSkipped(batch: readonly WriteRequest[], results: Slot[]): Promise<Slot[]> {
    if (!this.audit || !results.includes('stale')) return results;
    try {
      await this.recordAudit(batch, results, [], []);
    } catch (error) {
      const failure = auditFailure(error);
      for (let i = 0; i < batch.length; i++) if (results[i] === 'stale') results[i] = failure;
    }
    return results;
  }

  /** Counts a write's first arrival in its batcher's carry window (only for objects that may be carried over). */
  private arrived(w: WriteRequest): void {
    const carryMs = this.target.limits.carryMs?.(w.object) ?? 0;
    if (carryMs <= 0) return;
    const key = batcherKey(w);
    const now = Date.now();
    const times = this.arrivals.get(key) ?? [];
    let old = 0;
    while (old < times.length && now - times[old] >= carryMs) old++;
    if (old > 0) times.splice(0, old);
    times.push(now);
    this.arrivals.set(key, times);
  }

  /**
   * Whether a short call is better not made now: a bulk flow of its object is arriving (a full call's worth of new
   * writes within the carry window, or enough others held here to fill it) and none of its writes has waited for the
   * window already; a flow with nothing new for the flow gap has ended. Then the writes go back to Kafka unattempted
   * and are fetched again with the records behind them (records read back from the park wait here, with the others
   * held for their parents). kafkajs fetches again
   * only once a fetch's records are all handled, so the remainder of a fetch cannot wait in memory for the next one:
   * without this, every fetch of a slow bulk flow ends in a short call (a 10,000-partner snapshot published at about
   * 300 records/s cost 62 calls where 51 would do). A single change or a trickle never waits: it is not a flow, and
   * a change arriving alone just after a flow is not its remainder.
   */
  private carryOver(batch: readonly WriteRequest[], send: readonly number[], now: number): boolean {
    const first = batch[send[0]];
    const carryMs = this.target.limits.carryMs?.(first.object) ?? 0;
    const { maxBatchSize } = this.target.limits;
    if (carryMs <= 0 || this.closing || first.kind === 'remove' || send.length >= maxBatchSize) return false;
    const key = batcherKey(first);
    const times = this.arrivals.get(key) ?? [];
    const flowGapMs = flowEndsAfter(times, this.target.limits.flowGapMs?.(first.object) ?? carryMs, carryMs);
    // A flow that has gone quiet (nothing new of its object within the gap) brings nothing more to fill the call.
    const flowing =
      times.length > 0 &&
      now - times[times.length - 1] < flowGapMs &&
      times.filter((t) => now - t < carryMs).length >= maxBatchSize;
    // Others of its object this process holds already (children held for their parents, read back from the park)
    // would fill the call as soon as they are ready.
    const others = (this.pendingIn.get(key) ?? 0) - send.length;
    if (!flowing && others < maxBatchSize - send.length) {
      this.log.debug({ object: first.object, records: send.length, others }, 'short call: no bulk flow');
      return false;
    }
    if (this.carriedSince.size > 100_000) this.forgetOldCarries(now, carryMs);
    const carried = send.map((i) => this.carriedSince.get(recordKey(batch[i])));
    // Only the remainder of a burst is carried: writes that came with a full call's worth of others (the newest
    // arrivals within a linger), or a remainder carried before and fetched again. A change that comes alone after a flow (a person's edit the
    // second a load ended) is a trickle: carrying it would hold it for the carry window with the pipeline idle.
    const burstMs = this.target.limits.lingerMs(first.object);
    const inBurst = newestWithin(times, burstMs) >= maxBatchSize;
    if (!inBurst && carried.every((since) => since === undefined) && others < maxBatchSize - send.length) {
      this.log.debug({ object: first.object, records: send.length, others }, 'short call: a trickle after a flow');
      return false;
    }
    const waiting = carried.map((since) => since ?? now);
    if (waiting.some((since) => now - since >= carryMs)) {
      this.log.debug({ object: first.object, records: send.length, others }, 'short call: carried long enough');
      return false;
    }
    send.forEach((i, j) => this.carriedSince.set(recordKey(batch[i]), waiting[j]));
    return true;
  }

  /** Carried records that never came back (read by another instance after a rebalance) are forgotten. */
  private forgetOldCarries(now: number, carryMs: number): void {
    for (const [key, since] of this.carriedSince) if (now - since > 10 * carryMs) this.carriedSince.delete(key);
  }

  private recordFailure(w: WriteRequest, outcome: Extract<TargetResult, { ok: false }>): WriteOutcome | Error {
    const { error, because } = outcome;
    if (because === 'not-found' && (w.kind === 'flag' || w.kind === 'remove')) {
      // Flagging a record the target does not have would create it half-empty; removing it is already done.
      this.metrics.absent++;
      return 'absent';
    }
    // A record the target must already hold (`mustExist`) is not written by the hub's key instead: it is a failure.
    if (because === 'unknown-link' && operationOf(w) === 'update' && !w.linkedBy?.mustExist) {
      // The link names a record this target never had (made in another org, such as a sandbox connected before):
      // here the source record has no counterpart yet, so it is written by its key as an unlinked one is, instead of
      // failing, and failing its children after them. A record a person deleted (`not-found`) is not made again.
      this.goneLinks.add(recordKey(w));
      this.metrics.linksGone++;
      this.log.warn(
        { object: w.object, key: w.key, linkedBy: w.linkedBy, reason: error.message },
        'linked record unknown to the target: written by its key instead',
      );
      return new TransientError('LINKED_RECORD_UNKNOWN', `${w.object} ${w.key}: ${error.message}`, {
        retryAfterMs: 0,
      });
    }
    this.metrics.recordFailures++;
    if (because === 'not-found' && w.kind === 'merge') {
      this.parents.creatorAwaited(w.object);
      return new TransientError(
        'RECORD_NOT_CREATED_YET',
        `${w.object} ${w.key} does not exist yet: the write that creates it has not landed (${error.message})`,
        { retryAfterMs: 2_000 },
      );
    }
    if (because === 'exists' && Object.keys(w.createOnly).length > 0) {
      this.knownToExist.add(recordKey(w));
      this.log.info({ object: w.object, key: w.key }, 'record exists already: create-only fields dropped');
      return new TransientError('CREATE_ONLY_FIELDS_ON_UPDATE', error.message, { retryAfterMs: 0 });
    }
    return error instanceof PermanentError || error instanceof TransientError ? error : classifyError(error);
  }
}

/**
 * An audit sink that failed is the hub's own infrastructure, never the record's fault: its writes are retried, not
 * dead-lettered, whatever the error's kind.
 */
const auditFailure = (error: unknown): TransientError =>
  error instanceof TransientError
    ? error
    : new TransientError(
        'AUDIT_NOT_STORED',
        `audit entries not stored: ${(error as Error)?.message ?? String(error)}`,
        {
          retryAfterMs: 1_000,
          cause: error,
        },
      );

/**
 * How long without a new record a flow counts as ended: the configured gap, or twice the longest pause between two
 * arrivals of the flow within the carry window if that is longer, never past the carry window. A source that
 * publishes in bursts (odoo-cdc sends once per fetch it made durable: on a loaded machine about 700 records every
 * 2 to 6 s) pauses longer between bursts than any fixed gap a single change should wait for: judged by a fixed 1 s
 * gap, every burst of a 10,000-partner snapshot ended a flow and left a short call (62 calls where 51 would do).
 * A flow's first burst shows no pause yet, so its remainder still leaves after the configured gap.
 */
export function flowEndsAfter(arrivals: readonly number[], gapMs: number, carryMs: number): number {
  let pause = 0;
  for (let i = 1; i < arrivals.length; i++) pause = Math.max(pause, arrivals[i] - arrivals[i - 1]);
  return Math.min(carryMs, Math.max(gapMs, 2 * pause));
}

/**
 * How many arrivals came within `windowMs` of the newest one. Arrivals are in order, so it counts from the end and
 * stops at the first one outside: a short call's check reads a call's worth, not the whole carry window's.
 */
export function newestWithin(arrivals: readonly number[], windowMs: number): number {
  const newest = arrivals[arrivals.length - 1];
  let n = 0;
  for (let i = arrivals.length - 1; i >= 0 && newest - arrivals[i] < windowMs; i--) n++;
  return n;
}

/** How soon a write waiting for its parent looks again. */
const PARENT_RECHECK_MS = 250;
/**
 * How long a parked write waits in place for its parent before it is deferred again (its park partition then moves
 * on and comes back to it): long enough for a snapshot's children to gather into full calls as their parents land,
 * short enough that one missing parent never holds the park lane for long.
 */
const PARKED_HOLD_MS = 2_000;
/** The longest a parked write waits in place while parents of its kind keep landing. */
const PARKED_HOLD_MAX_MS = 30_000;

/** One batcher per object, key field and kind of call. */
const batcherKey = (w: TargetWrite) => `${w.object}\u0000${w.keyField}\u0000${operationOf(w)}`;

const recordKey = (w: Pick<TargetWrite, 'object' | 'keyField' | 'key'>) =>
  `${w.object}\u0000${w.keyField}\u0000${w.key}`;
