import { Injectable } from '@nestjs/common';
import type { Contact, Customer, Envelope } from '@hub/canonical';
import { toSalesforceContact } from '../contact/contact.mapper';
import { toAccount } from '../customer/account.mapper';
import { SalesforcePort, SalesforceRecord } from '../salesforce/salesforce.port';
import { AppliedPositions } from './applied-positions.repository';

/** DI token for the external-id field name configured for the org. */
export abstract class ExternalIdField {
  abstract readonly name: string;
}

export type ProjectionOutcome = 'applied' | 'stale';

/**
 * Applies canonical events to Salesforce. Upserts are by external id, so applying the same event twice is harmless;
 * an event older than the last one applied to the same record (by source position) is skipped and counted.
 * A deletion in Odoo flags the record (`Odoo_Deleted__c = true`) instead of deleting it: deleting an Account in
 * Salesforce cascades to its opportunities and cases, which the sales team owns.
 */
@Injectable()
export class SalesforceProjectionService {
  readonly metrics = { applied: 0, staleSkipped: 0 };

  constructor(
    private readonly salesforce: SalesforcePort,
    private readonly externalId: ExternalIdField,
    private readonly positions: AppliedPositions,
  ) {}

  upsertAccount(customer: Customer, envelope: Envelope): Promise<ProjectionOutcome> {
    return this.guarded('Account', envelope, () =>
      this.upsertOne('Account', toAccount(customer, this.externalId.name)),
    );
  }

  upsertContact(contact: Contact, envelope: Envelope): Promise<ProjectionOutcome> {
    return this.guarded('Contact', envelope, () =>
      this.upsertOne('Contact', toSalesforceContact(contact, this.externalId.name)),
    );
  }

  markDeleted(objectName: 'Account' | 'Contact', envelope: Envelope): Promise<ProjectionOutcome> {
    return this.guarded(objectName, envelope, async () => {
      await this.salesforce.updateByExternalId(objectName, this.externalId.name, [envelope.aggregateId], {
        Odoo_Deleted__c: true,
      });
    });
  }

  /** Equal positions are applied again (a replay of the same event is idempotent); only older ones are skipped. */
  private async guarded(
    objectName: string,
    envelope: Envelope,
    apply: () => Promise<unknown>,
  ): Promise<ProjectionOutcome> {
    const last = await this.positions.lastApplied(objectName, envelope.aggregateId);
    if (last !== undefined && envelope.sourcePosition < last) {
      this.metrics.staleSkipped++;
      return 'stale';
    }
    await apply();
    // Recorded after Salesforce accepted the write; a crash in between replays the event, which is harmless.
    await this.positions.record(objectName, envelope.aggregateId, envelope.sourcePosition, envelope.eventId);
    this.metrics.applied++;
    return 'applied';
  }

  private async upsertOne(objectName: string, record: SalesforceRecord): Promise<string> {
    const [outcome] = await this.salesforce.upsert(objectName, this.externalId.name, [record]);
    if (!outcome.ok) throw outcome.error;
    return outcome.id;
  }
}
