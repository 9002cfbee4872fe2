import type { Kafka, KafkaMessage } from 'kafkajs';

export interface TopicRecord {
  partition: number;
  message: KafkaMessage;
}

/**
 * Reads every record of a topic up to the end it has when the call starts, with a throw-away consumer group that
 * never commits, so reading moves nothing for anyone. For tooling (dead-letter listing, tests), not for hot paths.
 */
export async function readTopicToEnd(kafka: Kafka, topic: string, timeoutMs = 60_000): Promise<TopicRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const remaining = new Map(ends.filter((e) => e.high !== e.low).map((e) => [e.partition, BigInt(e.high)]));
  const out: TopicRecord[] = [];
  if (remaining.size === 0) return out;
  const consumer = kafka.consumer({ groupId: `hub-reader-${process.pid}-${Date.now()}-${Math.random()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`reading ${topic} took longer than ${timeoutMs} ms`)), timeoutMs);
      const reached = (partition: number, lastOffset: string | null | undefined) => {
        const end = remaining.get(partition);
        if (end !== undefined && lastOffset !== null && lastOffset !== undefined && BigInt(lastOffset) + 1n >= end) {
          remaining.delete(partition);
        }
        if (remaining.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      };
      // A transactional topic ends with commit markers, which are never delivered as messages: the end of each
      // fetched batch (markers and aborted records included) tells when a partition was read to its end.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => reached(payload.partition, payload.lastOffset));
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          out.push({ partition, message });
          reached(partition, message.offset);
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}
