import type { IHeaders, KafkaMessage, Producer } from 'kafkajs';
import { injectTraceHeaders } from '@hub/runtime';
import { PermanentError } from '../errors/hub-errors';

/** Header names of a dead-lettered record; the original headers are kept beside them. */
export const DLQ_HEADERS = {
  reason: 'hub-dlq-reason',
  vendorCode: 'hub-dlq-vendor-code',
  message: 'hub-dlq-message',
  detail: 'hub-dlq-detail',
  sourceTopic: 'hub-dlq-source-topic',
  sourcePartition: 'hub-dlq-source-partition',
  sourceOffset: 'hub-dlq-source-offset',
  attempts: 'hub-dlq-attempts',
  consumer: 'hub-dlq-consumer',
  failedAt: 'hub-dlq-failed-at',
} as const;

export interface DeadLetterSource {
  topic: string;
  partition: number;
  message: KafkaMessage;
  attempts: number;
}

/**
 * Writes a record that cannot be applied to the dead-letter topic with its original key, bytes and headers plus
 * the reason, and resolves only once Kafka acknowledged it (acks=all), so the caller may then commit the offset.
 */
export class DeadLetterPublisher {
  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly consumerName: string,
  ) {}

  async publish(source: DeadLetterSource, error: PermanentError): Promise<void> {
    // The record's trace goes on: from the span that failed it when there is one (else from its producer's, kept).
    const headers: IHeaders = injectTraceHeaders({ ...(source.message.headers ?? {}) });
    headers[DLQ_HEADERS.reason] = error.code;
    if (error.vendorCode) headers[DLQ_HEADERS.vendorCode] = error.vendorCode;
    headers[DLQ_HEADERS.message] = error.message.slice(0, 4000);
    if (error.detail !== undefined) headers[DLQ_HEADERS.detail] = JSON.stringify(error.detail).slice(0, 16000);
    headers[DLQ_HEADERS.sourceTopic] = source.topic;
    headers[DLQ_HEADERS.sourcePartition] = String(source.partition);
    headers[DLQ_HEADERS.sourceOffset] = source.message.offset;
    headers[DLQ_HEADERS.attempts] = String(source.attempts);
    headers[DLQ_HEADERS.consumer] = this.consumerName;
    headers[DLQ_HEADERS.failedAt] = new Date().toISOString();
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: [{ key: source.message.key, value: source.message.value, headers }],
    });
  }
}
