import type { ConsumerFetchOptions, ConsumerLagReader, PartitionLag } from '@hub/runtime';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import type { DeferredEffects } from '@hub/canonical';
import type { Logger } from 'pino';
import { DeadLetterPublisher } from '../dead-letter/dead-letter.publisher';
import type { Parking } from './parking';
import { HEARTBEAT_EVERY_MS, PipelinedBatch, PipelineOptions } from './pipelined-batch';
import { EventHandlerFn, MessageDecoder, RecordProcessor, RunnerMetrics } from './record-processor';
import { DEFAULT_RETRY_POLICY, RetryPolicy } from './retry-policy';
import type { TargetBreaker } from './target-breaker';
import type { ConsumerFlowMetrics } from '../metrics/consumer-metrics';
import { StallDetector, StallState } from './stall-detector';

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
   * How often the group is told the consumer is alive while records are handled one after another (default
   * {@link HEARTBEAT_EVERY_MS}, as the pipelined path): one record can take minutes (odoo-cdc publishing the END of a
   * 1,000,000-partner snapshot).
   */
  heartbeatEveryMs?: number;
  /**
   * Whether each handler call goes through the breaker (default). A handler that batches calls to its target fires
   * the breaker per target call instead, and the runner then only uses the breaker to resume on recovery.
   */
  wrapHandlersInBreaker?: boolean;
  /** Where records a handler defers are parked (see {@link Parking}); shared by the lanes of one app. */
  parking?: Parking;
  /**
   * Effects the handlers leave pending until flushed (records published through a DeferredSender): the runner
   * flushes them before it resolves the offsets of the records that made them, at the end of each fetch, when
   * `flushAt` of them are held, and before pausing. One partition at a time and no pipeline: what one flush makes
   * durable is exactly what the records handled before it did.
   */
  deferredEffects?: { effects: DeferredEffects; flushAt: number };
  /** Overrides kafkajs fetch sizing: a larger minBytes lets a batching handler see fuller batches. */
  fetch?: ConsumerFetchOptions;
  /** Per-record metrics, shared by the app's lanes. */
  flow?: ConsumerFlowMetrics;
  /**
   * Start held ({@link ConsumerRunner.hold}): nothing is fetched until {@link ConsumerRunner.release}. For a lane
   * whose records are applied in windows (a batched entity): they wait on Kafka, where nothing is lost.
   */
  held?: boolean;
  /**
   * The stall watch: the group's lag is read every few seconds; a backlog with no commit for `stallAfterMs` makes the
   * runner report itself stalled (see {@link StallDetector}). Without it the runner is never stalled.
   */
  watch?: { lag: ConsumerLagReader; stallAfterMs: number };
  log: Logger;
}

/** A consumer group's health, as readiness and the metrics report it. */
export interface ConsumerHealth {
  groupId: string;
  /** Started, and not crashed since it last joined its group. */
  up: boolean;
  /** The last crash, while the consumer has not rejoined its group since. */
  crashed?: { at: number; error: string; restarting: boolean };
  crashes: number;
  stall: StallState;
}

/**
 * The one Kafka consumption loop of the hub (STYLE rule 6). For every record, in partition order:
 * decode → handler (behind the breaker) → resolve the offset. Offsets are committed only up to the last record whose
 * effect is durable: handled, ignored on purpose, parked, or acknowledged by the dead-letter topic.
 *
 * Transient failures are retried a few times in place (by the {@link RecordProcessor}); then the partition is paused
 * for a backoff delay and the batch is left unresolved, so kafkajs fetches the same record again after `resume` and
 * other partitions keep flowing meanwhile. Records of a batch go one by one, or all at once by key when `pipeline`
 * is set ({@link PipelinedBatch}).
 */
export class ConsumerRunner {
  private readonly processor: RecordProcessor;
  private readonly pipelined?: PipelinedBatch;
  private readonly retry: RetryPolicy;
  private readonly resumeTimers = new Map<string, NodeJS.Timeout>();
  private running = false;
  private crashed?: ConsumerHealth['crashed'];
  private crashes = 0;
  private crashLoggedAt = 0;
  /** The stall state last logged, so a change is logged once. */
  private reportedStalled = false;
  private readonly stall?: StallDetector;
  private watchTimer?: NodeJS.Timeout;
  private held: boolean;

  constructor(
    private readonly consumer: Consumer,
    private readonly options: ConsumerRunnerOptions,
  ) {
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.held = options.held ?? false;
    this.processor = new RecordProcessor({ ...options, retry: this.retry });
    if (options.pipeline) this.pipelined = new PipelinedBatch(this.processor, options.pipeline, this.retry.baseDelayMs);
    if (options.deferredEffects && (options.pipeline || (options.partitionsConsumedConcurrently ?? 3) !== 1)) {
      throw new Error(`${options.groupId}: deferred effects need one partition at a time and no pipeline`);
    }
    options.breaker?.onRecovery(() => this.resumeAll());
    if (options.watch) this.stall = new StallDetector(options.watch.stallAfterMs, Date.now());
    this.watchConsumer();
  }

  /**
   * Follows kafkajs's own account of the consumer. A crash ends its fetch loop: kafkajs restarts it (after a retriable
   * error, e.g. a broker or topic that went away; restartOnFailure is left at its default, which always restarts
   * those) or leaves it stopped (a non-retriable error). Either way the consumer is down until it joins its group
   * again, and readiness says so; one left stopped stays down until the pod is restarted, because restarting it here
   * would meet the same error. A commit is progress for the stall watch.
   */
  private watchConsumer(): void {
    const { events } = this.consumer;
    this.consumer.on(events.CRASH, ({ payload }) => {
      this.crashes++;
      const at = Date.now();
      // A cause that stays (a deleted topic) makes kafkajs crash again every restart: one line when the consumer goes
      // down, then one a minute while it stays down.
      const logIt = !this.crashed || at - this.crashLoggedAt >= 60_000;
      this.crashed = { at, error: `${payload.error.name}: ${payload.error.message}`, restarting: payload.restart };
      if (!logIt) return;
      this.crashLoggedAt = at;
      this.options.log.error(
        { err: payload.error, restart: payload.restart, crashes: this.crashes },
        payload.restart
          ? 'consumer crashed: kafkajs restarts it; down until it rejoins its group'
          : 'consumer crashed and is not restarted (non-retriable error): down until the app is restarted',
      );
    });
    this.consumer.on(events.GROUP_JOIN, () => {
      if (!this.crashed) return;
      this.options.log.info({ crashes: this.crashes }, 'consumer rejoined its group after a crash');
      this.crashed = undefined;
    });
    this.consumer.on(events.COMMIT_OFFSETS, ({ timestamp }) => this.stall?.committed(timestamp));
  }

  /** Reads the lag into the stall detector; logs a change of state. */
  private async sampleLag(): Promise<void> {
    const stall = this.stall;
    if (!stall || !this.options.watch) return;
    let lags: PartitionLag[];
    try {
      lags = await this.options.watch.lag.read();
    } catch (error) {
      this.options.log.debug({ err: error }, 'consumer lag not read');
      return;
    }
    // A held lane's backlog waits on purpose (its window is closed): it is not stalled.
    const now = stall.observe(Date.now(), this.held ? 0 : lags.reduce((sum, l) => sum + l.lag, 0));
    if (now.stalled === this.reportedStalled) return;
    this.reportedStalled = now.stalled;
    if (now.stalled) {
      this.options.log.error(
        { lag: now.lag, lastCommitAt: new Date(now.lastCommitAt).toISOString(), stallAfterMs: stall.stallAfterMs },
        'consumer stalled: a backlog and no commit',
      );
    } else {
      this.options.log.info({ lag: now.lag }, 'consumer moving again');
    }
  }

  /** The group's lag per partition (cached a few seconds); empty without a watch. */
  lag(): Promise<PartitionLag[]> {
    return this.options.watch ? this.options.watch.lag.read() : Promise.resolve([]);
  }

  health(now = Date.now()): ConsumerHealth {
    return {
      groupId: this.options.groupId,
      up: this.running && !this.crashed,
      ...(this.crashed ? { crashed: this.crashed } : {}),
      crashes: this.crashes,
      stall: this.stall?.state(now) ?? { stalled: false, lag: 0, lastCommitAt: 0 },
    };
  }

  get metrics(): RunnerMetrics {
    return this.processor.metrics;
  }

  get groupId(): string {
    return this.options.groupId;
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
      eachBatch: (payload) => this.eachBatch(payload),
    });
    this.running = true;
    if (this.held) this.pauseTopics();
    if (this.stall) {
      const every = Math.min(15_000, Math.max(1_000, Math.floor(this.stall.stallAfterMs / 4)));
      this.watchTimer = setInterval(() => void this.sampleLag(), every);
      this.watchTimer.unref();
    }
  }

  /** Stops fetching, commits what was resolved, leaves the group. */
  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.watchTimer);
    for (const t of this.resumeTimers.values()) clearTimeout(t);
    this.resumeTimers.clear();
    await this.consumer.disconnect();
  }

  /**
   * Stops fetching the lane's topics until {@link release}: a batch being handled ends normally (its offsets are
   * committed as its effects become durable), nothing more is read. Retry and breaker resumes leave a held lane
   * paused.
   */
  hold(): void {
    this.held = true;
    if (this.running) this.pauseTopics();
  }

  /** Fetches again from the committed offsets. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    // The lane moves again from now: a wait while held is not time without a commit.
    this.stall?.committed(Date.now());
    if (this.running) this.consumer.resume(this.options.topics.map((topic) => ({ topic })));
  }

  get isHeld(): boolean {
    return this.held;
  }

  private pauseTopics(): void {
    this.consumer.pause(this.options.topics.map((topic) => ({ topic })));
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    // A batch fetched before the hold: left unresolved, read again after the release.
    if (this.held) return;
    const verdict = this.pipelined ? await this.pipelined.run(payload) : await this.sequential(payload);
    if (verdict === 'stopped') return;
    if (verdict.pause) {
      this.pausePartition(payload.batch.topic, payload.batch.partition, payload.pause, verdict.pause);
    }
    await payload.commitOffsetsIfNecessary();
  }

  /** One record after another; the first that must wait stops the batch there. */
  private async sequential(payload: EachBatchPayload) {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const deferred = this.options.deferredEffects;
    // The last record handled whose effects are not yet flushed: its offset is resolved only after the flush.
    let unsettled: string | undefined;
    const settle = async (): Promise<{ delayMs: number; reason: string } | undefined> => {
      if (unsettled === undefined) return undefined;
      const offset = unsettled;
      unsettled = undefined;
      try {
        await deferred!.effects.flush();
      } catch (error) {
        // Nothing of this stretch is acknowledged: it is dropped and its records are handled again after a pause.
        await Promise.resolve(deferred!.effects.discard()).catch(() => undefined);
        this.processor.metrics.retried++;
        this.options.log.warn({ err: error, topic: batch.topic }, 'flushing the effects of handled records failed');
        return { delayMs: this.retry.baseDelayMs, reason: `flush failed: ${(error as Error).message}` };
      }
      resolveOffset(offset);
      return undefined;
    };
    const beat = setInterval(
      () => void heartbeat().catch(() => undefined),
      this.options.heartbeatEveryMs ?? HEARTBEAT_EVERY_MS,
    );
    try {
      for (const message of batch.messages) {
        if (!isRunning() || isStale()) break;
        const outcome = await this.processor.process(batch.topic, batch.partition, message);
        if (outcome.kind === 'pause') {
          const failed = await settle();
          return { pause: failed ?? outcome };
        }
        if (!deferred) resolveOffset(message.offset);
        else {
          unsettled = message.offset;
          if (deferred.effects.size >= deferred.flushAt) {
            const failed = await settle();
            if (failed) return { pause: failed };
          }
        }
        await heartbeat();
      }
      const failed = await settle();
      return failed ? { pause: failed } : {};
    } finally {
      clearInterval(beat);
    }
  }

  private pausePartition(
    topic: string,
    partition: number,
    pause: () => () => void,
    { delayMs, reason }: { delayMs: number; reason: string },
  ) {
    const key = `${topic}/${partition}`;
    const resume = pause();
    this.processor.metrics.pauses++;
    clearTimeout(this.resumeTimers.get(key));
    this.resumeTimers.set(
      key,
      setTimeout(() => {
        this.resumeTimers.delete(key);
        // A held lane's partitions stay paused: release resumes them all.
        if (this.running && !this.held) resume();
      }, delayMs),
    );
    // A remainder carried over to the next fetch is routine in a bulk flow, not worth a line each time.
    if (delayMs > 0) this.options.log.info({ topic, partition, delayMs, reason }, 'partition paused');
    else this.options.log.debug({ topic, partition, reason }, 'partition fetched again');
  }

  /** The breaker let a trial call through: resume every paused partition now rather than at its timer. */
  private resumeAll(): void {
    if (!this.running || this.held) return;
    const paused = this.consumer.paused();
    if (paused.length === 0) return;
    for (const t of this.resumeTimers.values()) clearTimeout(t);
    this.resumeTimers.clear();
    this.consumer.resume(paused);
    this.options.log.info({ partitions: paused }, 'breaker recovering: partitions resumed');
  }
}
