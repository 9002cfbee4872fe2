import { readTopicToEnd, TopicRecord } from '@hub/runtime';
import { Kafka, logLevel } from 'kafkajs';
import { eventually } from '../../../scripts/lib/app-process';
import { runLag } from '../../../scripts/lib/run-lag';
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

/**
 * Waits until the run's odoo-cdc (consumer group `<prefix>odoo-cdc`) has committed up to the end of Odoo's change
 * stream as it is now. A new run reads the stream from its beginning (every earlier test's and bench's rows), so a
 * test waits for this first and then times its own records, not the replay of the shared history.
 */
export async function odooCdcCaughtUp(prefix: string, timeoutMs = 600_000): Promise<void> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    const [end] = await admin.fetchTopicOffsets('odoo.changes');
    await eventually(
      async () => {
        const [group] = await admin.fetchOffsets({ groupId: `${prefix}odoo-cdc`, topics: ['odoo.changes'] });
        return Number(group?.partitions[0]?.offset ?? -1) >= Number(end.high) ? true : undefined;
      },
      timeoutMs,
      'odoo-cdc catching up with the change stream',
    );
  } finally {
    await admin.disconnect();
  }
}

/**
 * Whether every consumer group of a run (its groups are named after its topic prefix) has committed up to the end of
 * each partition it reads: the run's apps have nothing left to do. Offsets are committed only once a record's effect
 * is durable, so a drained group has made every write its records call for.
 */
export async function consumersDrained(prefix: string): Promise<boolean> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    return (await runLag(admin, prefix)) === 0;
  } finally {
    await admin.disconnect();
  }
}

/**
 * A run's apps have replayed the shared history: its odoo-cdc is at the end of the change stream, and every consumer
 * of the run has worked through what that replay published. Waits that time a file's own records start after this.
 */
export async function runCaughtUp(prefix: string, timeoutMs = 600_000): Promise<void> {
  const started = Date.now();
  await odooCdcCaughtUp(prefix, timeoutMs);
  await eventually(
    async () => ((await consumersDrained(prefix)) ? true : undefined),
    Math.max(timeoutMs - (Date.now() - started), 1_000),
    "the run's consumers working through the replayed history",
  );
}
