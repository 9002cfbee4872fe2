import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ConsumerRunner, MessageDecoder } from '../consumer/consumer-runner';
import type { RetryPolicy } from '../consumer/retry-policy';
import type { TargetBreaker } from '../consumer/target-breaker';
import { DeadLetterPublisher } from '../dead-letter/dead-letter.publisher';
import { replayTopicOf } from '../dead-letter/dead-letter.store';
import { KafkaClient } from '../runtime/kafka-client';
import { ensureTopics } from '../runtime/kafka-topics';
import { HandlerRegistry } from './handler-registry';
import { AppLogger } from './tokens';

/** DI token: what the app's consumer subscribes to and how it treats failures. */
export abstract class ConsumerHostOptions {
  abstract readonly groupId: string;
  abstract readonly topics: string[];
  /** Every event type the decoder can yield on those topics. */
  abstract readonly eventTypes: readonly string[];
  abstract readonly ignoredEventTypes?: readonly string[];
  abstract readonly deadLetterTopic: string;
  abstract readonly decoder: MessageDecoder;
  abstract readonly breaker?: TargetBreaker;
  abstract readonly retry?: Partial<RetryPolicy>;
  abstract readonly partitionsConsumedConcurrently?: number;
  /** Creates the dead-letter topic if missing, with this replication factor. */
  abstract readonly replicationFactor: number;
}

/**
 * Owns the app's long-running consumer: wires the discovered handlers into a {@link ConsumerRunner} after every
 * module is initialised, and on shutdown stops fetching and commits what was processed before Kafka is closed.
 */
@Injectable()
export class ConsumerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private runner?: ConsumerRunner;

  constructor(
    private readonly registry: HandlerRegistry,
    private readonly kafka: KafkaClient,
    private readonly options: ConsumerHostOptions,
    private readonly log: AppLogger,
  ) {}

  get metrics() {
    return this.runner?.metrics;
  }

  get running(): boolean {
    return this.runner?.isRunning ?? false;
  }

  async onApplicationBootstrap(): Promise<void> {
    const o = this.options;
    const handlers = this.registry.build(o.eventTypes, o.ignoredEventTypes);
    await this.kafka.connect();
    await ensureTopics(this.kafka.admin, [
      { topic: o.deadLetterTopic, numPartitions: 1, replicationFactor: o.replicationFactor },
      { topic: replayTopicOf(o.deadLetterTopic), numPartitions: 1, replicationFactor: o.replicationFactor },
    ]);
    this.runner = new ConsumerRunner(this.kafka.consumer(o.groupId), {
      groupId: o.groupId,
      // Replayed dead letters come back through the group's own replay topic, handled like the originals.
      topics: [...o.topics, replayTopicOf(o.deadLetterTopic)],
      decoder: o.decoder,
      handlers,
      ignoredEventTypes: o.ignoredEventTypes,
      deadLetter: new DeadLetterPublisher(this.kafka.producer, o.deadLetterTopic, o.groupId),
      breaker: o.breaker,
      retry: o.retry,
      partitionsConsumedConcurrently: o.partitionsConsumedConcurrently,
      log: this.log.child({ component: 'consumer', groupId: o.groupId }),
    });
    await this.runner.start();
    this.log.info({ topics: o.topics, groupId: o.groupId }, 'consumer started');
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner?.stop();
    this.options.breaker?.shutdown();
    this.log.info(this.runner?.metrics ?? {}, 'consumer stopped');
  }
}
