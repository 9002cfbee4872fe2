import type { Kafka, KafkaMessage } from 'kafkajs';

export interface TopicRecord {
  partition: number;
  message: KafkaMessage;
}

/** A partition's offsets: `low` the first record it still holds, `high` the next offset it will write. */
export interface PartitionOffsets {
  partition: number;
  low: bigint;
  high: bigint;
}

/** The topic's partitions with their low and high offsets, by partition. */
export async function topicOffsets(kafka: Kafka, topic: string): Promise<PartitionOffsets[]> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  return offsets
    .map((o) => ({ partition: o.partition, low: BigInt(o.low), high: BigInt(o.high) }))
    .sort((a, b) => a.partition - b.partition);
}

/** What {@link readPartitions} reads of one partition: from `from` (inclusive) to `to` (exclusive), at most `max`. */
export interface PartitionRange {
  partition: number;
  from: bigint;
  to: bigint;
  max?: number;
}

/**
 * Reads the given ranges of a topic's partitions (each up to `to`, or until `max` of its records were read), with a
 * throw-away consumer group that never commits, so reading moves nothing for anyone; the records come by partition,
 * then offset. Ranges should lie within the partitions' offsets ({@link topicOffsets}): a range past a partition's
 * end waits for records until the timeout. For tooling (dead-letter pages, tests), not for hot paths.
 */
export async function readPartitions(
  kafka: Kafka,
  topic: string,
  ranges: readonly PartitionRange[],
  timeoutMs = 60_000,
): Promise<TopicRecord[]> {
  const remaining = new Map(
    ranges.filter((r) => r.to > r.from && (r.max ?? 1) > 0).map((r) => [r.partition, { ...r, read: 0 }]),
  );
  const out: TopicRecord[] = [];
  if (remaining.size === 0) return out;
  const wanted = new Map(remaining);
  const consumer = kafka.consumer({ groupId: `hub-reader-${process.pid}-${Date.now()}-${Math.random()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const partitions = await topicOffsets(kafka, topic);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`reading ${topic} took longer than ${timeoutMs} ms`)), timeoutMs);
      const done = (partition: number) => {
        remaining.delete(partition);
        if (remaining.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      };
      const reached = (partition: number, lastOffset: string | null | undefined) => {
        const range = remaining.get(partition);
        if (range && lastOffset !== null && lastOffset !== undefined && BigInt(lastOffset) + 1n >= range.to) {
          done(partition);
        }
      };
      // A transactional topic ends with commit markers, which are never delivered as messages: the end of each
      // fetched batch (markers and aborted records included) tells when a partition was read to its end.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => reached(payload.partition, payload.lastOffset));
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const range = remaining.get(partition);
          if (!range || BigInt(message.offset) < range.from || BigInt(message.offset) >= range.to) return;
          out.push({ partition, message });
          range.read += 1;
          if (range.max !== undefined && range.read >= range.max) done(partition);
          else reached(partition, message.offset);
        },
      });
      // run() has created the group synchronously: the seeks apply once the partitions are assigned. A partition
      // not asked for starts at its end, so nothing of it is fetched.
      for (const p of partitions) {
        const range = wanted.get(p.partition);
        consumer.seek({ topic, partition: p.partition, offset: String(range ? range.from : p.high) });
      }
    });
  } finally {
    await consumer.disconnect();
  }
  return out.sort((a, b) => a.partition - b.partition || Number(BigInt(a.message.offset) - BigInt(b.message.offset)));
}

/**
 * Reads every record of a topic up to the end it has when the call starts, with a throw-away consumer group that
 * never commits, so reading moves nothing for anyone. For tooling (tests, replay of a whole dead-letter topic), not
 * for hot paths.
 */
export async function readTopicToEnd(kafka: Kafka, topic: string, timeoutMs = 60_000): Promise<TopicRecord[]> {
  const ranges = (await topicOffsets(kafka, topic)).map((p) => ({ partition: p.partition, from: p.low, to: p.high }));
  return readPartitions(kafka, topic, ranges, timeoutMs);
}
