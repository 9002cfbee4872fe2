import type { PermanentError, TransientError } from '@hub/resilience';

/** A target record another write references (an Account a Contact belongs to): the engine writes parents first. */
export interface RecordRef {
  /** The target's kind of record, e.g. Salesforce's `Account`. */
  object: string;
  /** The target field that holds the hub's key, e.g. `Odoo_Id__c`. */
  keyField: string;
  /** The hub's key of the record, e.g. `odoo-partner-7`. */
  key: string;
}

/**
 * One write to one target record, planned by the target's mapping in the target's own field names.
 *
 * - `upsert` creates or updates the record by its key;
 * - `merge` adds fields to a record another write creates (it must exist);
 * - `flag` marks a record deleted at the source (meaningless for a record never projected);
 * - `remove` deletes the record (an order line gone from its order).
 */
export interface TargetWrite extends RecordRef {
  /**
   * Stale-guard scope: the mapping write this comes from (e.g. `Customer:Account`), so two writes onto one record
   * keep their own positions.
   */
  scope: string;
  fields: Record<string, unknown>;
  /** Accepted by the target on create only: sent while the hub has never written the record. */
  createOnly: Record<string, unknown>;
  kind: 'upsert' | 'merge' | 'flag' | 'remove';
  /** Parents this record references that this target writes by that key: only those are waited for. */
  parents: RecordRef[];
  /**
   * Set when the record was created in the target and the source links it to its own (a Salesforce Account a rep
   * created, which Odoo recorded against its partner): the target's own key of that record, e.g. `{ field: 'Id',
   * value: '001…' }`. Such a write updates that record and never creates one, sets `keyField` to `key` on it (so
   * later writes keyed by `key` find it), and never carries create-only fields. Stale guard, parents and locks still
   * go by `key`. `unlinked` is the write as it would be without the link (all its fields, its create-only ones and
   * their parents): what the engine sends by `key` instead when the target never had the linked record; with
   * `mustExist` (a record the target created and the hub only annotates, such as a rep's order) it sends nothing
   * instead: the write fails.
   */
  linkedBy?: {
    field: string;
    value: string;
    unlinked?: Pick<TargetWrite, 'fields' | 'createOnly' | 'parents'>;
    mustExist?: boolean;
  };
}

/** What the target says about one write of a call. */
export type TargetResult =
  | { ok: true }
  | {
      ok: false;
      error: TransientError | PermanentError;
      /**
       * Why, in the engine's terms, when the target can tell: `not-found` (the record does not exist: a flag for a
       * record never projected, or a merge before the write that creates it), `exists` (a create-only field was sent
       * to a record that exists already), `unknown-link` (an update's `linkedBy` names a record this target never had,
       * such as an Id of another org; a record that was there and was deleted is `not-found`).
       */
      because?: 'not-found' | 'exists' | 'unknown-link';
    };

/** One record of a call: the write and what is sent for it (its fields, plus the create-only ones for a new record). */
export interface OutgoingRecord {
  write: TargetWrite;
  payload: Record<string, unknown>;
}

/** Limits and pacing of one target account; the engine batches and paces by them. */
export interface TargetLimits {
  /** Writes per call (Salesforce sObject Collections: 200). */
  maxBatchSize: number;
  /**
   * Calls to the target at once, at most (absent: no bound); more wait their turn before the breaker times them. For
   * a target of one record per call, whose account takes only so many requests at once.
   */
  maxConcurrentCalls?: number;
  /** How long the first write of a batch waits for others to join it, per object (bulk objects wait longer). */
  lingerMs(object: string): number;
  /**
   * How long a batch that is not full waits for another write of its object before it goes (never past
   * {@link lingerMs}): what arrives together leaves together, and nothing waits for writes that are not coming. A
   * single change, or a trickle slower than this, goes almost at once; a flow keeps its batch open up to the linger.
   * Absent: every batch waits the whole linger.
   */
  quietLingerMs?(object: string): number;
  /** How long at most a write is held back while a parent it references has not been written by the hub. */
  parentWaitMs: number;
  /**
   * How long at most a write may be sent back to Kafka to leave in a fuller call while a bulk flow of its object is
   * arriving (0 or absent: never; objects somebody waits for should say 0).
   */
  carryMs?(object: string): number;
  /**
   * How long without a new record of its object a flow counts as ended, so its remainder leaves at once instead of
   * waiting out the carry window (absent: the carry window itself).
   */
  flowGapMs?(object: string): number;
  /**
   * When the upserts of an object go in bulk jobs ({@link ProjectionTarget.applyBulk}) instead of calls of
   * `maxBatchSize`: absent, or undefined for an object, never (objects somebody waits for should say so).
   */
  bulk?(object: string): BulkLimits | undefined;
}

/** How an object's large backlogs are written: see {@link ProjectionTarget.applyBulk}. */
export interface BulkLimits {
  /**
   * The backlog from which an object's upserts go in bulk jobs: its writes this process holds (fetched, and not
   * applied yet: queued, held for parents, in flight). Below it they go in calls of `maxBatchSize`.
   */
  threshold: number;
  /** Records per bulk job at most. */
  maxBatchSize: number;
  /**
   * A bulk flow's remainder (what is left once full jobs left and the backlog fell below `threshold`) of at least this
   * many records still goes in a job of its own: a job costs a few calls whatever its size, the remainder in calls of
   * `maxBatchSize` one per `maxBatchSize` records. Smaller remainders, and all of them when unset, go in calls.
   */
  minJobSize?: number;
  /**
   * How long a job waits for more records after its first, unless every write of its object this process holds is
   * in it already (then it leaves at once).
   */
  lingerMs: number;
  /** The longest a job may take, its answers included: past it, it counts as failed (the breaker's timeout for it). */
  timeoutMs: number;
}

/** How a call applies its records: see {@link ProjectionTarget.apply}. */
export type TargetOperation = 'upsert' | 'update' | 'remove';

/** The operation a write goes in: a linked record is updated by the target's own key, never upserted. */
export function operationOf(w: Pick<TargetWrite, 'kind' | 'linkedBy'>): TargetOperation {
  if (w.kind === 'remove') return 'remove';
  return w.linkedBy ? 'update' : 'upsert';
}

/**
 * A system the hub projects canonical events into, in the hub's terms (STYLE rule 9): "apply these writes of one
 * object and kind, return one result per write, in order". One adapter per vendor implements it.
 *
 * Guarantees the engine relies on: writes are idempotent by key (re-sending a call after a lost answer updates the
 * same records, never creates a second one); one write's failure does not fail the others of its call.
 * Errors: a failure of the whole call throws TransientError or PermanentError, mapped by the adapter's error mapper.
 */
export abstract class ProjectionTarget {
  /** The target system, also the `target` of its applied positions, e.g. `salesforce`. */
  abstract readonly name: string;
  /** The system of record this target is in `config/ownership.yaml` (its own fields are never written back to it). */
  abstract readonly system: 'odoo' | 'salesforce' | 'support';
  abstract readonly limits: TargetLimits;
  /**
   * Applies at most `limits.maxBatchSize` records of one object and key field: upserts them by key (`upsert`: the
   * `upsert`, `merge` and `flag` writes), updates existing records by their `write.linkedBy` and sets `keyField` to
   * the key on each (`update`: never creates; a record deleted fails `because: 'not-found'`, one never there
   * `because: 'unknown-link'`), or deletes
   * them (`remove`). One result per record, in input order.
   */
  abstract apply(
    object: string,
    keyField: string,
    operation: TargetOperation,
    records: OutgoingRecord[],
  ): Promise<TargetResult[]>;

  /**
   * Upserts up to `limits.bulk(object).maxBatchSize` records of one object by key in one bulk job (e.g. Salesforce's
   * Bulk API 2.0): the `upsert` writes of {@link apply} (kinds upsert, merge, flag), with the same meaning per
   * record. One result per record, in input order; a refused record fails alone. Optional: a target without it is
   * only ever called through `apply`.
   *
   * Errors: a job that fails as a whole throws TransientError or PermanentError; the engine then sends its records
   * through `apply` (idempotent by key, so a record the failed job had applied is updated again, never duplicated).
   */
  applyBulk?(object: string, keyField: string, records: OutgoingRecord[]): Promise<TargetResult[]>;
}
