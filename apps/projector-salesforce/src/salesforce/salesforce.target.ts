import type { OutgoingRecord, ProjectionTarget, TargetLimits, TargetOperation, TargetResult } from '@hub/projection';
import { PermanentError } from '@hub/resilience';
import { becauseOf } from './salesforce-error.mapper';
import { BulkUpsertOutcome, SalesforcePort, UpsertOutcome } from './salesforce.port';

/**
 * The projection engine's view of one Salesforce org: upserts go through sObject Collections by external id (a large
 * backlog of one object through Bulk API 2.0 jobs, when the engine's limits say so), records a person created and
 * Odoo linked are updated by their Id (collections update) and given the external id, removals find the records' ids
 * by external id and delete them in one collections call. What a refused record means to the engine (does not exist,
 * exists already) is read from Salesforce's codes.
 */
export class SalesforceTarget implements ProjectionTarget {
  readonly name = 'salesforce';
  readonly system = 'salesforce' as const;

  constructor(
    private readonly salesforce: SalesforcePort,
    readonly limits: TargetLimits,
  ) {}

  async apply(
    object: string,
    keyField: string,
    operation: TargetOperation,
    records: OutgoingRecord[],
  ): Promise<TargetResult[]> {
    const outcomes =
      operation === 'remove'
        ? await this.salesforce.deleteByExternalId(
            object,
            keyField,
            records.map((r) => r.write.key),
          )
        : operation === 'update'
          ? await this.update(object, keyField, records)
          : await this.salesforce.upsert(object, keyField, byKey(keyField, records));
    return results(outcomes, operation);
  }

  /**
   * Upserts in one Bulk API 2.0 job, the same records as `apply` would send: a large backlog in a handful of calls
   * instead of one per 200 records. A refused row means to the engine what it means in a collections call.
   */
  async applyBulk(object: string, keyField: string, records: OutgoingRecord[]): Promise<TargetResult[]> {
    return results(await this.salesforce.bulkUpsert(object, keyField, byKey(keyField, records)), 'upsert');
  }

  /**
   * The linked records by their Salesforce Id, each given its external id in the same update, so later writes keyed
   * by it (a contact's Account, an invoice's Order) find the record the person created.
   *
   * When another record holds that external id already (an Account the hub created from the Odoo partner before a
   * rep made a second one, which Odoo then matched, by VAT for example, and linked to the rep's), the key follows
   * Odoo's link: it is cleared on the other record, which the hub no longer feeds (it stays in Salesforce for sales
   * operations to merge), and the linked record is updated again. Only the record Salesforce names as holding that
   * very key is touched, and only once per call.
   */
  private async update(object: string, keyField: string, records: OutgoingRecord[]): Promise<UpsertOutcome[]> {
    const rows = records.map((r) => {
      const link = r.write.linkedBy;
      // The mapping links by Id only (validated at start): anything else is a programmer error, not the record's.
      if (link?.field !== 'Id') throw new TypeError(`${object} ${r.write.key}: not linked by its Salesforce Id`);
      return { ...r.payload, [keyField]: r.write.key, Id: link.value };
    });
    const outcomes = await this.salesforce.update(object, rows);
    const holders = new Map<number, string>();
    outcomes.forEach((o, i) => {
      const holder = o.ok ? undefined : keyHolderOf(o.error, keyField);
      if (holder && holder !== rows[i].Id) holders.set(i, holder);
    });
    if (holders.size === 0) return outcomes;
    const released = await this.salesforce.update(
      object,
      [...new Set(holders.values())].map((Id) => ({ Id, [keyField]: null })),
    );
    if (released.some((r) => !r.ok)) return outcomes;
    const again = await this.salesforce.update(
      object,
      [...holders.keys()].map((i) => rows[i]),
    );
    [...holders.keys()].forEach((i, n) => (outcomes[i] = again[n]));
    return outcomes;
  }
}

/**
 * The record that holds `keyField`'s value already, from Salesforce's DUPLICATE_VALUE on that field ("duplicate value
 * found: Odoo_Id__c duplicates value on record with id: 001…"), or undefined for any other failure.
 */
export function keyHolderOf(error: Error, keyField: string): string | undefined {
  if (!(error instanceof PermanentError) || error.vendorCode !== 'DUPLICATE_VALUE') return undefined;
  const m = new RegExp(`\\b${keyField} duplicates value on record with id: ([a-zA-Z0-9]{15,18})`).exec(error.message);
  return m?.[1];
}

/** The records of an upsert by external id: their fields and their key. */
const byKey = (keyField: string, records: OutgoingRecord[]) =>
  records.map((r) => ({ ...r.payload, [keyField]: r.write.key }));

/** Salesforce's outcomes in the engine's terms: what a refused record means is read from its code. */
const results = (outcomes: BulkUpsertOutcome[], operation: TargetOperation): TargetResult[] =>
  outcomes.map((o) => (o.ok ? { ok: true } : { ok: false, error: o.error, because: becauseOf(o.error, operation) }));
