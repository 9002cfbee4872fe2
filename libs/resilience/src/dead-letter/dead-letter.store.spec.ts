import type { KafkaMessage } from 'kafkajs';
import type { PartitionRange, TopicRecord } from '@hub/runtime';
import { DLQ_HEADERS } from './dead-letter.publisher';
import { DeadLetterSelectionError, DeadLetterStore, TopicReader } from './dead-letter.store';

const TOPIC = 'hub.dlq.test';

/** A topic in memory: partition → records at their offsets from `low`; counts what each read returned. */
class MemoryTopic implements TopicReader {
  readonly reads: number[] = [];
  constructor(private readonly partitions: { low: number; reasons: string[] }[]) {}

  async offsets() {
    return this.partitions.map((p, partition) => ({
      partition,
      low: BigInt(p.low),
      high: BigInt(p.low + p.reasons.length),
    }));
  }

  async read(_topic: string, ranges: readonly PartitionRange[]): Promise<TopicRecord[]> {
    const out: TopicRecord[] = [];
    for (const r of ranges) {
      const p = this.partitions[r.partition];
      let taken = 0;
      for (let o = r.from; o < r.to && (r.max === undefined || taken < r.max); o++) {
        const reason = p.reasons[Number(o) - p.low];
        out.push({ partition: r.partition, message: record(Number(o), reason) });
        taken++;
      }
    }
    this.reads.push(out.length);
    return out.sort((a, b) => a.partition - b.partition || Number(a.message.offset) - Number(b.message.offset));
  }
}

const record = (offset: number, reason: string): KafkaMessage =>
  ({
    offset: String(offset),
    key: Buffer.from(`key-${offset}`),
    value: Buffer.from('payload'),
    timestamp: '0',
    attributes: 0,
    headers: { [DLQ_HEADERS.reason]: reason, [DLQ_HEADERS.sourceTopic]: 'hub.customer.v1' },
  }) as KafkaMessage;

const storeOf = (topic: MemoryTopic) => {
  const sent: { topic: string; messages: { key: unknown; headers?: Record<string, unknown> }[] }[] = [];
  const producer = { send: async (r: (typeof sent)[number]) => (sent.push(r), []) };
  return { store: new DeadLetterStore(null as never, producer as never, TOPIC, topic), sent };
};

const positions = (entries: { partition: number; offset: string }[]) =>
  entries.map((e) => `${e.partition}:${e.offset}`);

describe('DeadLetterStore pages', () => {
  // Partition 0 starts at 10 (older records deleted by retention), partition 1 at 0.
  const topic = () =>
    new MemoryTopic([
      { low: 10, reasons: ['A', 'B', 'A', 'B', 'A'] },
      { low: 0, reasons: ['B', 'A', 'B'] },
    ]);

  it('pages by partition then offset, reading only each page, until next is null', async () => {
    const t = topic();
    const { store } = storeOf(t);
    const first = await store.list({ limit: 3 });
    expect(first).toMatchObject({ held: 8, next: '0:12' });
    expect(positions(first.entries)).toEqual(['0:10', '0:11', '0:12']);
    const second = await store.list({ limit: 3, after: first.next! });
    expect(positions(second.entries)).toEqual(['0:13', '0:14', '1:0']);
    const third = await store.list({ limit: 3, after: second.next! });
    expect(positions(third.entries)).toEqual(['1:1', '1:2']);
    expect(third.next).toBeNull();
    // No page read more than a page of each partition.
    expect(Math.max(...t.reads)).toBeLessThanOrEqual(6);
  });

  it('filters by reason within a bounded scan, and goes on from the last record it read', async () => {
    const { store } = storeOf(topic());
    const page = await store.list({ limit: 2, reason: 'B' });
    expect(positions(page.entries)).toEqual(['0:11', '0:13']);
    const rest = await store.list({ limit: 2, reason: 'B', after: page.next! });
    expect(positions(rest.entries)).toEqual(['1:0', '1:2']);
    expect(rest.next).toBeNull();
  });

  it('answers an empty page for an empty topic, and a cursor that names no position is the caller’s mistake', async () => {
    const { store } = storeOf(new MemoryTopic([{ low: 0, reasons: [] }]));
    expect(await store.list({ limit: 10 })).toEqual({ held: 0, entries: [], next: null });
    await expect(store.list({ limit: 10, after: '12' })).rejects.toThrow(DeadLetterSelectionError);
  });
});

describe('DeadLetterStore replay', () => {
  const topic = () =>
    new MemoryTopic([
      { low: 0, reasons: ['A', 'B', 'A'] },
      { low: 0, reasons: Array(12).fill('B') },
    ]);

  it('replays exactly the named partition:offset records, not every record whose offset contains the text', async () => {
    const { store, sent } = storeOf(topic());
    const replayed = await store.replay({ offsets: ['1:1', '0:2'] });
    expect(positions(replayed)).toEqual(['0:2', '1:1']);
    expect(sent).toHaveLength(1);
    expect(sent[0].topic).toBe(`${TOPIC}.replay`);
    expect(sent[0].messages.map((m) => m.headers?.['hub-replay-of'])).toEqual([`${TOPIC}/0/2`, `${TOPIC}/1/1`]);
  });

  it('refuses, sending nothing, a selection naming a record the topic does not hold', async () => {
    const { store, sent } = storeOf(topic());
    await expect(store.replay({ offsets: ['0:1', '0:3'] })).rejects.toThrow(
      'offsets: no dead letter at 0:3 (hub.dlq.test holds 0:0-2, 1:0-11)',
    );
    await expect(store.replay({ offsets: ['2:0'] })).rejects.toThrow(/no dead letter at 2:0/);
    await expect(store.replay({ offsets: ['1'] })).rejects.toThrow('offsets.0: expected partition:offset');
    expect(sent).toHaveLength(0);
  });

  it('replays every record of a reason, or all', async () => {
    const { store } = storeOf(topic());
    expect(positions(await store.replay({ reason: 'A' }))).toEqual(['0:0', '0:2']);
    expect(await store.replay({ all: true })).toHaveLength(15);
  });
});
