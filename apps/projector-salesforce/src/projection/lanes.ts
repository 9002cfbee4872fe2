import type { CanonicalTopicKey } from '@hub/canonical';

/**
 * Consumption lanes. Master data arrives in bulk (an initial snapshot, a price list import: tens of thousands of
 * records); commercial documents arrive one by one and a sales rep is waiting for them. Every topic has its own
 * consumer group, so an order is never queued behind a product backlog; the lane decides how long batches wait.
 */
export const LANES: { name: string; topics: CanonicalTopicKey[]; priority: boolean }[] = [
  { name: 'master-data', topics: ['customer', 'contact', 'product', 'inventory-level'], priority: false },
  { name: 'commerce', topics: ['sales-order', 'invoice', 'payment', 'shipment'], priority: true },
];

export const PROJECTED_TOPICS: CanonicalTopicKey[] = LANES.flatMap((l) => l.topics);
