import { Attributes, context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { extractTraceContext, lazyChild } from '@hub/runtime';
import { DeadLetterPublisher } from '../dead-letter/dead-letter.publisher';
import {
  CarriedOverError,
  classifyError,
  DeferredError,
  PermanentError,
  PermanentErrorCode,
  TransientError,
} from '../errors/hub-errors';
import type { ConsumerFlowMetrics } from '../metrics/consumer-metrics';
import type { Parking } from './parking';
import { backoffDelay, RetryPolicy } from './retry-policy';
import type { TargetBreaker } from './target-breaker';

/** What a decoder makes of one Kafka record. */
export interface DecodedEvent<T = unknown> {
  /** Routing key: the handler registered for this type receives the event. */
  eventType: string;
  value: T;
  /** For logs and dedupe; absent for sources without ids (raw CDC records). */
  eventId?: string;
  /**
   * Labels for the record's span: its canonical id, source system and position (`envelopeAttributes` of
   * libs/runtime), or for a raw change the source's commit time, so one record's trace is found by what it carried.
   */
  traceAttributes?: Attributes;
}

/**
 * Turns a Kafka record into an event. Throws PermanentError(UNDECODABLE | INVALID_RECORD) for bad bytes;
 * returns null for a record that is intentionally skipped (e.g. a tombstone), which is counted as ignored.
 */
export interface MessageDecoder {
  decode(message: KafkaMessage, topic: string): Promise<DecodedEvent | null>;
}

export interface HandlerContext {
  topic: string;
  partition: number;
  offset: string;
  attempt: number;
  log: Logger;
  /**
   * Set when the record was parked (see {@link DeferredError}) and is now read back from the park topic: when it was
   * parked. A handler may then wait for what it lacked instead of deferring again.
   */
  parkedAt?: number;
}

export type EventHandlerFn = (event: DecodedEvent, ctx: HandlerContext) => Promise<void>;

export interface RunnerMetrics {
  processed: number;
  deadLettered: number;
  ignored: number;
  retried: number;
  pauses: number;
  /** Records not handled because a later record of the same key in the same batch carried a newer state. */
  superseded: number;
  /** Records moved aside to the park topic (deferred, or behind a parked record of their key). */
  parked: number;
  /** Records sent back to Kafka unattempted, to come again with the records behind them (a fuller call). */
  carriedOver: number;
  lastProcessedAt?: number;
}

export const emptyRunnerMetrics = (): RunnerMetrics => ({
  processed: 0,
  deadLettered: 0,
  ignored: 0,
  retried: 0,
  pauses: 0,
  superseded: 0,
  parked: 0,
  carriedOver: 0,
});

/** How a record reached its durable end (the `outcome` label of `hub_record_processing_seconds`). */
export type DoneHow = 'applied' | 'ignored' | 'dead_lettered' | 'parked';

export type Outcome = { kind: 'done'; how: DoneHow } | { kind: 'pause'; delayMs: number; reason: string };

export interface RecordProcessorOptions {
  groupId: string;
  decoder: MessageDecoder;
  handlers: ReadonlyMap<string, EventHandlerFn>;
  ignoredEventTypes?: readonly string[];
  deadLetter: DeadLetterPublisher;
  breaker?: TargetBreaker;
  /** Whether each handler call goes through the breaker (default); see ConsumerRunnerOptions. */
  wrapHandlersInBreaker?: boolean;
  retry: RetryPolicy;
  /** Where deferred records go, so their partition moves on; without it a deferral is an ordinary transient failure. */
  parking?: Parking;
  /** Per-record metrics (records in, processing time, freshness, dead letters by reason); none when absent. */
  flow?: ConsumerFlowMetrics;
  log: Logger;
}

/**
 * One record, start to durable end: decode → handler (behind the breaker) → done, dead-lettered, parked, or a
 * transient failure retried a few times in place and then reported as a pause. Owns the per-record span and log
 * context and the attempt count of each record.
 */
export class RecordProcessor {
  readonly metrics: RunnerMetrics = emptyRunnerMetrics();
  private readonly attempts = new Map<string, number>();
  private readonly ignored: Set<string>;
  private readonly tracer = trace.getTracer('hub-consumer-runner');

  constructor(private readonly options: RecordProcessorOptions) {
    this.ignored = new Set(options.ignoredEventTypes ?? []);
  }

  async process(topic: string, partition: number, message: KafkaMessage): Promise<Outcome> {
    const startedAt = process.hrtime.bigint();
    const outcome = await this.processRecord(topic, partition, message);
    if (outcome.kind === 'done') {
      this.options.parking?.released(topic, message);
      this.options.flow?.done(this.options.groupId, topic, outcome.how, startedAt);
    }
    return outcome;
  }

  private async processRecord(topic: string, partition: number, message: KafkaMessage): Promise<Outcome> {
    const parking = this.options.parking;
    if (parking?.isParkedKey(topic, message)) {
      // An earlier record of this key waits on the park topic: this one must not overtake it.
      await parking.park(topic, partition, message, 'BEHIND_PARKED_KEY');
      this.metrics.parked++;
      return { kind: 'done', how: 'parked' };
    }
    const key = `${topic}/${partition}/${message.offset}`;
    const retry = this.options.retry;
    for (let inline = 1; ; inline++) {
      const attempt = (this.attempts.get(key) ?? 0) + 1;
      // Lazy: a pino child per record cost more than the rest of odoo-cdc's own work on it (docs/performance.md).
      const log = lazyChild(this.options.log, { topic, partition, offset: message.offset, attempt });
      const result = await this.processOnce(topic, partition, message, attempt, log);
      if (typeof result === 'string') {
        this.attempts.delete(key);
        return { kind: 'done', how: result };
      }
      const error = result;
      if (error instanceof CarriedOverError) {
        // Not attempted: fetched again at once with the records behind it. No attempt counted, no backoff.
        this.metrics.carriedOver++;
        return { kind: 'pause', delayMs: 0, reason: error.code };
      }
      if (error instanceof DeferredError && parking?.accepts(topic)) {
        await parking.park(topic, partition, message, error.code);
        this.metrics.parked++;
        this.attempts.delete(key);
        log.debug({ code: error.code }, `record parked: ${error.message}`);
        return { kind: 'done', how: 'parked' };
      }
      if (!error.targetUnavailable) this.attempts.set(key, attempt);
      this.metrics.retried++;
      if (!error.targetUnavailable && attempt >= retry.maxAttempts) {
        const exhausted = new PermanentError(
          PermanentErrorCode.RETRIES_EXHAUSTED,
          `gave up after ${attempt} transient failures; last: ${error.code}: ${error.message}`,
          { vendorCode: error.code, cause: error },
        );
        await this.deadLetter(topic, partition, message, attempt, exhausted, log);
        this.attempts.delete(key);
        return { kind: 'done', how: 'dead_lettered' };
      }
      if (error.targetUnavailable || inline >= retry.inlineAttempts) {
        const delayMs = error.targetUnavailable
          ? (error.retryAfterMs ?? retry.baseDelayMs)
          : backoffDelay(attempt, retry, error.retryAfterMs);
        log.warn({ code: error.code, delayMs }, `transient failure, pausing partition: ${error.message}`);
        return { kind: 'pause', delayMs, reason: error.code };
      }
      const delay = backoffDelay(inline, retry, error.retryAfterMs);
      log.debug({ code: error.code, delay }, `transient failure, retrying in place: ${error.message}`);
      await sleep(Math.min(delay, 2_000));
    }
  }

  /** OpenTelemetry messaging attributes of one consumed record. */
  recordAttributes(topic: string, partition: number, message: KafkaMessage) {
    return {
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': topic,
      'messaging.kafka.destination.partition': partition,
      'messaging.kafka.message.offset': Number(message.offset),
      ...(message.key ? { 'messaging.kafka.message.key': message.key.toString() } : {}),
      'messaging.consumer.group.name': this.options.groupId,
    };
  }

  /** The record's trace ends here: a span saying which later record of its key carried its effect. */
  traceSuperseded(topic: string, partition: number, message: KafkaMessage, by: KafkaMessage): void {
    this.metrics.superseded++;
    this.options.flow?.consumed(this.options.groupId, topic);
    // A parked record carried by a later one of its key reached its end too.
    this.options.parking?.released(topic, message);
    this.tracer
      .startSpan(
        `process ${topic}`,
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            ...this.recordAttributes(topic, partition, message),
            'hub.outcome': 'superseded',
            'hub.superseded_by_offset': Number(by.offset),
          },
        },
        extractTraceContext(message.headers),
      )
      .end();
  }

  /** Returns how the record's effect became durable, or the transient error to retry. */
  private async processOnce(
    topic: string,
    partition: number,
    message: KafkaMessage,
    attempt: number,
    log: Logger,
  ): Promise<Exclude<DoneHow, 'parked'> | TransientError> {
    const parent = extractTraceContext(message.headers);
    const span = this.tracer.startSpan(
      `process ${topic}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: { ...this.recordAttributes(topic, partition, message), 'hub.attempt': attempt },
      },
      parent,
    );
    try {
      return await context.with(trace.setSpan(parent, span), async () => {
        try {
          const event = await this.options.decoder.decode(message, topic);
          if (event === null || this.ignored.has(event.eventType)) {
            this.metrics.ignored++;
            log.debug({ eventType: event?.eventType }, 'record ignored');
            span.setAttribute('hub.outcome', 'ignored');
            return 'ignored';
          }
          const handler = this.options.handlers.get(event.eventType);
          if (!handler) {
            throw new PermanentError(
              PermanentErrorCode.UNHANDLED_EVENT_TYPE,
              `no handler for event type "${event.eventType}" on ${topic}`,
            );
          }
          // The trace id comes with every line written inside the span (the logger's mixin).
          const eventLog = log.child({ eventId: event.eventId, eventType: event.eventType });
          span.setAttributes({ 'hub.event_type': event.eventType, ...event.traceAttributes });
          const parkedAt = this.options.parking?.parkedAt(topic, message);
          const run = () =>
            handler(event, { topic, partition, offset: message.offset, attempt, log: eventLog, parkedAt });
          const viaBreaker = this.options.breaker && this.options.wrapHandlersInBreaker !== false;
          await (viaBreaker ? this.options.breaker!.fire(run) : run());
          this.metrics.processed++;
          this.metrics.lastProcessedAt = Date.now();
          this.options.flow?.applied(topic, event.traceAttributes, this.metrics.lastProcessedAt);
          span.setAttribute('hub.outcome', 'applied');
          return 'applied';
        } catch (thrown) {
          const error = classifyError(thrown);
          if (error instanceof CarriedOverError) {
            span.setAttribute('hub.outcome', 'carried-over');
            return error;
          }
          span.recordException(error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: error.code });
          if (error instanceof TransientError) {
            if (error instanceof DeferredError) span.setAttribute('hub.outcome', 'deferred');
            return error;
          }
          span.setAttribute('hub.outcome', 'dead-lettered');
          await this.deadLetter(topic, partition, message, attempt, error, log);
          return 'dead_lettered';
        }
      });
    } finally {
      span.end();
    }
  }

  private async deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    attempts: number,
    error: PermanentError,
    log: Logger,
  ): Promise<void> {
    // If Kafka refuses the dead letter too, this throws: the offset stays unresolved and the record is retried,
    // which is the only choice that loses nothing.
    await this.options.deadLetter.publish({ topic, partition, message, attempts }, error);
    this.metrics.deadLettered++;
    this.options.flow?.deadLettered(topic, error.code);
    log.error(
      { reason: error.code, vendorCode: error.vendorCode, detail: error.detail },
      `record dead-lettered: ${error.message}`,
    );
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
