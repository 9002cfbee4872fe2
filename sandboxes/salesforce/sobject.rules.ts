/**
 * The contract for object-specific platform behaviour that the catalogue cannot hold as data
 * (price-book uniqueness, order activation, roll-ups). A rule set is keyed by object name; the
 * DML runs its hooks at fixed points of every write, whichever endpoint the write came through:
 *
 *   create/update: writability → values → references → `fill` → required → unique → `check` → write → `after`
 *   delete:        `checkDelete` → delete (and cascade, from the catalogue) → `after`
 *
 * Hooks read through the caller's transaction, so rows staged earlier in an all-or-none
 * collection are visible, and they never write: `after` returns the changes to make.
 */
import type { FieldValue, RecordReader, StoredRecord } from './record.store';
import type { SaveError } from './salesforce.errors';
import type { SObjectDef } from './sobject.catalogue';

/** One record being created or updated, after field-level validation. */
export interface RecordWrite {
  readonly object: SObjectDef;
  /** The stored row before the write; undefined for a create. */
  readonly before: StoredRecord | undefined;
  /** The row as it will be stored: the stored values overlaid with what the body set. */
  readonly values: Readonly<Record<string, FieldValue>>;
  /** Fields the body set, directly or through an external-id reference (`"Order": {…}` sets OrderId). */
  readonly written: ReadonlySet<string>;
}

/** A change the platform makes to another row because of a write (a roll-up). */
export interface RowUpdate {
  record: StoredRecord;
  values: Record<string, FieldValue>;
}

export interface SObjectRules {
  /** Values the platform sets before validation (OrderItem.Product2Id from its price book entry). */
  fill?(reader: RecordReader, write: RecordWrite): Record<string, FieldValue>;
  /** The record's refusal, if any, once its fields are valid. */
  check?(reader: RecordReader, write: RecordWrite): SaveError | undefined;
  /** The refusal of a delete, if any (cascaded deletes are not asked). */
  checkDelete?(reader: RecordReader, record: StoredRecord): SaveError | undefined;
  /** After a row of this object was written or deleted: rows the platform updates in consequence. */
  after?(reader: RecordReader, record: StoredRecord): RowUpdate[];
}

/** Rule sets by object name, in the catalogue's spelling. */
export type RuleBook = Readonly<Record<string, SObjectRules>>;
