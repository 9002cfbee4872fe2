import type { Admin, Producer, ProducerBatch, ProducerRecord, Transaction } from 'kafkajs';
import type { HubMetrics } from './metrics';

/** Records Kafka acknowledged, per physical topic, since start. */
export class ProducedRecords {
  private readonly counts = new Map<string, number>();

  add(topic: string, n: number): void {
    if (n > 0) this.counts.set(topic, (this.counts.get(topic) ?? 0) + n);
  }

  entries(): [string, number][] {
    return [...this.counts];
  }
}

type Sender = Pick<Producer, 'send' | 'sendBatch'>;

const countsOf = (batch: ProducerBatch): [string, number][] =>
  (batch.topicMessages ?? []).map((t) => [t.topic, t.messages.length]);

/**
 * The same producer, counting each record once Kafka acknowledged it (a send that throws counts nothing). In a Kafka
 * transaction, records count when the transaction commits, and not at all when it aborts: consumers never see them.
 * Counting here, under every publisher, counts canonical events, dead letters and parked records alike, by topic.
 */
export function countProduced<P extends Sender & Partial<Pick<Producer, 'transaction'>>>(
  producer: P,
  produced: ProducedRecords,
): P {
  return new Proxy(producer, {
    get(target, prop, receiver) {
      if (prop === 'send') {
        return async (record: ProducerRecord) => {
          const result = await target.send(record);
          produced.add(record.topic, record.messages.length);
          return result;
        };
      }
      if (prop === 'sendBatch') {
        return async (batch: ProducerBatch) => {
          const result = await target.sendBatch(batch);
          for (const [topic, n] of countsOf(batch)) produced.add(topic, n);
          return result;
        };
      }
      if (prop === 'transaction' && target.transaction) {
        return async () => countTransaction(await target.transaction!(), produced);
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function countTransaction(transaction: Transaction, produced: ProducedRecords): Transaction {
  const pending: [string, number][] = [];
  return new Proxy(transaction, {
    get(target, prop, receiver) {
      if (prop === 'send') {
        return async (record: ProducerRecord) => {
          const result = await target.send(record);
          pending.push([record.topic, record.messages.length]);
          return result;
        };
      }
      if (prop === 'sendBatch') {
        return async (batch: ProducerBatch) => {
          const result = await target.sendBatch(batch);
          pending.push(...countsOf(batch));
          return result;
        };
      }
      if (prop === 'commit') {
        return async () => {
          await target.commit();
          for (const [topic, n] of pending.splice(0)) produced.add(topic, n);
        };
      }
      if (prop === 'abort') {
        return async () => {
          pending.length = 0;
          await target.abort();
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** One partition's lag: records between the group's committed offset and the partition's end. */
export interface PartitionLag {
  topic: string;
  partition: number;
  lag: number;
}

/**
 * A consumer group's lag per partition, from its committed offsets and the partitions' high watermarks (two admin
 * requests per topic), cached for `cacheMs` so scrapes, readiness probes and the stall watch share one reading. A
 * partition the group never committed on counts from its earliest offset: the group starts from the beginning.
 */
export class ConsumerLagReader {
  private cached?: { at: number; lags: Promise<PartitionLag[]> };

  constructor(
    private readonly admin: Pick<Admin, 'fetchOffsets' | 'fetchTopicOffsets'>,
    readonly groupId: string,
    private readonly topics: () => string[],
    private readonly cacheMs = 3_000,
  ) {}

  read(now = Date.now()): Promise<PartitionLag[]> {
    if (this.cached && now - this.cached.at < this.cacheMs) return this.cached.lags;
    const lags = this.fetch();
    this.cached = { at: now, lags };
    // A failed reading is not kept: the next caller asks Kafka again.
    lags.catch(() => {
      if (this.cached?.lags === lags) this.cached = undefined;
    });
    return lags;
  }

  private async fetch(): Promise<PartitionLag[]> {
    return (await this.offsets()).map(({ topic, partition, committed, end }) => ({
      topic,
      partition,
      lag: Math.max(0, end - committed),
    }));
  }

  /**
   * Per partition, read now (not cached): where the group goes on from (its committed offset, or the earliest one
   * where it never committed) and the partition's end (high watermark).
   */
  async offsets(): Promise<GroupPartitionOffsets[]> {
    const topics = this.topics();
    const [committed, ends] = await Promise.all([
      this.admin.fetchOffsets({ groupId: this.groupId, topics }),
      Promise.all(topics.map(async (topic) => ({ topic, offsets: await this.admin.fetchTopicOffsets(topic) }))),
    ]);
    const committedOf = new Map<string, number>();
    for (const t of committed)
      for (const p of t.partitions) committedOf.set(`${t.topic}/${p.partition}`, Number(p.offset));
    const out: GroupPartitionOffsets[] = [];
    for (const { topic, offsets } of ends) {
      for (const p of offsets) {
        const done = committedOf.get(`${topic}/${p.partition}`) ?? -1;
        out.push({ topic, partition: p.partition, committed: done < 0 ? Number(p.low) : done, end: Number(p.high) });
      }
    }
    return out;
  }
}

/** One partition's position: the group's next offset to read and the partition's end. */
export interface GroupPartitionOffsets {
  topic: string;
  partition: number;
  committed: number;
  end: number;
}

/** `hub_records_produced_total{topic}`: what the app's producers wrote, once Kafka acknowledged it. */
export function registerProducedRecords(metrics: HubMetrics, produced: ProducedRecords): void {
  metrics.counter(
    'hub_records_produced_total',
    'Records the app wrote to Kafka and Kafka acknowledged (in a transaction: once it committed), by topic.',
    ['topic'],
    (set) => {
      for (const [topic, n] of produced.entries()) set({ topic }, n);
    },
  );
}
