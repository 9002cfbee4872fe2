import type { CanonicalTopicKey } from '@hub/canonical';

/**
 * Consumption lanes. Master data arrives in bulk (an initial snapshot, a price list import: tens of thousands of
 * records); commercial documents arrive one by one and a sales rep is waiting for them. Each lane is its own consumer
 * group, so an order is never queued behind a product backlog. Replayed dead letters use the commerce lane: they are
 * few, and someone who just fixed something is watching.
 */
export const LANES: { name: string; topics: CanonicalTopicKey[]; replay: boolean; priority: boolean }[] = [
  {
    name: 'master-data',
    topics: ['customer', 'contact', 'product', 'inventory-level'],
    replay: false,
    priority: false,
  },
  { name: 'commerce', topics: ['sales-order', 'invoice', 'payment', 'shipment'], replay: true, priority: true },
];

export const PROJECTED_TOPICS: CanonicalTopicKey[] = LANES.flatMap((l) => l.topics);
