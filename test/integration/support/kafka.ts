import { readTopicToEnd, TopicRecord } from '@hub/runtime';
import { Kafka, logLevel } from 'kafkajs';
import { stack } from './stack';

export function kafka(): Kafka {
  return new Kafka({ clientId: 'hub-it', brokers: [stack().kafka.brokers], logLevel: logLevel.NOTHING });
}

export type ReadMessage = TopicRecord;

/** Reads every record of a topic up to its current end, with a throw-away consumer group. */
export function readTopic(topic: string, timeoutMs = 20_000): Promise<ReadMessage[]> {
  return readTopicToEnd(kafka(), topic, timeoutMs);
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
