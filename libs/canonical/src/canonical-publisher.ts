import type { IHeaders, Producer } from 'kafkajs';
import { CanonicalCodec, CanonicalValue } from './canonical-codec';
import type { FieldOwnership, SystemOfRecord } from './ownership';
import { eventFieldOf } from './canonical-event';
import { entityOfTopic } from './event-map';
import { assertMayProduce, CanonicalTopicKey } from './topics';

/** One record to publish: a canonical event, or a tombstone (value null) on a compacted topic. */
export type OutgoingRecord<K extends CanonicalTopicKey = CanonicalTopicKey> = {
  topic: K;
  key: string;
  value: CanonicalValue<K> | null;
  headers?: IHeaders;
  /**
   * The trace context the record was made in, when it is published later from another one (a batch committed at its
   * end): handed to `traceHeaders` as it is. Opaque here; the contract stands without OpenTelemetry.
   */
  traceContext?: unknown;
};

/**
 * What the publisher sends through: the app's idempotent producer, or one Kafka transaction of a transactional
 * producer (kafkajs `Transaction`), so a source can commit its events with its own position atomically.
 */
export type CanonicalSender = Pick<Producer, 'sendBatch'>;

/** What {@link CanonicalPublisherOptions.traceHeaders} is told of a record: where it goes and its envelope. */
export interface PublishedRecord {
  /** The physical topic name (with the installation's prefix). */
  topic: string;
  key: string;
  /** The event's envelope; absent for a tombstone. */
  envelope?: EnvelopeView;
  /** {@link OutgoingRecord.traceContext}. */
  traceContext?: unknown;
}

/** The envelope fields a trace is labelled with. */
export interface EnvelopeView {
  eventId: string;
  eventType: string;
  aggregateId: string;
  sourceSystem: string;
  sourcePosition: number;
  sourceTable?: string | null;
  sourceTransactionId?: string | null;
  occurredAt?: number | Date;
}

export interface CanonicalPublisherOptions {
  /** The producing app's service name: it may publish only to the topics the topic table lists it for. */
  app: string;
  /**
   * Headers added to every record, e.g. the W3C trace context of a span recording the record (`traceCanonicalRecord`
   * of libs/runtime): called once per record with its physical topic, key and envelope, in the caller's context.
   */
  traceHeaders?: (record: PublishedRecord) => IHeaders;
  /**
   * The system this publisher speaks for: fields the ownership table gives to another system are left out of
   * every record (they take their schema default), so a system never publishes values it does not own.
   */
  owner?: { system: SystemOfRecord; ownership: FieldOwnership };
}

/**
 * Publishes canonical events with an idempotent producer and acks=all, resolving only after Kafka acknowledged
 * every record, so the caller may commit its input offset afterwards. Records of one call keep their order.
 * A call with a record for a topic the app may not produce throws {@link TopicProducerError} and sends nothing.
 */
export class CanonicalPublisher {
  private readonly traceHeaders: (record: PublishedRecord) => IHeaders;
  private readonly owner?: { system: SystemOfRecord; ownership: FieldOwnership };
  readonly app: string;

  constructor(
    private readonly producer: CanonicalSender,
    private readonly codec: CanonicalCodec,
    private readonly options: CanonicalPublisherOptions,
  ) {
    this.app = options.app;
    this.traceHeaders = options.traceHeaders ?? (() => ({}));
    this.owner = options.owner;
  }

  /** The same publisher sending through `sender`, e.g. one Kafka transaction. */
  through(sender: CanonicalSender): CanonicalPublisher {
    return new CanonicalPublisher(sender, this.codec, this.options);
  }

  private restrictToOwnedFields(topic: CanonicalTopicKey, value: Record<string, unknown>): Record<string, unknown> {
    if (!this.owner) return value;
    const entity = entityOfTopic(topic);
    const field = eventFieldOf(topic);
    const payload = value[field];
    if (payload === null || payload === undefined) return value;
    return { ...value, [field]: this.owner.ownership.pickOwnedFields(entity, this.owner.system, payload as object) };
  }

  async publish(records: OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    assertMayProduce(
      this.app,
      records.map((r) => r.topic),
    );
    const byTopic = new Map<string, { key: string; value: Buffer | null; headers: IHeaders }[]>();
    const order: string[] = [];
    for (const record of records) {
      const topic = this.codec.topic(record.topic);
      const value =
        record.value === null
          ? null
          : await this.codec.encode(
              record.topic,
              this.restrictToOwnedFields(
                record.topic,
                record.value as unknown as Record<string, unknown>,
              ) as unknown as CanonicalValue<typeof record.topic>,
            );
      if (!byTopic.has(topic)) {
        byTopic.set(topic, []);
        order.push(topic);
      }
      const envelope = (record.value as { envelope?: EnvelopeView } | null)?.envelope;
      const traced = this.traceHeaders({ topic, key: record.key, envelope, traceContext: record.traceContext });
      byTopic.get(topic)!.push({ key: record.key, value, headers: { ...traced, ...record.headers } });
    }
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: order.map((topic) => ({ topic, messages: byTopic.get(topic)! })),
    });
  }
}
