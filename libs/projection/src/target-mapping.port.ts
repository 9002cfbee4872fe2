import type { TargetWrite } from './target.port';

/** A write of a mapping whose records are the elements of one of the entity's lists (an order's lines). */
export interface ChildScope {
  scope: string;
  object: string;
  keyField: string;
  /** The entity's list field the children come from, e.g. `lines`. */
  listField: string;
}

/**
 * What turns one canonical record into writes for one target: data (a mapping file) or code. Each target has one.
 * `writable` holds the entity's top-level fields the event's source owns and the target does not
 * (config/ownership.yaml): a target field computed from any other field is left out of the write.
 */
export abstract class TargetMapping {
  abstract handles(entity: string): boolean;
  /**
   * The writes for one entity state, as steps: each step's writes can go together, and a step starts only after the
   * previous one landed. Throws PermanentError for a value the mapping cannot translate.
   */
  abstract plan(
    entity: string,
    record: Record<string, unknown>,
    writable: ReadonlySet<string>,
  ): Promise<TargetWrite[][]>;
  /** The writes for an entity deleted at its source, identified by its canonical id. */
  abstract planDeletion(entity: string, aggregateId: string): TargetWrite[][];
  /** Writes made once per element of a list: their records the entity no longer has are removed from the target. */
  abstract childScopes(entity: string): ChildScope[];
  /** Whether some write creates `object` keyed by `keyField`: only such parents can be known written. */
  abstract writesKeyedBy(object: string, keyField: string): boolean;
}
