import { canonicalEnvelope, canonicalEvent, deterministicEventId } from '@hub/canonical';
import { Intake, IntakeChange, IntakeResult } from '../intake/intake.port';
import type { OutboundNotification } from '../webhooks/salesforce/outbound-message.parser';
import { SalesforceRecordSink } from '../webhooks/salesforce/salesforce-record.sink';
import { canonicalIdOf, RecordFields, toContact, toCustomer } from './salesforce-canonical.mapper';
import type { SalesforceMirror } from './salesforce-mirror.repository';

/**
 * Salesforce Outbound Messages (orgs without Change Data Capture) into canonical Customers and Contacts, through the
 * same mapping as the change streams. A notification carries the record's selected fields at send time, not a diff:
 * it is published whole, restricted to what Salesforce owns for the record. Its position is the record's
 * SystemModstamp (include it in the message's fields), the only order Outbound Messages have: an org uses either
 * CDC or Outbound Messages, so the positions of one deployment stay comparable.
 */
export class OutboundRecordSink extends SalesforceRecordSink {
  readonly metrics = { ignored: 0 };

  constructor(
    private readonly intake: Intake,
    private readonly mirror: SalesforceMirror,
  ) {
    super();
  }

  async accept(orgId: string, notifications: OutboundNotification[]): Promise<IntakeResult> {
    const changes: IntakeChange[] = [];
    for (const n of notifications) {
      const fields: RecordFields = { ...n.fields };
      const stamp = Date.parse(String(fields.SystemModstamp ?? fields.LastModifiedDate ?? ''));
      const position = Number.isFinite(stamp) ? stamp : Date.now();
      const envelopeOf = (eventType: string, aggregateId: string) =>
        canonicalEnvelope({
          eventId: deterministicEventId('salesforce-outbound-message', orgId, n.notificationId),
          eventType,
          aggregateId,
          occurredAt: position,
          sourceSystem: 'SALESFORCE',
          sourceTable: n.objectType,
          sourcePrimaryKey: n.recordId,
          sourcePosition: position,
          sourceEventId: n.notificationId,
        });
      const base = { source: 'salesforce-outbound-message' as const, sourceEventId: n.notificationId };
      if (n.objectType === 'Account') {
        const customer = toCustomer(n.recordId, fields);
        changes.push({
          ...base,
          topic: 'customer',
          value: canonicalEvent('customer', envelopeOf('customer.upserted', customer.id), customer),
        });
      } else if (n.objectType === 'Contact') {
        const accountId = typeof fields.AccountId === 'string' ? fields.AccountId : null;
        let customerId: string | null = null;
        if (accountId) {
          const account = (await this.mirror.get('Account', [accountId])).get(accountId);
          customerId = canonicalIdOf('Account', accountId, account?.fields.Odoo_Id__c);
        }
        const contact = toContact(n.recordId, fields, customerId);
        changes.push({
          ...base,
          topic: 'contact',
          value: canonicalEvent('contact', envelopeOf('contact.upserted', contact.id), contact),
        });
      } else {
        this.metrics.ignored++;
      }
    }
    return this.intake.accept(changes);
  }
}
