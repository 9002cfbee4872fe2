import type { IHeaders, KafkaMessage, Producer } from 'kafkajs';

/** Header names of a parked record; the original headers are kept beside them. */
export const PARK_HEADERS = {
  parkedAt: 'hub-parked-at',
  reason: 'hub-parked-reason',
  sourceTopic: 'hub-parked-source-topic',
  sourcePartition: 'hub-parked-source-partition',
  sourceOffset: 'hub-parked-source-offset',
} as const;

/** The topic a consumer group parks deferred records on; only that group reads it. */
export function parkTopicOf(groupId: string): string {
  return `${groupId}.parked`;
}

const header = (headers: IHeaders | undefined, name: string): string | undefined => {
  const v = headers?.[name];
  const first = Array.isArray(v) ? v[0] : v;
  return first === undefined ? undefined : first.toString();
};

/**
 * Moves aside records that cannot be applied yet (a child whose parent the hub has not written), so their partition
 * goes on and only their own key waits. A parked record is copied, key, bytes and headers, to the group's park topic
 * with acks=all before its offset may be committed: parking is a durable effect like dead-lettering. The group reads
 * the park topic in a lane of its own, where a handler may wait for what the record lacked.
 *
 * Order per key: while a key has records on the park topic, its later records are parked behind them instead of
 * being applied. The count of parked records per key is kept in memory; after a restart it starts empty, and a
 * later record of a key may then be applied before its parked predecessor: the projection's stale guard drops the
 * older one when it comes back, because canonical records carry the whole state of their key.
 */
export class Parking {
  private readonly parkedKeys = new Map<string, number>();

  constructor(
    private readonly producer: Producer,
    readonly topic: string,
  ) {}

  /** Records read from the park topic are never parked again: their lane waits instead. */
  accepts(topic: string): boolean {
    return topic !== this.topic;
  }

  /** Whether an earlier record of this record's key is parked. */
  isParkedKey(topic: string, message: KafkaMessage): boolean {
    return this.accepts(topic) && message.key !== null && this.parkedKeys.has(keyOf(topic, message.key));
  }

  /** Number of keys with parked records, for metrics. */
  get size(): number {
    return this.parkedKeys.size;
  }

  async park(topic: string, partition: number, message: KafkaMessage, reason: string): Promise<void> {
    const headers: IHeaders = {
      ...(message.headers ?? {}),
      [PARK_HEADERS.parkedAt]: header(message.headers, PARK_HEADERS.parkedAt) ?? String(Date.now()),
      [PARK_HEADERS.reason]: reason,
      [PARK_HEADERS.sourceTopic]: topic,
      [PARK_HEADERS.sourcePartition]: String(partition),
      [PARK_HEADERS.sourceOffset]: message.offset,
    };
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: [{ key: message.key, value: message.value, headers }],
    });
    if (message.key !== null) {
      const k = keyOf(topic, message.key);
      this.parkedKeys.set(k, (this.parkedKeys.get(k) ?? 0) + 1);
    }
  }

  /** When a record read from the park topic was first parked; undefined for any other record. */
  parkedAt(topic: string, message: KafkaMessage): number | undefined {
    if (topic !== this.topic) return undefined;
    const at = Number(header(message.headers, PARK_HEADERS.parkedAt));
    return Number.isFinite(at) ? at : undefined;
  }

  /** A record read from the park topic reached its end (applied, ignored or dead-lettered): its key may move on. */
  released(topic: string, message: KafkaMessage): void {
    if (topic !== this.topic || message.key === null) return;
    const source = header(message.headers, PARK_HEADERS.sourceTopic);
    if (source === undefined) return;
    const k = keyOf(source, message.key);
    const left = (this.parkedKeys.get(k) ?? 0) - 1;
    if (left > 0) this.parkedKeys.set(k, left);
    else this.parkedKeys.delete(k);
  }
}

const keyOf = (topic: string, key: Buffer) => `${topic}\u0000${key.toString('latin1')}`;
