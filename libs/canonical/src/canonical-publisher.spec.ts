import type { Producer, ProducerBatch } from 'kafkajs';
import type { CanonicalCodec } from './canonical-codec';
import { CanonicalPublisher } from './canonical-publisher';
import { loadFieldOwnership } from './ownership';

// The hub's own table: Odoo owns every SalesOrder field but salesforceOrderId.
const ownership = loadFieldOwnership();

describe('CanonicalPublisher', () => {
  const sent: ProducerBatch[] = [];
  const producer = { sendBatch: async (b: ProducerBatch) => void sent.push(b) } as unknown as Producer;
  const codec = {
    topic: (k: string) => `hub.${k}.v1`,
    encode: async (_k: string, v: unknown) => Buffer.from(JSON.stringify(v)),
  } as unknown as CanonicalCodec;

  it('leaves out the fields another system owns, and keeps order and acks=all', async () => {
    const publisher = new CanonicalPublisher(producer, codec, () => ({ traceparent: 'x' }), {
      system: 'odoo',
      ownership,
    });
    const salesOrder = {
      id: 'odoo-sale-order-1',
      name: 'S00001',
      state: 'sale',
      salesforceOrderId: '801000000000001AAA',
    };
    await publisher.publish([
      { topic: 'sales-order', key: 'odoo-sale-order-1', value: { envelope: {}, salesOrder } as never },
      { topic: 'sales-order', key: 'odoo-sale-order-1', value: null },
    ]);
    expect(sent[0].acks).toBe(-1);
    const [first, tombstone] = sent[0].topicMessages![0].messages;
    expect(JSON.parse(first.value!.toString()).salesOrder).toEqual({
      id: 'odoo-sale-order-1',
      name: 'S00001',
      state: 'sale',
    });
    expect(tombstone.value).toBeNull();
    expect(first.headers).toMatchObject({ traceparent: 'x' });
  });
});
