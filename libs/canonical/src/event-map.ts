import type { CanonicalValue } from './canonical-codec';
import { CANONICAL_TOPICS, CanonicalEventType, CanonicalTopicKey } from './topics';

/** The topic that carries an event type, as a type: `TopicOf<'customer.deleted'>` is `'customer'`. */
export type TopicOf<E extends CanonicalEventType> = {
  [K in CanonicalTopicKey]: E extends (typeof CANONICAL_TOPICS)[K]['eventTypes'][number] ? K : never;
}[CanonicalTopicKey];

/**
 * The one typed event map of the hub (STYLE rule 12): event type → the generated record its topic carries.
 * Handlers are typed by it, so `customer.upserted` is handed a `CustomerEvent` without a cast.
 */
export type CanonicalEventTypeMap = { [E in CanonicalEventType]: CanonicalValue<TopicOf<E>> };

/** One decoded canonical event, discriminated by its type. */
export type CanonicalEventOf<E extends CanonicalEventType = CanonicalEventType> = {
  [T in E]: { eventType: T; eventId: string; value: CanonicalEventTypeMap[T] };
}[E];

/** The canonical entity of a topic, e.g. `sales-order` → `SalesOrder`. */
export function entityOfTopic(topic: CanonicalTopicKey): string {
  return CANONICAL_TOPICS[topic].schema.replace(/Event$/, '');
}

/** Every event type of the given topics, in topic-table order. */
export function eventTypesOf(topics: readonly CanonicalTopicKey[]): CanonicalEventType[] {
  return topics.flatMap((k) => [...CANONICAL_TOPICS[k].eventTypes]);
}
