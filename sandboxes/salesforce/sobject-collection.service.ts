import type { FaultInjector } from './fault.injector';
import { toCaseSafeId } from './record-id';
import type { CommitContext, FieldValue, RecordStore, Transaction } from './record.store';
import { SaveErrors, type SaveError } from './salesforce.errors';
import type { ParsedRecord, SObjectDml, WriteOutcome } from './sobject-dml.service';
import type { FieldDef, SObjectDef } from './sobject.catalogue';

/** One record's result, in the order the records were given. */
export type RecordOutcome = { ok: true; id: string; created: boolean } | { ok: false; errors: SaveError[] };

/** Where a batch of records is written. */
export interface WriteScope {
  /**
   * Who commits the i-th record, and through which API. Records whose contexts are the same object share one Change
   * Data Capture transaction (one REST request; one 200-record chunk of a Bulk API job).
   */
  commit(index: number): CommitContext;
  /** allOrNone: every record is staged in this one transaction, which the caller commits or rolls back. */
  shared?: Transaction;
}

const failed = (errors: SaveError[]): RecordOutcome => ({ ok: false, errors });

/**
 * The per-record write path of sObject Collections (create, update, upsert, delete) and of Bulk API 2.0 ingest jobs,
 * so that both refuse, write and capture exactly alike: request-level checks are the caller's, everything after is
 * here. Without a shared transaction each record commits or rolls back on its own (allOrNone=false); an injected
 * UNABLE_TO_LOCK_ROW is drawn per record, in the same order as before this class existed.
 */
export class SObjectCollections {
  constructor(
    private readonly store: RecordStore,
    private readonly dml: SObjectDml,
    private readonly faults: FaultInjector,
  ) {}

  /** Vetoes the write of one row (of `object`; the matched Id, or none for a new row) when a lock fault fires. */
  lockCheck(object: SObjectDef): (id: string | undefined) => SaveError | undefined {
    return (id) =>
      this.faults.lockRow() ? SaveErrors.unableToLockRow(id ?? this.store.nextId(object.keyPrefix)) : undefined;
  }

  create(scope: WriteScope, index: number, object: SObjectDef, parsed: ParsedRecord): RecordOutcome {
    if (parsed.hasId) return failed([SaveErrors.notWritable(['Id'])]);
    const lockError = this.lockCheck(object)(undefined);
    if (lockError) return failed([lockError]);
    return this.inTransaction(scope, index, (tx) => this.dml.create(tx, object, parsed));
  }

  /** Updates the record named by `rawId`, which must be an Id of `object`; never creates. */
  update(scope: WriteScope, index: number, object: SObjectDef, rawId: unknown, parsed: ParsedRecord): RecordOutcome {
    if (rawId === undefined || rawId === null || rawId === '') return failed([SaveErrors.idNotSpecifiedForUpdate()]);
    const id = typeof rawId === 'string' ? toCaseSafeId(rawId) : undefined;
    if (!id || !id.startsWith(object.keyPrefix)) {
      return failed([SaveErrors.malformedId(`${object.label} ID`, 'Id', String(rawId))]);
    }
    const existing = this.store.get(id);
    if (!existing || existing.type !== object.name) return failed([SaveErrors.invalidCrossReference('Id')]);
    const lockError = this.lockCheck(object)(id);
    if (lockError) return failed([lockError]);
    return this.inTransaction(scope, index, (tx) => this.dml.update(tx, object, existing, parsed));
  }

  /**
   * Upserts by `field` (an external id, not `Id`), each record carrying its key among its values. The same key twice
   * among `records` fails every record holding it (DUPLICATE_VALUE), as Salesforce does within one request or batch.
   */
  upsert(scope: WriteScope, object: SObjectDef, field: FieldDef, records: readonly ParsedRecord[]): RecordOutcome[] {
    const keyOf = (value: FieldValue) =>
      typeof value === 'string' && !field.caseSensitive ? value.toLowerCase() : JSON.stringify(value);
    const seen = new Map<string, number>();
    for (const p of records) {
      const value = p.values.get(field.name);
      if (value !== null && value !== undefined) seen.set(keyOf(value), (seen.get(keyOf(value)) ?? 0) + 1);
    }
    const lock = this.lockCheck(object);
    return records.map((p, index) => {
      const value = p.values.get(field.name);
      if (p.hasId) return failed([SaveErrors.idInBody()]);
      if (value === null || value === undefined) return failed([SaveErrors.missingExternalId(field.name)]);
      if ((seen.get(keyOf(value)) ?? 0) > 1) return failed([SaveErrors.duplicateExternalIdInRequest(String(value))]);
      const values = new Map(p.values);
      values.delete(field.name);
      return this.inTransaction(scope, index, (tx) => {
        const outcome = this.dml.upsert(tx, object, field, value, { ...p, values }, lock);
        return 'multiple' in outcome
          ? { ok: false, errors: [SaveErrors.externalIdMatchesMany(field.name, String(value))] }
          : outcome;
      });
    });
  }

  /**
   * Soft-deletes the record named by `rawId` (and what its delete cascades to). With `object`, the Id must be one of
   * that object's (a Bulk API job names its object); sObject Collections take Ids of any object.
   */
  delete(scope: WriteScope, index: number, rawId: string, object?: SObjectDef): RecordOutcome {
    if (object && rawId === '') return failed([SaveErrors.idNotSpecifiedForDelete()]);
    const id = toCaseSafeId(rawId);
    if (object && (!id || !id.startsWith(object.keyPrefix))) {
      return failed([SaveErrors.malformedId(`${object.label} ID`, 'Id', rawId)]);
    }
    const record = id ? this.store.get(id) : undefined;
    if (!record || record.values['IsDeleted'] === true) {
      return failed([record ? SaveErrors.entityIsDeleted() : SaveErrors.invalidCrossReference('id')]);
    }
    const recordId = record.values['Id'] as string;
    const lockError = this.faults.lockRow() ? SaveErrors.unableToLockRow(recordId) : undefined;
    if (lockError) return failed([lockError]);
    return this.inTransaction(scope, index, (tx) => {
      const outcome = this.dml.delete(tx, record);
      return outcome.ok ? { ok: true, id: recordId, created: false } : outcome;
    });
  }

  private inTransaction(scope: WriteScope, index: number, write: (tx: Transaction) => WriteOutcome): RecordOutcome {
    const tx = scope.shared ?? this.store.begin(scope.commit(index));
    const outcome = write(tx);
    if (!scope.shared) {
      if (outcome.ok) tx.commit();
      else tx.rollback();
    }
    return outcome;
  }
}
