import type { Message, TopicMessages } from 'kafkajs';
import type { CanonicalSender } from './canonical-publisher';

/** Messages one produce request of a flush carries at most. */
const MESSAGES_PER_REQUEST = 2_000;

/** What a {@link DeferredSender} holds before it is flushed once the messages may be sent in one produce request. */
export interface DeferredEffects {
  /** Messages held, not yet acknowledged by Kafka. */
  readonly size: number;
  /** Sends every held message in one request (acks=all), then runs what waited for them; resolves once all is done. */
  flush(): Promise<void>;
  /** Drops what is held (the input it came from will be read and handled again). */
  discard(): void | Promise<void>;
}

/**
 * A sender that holds what a publisher sends until {@link flush}, so a consumer that publishes while it handles each
 * record of a fetch pays one acknowledged produce request per fetch instead of one per record. The records of a fetch
 * are durable only after the flush: the consumer resolves their offsets then, never before (ConsumerRunner's
 * `deferredEffects`). Work that must follow the records' durability (forgetting what was published) is registered
 * with {@link afterFlush}. Messages of one topic keep the order they were sent in.
 */
export class DeferredSender implements CanonicalSender, DeferredEffects {
  private held = new Map<string, Message[]>();
  private count = 0;
  private after: (() => Promise<void>)[] = [];

  constructor(private readonly producer: CanonicalSender) {}

  get size(): number {
    return this.count;
  }

  sendBatch(batch: { topicMessages?: TopicMessages[] }): Promise<[]> {
    for (const { topic, messages } of batch.topicMessages ?? []) {
      const list = this.held.get(topic) ?? [];
      list.push(...messages);
      this.held.set(topic, list);
      this.count += messages.length;
    }
    return Promise.resolve([]);
  }

  /** Runs `work` after the messages held now (and any held later, up to the next flush) are acknowledged. */
  afterFlush(work: () => Promise<void>): void {
    this.after.push(work);
  }

  async flush(): Promise<void> {
    const held = this.held;
    const after = this.after;
    // In requests of at most MESSAGES_PER_REQUEST, one after another (the order of each topic holds), so that a large
    // transaction's events never make a record batch larger than the broker takes (message.max.bytes).
    let request: TopicMessages[] = [];
    let inRequest = 0;
    const send = async () => {
      if (inRequest > 0) await this.producer.sendBatch({ acks: -1, topicMessages: request });
      request = [];
      inRequest = 0;
    };
    for (const [topic, messages] of held) {
      for (let from = 0; from < messages.length;) {
        const take = Math.min(MESSAGES_PER_REQUEST - inRequest, messages.length - from);
        request.push({ topic, messages: messages.slice(from, from + take) });
        inRequest += take;
        from += take;
        if (inRequest >= MESSAGES_PER_REQUEST) await send();
      }
    }
    await send();
    this.reset();
    for (const work of after) await work();
  }

  discard(): void {
    this.reset();
  }

  private reset(): void {
    this.held = new Map();
    this.after = [];
    this.count = 0;
  }
}
