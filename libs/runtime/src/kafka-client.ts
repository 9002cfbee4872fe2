import type { Provider } from '@nestjs/common';
import { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { kafkaLogCreator } from './logger';
import { countProduced, ProducedRecords } from './metrics/kafka-metrics';

/**
 * A consumer's fetch sizing (kafkajs's own options): how long and how much the broker gathers before it answers
 * (`minBytes`, `maxWaitTimeInMs`), and how much one fetch brings at most, per partition and in all (kafkajs
 * defaults: 1 MiB and 10 MiB). The caps bound how many records a consumer holds at once.
 */
export interface ConsumerFetchOptions {
  minBytes?: number;
  maxWaitTimeInMs?: number;
  maxBytesPerPartition?: number;
  maxBytes?: number;
}

export interface KafkaClientOptions {
  clientId: string;
  brokers: string[];
  log: Logger;
}

/**
 * Owns one kafkajs client and its shared idempotent producer (acks=all, one in-flight request per broker, so
 * records of a partition are never reordered by a retry) and admin client.
 */
export class KafkaClient {
  readonly kafka: Kafka;
  readonly producer: Producer;
  readonly admin: Admin;
  /** Records the app's producers wrote, by topic (`hub_records_produced_total`). */
  readonly produced = new ProducedRecords();
  private connected = false;

  constructor(readonly options: KafkaClientOptions) {
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logCreator: kafkaLogCreator(options.log),
      retry: { initialRetryTime: 200, retries: 8 },
    });
    this.producer = countProduced(
      this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false }),
      this.produced,
    );
    this.admin = this.kafka.admin();
  }

  consumer(groupId: string, fetch: ConsumerFetchOptions = {}): Consumer {
    return this.kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      ...fetch,
    });
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    await this.admin.connect();
    await this.producer.connect();
    this.connected = true;
  }

  /** Flushes and closes the producer: every send that resolved is already acknowledged (acks=all). */
  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    await this.producer.disconnect();
    await this.admin.disconnect();
  }

  /** Nest calls this after every consumer stopped (they stop in beforeApplicationShutdown). */
  async onApplicationShutdown(): Promise<void> {
    await this.disconnect();
  }

  /** For readiness: the cluster answers a metadata request within `timeoutMs`. */
  async ping(timeoutMs = 2_000): Promise<{ brokers: number }> {
    const cluster = await withTimeout(this.admin.describeCluster(), timeoutMs, 'kafka did not answer');
    return { brokers: cluster.brokers.length };
  }
}

/**
 * The app's {@link KafkaClient} provider: connected before anything injects it, then `prepare` (e.g. creating the
 * topics the app subscribes to) runs once.
 */
export function kafkaClientProvider(
  options: KafkaClientOptions & { prepare?: (kafka: KafkaClient) => Promise<unknown> },
): Provider {
  const { prepare, ...clientOptions } = options;
  return {
    provide: KafkaClient,
    useFactory: async () => {
      const kafka = new KafkaClient(clientOptions);
      await kafka.connect();
      await prepare?.(kafka);
      return kafka;
    },
  };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
