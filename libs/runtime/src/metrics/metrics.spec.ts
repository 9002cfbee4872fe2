import type { Admin, Producer, Transaction } from 'kafkajs';
import { ConsumerLagReader, countProduced, ProducedRecords, registerProducedRecords } from './kafka-metrics';
import { HubMetrics } from './metrics';
import { SaasSystems } from './saas-call-metrics';

describe('HubMetrics', () => {
  it('exposes scrape-time counters as counters with the app label, and refuses a counter not named _total', async () => {
    const metrics = new HubMetrics('demo');
    let total = 3;
    metrics.counter('hub_things_total', 'Things.', ['kind'], (set) => set({ kind: 'a' }, total));
    total = 5;
    const text = await metrics.registry.metrics();
    expect(text).toContain('# TYPE hub_things_total counter');
    expect(text).toContain('hub_things_total{kind="a",app="demo"} 5');
    expect(() => metrics.counter('hub_things', 'Things.', [], () => undefined)).toThrow(/_total/);
  });
});

describe('countProduced', () => {
  it('counts records by topic once Kafka acknowledged them, and nothing of a send that failed', async () => {
    const produced = new ProducedRecords();
    const producer = countProduced(
      {
        send: async () => [],
        sendBatch: async ({ topicMessages }) => {
          if (topicMessages?.some((t) => t.topic === 'refused')) throw new Error('not leader');
          return [];
        },
      } as Pick<Producer, 'send' | 'sendBatch'>,
      produced,
    );
    await producer.send({ topic: 'a', messages: [{ value: '1' }, { value: '2' }] });
    await producer.sendBatch({ topicMessages: [{ topic: 'b', messages: [{ value: '1' }] }] });
    await expect(
      producer.sendBatch({ topicMessages: [{ topic: 'refused', messages: [{ value: '1' }] }] }),
    ).rejects.toThrow('not leader');
    expect(produced.entries()).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
  });

  it('counts a transaction’s records when it commits, and none of an aborted one', async () => {
    const produced = new ProducedRecords();
    const transaction = () =>
      ({
        send: async () => [],
        sendBatch: async () => [],
        commit: async () => undefined,
        abort: async () => undefined,
      }) as unknown as Transaction;
    const producer = countProduced(
      {
        send: async () => [],
        sendBatch: async () => [],
        transaction: async () => transaction(),
      } as unknown as Producer,
      produced,
    );
    const aborted = await producer.transaction();
    await aborted.sendBatch({ topicMessages: [{ topic: 'a', messages: [{ value: '1' }] }] });
    await aborted.abort();
    const committed = await producer.transaction();
    await committed.send({ topic: 'a', messages: [{ value: '1' }, { value: '2' }] });
    expect(produced.entries()).toEqual([]);
    await committed.commit();
    expect(produced.entries()).toEqual([['a', 2]]);
    const metrics = new HubMetrics('demo');
    registerProducedRecords(metrics, produced);
    expect(await metrics.registry.metrics()).toContain('hub_records_produced_total{topic="a",app="demo"} 2');
  });
});

describe('ConsumerLagReader', () => {
  const admin = {
    fetchOffsets: jest.fn(async () => [
      {
        topic: 't',
        partitions: [
          { partition: 0, offset: '7', metadata: null },
          { partition: 1, offset: '-1', metadata: null },
        ],
      },
    ]),
    fetchTopicOffsets: jest.fn(async () => [
      { partition: 0, offset: '10', high: '10', low: '0' },
      { partition: 1, offset: '5', high: '5', low: '2' },
    ]),
  };

  it('reads committed offsets against the ends; a partition never committed counts from its earliest offset', async () => {
    const reader = new ConsumerLagReader(admin as unknown as Admin, 'g', () => ['t'], 1_000);
    expect(await reader.read(0)).toEqual([
      { topic: 't', partition: 0, lag: 3 },
      { topic: 't', partition: 1, lag: 3 },
    ]);
    // Cached: scrapes, probes and the stall watch share one reading.
    await reader.read(999);
    expect(admin.fetchOffsets).toHaveBeenCalledTimes(1);
    await reader.read(1_000);
    expect(admin.fetchOffsets).toHaveBeenCalledTimes(2);
  });
});

describe('SaasSystems', () => {
  const systems = new SaasSystems([
    { system: 'odoo', url: 'https://erp.example.com' },
    { system: 'salesforce', url: 'http://localhost:4510' },
    { system: 'zendesk', url: undefined },
  ]);

  it('names a call by the configured origin, else by the vendor’s domain, and leaves other calls out', () => {
    expect(systems.of(new URL('https://erp.example.com/json/2/res.partner'))).toBe('odoo');
    expect(systems.of(new URL('http://localhost:4510/services/data'))).toBe('salesforce');
    expect(systems.of(new URL('http://localhost:8080/apis/ccompat/v7/subjects'))).toBeUndefined();
    expect(systems.of(new URL('https://acme.my.salesforce.com/services/data'))).toBe('salesforce');
    expect(systems.of(new URL('https://acme.zendesk.com/api/v2/tickets'))).toBe('zendesk');
    expect(systems.of(new URL('https://acme.freshdesk.com/api/v2/companies'))).toBe('freshdesk');
    expect(systems.of(new URL('https://notzendesk.com/'))).toBeUndefined();
  });
});
