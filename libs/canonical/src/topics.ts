import type { CanonicalSchemaName } from './generated/avro-schemas';

/**
 * The one topic table of the hub (STYLE rule 12). Logical names are stable; physical names come from
 * {@link physicalTopicName} with the prefix from configuration. Keys are the canonical id as a UTF-8 string;
 * values are Confluent-framed Avro registered under the TopicNameStrategy subject `<physical topic>-value`.
 */
export const CANONICAL_TOPICS = {
  customer: {
    schema: 'CustomerEvent',
    partitions: 6,
    // Compacted: a new consumer reading from the start gets the latest state of every customer.
    compacted: true,
    eventTypes: ['customer.upserted', 'customer.deleted'],
    // ingress will publish Salesforce Accounts here; field ownership decides which source's value wins per field.
    producers: ['odoo-cdc', 'ingress'],
  },
  contact: {
    schema: 'ContactEvent',
    partitions: 6,
    compacted: true,
    eventTypes: ['contact.upserted', 'contact.deleted'],
    producers: ['odoo-cdc', 'ingress'],
  },
  product: {
    schema: 'ProductEvent',
    partitions: 6,
    compacted: true,
    eventTypes: ['product.upserted', 'product.deleted'],
    producers: ['odoo-cdc'],
  },
  'sales-order': {
    schema: 'SalesOrderEvent',
    partitions: 6,
    compacted: true,
    eventTypes: ['sales-order.upserted', 'sales-order.deleted'],
    producers: ['odoo-cdc'],
  },
  invoice: {
    schema: 'InvoiceEvent',
    partitions: 6,
    compacted: true,
    eventTypes: ['invoice.upserted', 'invoice.deleted'],
    producers: ['odoo-cdc'],
  },
  payment: {
    schema: 'PaymentEvent',
    partitions: 6,
    compacted: true,
    eventTypes: ['payment.upserted', 'payment.deleted'],
    producers: ['odoo-cdc'],
  },
  shipment: {
    schema: 'ShipmentEvent',
    partitions: 6,
    compacted: true,
    eventTypes: ['shipment.upserted', 'shipment.deleted'],
    producers: ['odoo-cdc'],
  },
  'inventory-level': {
    schema: 'InventoryLevelEvent',
    partitions: 6,
    compacted: true,
    eventTypes: ['inventory-level.changed', 'inventory-level.deleted'],
    producers: ['odoo-cdc'],
  },
  'service-case': {
    schema: 'ServiceCaseEvent',
    partitions: 6,
    // Compacted: the latest state of every support ticket; tickets are not deleted through the hub.
    compacted: true,
    eventTypes: ['service-case.upserted'],
    // ingress turns Zendesk and Freshdesk webhooks into service cases.
    producers: ['ingress'],
  },
  'order-submission': {
    schema: 'OrderSubmissionEvent',
    partitions: 6,
    // Compacted: the latest submission of every Salesforce order stays readable, so the ERP side can rebuild or
    // replay it whenever it was down; a resubmission (the order activated again) replaces it.
    compacted: true,
    eventTypes: ['order-submission.submitted'],
    // ingress reads an order whole from Salesforce when a rep activates it.
    producers: ['ingress'],
  },
  'order-exception': {
    schema: 'OrderExceptionEvent',
    partitions: 6,
    // Compacted: the current exception state of every order that had one; keyed by the order, so one order's changes
    // (raised, failed again, resolved, discarded) are read in order.
    compacted: true,
    eventTypes: ['order-exception.changed'],
    // projector-odoo's work queue publishes it (an outbox in the hub database, so no change is lost).
    producers: ['projector-odoo'],
  },
  'customer-service-load': {
    schema: 'CustomerServiceLoadEvent',
    partitions: 6,
    // Compacted: the latest open-ticket counts of every customer on each desk (keyed by desk and customer).
    compacted: true,
    eventTypes: ['customer-service-load.upserted'],
    // projector-support counts them: only it knows which customer a ticket's desk organization is.
    producers: ['projector-support'],
  },
} as const satisfies Record<string, CanonicalTopicSpec>;

export interface CanonicalTopicSpec {
  schema: CanonicalSchemaName;
  partitions: number;
  compacted: boolean;
  eventTypes: readonly string[];
  /**
   * The apps allowed to produce to it (their service names); every other app only reads. Schema registration and
   * the canonical publisher refuse any other producer, so a topic's writers are listed here and nowhere else.
   */
  producers: readonly string[];
}

export type CanonicalTopicKey = keyof typeof CANONICAL_TOPICS;
export type CanonicalEventType = (typeof CANONICAL_TOPICS)[CanonicalTopicKey]['eventTypes'][number];
/** An app the topic table lets produce at least one topic. */
export type CanonicalProducer = (typeof CANONICAL_TOPICS)[CanonicalTopicKey]['producers'][number];

/** An app tried to produce (register a schema for, or publish to) topics the topic table does not let it produce. */
export class TopicProducerError extends Error {
  override readonly name = 'TopicProducerError';
  constructor(
    readonly app: string,
    readonly topics: readonly string[],
  ) {
    super(
      `${app} may not produce to ${topics.join(', ')}: the topic table (libs/canonical/src/topics.ts) lists ` +
        topics.map((t) => `${t}: ${producersOf(t).join(', ') || 'no producer'}`).join('; '),
    );
  }
}

function producersOf(topic: string): readonly string[] {
  return Object.prototype.hasOwnProperty.call(CANONICAL_TOPICS, topic)
    ? CANONICAL_TOPICS[topic as CanonicalTopicKey].producers
    : [];
}

/** Whether `app` may produce to `topic`. */
export function mayProduce(app: string, topic: CanonicalTopicKey): boolean {
  return producersOf(topic).includes(app);
}

/** The topics `app` may produce, in topic-table order (empty for an app that only reads). */
export function topicsProducedBy(app: string): CanonicalTopicKey[] {
  return (Object.keys(CANONICAL_TOPICS) as CanonicalTopicKey[]).filter((key) => mayProduce(app, key));
}

/**
 * Checks that `app` may produce every topic of `topics`; throws {@link TopicProducerError} naming the app and every
 * topic it may not produce (not just the first), so a producer wired to the wrong topics fails at start.
 */
export function assertMayProduce(app: string, topics: readonly CanonicalTopicKey[]): void {
  const refused = [...new Set(topics)].filter((topic) => !mayProduce(app, topic));
  if (refused.length) throw new TopicProducerError(app, refused);
}

/** Version suffix of the physical topic: bumped only for a break the registry's BACKWARD rule would refuse. */
export const TOPIC_VERSION = 'v1';

export function physicalTopicName(key: CanonicalTopicKey, prefix: string): string {
  return `${prefix}${key}.${TOPIC_VERSION}`;
}

export function valueSubject(topic: string): string {
  return `${topic}-value`;
}
