import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { CANONICAL_TOPICS, CanonicalCodec, canonicalTopicConfigs, fieldOwnership } from '@hub/canonical';
import {
  AppLogger,
  ensureTopics,
  HealthController,
  HubDatabase,
  HubMetrics,
  kafkaClientProvider,
  MetricsController,
  PgHubDatabase,
} from '@hub/runtime';
import {
  CanonicalMessageDecoder,
  ConsumerHost,
  ConsumerHostOptions,
  ConsumerLane,
  consumerReadinessProvider,
  DeadLetterController,
  deadLetterStoreProvider,
  DEFAULT_BREAKER_OPTIONS,
  HandlerRegistry,
  registerConsumerMetrics,
  TargetBreaker,
} from '@hub/resilience';
import type { Logger } from 'pino';
import type { ProjectorSalesforceConfig } from './config';
import { defaultMappingPath, SalesforceMapping } from './mapping/salesforce-mapping';
import { AppliedPositions, PgAppliedPositions } from './projection/applied-positions.repository';
import { CanonicalEventsHandler } from './projection/canonical-events.handler';
import { LANES, PROJECTED_TOPICS } from './projection/lanes';
import { SalesforceBatchWriter } from './projection/salesforce-batch-writer';
import { SalesforceProjectionService } from './projection/salesforce-projection.service';
import { ApiBudget } from './salesforce/api-budget';
import { JsforceSalesforceAdapter } from './salesforce/jsforce-salesforce.adapter';
import { SalesforcePort } from './salesforce/salesforce.port';

@Module({})
export class ProjectorSalesforceModule {
  static forRoot(config: ProjectorSalesforceConfig, log: Logger): DynamicModule {
    // A bad mapping file fails the start here, naming every problem (like bad configuration).
    const mapping = SalesforceMapping.load(config.SF_MAPPING_FILE ?? defaultMappingPath(), fieldOwnership());
    const unmapped = PROJECTED_TOPICS.filter((k) => !mapping.handles(entityOfTopic(k)));
    if (unmapped.length) {
      throw new Error(`the Salesforce mapping has no entity for the consumed topics ${unmapped.join(', ')}`);
    }
    const priorityObjects = new Set(
      LANES.filter((l) => l.priority).flatMap((l) => l.topics.flatMap((k) => mapping.objectsOf(entityOfTopic(k)))),
    );
    const codec = CanonicalCodec.connect(config.SCHEMA_REGISTRY_URL, config.HUB_TOPIC_PREFIX);
    const breaker = new TargetBreaker({
      ...DEFAULT_BREAKER_OPTIONS,
      name: `salesforce ${new URL(config.SF_LOGIN_URL).host}`,
      timeoutMs: config.SF_REQUEST_TIMEOUT_MS,
      resetTimeoutMs: config.SF_BREAKER_RESET_MS,
      errorThresholdPercentage: config.SF_BREAKER_ERROR_PERCENT,
      volumeThreshold: config.SF_BREAKER_VOLUME,
    });
    breaker.onOpen(() => log.warn({ breaker: breaker.options.name }, 'circuit breaker opened: consumption paused'));
    return {
      module: ProjectorSalesforceModule,
      imports: [TerminusModule.forRoot({ logger: false }), DiscoveryModule],
      controllers: [HealthController, MetricsController, DeadLetterController],
      providers: [
        { provide: AppLogger, useValue: log },
        kafkaClientProvider({
          clientId: 'projector-salesforce',
          brokers: config.KAFKA_BROKERS,
          log,
          // Consumers may start before odoo-cdc ever ran: make sure the topics exist to subscribe to.
          prepare: (kafka) =>
            ensureTopics(
              kafka.admin,
              canonicalTopicConfigs(PROJECTED_TOPICS, {
                prefix: config.HUB_TOPIC_PREFIX,
                replicationFactor: config.KAFKA_REPLICATION_FACTOR,
              }),
            ),
        }),
        {
          provide: SalesforcePort,
          useFactory: () =>
            new JsforceSalesforceAdapter({
              loginUrl: config.SF_LOGIN_URL,
              clientId: config.SF_CLIENT_ID,
              clientSecret: config.SF_CLIENT_SECRET,
              apiVersion: config.SF_API_VERSION,
              limitBackoffMs: config.SF_API_PROBE_INTERVAL_MS,
              log: log.child({ component: 'salesforce' }),
            }),
        },
        { provide: SalesforceMapping, useValue: mapping },
        {
          provide: ApiBudget,
          inject: [SalesforcePort],
          useFactory: (salesforce: SalesforcePort) =>
            new ApiBudget(() => salesforce.apiUsage(), {
              softLimitPercent: config.SF_API_SOFT_LIMIT_PERCENT,
              reservePercent: config.SF_API_RESERVE_PERCENT,
              horizonMs: config.SF_API_PACING_HORIZON_MS,
              probeIntervalMs: config.SF_API_PROBE_INTERVAL_MS,
            }),
        },
        { provide: HubDatabase, useFactory: () => new PgHubDatabase(config.HUB_DATABASE_URL) },
        {
          provide: AppliedPositions,
          inject: [HubDatabase],
          useFactory: (db: HubDatabase) => new PgAppliedPositions(db, 'salesforce'),
        },
        {
          provide: SalesforceBatchWriter,
          inject: [SalesforcePort, AppliedPositions, ApiBudget],
          useFactory: (salesforce: SalesforcePort, positions: AppliedPositions, budget: ApiBudget) =>
            new SalesforceBatchWriter(
              salesforce,
              positions,
              breaker,
              budget,
              {
                batchSize: config.SF_BATCH_SIZE,
                lingerMs: (object) =>
                  priorityObjects.has(object) ? config.SF_PRIORITY_LINGER_MS : config.SF_BATCH_LINGER_MS,
                parentWaitMs: config.SF_PARENT_WAIT_MS,
                tracksParent: (object, field) => mapping.writesKeyedBy(object, field),
              },
              log.child({ component: 'batch-writer' }),
            ),
        },
        SalesforceProjectionService,
        CanonicalEventsHandler,
        HandlerRegistry,
        {
          provide: ConsumerHostOptions,
          useValue: {
            groupId: config.CONSUMER_GROUP,
            topics: [],
            lanes: consumerLanes(codec),
            eventTypes: PROJECTED_TOPICS.flatMap((k) => CANONICAL_TOPICS[k].eventTypes),
            deadLetterTopic: config.DEAD_LETTER_TOPIC,
            decoder: new CanonicalMessageDecoder(codec),
            breaker,
            // The batch writer fires the breaker once per Salesforce call, not once per record.
            wrapHandlersInBreaker: false,
            // Canonical topics carry each record's full state: only a key's last record in a fetch needs applying.
            pipeline: { maxInFlight: 2_000, coalesceByKey: true },
            replicationFactor: config.KAFKA_REPLICATION_FACTOR,
          } satisfies ConsumerHostOptions,
        },
        ConsumerHost,
        deadLetterStoreProvider(config.DEAD_LETTER_TOPIC),
        consumerReadinessProvider({ registryUrl: config.SCHEMA_REGISTRY_URL, breaker }),
        {
          provide: HubMetrics,
          inject: [ConsumerHost, SalesforceProjectionService, SalesforcePort, SalesforceBatchWriter, ApiBudget],
          useFactory: (
            host: ConsumerHost,
            projection: SalesforceProjectionService,
            salesforce: SalesforcePort,
            writer: SalesforceBatchWriter,
            budget: ApiBudget,
          ) => {
            const metrics = new HubMetrics('projector-salesforce');
            registerConsumerMetrics(metrics, () => host.metrics as unknown as Record<string, number>);
            metrics.gauge(
              'hub_projection_records',
              'Salesforce record writes by outcome: applied, skipped as stale, or a delete flag for a record never projected.',
              ['outcome'],
              (set) => {
                set({ outcome: 'applied' }, writer.metrics.applied);
                set({ outcome: 'staleSkipped' }, writer.metrics.staleSkipped);
                set({ outcome: 'absent' }, writer.metrics.absent);
                set({ outcome: 'refused' }, writer.metrics.recordFailures);
              },
            );
            metrics.gauge('hub_projection_events', 'Canonical events fully applied to Salesforce.', [], (set) =>
              set({}, projection.metrics.events),
            );
            metrics.gauge(
              'hub_salesforce_calls',
              'sObject Collections calls made, and the records they carried.',
              ['kind'],
              (set) => {
                set({ kind: 'calls' }, writer.metrics.calls);
                set({ kind: 'records' }, writer.metrics.recordsSent);
              },
            );
            metrics.gauge(
              'hub_salesforce_api_usage',
              'API calls used and allowed, from Sforce-Limit-Info.',
              ['kind'],
              (set) => {
                const usage = salesforce.apiUsage();
                if (usage) {
                  set({ kind: 'used' }, usage.used);
                  set({ kind: 'max' }, usage.max);
                }
              },
            );
            metrics.gauge(
              'hub_salesforce_api_pacing',
              'API budget pacing: the current interval between calls (ms), calls paced, total wait (ms), refusals at the reserve.',
              ['kind'],
              (set) => {
                const interval = budget.intervalMs();
                set({ kind: 'intervalMs' }, Number.isFinite(interval) ? interval : -1);
                set({ kind: 'pacedCalls' }, budget.metrics.pacedCalls);
                set({ kind: 'waitMs' }, budget.metrics.pacingWaitMs);
                set({ kind: 'reserveRefusals' }, budget.metrics.reserveRefusals);
              },
            );
            return metrics;
          },
        },
      ],
    };
  }
}

function entityOfTopic(topic: keyof typeof CANONICAL_TOPICS): string {
  return CANONICAL_TOPICS[topic].schema.replace(/Event$/, '');
}

/**
 * One consumer per topic, grouped into the two lanes of {@link LANES}. Per topic because kafkajs fetches again only
 * after every batch of a fetch returned: a contact held back until its account is written must not stop the account
 * topic from being read. Per lane, the fetch sizing: the bulk lane lets the broker gather a few hundred kilobytes so
 * batches fill; the priority lane answers at once.
 */
function consumerLanes(codec: CanonicalCodec): ConsumerLane[] {
  const bulk = { minBytes: 256 * 1024, maxWaitTimeInMs: 1_000 };
  const prompt = { minBytes: 1, maxWaitTimeInMs: 100 };
  return [
    ...LANES.flatMap((lane) =>
      lane.topics.map((topic) => ({
        name: `${lane.name}.${topic}`,
        topics: [codec.topic(topic)],
        // Every partition at once: each one's records wait in the batcher, not behind each other.
        partitionsConsumedConcurrently: CANONICAL_TOPICS[topic].partitions,
        fetch: lane.priority ? prompt : bulk,
      })),
    ),
    // Replayed dead letters are few and someone who just fixed something is watching.
    { name: 'replay', topics: [], replay: true, fetch: prompt },
  ];
}
