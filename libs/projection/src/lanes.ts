import { CANONICAL_TOPICS, CanonicalTopicKey } from '@hub/canonical';
import type { ConsumerLane } from '@hub/resilience';

/**
 * Consumption lanes. Master data arrives in bulk (an initial snapshot, a price list import: tens of thousands of
 * records); commercial documents arrive one by one and somebody is waiting for them. Every topic has its own
 * consumer group, so an order is never queued behind a product backlog; the lane decides how long batches wait.
 */
export const LANES: { name: string; topics: CanonicalTopicKey[]; priority: boolean }[] = [
  {
    name: 'master-data',
    topics: ['customer', 'contact', 'product', 'inventory-level', 'customer-service-load'],
    priority: false,
  },
  { name: 'commerce', topics: ['sales-order', 'invoice', 'payment', 'shipment', 'order-exception'], priority: true },
];

/** The lane name of a topic in {@link consumerLanes}: `<lane>.<topic>`, whose group is `<groupId>.<lane name>`. */
export const laneNameOf = (
  topic: CanonicalTopicKey,
  priority: (k: CanonicalTopicKey) => boolean = isPriorityTopic,
): string => `${priority(topic) ? 'commerce' : 'master-data'}.${topic}`;

export const isPriorityTopic = (topic: CanonicalTopicKey): boolean =>
  LANES.some((l) => l.priority && l.topics.includes(topic));

/** How much one fetch of a bulk lane may bring. */
export interface LaneSizing {
  /**
   * Bytes per partition a fetch of a master-data lane and of the park lane brings at most (kafkajs's default: 1 MiB,
   * about 2,000 canonical records); a fetch brings at most this times the topic's partitions. A target that writes
   * a large backlog in one call (a Bulk API job) raises it, so that enough records of one object are held at once.
   */
  maxBytesPerPartition?: number;
}

/**
 * One consumer per topic, grouped into the lanes above. Per topic because kafkajs fetches again only after every
 * batch of a fetch returned: a slow record of one topic must not stop another topic from being read. Per lane, the
 * fetch sizing: the bulk lane lets the broker gather up to a few hundred kilobytes for at most 100 ms so batches fill
 * (a single change waits no longer than that); the priority lane answers at once. Replayed dead letters and parked records (children waiting for their parents) have lanes of
 * their own.
 */
export function consumerLanes(
  topics: readonly CanonicalTopicKey[],
  physical: (k: CanonicalTopicKey) => string,
  /** Which topics a person waits for; a target that reads topics outside {@link LANES} says so for its own. */
  priority: (k: CanonicalTopicKey) => boolean = isPriorityTopic,
  sizing: LaneSizing = {},
  /**
   * Topics applied in batch windows (see {@link BatchWindowScheduler}): their lanes start held. A lane keeps its name,
   * so its consumer group and committed offsets stay the same when an entity moves between real time and a window.
   */
  batched: (k: CanonicalTopicKey) => boolean = () => false,
): ConsumerLane[] {
  // A backlog's size: per partition, and for all of a lane's partitions (kafkajs caps a whole fetch too).
  const capped = (partitions: number) =>
    sizing.maxBytesPerPartition
      ? { maxBytesPerPartition: sizing.maxBytesPerPartition, maxBytes: sizing.maxBytesPerPartition * partitions }
      : {};
  const bulk = { minBytes: 256 * 1024, maxWaitTimeInMs: 100 };
  const prompt = { minBytes: 1, maxWaitTimeInMs: 100 };
  return [
    ...topics.map((topic) => ({
      name: laneNameOf(topic, priority),
      topics: [physical(topic)],
      // Every partition at once: each one's records wait in the batcher, not behind each other.
      partitionsConsumedConcurrently: CANONICAL_TOPICS[topic].partitions,
      fetch: priority(topic) ? prompt : { ...bulk, ...capped(CANONICAL_TOPICS[topic].partitions) },
      ...(batched(topic) ? { held: true } : {}),
    })),
    // Replayed dead letters are few and someone who just fixed something is watching.
    { name: 'replay', topics: [], replay: true, fetch: prompt },
    // Children of a bulk load wait here for their parents, as many as the master-data lanes hold.
    {
      name: PARKED_LANE,
      topics: [],
      parked: true,
      partitionsConsumedConcurrently: PARK_PARTITIONS,
      fetch: { ...prompt, ...capped(PARK_PARTITIONS) },
    },
  ];
}

/** The name of the lane that reads the park topic (records waiting for their parents). */
export const PARKED_LANE = 'parked';

/** Partitions of a projector's park topic. */
export const PARK_PARTITIONS = 6;
