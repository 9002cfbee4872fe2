import { Kafka, KafkaMessage, logLevel } from 'kafkajs';
import { stack } from './stack';

export function kafka(): Kafka {
  return new Kafka({ clientId: 'hub-it', brokers: [stack().kafka.brokers], logLevel: logLevel.NOTHING });
}

export interface ReadMessage {
  partition: number;
  message: KafkaMessage;
}

/** Reads every record of a topic up to its current end, with a throw-away consumer group. */
export async function readTopic(topic: string, timeoutMs = 20_000): Promise<ReadMessage[]> {
  const k = kafka();
  const admin = k.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(ends.filter((e) => e.high !== e.low).map((e) => [e.partition, BigInt(e.high)]));
  if (remaining.size === 0) return [];
  const consumer = k.consumer({ groupId: `hub-it-reader-${Date.now()}-${Math.random()}` });
  const out: ReadMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`reading ${topic} timed out`)), timeoutMs);
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        out.push({ partition, message });
        const end = remaining.get(partition);
        if (end !== undefined && BigInt(message.offset) + 1n >= end) remaining.delete(partition);
        if (remaining.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return out;
}

export async function produceRaw(
  topic: string,
  messages: { key?: string; value: Buffer | string | null }[],
): Promise<void> {
  const producer = kafka().producer();
  await producer.connect();
  await producer.send({ topic, acks: -1, messages });
  await producer.disconnect();
}
