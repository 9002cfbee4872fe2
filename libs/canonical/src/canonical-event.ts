import type { CanonicalValue } from './canonical-codec';
import { entityOfTopic } from './event-map';
import type { Envelope } from './generated/avro-types';
import type { CanonicalTopicKey } from './topics';

/**
 * Version of the canonical contract (schemas/avro) this build writes into every envelope (`Envelope.schemaVersion`),
 * whichever app produces the event. Raised when the contract changes: 2 added `Envelope.sourceEventId`, positions
 * ordered per source system, and `Invoice.orderIds` with `orderId`; 3 added producers beside Odoo (Salesforce-owned
 * Customer and Contact fields, fields owned by a record's origin, order submissions and service cases); 4 added the
 * hub as a source (`HUB`) and its order exceptions; 5 added customer service loads (open tickets per customer and
 * desk).
 */
export const CONTRACT_VERSION = 5;

/** The entity record a topic's events carry next to their envelope, e.g. `invoice` → `Invoice`. */
export type CanonicalEntityOf<K extends CanonicalTopicKey> = NonNullable<
  CanonicalValue<K>[Exclude<keyof CanonicalValue<K>, 'envelope'>]
>;

/** What a producer says about one change; the contract fills the rest (version, and nulls for what it has not). */
export type EnvelopeInput = Omit<Envelope, 'schemaVersion' | 'sourceTable' | 'sourceTransactionId' | 'sourceEventId'> &
  Partial<Pick<Envelope, 'sourceTable' | 'sourceTransactionId' | 'sourceEventId'>>;

/**
 * A complete envelope at this build's {@link CONTRACT_VERSION}. `sourcePosition` must be ordered within
 * `sourceSystem` (Odoo: the transaction's commit LSN; Salesforce: the change event's replay id as a number; a support
 * desk: its event time in ms): consumers compare positions of the same source only.
 */
export function canonicalEnvelope(input: EnvelopeInput): Envelope {
  return {
    ...input,
    sourceTable: input.sourceTable ?? null,
    sourceTransactionId: input.sourceTransactionId ?? null,
    sourceEventId: input.sourceEventId ?? null,
    schemaVersion: CONTRACT_VERSION,
  };
}

/** The field of a topic's event record that holds its entity, e.g. `sales-order` → `salesOrder`. */
export function eventFieldOf(topic: CanonicalTopicKey): string {
  const entity = entityOfTopic(topic);
  return entity[0].toLowerCase() + entity.slice(1);
}

/**
 * The value of one canonical event: the envelope and the entity (null exactly for a `*.deleted` event), typed by
 * topic, so a producer never spells the event field or casts.
 */
export function canonicalEvent<K extends CanonicalTopicKey>(
  topic: K,
  envelope: Envelope,
  entity: CanonicalEntityOf<K> | null,
): CanonicalValue<K> {
  // The computed key loses the pairing of topic and field that CanonicalValue<K> states.
  return { envelope, [eventFieldOf(topic)]: entity } as unknown as CanonicalValue<K>;
}
