import type { ProducerBatch } from 'kafkajs';
import { DeferredSender } from './deferred-sender';

class RecordingProducer {
  batches: ProducerBatch[] = [];
  fail = false;
  async sendBatch(batch: ProducerBatch) {
    if (this.fail) throw new Error('NOT_ENOUGH_REPLICAS');
    this.batches.push(batch);
    return [];
  }
}

const message = (key: string) => ({ key, value: Buffer.from(key) });

describe('DeferredSender', () => {
  it('holds what is sent and sends it in one acknowledged request per flush, each topic in its order', async () => {
    const producer = new RecordingProducer();
    const sender = new DeferredSender(producer);
    await sender.sendBatch({ topicMessages: [{ topic: 'a', messages: [message('a1')] }] });
    await sender.sendBatch({
      topicMessages: [
        { topic: 'b', messages: [message('b1')] },
        { topic: 'a', messages: [message('a2'), message('a3')] },
      ],
    });
    expect(producer.batches).toHaveLength(0);
    expect(sender.size).toBe(4);
    await sender.flush();
    expect(producer.batches).toHaveLength(1);
    expect(producer.batches[0].acks).toBe(-1);
    expect(producer.batches[0].topicMessages!.map((t) => [t.topic, t.messages.map((m) => m.key)])).toEqual([
      ['a', ['a1', 'a2', 'a3']],
      ['b', ['b1']],
    ]);
    expect(sender.size).toBe(0);
    await sender.flush();
    expect(producer.batches).toHaveLength(1);
  });

  it('runs the work that waits for durability only after the flush succeeded, in order', async () => {
    const producer = new RecordingProducer();
    const sender = new DeferredSender(producer);
    const done: string[] = [];
    await sender.sendBatch({ topicMessages: [{ topic: 'a', messages: [message('a1')] }] });
    sender.afterFlush(async () => void done.push('first'));
    sender.afterFlush(async () => void done.push('second'));
    producer.fail = true;
    await expect(sender.flush()).rejects.toThrow('NOT_ENOUGH_REPLICAS');
    expect(done).toEqual([]);
    producer.fail = false;
    await sender.flush();
    expect(done).toEqual(['first', 'second']);
  });

  it('drops what it holds on discard: nothing is sent and nothing waits', async () => {
    const producer = new RecordingProducer();
    const sender = new DeferredSender(producer);
    const done: string[] = [];
    await sender.sendBatch({ topicMessages: [{ topic: 'a', messages: [message('a1')] }] });
    sender.afterFlush(async () => void done.push('work'));
    sender.discard();
    await sender.flush();
    expect(producer.batches).toHaveLength(0);
    expect(done).toEqual([]);
  });

  it('sends a large flush in requests of at most 2,000 messages, each topic in its order', async () => {
    const producer = new RecordingProducer();
    const sender = new DeferredSender(producer);
    const many = (topic: string, n: number) => Array.from({ length: n }, (_, i) => message(`${topic}${i}`));
    await sender.sendBatch({ topicMessages: [{ topic: 'a', messages: many('a', 3_500) }] });
    await sender.sendBatch({ topicMessages: [{ topic: 'b', messages: many('b', 1_000) }] });
    await sender.flush();
    const sizes = producer.batches.map((b) => b.topicMessages!.reduce((n, t) => n + t.messages.length, 0));
    expect(sizes).toEqual([2_000, 2_000, 500]);
    const sent = (topic: string) =>
      producer.batches.flatMap((b) => b.topicMessages!.filter((t) => t.topic === topic).flatMap((t) => t.messages));
    expect(sent('a').map((m) => m.key)).toEqual(many('a', 3_500).map((m) => m.key));
    expect(sent('b').map((m) => m.key)).toEqual(many('b', 1_000).map((m) => m.key));
  });
});
