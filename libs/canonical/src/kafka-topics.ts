import type { ITopicConfig } from 'kafkajs';
import { CANONICAL_TOPICS, CanonicalTopicKey, physicalTopicName } from './topics';

export interface TopicSettings {
  prefix: string;
  /** 1 on the local single broker; 3 in production. */
  replicationFactor: number;
}

/** Kafka topic configs derived from the topic table (what the AsyncAPI catalog documents). */
export function canonicalTopicConfigs(keys: readonly CanonicalTopicKey[], settings: TopicSettings): ITopicConfig[] {
  return keys.map((key) => {
    const spec = CANONICAL_TOPICS[key];
    return {
      topic: physicalTopicName(key, settings.prefix),
      numPartitions: spec.partitions,
      replicationFactor: settings.replicationFactor,
      configEntries: spec.compacted
        ? [
            { name: 'cleanup.policy', value: 'compact' },
            // Deletion tombstones stay a day so a consumer that is offline for hours still sees the delete.
            { name: 'delete.retention.ms', value: String(24 * 3600 * 1000) },
          ]
        : [{ name: 'cleanup.policy', value: 'delete' }],
    };
  });
}
