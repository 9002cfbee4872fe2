import type { Admin, Transaction } from 'kafkajs';

/** Where a channel's capture stands: the last replay id whose events are on Kafka, and its commit time. */
export interface ReplayCheckpoint {
  replayId: string;
  /** Epoch ms of that change's commit: where a repair re-reads from when the replay id has expired. */
  commitTimestamp: number;
}

const MAX_OFFSET = 2n ** 63n - 1n;

/**
 * Replay ids kept in Kafka itself, the way Kafka's exactly-once sources keep their positions: each channel has a
 * consumer group of its own (never joined by a consumer) whose committed offset on an anchor topic carries the
 * checkpoint in its metadata. The capture commits it with `sendOffsets` inside the same transaction as the channel's
 * events, so after a crash Kafka holds either both or neither: a restart resumes exactly after the last events
 * published, nothing lost, nothing twice (for consumers reading committed records, the Kafka default of the hub).
 */
export class ReplayCheckpoints {
  constructor(
    private readonly admin: Admin,
    /** A one-partition topic the offsets are committed on; nothing is ever written to it. */
    readonly anchorTopic: string,
    private readonly groupPrefix: string,
  ) {}

  groupOf(channel: string): string {
    return `${this.groupPrefix}.${channel.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^_+/, '')}`;
  }

  async read(channel: string): Promise<ReplayCheckpoint | undefined> {
    const [topic] = await this.admin.fetchOffsets({ groupId: this.groupOf(channel), topics: [this.anchorTopic] });
    const partition = topic?.partitions.find((p) => p.partition === 0);
    if (!partition || partition.offset === '-1' || !partition.metadata) return undefined;
    const parsed = JSON.parse(partition.metadata) as Partial<ReplayCheckpoint>;
    if (typeof parsed.replayId !== 'string' || typeof parsed.commitTimestamp !== 'number') {
      throw new Error(`checkpoint of ${channel} (${this.groupOf(channel)}) is not readable: ${partition.metadata}`);
    }
    return { replayId: parsed.replayId, commitTimestamp: parsed.commitTimestamp };
  }

  /** Adds the channel's new checkpoint to `transaction`: it commits with the events or not at all. */
  async commitIn(transaction: Transaction, channel: string, checkpoint: ReplayCheckpoint): Promise<void> {
    const numeric = /^\d+$/.test(checkpoint.replayId) ? BigInt(checkpoint.replayId) : 0n;
    // The offset is informative (the replay id when it fits); the metadata, which kafkajs passes through to Kafka's
    // TxnOffsetCommit although its types omit it, is what is read back.
    const partition = {
      partition: 0,
      offset: String(numeric <= MAX_OFFSET ? numeric : 0n),
      metadata: JSON.stringify(checkpoint),
    };
    await transaction.sendOffsets({
      consumerGroupId: this.groupOf(channel),
      topics: [{ topic: this.anchorTopic, partitions: [partition] }],
    });
  }
}
