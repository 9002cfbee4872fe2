import type { OutgoingRecord, ProjectionTarget, TargetLimits, TargetResult } from '@hub/projection';
import { becauseOf } from './salesforce-error.mapper';
import { SalesforcePort } from './salesforce.port';

/**
 * The projection engine's view of one Salesforce org: upserts go through sObject Collections by external id,
 * removals find the records' ids by external id and delete them in one collections call. What a refused record
 * means to the engine (does not exist, exists already) is read from Salesforce's codes.
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
    operation: 'upsert' | 'remove',
    records: OutgoingRecord[],
  ): Promise<TargetResult[]> {
    const outcomes =
      operation === 'remove'
        ? await this.salesforce.deleteByExternalId(
            object,
            keyField,
            records.map((r) => r.write.key),
          )
        : await this.salesforce.upsert(
            object,
            keyField,
            records.map((r) => ({ ...r.payload, [keyField]: r.write.key })),
          );
    return outcomes.map((o) => (o.ok ? { ok: true } : { ok: false, error: o.error, because: becauseOf(o.error) }));
  }
}
