import type { CanonicalTopicKey, CanonicalValue } from '@hub/canonical';

/** Where a change entered the hub: the vendor channel, named in metrics, logs and the dedupe ledger. */
export type IntakeSource = 'salesforce-cdc' | 'salesforce-outbound-message' | 'zendesk' | 'freshdesk';

/**
 * One change a front door accepted and turned into canonical form. `sourceEventId` is the vendor's own id of the
 * event or notification (Zendesk's event id, Freshdesk's ticket id + update time, an Outbound Message notification
 * Id, a change event's replay id): duplicates are recognised by it, durably, across restarts.
 */
export interface IntakeChange<K extends CanonicalTopicKey = CanonicalTopicKey> {
  source: IntakeSource;
  sourceEventId: string;
  topic: K;
  /** The canonical event (envelope included); its `envelope.eventId` must be derived from the source event id. */
  value: CanonicalValue<K>;
}

/** What became of a batch of changes handed to the intake. */
export interface IntakeResult {
  /** Published now, acknowledged by Kafka (acks=all). */
  published: number;
  /** Seen before (a vendor's retry): nothing published again. */
  duplicates: number;
}

/**
 * The one way a front door hands changes to the hub. `accept` resolves only once every new change is durable on
 * Kafka (acks=all, idempotent producer) and recorded as seen, so the caller may acknowledge its sender afterwards.
 * When Kafka is unreachable or slow it rejects with a TransientError carrying `retryAfterMs`: the caller answers
 * 503 with Retry-After and acknowledges nothing.
 */
export abstract class Intake {
  abstract accept(changes: IntakeChange[]): Promise<IntakeResult>;
}
