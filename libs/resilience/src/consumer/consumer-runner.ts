import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { DeadLetterPublisher } from '../dead-letter/dead-letter.publisher';
import { classifyError, PermanentError, PermanentErrorCode, TransientError } from '../errors/hub-errors';
import { extractTraceContext } from '@hub/runtime';
import { backoffDelay, DEFAULT_RETRY_POLICY, RetryPolicy } from './retry-policy';
import type { TargetBreaker } from './target-breaker';

/** What a decoder makes of one Kafka record. */
export interface DecodedEvent<T = unknown> {
  /** Routing key: the handler registered for this type receives the event. */
  eventType: string;
  value: T;
  /** For logs and dedupe; absent for sources without ids (raw CDC records). */
  eventId?: string;
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
}

export type EventHandlerFn = (event: DecodedEvent, ctx: HandlerContext) => Promise<void>;

export interface ConsumerRunnerOptions {
  /** Consumer group id; also written into dead-letter headers. */
  groupId: string;
  topics: string[];
  fromBeginning?: boolean;
  decoder: MessageDecoder;
  /** Exactly one handler per event type; see {@link HandlerRegistry} for how apps build this map. */
  handlers: ReadonlyMap<string, EventHandlerFn>;
  /** Event types that are expected and deliberately not handled: counted, then committed. */
  ignoredEventTypes?: readonly string[];
  deadLetter: DeadLetterPublisher;
  /** Guards the handlers' calls to the target; while open, partitions pause instead of spinning. */
  breaker?: TargetBreaker;
  retry?: Partial<RetryPolicy>;
  /** Partitions processed in parallel; records of one partition are always processed in order. */
  partitionsConsumedConcurrently?: number;
  /**
   * Handle the records of a fetched batch concurrently instead of one after another, so that a handler can group
   * them into batched calls to its target. Records of one key are still applied in order, never two at once.
   */
  pipeline?: PipelineOptions;
  /**
   * Whether each handler call goes through the breaker (default). A handler that batches calls to its target fires
   * the breaker per target call instead, and the runner then only uses the breaker to resume on recovery.
   */
  wrapHandlersInBreaker?: boolean;
  /** Overrides kafkajs fetch sizing: a larger minBytes lets a batching handler see fuller batches. */
  fetch?: { minBytes?: number; maxWaitTimeInMs?: number };
  log: Logger;
}

export interface PipelineOptions {
  /** Records of one partition in flight at once. */
  maxInFlight: number;
  /**
   * Only the last record of each key in a fetched batch is handled; the earlier ones are superseded and committed
   * with it. Right only for streams whose every record carries the full state of its key (the canonical topics).
   */
  coalesceByKey: boolean;
}

export interface RunnerMetrics {
  processed: number;
  deadLettered: number;
  ignored: number;
  retried: number;
  pauses: number;
  /** Records not handled because a later record of the same key in the same batch carried a newer state. */
  superseded: number;
  lastProcessedAt?: number;
}

type Outcome = { kind: 'done' } | { kind: 'pause'; delayMs: number; reason: string };
type PipelineOutcome = Outcome | { kind: 'blocked' };

/**
 * The one Kafka consumption loop of the hub (STYLE rule 6). For every record, in partition order:
 * decode → handler (behind the breaker) → resolve the offset. Offsets are committed only up to the last record whose
 * effect is durable: handled, ignored on purpose, or acknowledged by the dead-letter topic.
 *
 * Transient failures are retried a few times in place; then the partition is paused for a backoff delay and the
 * batch is left unresolved, so kafkajs fetches the same record again after `resume` and other partitions keep
 * flowing meanwhile. Permanent failures go to the dead-letter topic with the reason and the partition moves on.
 */
export class ConsumerRunner {
  readonly metrics: RunnerMetrics = {
    processed: 0,
    deadLettered: 0,
    ignored: 0,
    retried: 0,
    pauses: 0,
    superseded: 0,
  };
  /**
   * Per partition: offsets already handled in a pipelined batch but not yet committable, because an earlier record
   * of the partition is still being retried. They are skipped when the partition is fetched again, so a record that
   * Salesforce accepted is not sent again because its neighbour was refused.
   */
  private readonly completedAhead = new Map<string, Set<string>>();
  private readonly retry: RetryPolicy;
  private readonly attempts = new Map<string, number>();
  private readonly resumeTimers = new Map<string, NodeJS.Timeout>();
  private readonly ignored: Set<string>;
  private readonly tracer = trace.getTracer('hub-consumer-runner');
  private running = false;

  constructor(
    private readonly consumer: Consumer,
    private readonly options: ConsumerRunnerOptions,
  ) {
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.ignored = new Set(options.ignoredEventTypes ?? []);
    options.breaker?.onRecovery(() => this.resumeAll());
  }

  get isRunning(): boolean {
    return this.running;
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.options.topics, fromBeginning: this.options.fromBeginning ?? true });
    await this.consumer.run({
      autoCommit: true,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
      eachBatch: (payload) => (this.options.pipeline ? this.eachBatchPipelined(payload) : this.eachBatch(payload)),
    });
    this.running = true;
  }

  /** Stops fetching, commits what was resolved, leaves the group. */
  async stop(): Promise<void> {
    this.running = false;
    for (const t of this.resumeTimers.values()) clearTimeout(t);
    this.resumeTimers.clear();
    await this.consumer.disconnect();
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale, pause, commitOffsetsIfNecessary } = payload;
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) break;
      const outcome = await this.processWithInlineRetries(batch.topic, batch.partition, message);
      if (outcome.kind === 'pause') {
        this.pausePartition(batch.topic, batch.partition, pause, outcome.delayMs, outcome.reason);
        break;
      }
      resolveOffset(message.offset);
      await heartbeat();
    }
    await commitOffsetsIfNecessary();
  }

  /**
   * Pipelined: every record of the batch is handled concurrently (up to maxInFlight), records of one key one after
   * another. Then the offset is resolved up to the last record before the first one still failing; records done past
   * it are remembered and skipped on the next fetch, and the partition pauses for the failing record's backoff.
   */
  private async eachBatchPipelined(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale, pause, commitOffsetsIfNecessary } = payload;
    const { maxInFlight, coalesceByKey } = this.options.pipeline!;
    const tp = `${batch.topic}/${batch.partition}`;
    const ahead = this.completedAhead.get(tp) ?? new Set<string>();
    this.completedAhead.set(tp, ahead);
    const messages = batch.messages;
    const keyOf = (m: KafkaMessage) => (m.key ? m.key.toString('latin1') : `\u0000offset:${m.offset}`);

    // Which record stands for which: with coalescing, each key's last record in the batch stands for all of its key.
    // Tombstones (null values) stand only for themselves: a deletion event followed by its tombstone must still be
    // applied, and the tombstone itself is only ignored.
    const representative = new Map<string, KafkaMessage>();
    const coalesced = (m: KafkaMessage) => coalesceByKey && m.value !== null;
    for (const m of messages) if (coalesced(m) && !ahead.has(m.offset)) representative.set(keyOf(m), m);

    const outcomes = new Map<string, PipelineOutcome>();
    const chains = new Map<string, Promise<PipelineOutcome>>();
    const beat = setInterval(() => void heartbeat().catch(() => undefined), 2_000);
    try {
      for (let start = 0; start < messages.length; start += maxInFlight) {
        if (!isRunning() || isStale()) return;
        const window = messages.slice(start, start + maxInFlight);
        const work: Promise<void>[] = [];
        for (const m of window) {
          if (ahead.has(m.offset)) continue;
          const key = keyOf(m);
          if (coalesced(m) && representative.get(key) !== m) continue;
          const previous = chains.get(key);
          const run = async (): Promise<PipelineOutcome> => {
            // A record never overtakes an earlier record of its key that is still failing.
            if (previous && (await previous).kind !== 'done') return { kind: 'blocked' };
            return this.processWithInlineRetries(batch.topic, batch.partition, m);
          };
          const outcome = run();
          chains.set(key, outcome);
          work.push(outcome.then((o) => void outcomes.set(m.offset, o)));
        }
        await Promise.all(work);
        if ([...outcomes.values()].some((o) => o.kind !== 'done')) break;
      }
    } finally {
      clearInterval(beat);
    }
    if (!isRunning() || isStale()) return;

    const isDone = (m: KafkaMessage): boolean => {
      if (ahead.has(m.offset)) return true;
      const stand = coalesced(m) ? representative.get(keyOf(m)) : m;
      return stand !== undefined && outcomes.get(stand.offset)?.kind === 'done';
    };
    let contiguous = true;
    let firstPause: { delayMs: number; reason: string } | undefined;
    for (const m of messages) {
      const done = isDone(m);
      if (done && coalesced(m) && representative.get(keyOf(m)) !== m && !ahead.has(m.offset)) {
        this.metrics.superseded++;
        this.traceSuperseded(batch.topic, batch.partition, m, representative.get(keyOf(m))!);
      }
      if (contiguous && done) {
        resolveOffset(m.offset);
        ahead.delete(m.offset);
        continue;
      }
      contiguous = false;
      if (done) ahead.add(m.offset);
      const outcome = outcomes.get(m.offset);
      if (!firstPause && outcome?.kind === 'pause') firstPause = outcome;
    }
    if (!contiguous) {
      const { delayMs, reason } = firstPause ?? { delayMs: this.retry.baseDelayMs, reason: 'blocked' };
      this.pausePartition(batch.topic, batch.partition, pause, delayMs, reason);
    }
    await commitOffsetsIfNecessary();
  }

  /** OpenTelemetry messaging attributes of one consumed record. */
  private recordAttributes(topic: string, partition: number, message: KafkaMessage) {
    return {
      'messaging.system': 'kafka',
      'messaging.destination.name': topic,
      'messaging.kafka.destination.partition': partition,
      'messaging.kafka.message.offset': Number(message.offset),
      'messaging.consumer.group.name': this.options.groupId,
    };
  }

  /** The record's trace ends here too: a span saying which later record of its key carried its effect. */
  private traceSuperseded(topic: string, partition: number, message: KafkaMessage, by: KafkaMessage): void {
    this.tracer
      .startSpan(
        `${topic} process`,
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

  private async processWithInlineRetries(topic: string, partition: number, message: KafkaMessage): Promise<Outcome> {
    const key = `${topic}/${partition}/${message.offset}`;
    for (let inline = 1; ; inline++) {
      const attempt = (this.attempts.get(key) ?? 0) + 1;
      const log = this.options.log.child({ topic, partition, offset: message.offset, attempt });
      const result = await this.processOnce(topic, partition, message, attempt, log);
      if (result === 'done') {
        this.attempts.delete(key);
        return { kind: 'done' };
      }
      const error = result;
      if (!error.targetUnavailable) this.attempts.set(key, attempt);
      this.metrics.retried++;
      if (!error.targetUnavailable && attempt >= this.retry.maxAttempts) {
        const exhausted = new PermanentError(
          PermanentErrorCode.RETRIES_EXHAUSTED,
          `gave up after ${attempt} transient failures; last: ${error.code}: ${error.message}`,
          { vendorCode: error.code, cause: error },
        );
        await this.deadLetter(topic, partition, message, attempt, exhausted, log);
        this.attempts.delete(key);
        return { kind: 'done' };
      }
      if (error.targetUnavailable || inline >= this.retry.inlineAttempts) {
        const delayMs = error.targetUnavailable
          ? (error.retryAfterMs ?? this.retry.baseDelayMs)
          : backoffDelay(attempt, this.retry, error.retryAfterMs);
        log.warn({ code: error.code, delayMs }, `transient failure, pausing partition: ${error.message}`);
        return { kind: 'pause', delayMs, reason: error.code };
      }
      const delay = backoffDelay(inline, this.retry, error.retryAfterMs);
      log.debug({ code: error.code, delay }, `transient failure, retrying in place: ${error.message}`);
      await sleep(Math.min(delay, 2_000));
    }
  }

  /** Returns 'done' when the record's effect is durable, or the transient error to retry. */
  private async processOnce(
    topic: string,
    partition: number,
    message: KafkaMessage,
    attempt: number,
    log: Logger,
  ): Promise<'done' | TransientError> {
    const parent = extractTraceContext(message.headers);
    const span = this.tracer.startSpan(
      `${topic} process`,
      {
        kind: SpanKind.CONSUMER,
        attributes: { ...this.recordAttributes(topic, partition, message), 'hub.attempt': attempt },
      },
      parent,
    );
    const traceId = span.spanContext().traceId;
    try {
      return await context.with(trace.setSpan(parent, span), async () => {
        let event: DecodedEvent | null = null;
        try {
          event = await this.options.decoder.decode(message, topic);
          if (event === null || this.ignored.has(event.eventType)) {
            this.metrics.ignored++;
            log.debug({ traceId, eventType: event?.eventType }, 'record ignored');
            span.setAttribute('hub.outcome', 'ignored');
            return 'done';
          }
          const handler = this.options.handlers.get(event.eventType);
          if (!handler) {
            throw new PermanentError(
              PermanentErrorCode.UNHANDLED_EVENT_TYPE,
              `no handler for event type "${event.eventType}" on ${topic}`,
            );
          }
          const eventLog = log.child({ eventId: event.eventId, eventType: event.eventType, traceId });
          span.setAttribute('hub.event_type', event.eventType);
          const decoded = event;
          const run = () => handler(decoded, { topic, partition, offset: message.offset, attempt, log: eventLog });
          const viaBreaker = this.options.breaker && this.options.wrapHandlersInBreaker !== false;
          await (viaBreaker ? this.options.breaker!.fire(run) : run());
          this.metrics.processed++;
          this.metrics.lastProcessedAt = Date.now();
          span.setAttribute('hub.outcome', 'applied');
          return 'done';
        } catch (thrown) {
          const error = classifyError(thrown);
          span.recordException(error);
          if (error instanceof TransientError) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: error.code });
            return error;
          }
          span.setStatus({ code: SpanStatusCode.ERROR, message: error.code });
          span.setAttribute('hub.outcome', 'dead-lettered');
          await this.deadLetter(topic, partition, message, attempt, error, log.child({ traceId }));
          return 'done';
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
    log.error(
      { reason: error.code, vendorCode: error.vendorCode, detail: error.detail },
      `record dead-lettered: ${error.message}`,
    );
  }

  private pausePartition(topic: string, partition: number, pause: () => () => void, delayMs: number, reason: string) {
    const key = `${topic}/${partition}`;
    const resume = pause();
    this.metrics.pauses++;
    clearTimeout(this.resumeTimers.get(key));
    this.resumeTimers.set(
      key,
      setTimeout(() => {
        this.resumeTimers.delete(key);
        if (this.running) resume();
      }, delayMs),
    );
    this.options.log.info({ topic, partition, delayMs, reason }, 'partition paused');
  }

  /** The breaker let a trial call through: resume every paused partition now rather than at its timer. */
  private resumeAll(): void {
    if (!this.running) return;
    const paused = this.consumer.paused();
    if (paused.length === 0) return;
    for (const t of this.resumeTimers.values()) clearTimeout(t);
    this.resumeTimers.clear();
    this.consumer.resume(paused);
    this.options.log.info({ partitions: paused }, 'breaker recovering: partitions resumed');
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
