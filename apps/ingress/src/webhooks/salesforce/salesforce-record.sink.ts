import type { IntakeResult } from '../../intake/intake.port';
import type { OutboundNotification } from './outbound-message.parser';

/**
 * Where the records of an accepted Salesforce Outbound Message go (DI token): turning Accounts and Contacts into
 * canonical Customers and Contacts and handing them to the intake. `accept` gets every notification of one message
 * (1 to 100, already checked to come from `orgId`, the configured org); it resolves only once all of them are
 * durable or recognised as duplicates (by notification id, which redeliveries keep), since the message is
 * acknowledged to Salesforce right after; it ignores, and counts, object types it does not handle. It rejects with a
 * TransientError (with `retryAfterMs`) while Kafka is unavailable: nothing is acknowledged and Salesforce retries.
 */
export abstract class SalesforceRecordSink {
  abstract accept(orgId: string, notifications: OutboundNotification[]): Promise<IntakeResult>;
}
