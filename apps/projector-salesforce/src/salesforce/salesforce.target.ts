import type { OutgoingRecord, ProjectionTarget, TargetLimits, TargetOperation, TargetResult } from '@hub/projection';
import { becauseOf } from './salesforce-error.mapper';
import { SalesforcePort, UpsertOutcome } from './salesforce.port';

/**
 * The projection engine's view of one Salesforce org: upserts go through sObject Collections by external id,
 * records a person created and Odoo linked are updated by their Id (collections update) and given the external id,
 * removals find the records' ids by external id and delete them in one collections call. What a refused record means
 * to the engine (does not exist, exists already) is read from Salesforce's codes.
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
          : await this.salesforce.upsert(
              object,
              keyField,
              records.map((r) => ({ ...r.payload, [keyField]: r.write.key })),
            );
    return outcomes.map((o) =>
      o.ok ? { ok: true } : { ok: false, error: o.error, because: becauseOf(o.error, operation) },
    );
  }

  /**
   * The linked records by their Salesforce Id, each given its external id in the same update, so later writes keyed
   * by it (a contact's Account, an invoice's Order) find the record the person created.
   */
  private update(object: string, keyField: string, records: OutgoingRecord[]): Promise<UpsertOutcome[]> {
    return this.salesforce.update(
      object,
      records.map((r) => {
        const link = r.write.linkedBy;
        // The mapping links by Id only (validated at start): anything else is a programmer error, not the record's.
        if (link?.field !== 'Id') throw new TypeError(`${object} ${r.write.key}: not linked by its Salesforce Id`);
        return { ...r.payload, [keyField]: r.write.key, Id: link.value };
      }),
    );
  }
}
