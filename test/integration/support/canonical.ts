import { CanonicalCodec, CanonicalTopicKey } from '@hub/canonical';
import { readTopic } from './kafka';

export interface CanonicalRecord<T = Record<string, unknown>> {
  key: string;
  value:
    | (T & {
        envelope: { eventType: string; eventId: string; sourcePosition: number; sourceTransactionId: string | null };
      })
    | null;
  offset: string;
}

/** Decoded records of one canonical topic (optionally for one key), in partition order. */
export async function canonicalRecords<T = Record<string, unknown>>(
  codec: CanonicalCodec,
  topic: CanonicalTopicKey,
  key?: string,
): Promise<CanonicalRecord<T>[]> {
  const messages = await readTopic(codec.topic(topic)).catch(() => []);
  const out: CanonicalRecord<T>[] = [];
  for (const m of messages) {
    const k = m.message.key?.toString() ?? '';
    if (key !== undefined && k !== key) continue;
    out.push({
      key: k,
      offset: m.message.offset,
      value: m.message.value === null ? null : ((await codec.decode(m.message.value)) as CanonicalRecord<T>['value']),
    });
  }
  return out;
}
