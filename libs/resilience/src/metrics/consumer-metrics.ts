import type { Attributes } from '@opentelemetry/api';
import { Counter, Histogram, Metric } from 'prom-client';
import { HubMetrics, HubSpanAttribute } from '@hub/runtime';
import type { DoneHow, RunnerMetrics } from '../consumer/record-processor';
import type { BreakerState, TargetBreaker } from '../consumer/target-breaker';
import type { ConsumerHost } from '../nest/consumer-host';

/** Handling one record: milliseconds for most, up to minutes for a record waiting on a Bulk API job. */
const PROCESSING_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
/** Source commit → applied: a second when all flows, hours for a backlog, days for a snapshot's old rows. */
const FRESHNESS_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400];

/**
 * The per-record metrics of an app's consumers, observed by the record processor as each record reaches its durable
 * end, and registered once by {@link registerConsumerMetrics}. One instance per app, shared by its lanes.
 */
export class ConsumerFlowMetrics {
  readonly consumedTotal = new Counter({
    name: 'hub_records_consumed_total',
    help: 'Records read from Kafka that reached their durable end (applied, ignored, dead-lettered, parked or superseded), by consumer group and topic.',
    labelNames: ['group', 'topic'],
    registers: [],
  });
  readonly processingSeconds = new Histogram({
    name: 'hub_record_processing_seconds',
    help: "One record's handling, from the handler's start to its durable end (retries in place included), by topic and outcome.",
    labelNames: ['topic', 'outcome'],
    buckets: PROCESSING_BUCKETS,
    registers: [],
  });
  readonly freshnessSeconds = new Histogram({
    name: 'hub_record_freshness_seconds',
    help: 'End-to-end freshness of applied records: when applied minus when the source committed the change (Odoo commit time, Salesforce change time), by topic and source system.',
    labelNames: ['topic', 'source_system'],
    buckets: FRESHNESS_BUCKETS,
    registers: [],
  });
  readonly deadLettersTotal = new Counter({
    name: 'hub_dead_letters_total',
    help: 'Records sent to the dead-letter topic, by the topic they came from and the reason (the PermanentError code).',
    labelNames: ['topic', 'reason'],
    registers: [],
  });

  metrics(): Metric[] {
    return [this.consumedTotal, this.processingSeconds, this.freshnessSeconds, this.deadLettersTotal];
  }

  consumed(group: string, topic: string): void {
    this.consumedTotal.inc({ group, topic });
  }

  done(group: string, topic: string, how: DoneHow, startedAt: bigint): void {
    this.consumedTotal.inc({ group, topic });
    this.processingSeconds.observe({ topic, outcome: how }, Number(process.hrtime.bigint() - startedAt) / 1e9);
  }

  /**
   * A record applied at `at`: its freshness, from the source commit time its decoder labelled its span with
   * (`hub.source_commit_time`). A record without one (a raw change that carries no time) is not observed.
   */
  applied(topic: string, attributes: Attributes | undefined, at: number): void {
    const committed = attributes?.[HubSpanAttribute.sourceCommitTime];
    if (typeof committed !== 'string') return;
    const committedAt = Date.parse(committed);
    if (Number.isNaN(committedAt)) return;
    const system = attributes?.[HubSpanAttribute.sourceSystem];
    this.freshnessSeconds.observe(
      { topic, source_system: typeof system === 'string' ? system : 'unknown' },
      Math.max(0, at - committedAt) / 1000,
    );
  }

  deadLettered(topic: string, reason: string): void {
    this.deadLettersTotal.inc({ topic, reason });
  }
}

const OUTCOMES = [
  'processed',
  'deadLettered',
  'ignored',
  'retried',
  'pauses',
  'superseded',
  'parked',
  'carriedOver',
] as const satisfies readonly (keyof RunnerMetrics)[];

/**
 * Exposes an app's consumers: the runner's counters (`hub_consumer_records`, kept for the console and the alerts), the
 * per-record metrics, lag per partition, and each group's health (up, crashes, stalled, last commit).
 */
export function registerConsumerMetrics(metrics: HubMetrics, host: ConsumerHost): void {
  metrics.gauge(
    'hub_consumer_records',
    'Records handled by the consumer runner since start, by outcome.',
    ['outcome'],
    (set) => {
      const m = host.metrics;
      for (const outcome of OUTCOMES) set({ outcome }, m?.[outcome] ?? 0);
    },
  );
  metrics.register(...host.flow.metrics());
  metrics.gauge(
    'hub_consumer_lag_records',
    "Records between a consumer group's committed offset and the partition's end, per topic and partition (read from Kafka at most every few seconds).",
    ['group', 'topic', 'partition'],
    async (set) => {
      for (const lane of host.lanes()) {
        const lags = await lane.lag().catch(() => []);
        for (const l of lags) set({ group: lane.groupId, topic: l.topic, partition: String(l.partition) }, l.lag);
      }
    },
  );
  metrics.gauge(
    'hub_consumer_up',
    'Whether a consumer group runs: 1, or 0 after its kafkajs consumer crashed (until it rejoins its group) or before it started.',
    ['group'],
    (set) => {
      for (const lane of host.lanes()) set({ group: lane.groupId }, lane.health().up ? 1 : 0);
    },
  );
  metrics.counter(
    'hub_consumer_crashes_total',
    'Crashes of a consumer group\'s kafkajs consumer (its "crash" event), restarted by kafkajs or not.',
    ['group'],
    (set) => {
      for (const lane of host.lanes()) set({ group: lane.groupId }, lane.health().crashes);
    },
  );
  metrics.gauge(
    'hub_consumer_stalled',
    'Whether a consumer group is stalled: 1 when it had a backlog and committed nothing for HUB_STALL_AFTER_MS.',
    ['group'],
    (set) => {
      for (const lane of host.lanes()) set({ group: lane.groupId }, lane.health().stall.stalled ? 1 : 0);
    },
  );
  metrics.gauge(
    'hub_consumer_last_commit_timestamp_seconds',
    'When a consumer group last committed offsets (its start, before the first commit), in Unix seconds.',
    ['group'],
    (set) => {
      for (const lane of host.lanes()) set({ group: lane.groupId }, lane.health().stall.lastCommitAt / 1000);
    },
  );
}

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/** `hub_breaker_state{target}`: 0 closed, 1 half-open (one trial call), 2 open (calls refused, consumption paused). */
export function registerBreakerMetrics(metrics: HubMetrics, breakers: TargetBreaker[]): void {
  metrics.gauge(
    'hub_breaker_state',
    'Circuit breaker of each target: 0 closed, 1 half-open, 2 open.',
    ['target'],
    (set) => {
      for (const b of breakers) set({ target: b.options.name }, BREAKER_VALUE[b.state]);
    },
  );
}
