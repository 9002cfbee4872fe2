import type { Producer, ProducerBatch } from 'kafkajs';
import type { CanonicalCodec } from './canonical-codec';
import { CanonicalPublisher } from './canonical-publisher';
import { loadFieldOwnership } from './ownership';
import { TopicProducerError } from './topics';

// The hub's own table: a customer's industry is Salesforce's, whoever created the customer.
const ownership = loadFieldOwnership();

describe('CanonicalPublisher', () => {
  const sent: ProducerBatch[] = [];
  const encoded: string[] = [];
  const producer = { sendBatch: async (b: ProducerBatch) => void sent.push(b) } as unknown as Producer;
  const codec = {
    topic: (k: string) => `hub.${k}.v1`,
    encode: async (k: string, v: unknown) => (encoded.push(k), Buffer.from(JSON.stringify(v))),
  } as unknown as CanonicalCodec;

  beforeEach(() => {
    sent.length = 0;
    encoded.length = 0;
  });

  it('leaves out the fields another system owns, and keeps order and acks=all', async () => {
    const publisher = new CanonicalPublisher(producer, codec, {
      app: 'odoo-cdc',
      traceHeaders: () => ({ traceparent: 'x' }),
      owner: { system: 'odoo', ownership },
    });
    const customer = {
      id: 'odoo-partner-1',
      name: 'Azure Interior',
      vat: 'BE0477472701',
      industry: 'Retail',
    };
    await publisher.publish([
      { topic: 'customer', key: 'odoo-partner-1', value: { envelope: {}, customer } as never },
      { topic: 'customer', key: 'odoo-partner-1', value: null },
    ]);
    expect(sent[0].acks).toBe(-1);
    const [first, tombstone] = sent[0].topicMessages![0].messages;
    expect(JSON.parse(first.value!.toString()).customer).toEqual({
      id: 'odoo-partner-1',
      name: 'Azure Interior',
      vat: 'BE0477472701',
    });
    expect(tombstone.value).toBeNull();
    expect(first.headers).toMatchObject({ traceparent: 'x' });
  });

  it('refuses a batch with a topic the app may not produce, naming the app and the topic, and sends nothing', async () => {
    const publisher = new CanonicalPublisher(producer, codec, { app: 'ingress' });
    const error = await publisher
      .publish([
        { topic: 'customer', key: 'sf-account-1', value: null },
        { topic: 'sales-order', key: 'odoo-sale-order-1', value: null },
      ])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TopicProducerError);
    expect(error).toMatchObject({ app: 'ingress', topics: ['sales-order'] });
    expect((error as Error).message).toMatch(/^ingress may not produce to sales-order/);
    expect(sent).toEqual([]);
    expect(encoded).toEqual([]);
  });

  it('lets every producer the topic table lists publish to the topic', async () => {
    await new CanonicalPublisher(producer, codec, { app: 'ingress' }).publish([
      { topic: 'contact', key: 'sf-contact-1', value: null },
    ]);
    expect(sent[0].topicMessages![0].topic).toBe('hub.contact.v1');
  });
});
