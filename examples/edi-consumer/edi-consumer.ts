import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Consumer, EachMessagePayload, Kafka, logCreator, logLevel } from 'kafkajs';
import type { EdiConsumerConfig } from './config';
import { DecimalType } from './decimal.type';
import { formatJson, formatLine, isCanonicalEvent, RecordPosition } from './event-format';

export interface Output {
  /** One event per line: what a downstream EDI step would read. */
  event(line: string): void;
  /** Progress and problems, kept off the event stream. */
  log(line: string): void;
}

/** kafkajs logs go to stderr so `--json` output stays one JSON object per line. */
const stderrLogs: logCreator =
  () =>
  ({ namespace, level, log }) => {
    const { message, ...extra } = log;
    process.stderr.write(`kafkajs ${logLevel[level]} ${namespace}: ${message} ${JSON.stringify(extra)}\n`);
  };

/**
 * Reads the canonical topics it is given in its own consumer group and prints every event. It only subscribes:
 * no hub code, no topic creation (topics belong to their producing app). Offsets are committed by kafkajs after
 * each processed batch, and once more on {@link stop}, so a restart resumes after the last printed event.
 */
export class EdiConsumer {
  private readonly kafka: Kafka;
  private readonly consumer: Consumer;
  private readonly registry: SchemaRegistry;

  constructor(
    private readonly config: EdiConsumerConfig,
    private readonly out: Output,
  ) {
    this.kafka = new Kafka({
      clientId: config.groupId,
      brokers: config.brokers,
      logLevel: logLevel.WARN,
      logCreator: stderrLogs,
    });
    this.consumer = this.kafka.consumer({ groupId: config.groupId, allowAutoTopicCreation: false });
    // Decimals (money, quantities) decode to exact strings; avsc gets a fresh copy of these options per schema.
    this.registry = new SchemaRegistry(
      { host: config.registryUrl, clientId: config.groupId },
      { [SchemaType.AVRO]: { logicalTypes: { decimal: DecimalType } } },
    );
  }

  /** Connects, checks the topics exist, subscribes and starts printing. Resolves once consuming has started. */
  async start(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = this.config.topics.filter((t) => !existing.has(t));
      if (missing.length) {
        throw new Error(
          `topic(s) not found: ${missing.join(', ')}. Canonical topics are created by the app that produces them ` +
            `(see docs/asyncapi.yaml); check TOPICS and KAFKA_BROKERS.`,
        );
      }
    } finally {
      await admin.disconnect();
    }
    await this.consumer.connect();
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) =>
      this.out.log(
        `edi-consumer: joined group ${payload.groupId} (${Object.keys(payload.memberAssignment).join(', ')})`,
      ),
    );
    await this.consumer.subscribe({ topics: this.config.topics, fromBeginning: this.config.fromBeginning });
    await this.consumer.run({ eachMessage: (payload) => this.print(payload) });
  }

  /** Stops fetching, lets the record in hand finish, commits what was printed and leaves the group. */
  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }

  /** Called when kafkajs gives up for good (it restarts by itself after retriable errors); the caller exits non-zero. */
  onCrash(handler: (error: Error) => void): void {
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) handler(payload.error);
    });
  }

  private async print({ topic, partition, message }: EachMessagePayload): Promise<void> {
    const at: RecordPosition = { topic, partition, offset: message.offset, key: message.key?.toString('utf8') ?? null };
    if (message.value === null) {
      // A tombstone follows a *.deleted event on a compacted topic: nothing to decode.
      this.out.event(
        this.config.json ? formatJson(null, at) : `tombstone ${at.key} [${topic} ${partition}@${at.offset}]`,
      );
      return;
    }
    if (message.value.length < 5 || message.value[0] !== 0) {
      // Not Confluent-framed Avro, so no retry will help. A production consumer dead-letters it; the example says so.
      this.out.log(`edi-consumer: skipped ${topic} ${partition}@${at.offset}: not Confluent wire format`);
      return;
    }
    // A registry outage throws here: kafkajs retries the record rather than skipping it.
    const value: unknown = await this.registry.decode(message.value);
    if (!isCanonicalEvent(value)) {
      this.out.log(`edi-consumer: skipped ${topic} ${partition}@${at.offset}: no canonical envelope`);
      return;
    }
    this.out.event(this.config.json ? formatJson(value, at) : formatLine(value, at));
  }
}
