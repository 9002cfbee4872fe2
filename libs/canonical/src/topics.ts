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
    owner: 'odoo-cdc',
  },
  contact: {
    schema: 'ContactEvent',
    partitions: 6,
    compacted: true,
    eventTypes: ['contact.upserted', 'contact.deleted'],
    owner: 'odoo-cdc',
  },
  product: {
    schema: 'ProductEvent',
    partitions: 6,
    compacted: true,
    eventTypes: ['product.upserted', 'product.deleted'],
    owner: 'odoo-cdc',
  },
  'sales-order': {
    schema: 'SalesOrderEvent',
    partitions: 6,
    compacted: true,
    eventTypes: ['sales-order.upserted', 'sales-order.deleted'],
    owner: 'odoo-cdc',
  },
  invoice: {
    schema: 'InvoiceEvent',
    partitions: 6,
    compacted: true,
    eventTypes: ['invoice.upserted', 'invoice.deleted'],
    owner: 'odoo-cdc',
  },
  payment: {
    schema: 'PaymentEvent',
    partitions: 6,
    compacted: true,
    eventTypes: ['payment.upserted', 'payment.deleted'],
    owner: 'odoo-cdc',
  },
  shipment: {
    schema: 'ShipmentEvent',
    partitions: 6,
    compacted: true,
    eventTypes: ['shipment.upserted', 'shipment.deleted'],
    owner: 'odoo-cdc',
  },
  'inventory-level': {
    schema: 'InventoryLevelEvent',
    partitions: 6,
    compacted: true,
    eventTypes: ['inventory-level.changed', 'inventory-level.deleted'],
    owner: 'odoo-cdc',
  },
} as const satisfies Record<string, CanonicalTopicSpec>;

export interface CanonicalTopicSpec {
  schema: CanonicalSchemaName;
  partitions: number;
  compacted: boolean;
  eventTypes: readonly string[];
  /** The app that produces to it; every other app only reads. */
  owner: string;
}

export type CanonicalTopicKey = keyof typeof CANONICAL_TOPICS;
export type CanonicalEventType = (typeof CANONICAL_TOPICS)[CanonicalTopicKey]['eventTypes'][number];

/** Version suffix of the physical topic: bumped only for a break the registry's BACKWARD rule would refuse. */
export const TOPIC_VERSION = 'v1';

export function physicalTopicName(key: CanonicalTopicKey, prefix: string): string {
  return `${prefix}${key}.${TOPIC_VERSION}`;
}

export function valueSubject(topic: string): string {
  return `${topic}-value`;
}

/** The topic key that carries an event type, e.g. customer.deleted → customer. */
export function topicOfEventType(eventType: string): CanonicalTopicKey | undefined {
  return (Object.keys(CANONICAL_TOPICS) as CanonicalTopicKey[]).find((k) =>
    (CANONICAL_TOPICS[k].eventTypes as readonly string[]).includes(eventType),
  );
}
