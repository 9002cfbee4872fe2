import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ConsumerHealth, ConsumerRunner, ConsumerRunnerOptions } from '../consumer/consumer-runner';
import { ConsumerFlowMetrics } from '../metrics/consumer-metrics';
import { Parking, parkTopicOf } from '../consumer/parking';
import type { PipelineOptions } from '../consumer/pipelined-batch';
import { emptyRunnerMetrics, MessageDecoder, RunnerMetrics } from '../consumer/record-processor';
import type { RetryPolicy } from '../consumer/retry-policy';
import type { TargetBreaker } from '../consumer/target-breaker';
import { DeadLetterPublisher } from '../dead-letter/dead-letter.publisher';
import { replayTopicOf } from '../dead-letter/dead-letter.store';
import {
  ConsumerFetchOptions,
  ConsumerLagReader,
  KafkaClient,
  PartitionLag,
  GroupPartitionOffsets,
} from '@hub/runtime';
import { ensureTopics } from '@hub/runtime';
import { HandlerRegistry } from './handler-registry';
import { AppLogger } from '@hub/runtime';

/**
 * A consumption lane: its own consumer group, so a backlog on one lane's topics never delays another's
 * (e.g. orders and payments are not queued behind a bulk load of products).
 */
export interface ConsumerLane {
  /** Short name; the lane's group id is `<groupId>.<name>`. */
  name: string;
  topics: string[];
  /** The lane that also consumes the app's dead-letter replay topic (exactly one lane when lanes are declared). */
  replay?: boolean;
  /**
   * The lane that reads the group's park topic (exactly one lane when the app parks records): it handles records
   * moved aside by the other lanes, which may wait there for what they lacked without stopping anyone else.
   */
  parked?: boolean;
  partitionsConsumedConcurrently?: number;
  /** Overrides the host's fetch sizing for this lane. */
  fetch?: ConsumerFetchOptions;
  /**
   * The lane starts held: nothing is fetched until {@link ConsumerHost.gate}'s `release` (the lane of a batched
   * entity, driven by its window). Readiness does not count a held lane's backlog as a stall.
   */
  held?: boolean;
}

/** DI token: what the app's consumer subscribes to and how it treats failures. */
export abstract class ConsumerHostOptions {
  abstract readonly groupId: string;
  /** Topics of the single default lane (group `groupId`); ignored when `lanes` is given. */
  abstract readonly topics: string[];
  abstract readonly lanes?: ConsumerLane[];
  /** Every event type the decoder can yield on those topics. */
  abstract readonly eventTypes: readonly string[];
  abstract readonly ignoredEventTypes?: readonly string[];
  abstract readonly deadLetterTopic: string;
  abstract readonly decoder: MessageDecoder;
  abstract readonly breaker?: TargetBreaker;
  /** See {@link ConsumerRunnerOptions.wrapHandlersInBreaker}. */
  abstract readonly wrapHandlersInBreaker?: boolean;
  abstract readonly pipeline?: PipelineOptions;
  /** See {@link ConsumerRunnerOptions.deferredEffects}; with several lanes, each lane's runner flushes the same. */
  abstract readonly deferredEffects?: ConsumerRunnerOptions['deferredEffects'];
  abstract readonly fetch?: ConsumerFetchOptions;
  abstract readonly retry?: Partial<RetryPolicy>;
  abstract readonly partitionsConsumedConcurrently?: number;
  /** Creates the dead-letter topic if missing, with this replication factor. */
  abstract readonly replicationFactor: number;
  /**
   * Partitions of the park topic, when handlers may defer records (a lane must then be `parked`); records are parked
   * by their key, so more partitions let more keys wait side by side.
   */
  abstract readonly parkPartitions?: number;
  /**
   * A lane with a backlog that commits nothing for this long is stalled: readiness fails and `hub_consumer_stalled`
   * is 1 until it commits again (the app's HUB_STALL_AFTER_MS). Without it no stall is watched.
   */
  abstract readonly stallAfterMs?: number;
}

/** A lane's hold and release, and where its group stands on its topics (read from Kafka, not cached). */
export interface ConsumerLaneGate {
  hold(): void;
  release(): void;
  readonly held: boolean;
  offsets(): Promise<GroupPartitionOffsets[]>;
}

/** One lane as readiness and the metrics see it. */
export interface ConsumerLaneView {
  name: string;
  groupId: string;
  health(): ConsumerHealth;
  lag(): Promise<PartitionLag[]>;
}

/**
 * Owns the app's long-running consumers (one per lane): wires the discovered handlers into a {@link ConsumerRunner}
 * per lane after every module is initialised, and on shutdown stops fetching and commits what was processed before
 * Kafka is closed.
 */
@Injectable()
export class ConsumerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly runners = new Map<string, ConsumerRunner>();
  private readonly offsetReaders = new Map<string, ConsumerLagReader>();
  /** Per-record metrics of every lane (registered by registerConsumerMetrics). */
  readonly flow = new ConsumerFlowMetrics();
  private readonly started: Promise<void>;
  private markStarted!: (outcome: { error?: unknown }) => void;

  constructor(
    private readonly registry: HandlerRegistry,
    private readonly kafka: KafkaClient,
    private readonly options: ConsumerHostOptions,
    private readonly log: AppLogger,
  ) {
    this.started = new Promise((resolve, reject) => {
      this.markStarted = ({ error }) => (error === undefined ? resolve() : reject(error as Error));
    });
    // Nobody may be waiting: a failed start is the app's failure, reported by Nest.
    this.started.catch(() => undefined);
  }

  /** Resolves once every lane runs (the app's bootstrap ran), for providers bootstrapped alongside that use them. */
  whenStarted(): Promise<void> {
    return this.started;
  }

  /** Counters summed over the lanes. */
  get metrics(): RunnerMetrics | undefined {
    if (this.runners.size === 0) return undefined;
    const sum = emptyRunnerMetrics();
    for (const runner of this.runners.values()) {
      const m = runner.metrics;
      for (const k of COUNTERS) sum[k] += m[k];
      sum.lastProcessedAt = Math.max(sum.lastProcessedAt ?? 0, m.lastProcessedAt ?? 0) || undefined;
    }
    return sum;
  }

  /** The lanes, once started. */
  lanes(): ConsumerLaneView[] {
    return [...this.runners].map(([name, runner]) => ({
      name,
      groupId: runner.groupId,
      health: () => runner.health(),
      lag: () => runner.lag(),
    }));
  }

  /**
   * The hold and release of a lane (by its name), for what governs when it reads (batch windows). Throws for a lane
   * that does not exist or has not started.
   */
  gate(name: string): ConsumerLaneGate {
    const runner = this.runners.get(name);
    const offsets = this.offsetReaders.get(name);
    if (!runner || !offsets)
      throw new Error(`no consumer lane ${name} (lanes: ${[...this.runners.keys()].join(', ')})`);
    return {
      hold: () => runner.hold(),
      release: () => runner.release(),
      get held() {
        return runner.isHeld;
      },
      offsets: () => offsets.offsets(),
    };
  }

  get running(): boolean {
    return this.runners.size > 0 && [...this.runners.values()].every((r) => r.isRunning);
  }

  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.startLanes();
      this.markStarted({});
    } catch (error) {
      this.markStarted({ error });
      throw error;
    }
  }

  private async startLanes(): Promise<void> {
    const o = this.options;
    const handlers = this.registry.build(o.eventTypes, o.ignoredEventTypes);
    await this.kafka.connect();
    const replayTopic = replayTopicOf(o.deadLetterTopic);
    await ensureTopics(this.kafka.admin, [
      { topic: o.deadLetterTopic, numPartitions: 1, replicationFactor: o.replicationFactor },
      { topic: replayTopic, numPartitions: 1, replicationFactor: o.replicationFactor },
    ]);
    const lanes: (ConsumerLane & { groupId: string })[] = o.lanes
      ? o.lanes.map((lane) => ({ ...lane, groupId: `${o.groupId}.${lane.name}` }))
      : [{ name: 'default', topics: o.topics, replay: true, groupId: o.groupId }];
    if (lanes.filter((l) => l.replay).length !== 1) {
      throw new Error(`exactly one consumer lane must consume ${replayTopic}; lanes: ${lanes.map((l) => l.name)}`);
    }
    const parkLanes = lanes.filter((l) => l.parked).length;
    if ((o.parkPartitions !== undefined) !== (parkLanes === 1) || parkLanes > 1) {
      throw new Error('an app that parks records needs parkPartitions and exactly one lane marked parked');
    }
    let parking: Parking | undefined;
    if (o.parkPartitions !== undefined) {
      parking = new Parking(this.kafka.producer, parkTopicOf(o.groupId));
      await ensureTopics(this.kafka.admin, [
        { topic: parking.topic, numPartitions: o.parkPartitions, replicationFactor: o.replicationFactor },
      ]);
    }
    for (const lane of lanes) {
      // Replayed dead letters come back through the group's own replay topic, handled like the originals.
      const topics = [...lane.topics, ...(lane.replay ? [replayTopic] : []), ...(lane.parked ? [parking!.topic] : [])];
      if (lane.held && (lane.replay || lane.parked)) {
        throw new Error(`consumer lane ${lane.name}: a held lane reads its own topics only (not replay or parked)`);
      }
      const lagReader = new ConsumerLagReader(this.kafka.admin, lane.groupId, () => topics);
      this.offsetReaders.set(lane.name, lagReader);
      const runner = new ConsumerRunner(this.kafka.consumer(lane.groupId, lane.fetch ?? o.fetch), {
        groupId: lane.groupId,
        topics,
        flow: this.flow,
        watch:
          o.stallAfterMs === undefined
            ? undefined
            : {
                lag: lagReader,
                stallAfterMs: o.stallAfterMs,
              },
        decoder: o.decoder,
        handlers,
        ignoredEventTypes: o.ignoredEventTypes,
        deadLetter: new DeadLetterPublisher(this.kafka.producer, o.deadLetterTopic, lane.groupId),
        breaker: o.breaker,
        wrapHandlersInBreaker: o.wrapHandlersInBreaker,
        pipeline: o.pipeline,
        deferredEffects: o.deferredEffects,
        parking,
        retry: o.retry,
        partitionsConsumedConcurrently: lane.partitionsConsumedConcurrently ?? o.partitionsConsumedConcurrently,
        held: lane.held,
        log: this.log.child({ component: 'consumer', groupId: lane.groupId, lane: lane.name }),
      });
      this.runners.set(lane.name, runner);
    }
    await Promise.all([...this.runners.values()].map((r) => r.start()));
    this.log.info(
      { lanes: lanes.map((l) => ({ lane: l.name, groupId: l.groupId, topics: l.topics })) },
      'consumer started',
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([...this.runners.values()].map((r) => r.stop()));
    this.options.breaker?.shutdown();
    this.log.info(this.metrics ?? {}, 'consumer stopped');
  }
}

const COUNTERS = [
  'processed',
  'deadLettered',
  'ignored',
  'retried',
  'pauses',
  'superseded',
  'parked',
  'carriedOver',
] as const;
