import type { Consumer } from 'kafkajs';
import { kafka } from './kafka';
import { stack } from './stack';

let url: string | undefined;

/** The stack's Odoo sandbox (`scripts/stack status --json` → odooSandbox.url); the global setup has started it. */
export function odooSandboxUrl(): string {
  if (url) return url;
  const status = stack();
  if (!status.odooSandbox) throw new Error('scripts/stack status --json lists no odooSandbox');
  url = status.odooSandbox.url;
  return url;
}

export interface DebeziumValue {
  op: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  source: { table: string; txId?: number; lsn?: number };
}

/**
 * Watches a Debezium topic from its current end: changes made after this call can be awaited with `waitFor`.
 * `close()` disconnects the consumer.
 */
export async function watchChanges(topic: string): Promise<{
  waitFor(predicate: (change: DebeziumValue) => boolean, timeoutMs: number): Promise<DebeziumValue>;
  close(): Promise<void>;
}> {
  const admin = kafka().admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const seen: DebeziumValue[] = [];
  const consumer: Consumer = kafka().consumer({ groupId: `it-odoo-sandbox-${Date.now()}-${Math.random()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (!message.value) return;
      try {
        const value = JSON.parse(message.value.toString()) as DebeziumValue;
        if (value && value.source) seen.push(value);
      } catch {
        // transaction markers and other records that are not changes
      }
    },
  });
  for (const o of offsets) consumer.seek({ topic, partition: o.partition, offset: o.high });
  return {
    async waitFor(predicate, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const found = seen.find(predicate);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`no matching change on ${topic} within ${timeoutMs} ms (${seen.length} changes seen)`);
    },
    close: () => consumer.disconnect(),
  };
}
