import { DynamicModule, FactoryProvider, Module, OnModuleInit } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import {
  CanonicalCodec,
  CanonicalPublisher,
  canonicalTopicConfigs,
  DeferredSender,
  fieldOwnership,
  topicsProducedBy,
} from '@hub/canonical';
import {
  AppLogger,
  operatorAuthProviders,
  DeferredDurabilityDatabase,
  ensureTopics,
  HealthController,
  HubDatabase,
  HubMetrics,
  traceCanonicalRecord,
  KafkaClient,
  MetricsController,
  PgHubDatabase,
  ReadinessChecks,
  registerProducedRecords,
} from '@hub/runtime';
import {
  ConsumerHost,
  ConsumerHostOptions,
  consumerReadinessProvider,
  DeadLetterController,
  deadLetterStoreProvider,
  HandlerRegistry,
  registerConsumerMetrics,
} from '@hub/resilience';
import type { Logger } from 'pino';
import { AggregateProjectionService } from './aggregates/aggregate-projection.service';
import { CaptureWatch } from './capture/capture-watch.service';
import { KafkaConnectClient } from './capture/kafka-connect.client';
import type { OdooCdcConfig } from './config';
import { DebeziumDecoder, OdooStreamEvent } from './debezium/debezium.decoder';
import { CdcIngestService } from './ingest/cdc-ingest.service';
import { CdcFetchEffects } from './ingest/fetch-effects';
import { OdooChangeHandler, TransactionEndHandler } from './ingest/odoo-stream.handlers';
import { CdcMirror } from './mirror/cdc-mirror.repository';
import { PendingAggregates } from './mirror/pending-aggregates.repository';
import { SlotLagMonitor } from './monitoring/slot-lag.monitor';
import { AggregateRepairController } from './repair/aggregate-repair.controller';
import { AggregateRepairService } from './repair/aggregate-repair.service';
import { PartnerProjectionService } from './partner/partner-projection.service';

/** The service name the topic table lists producers by. */
const APP = 'odoo-cdc';
const PRODUCED_TOPICS = topicsProducedBy(APP);

/** Creates the topics odoo-cdc reads and writes, and registers the canonical schemas, before the consumer starts. */
class CanonicalContractBootstrap implements OnModuleInit {
  constructor(
    private readonly kafka: KafkaClient,
    private readonly codec: CanonicalCodec,
    private readonly config: OdooCdcConfig,
    private readonly log: AppLogger,
  ) {}

  async onModuleInit() {
    await this.kafka.connect();
    const cfg = this.config;
    const created = await ensureTopics(this.kafka.admin, [
      ...canonicalTopicConfigs(PRODUCED_TOPICS, {
        prefix: cfg.HUB_TOPIC_PREFIX,
        replicationFactor: cfg.KAFKA_REPLICATION_FACTOR,
      }),
      // One partition: the whole Odoo stream in commit order. Debezium would create it on first write; creating it
      // here lets odoo-cdc subscribe first and pins the partition count.
      { topic: cfg.CDC_TOPIC, numPartitions: 1, replicationFactor: cfg.KAFKA_REPLICATION_FACTOR },
    ]);
    await this.codec.registerProducerSchemas(APP, PRODUCED_TOPICS);
    this.log.info({ created }, 'canonical topics ready, schemas registered');
  }
}

/**
 * The consumer's readiness checks plus the capture watch's (a missing slot, a failed or missing connector): the
 * provider from @hub/resilience, its factory's result extended rather than a second copy of its checks.
 */
function withCaptureReadiness(provider: ReturnType<typeof consumerReadinessProvider>): FactoryProvider {
  const base = provider as FactoryProvider;
  const inject = base.inject ?? [];
  return {
    provide: ReadinessChecks,
    inject: [...inject, HealthIndicatorService, CaptureWatch],
    useFactory: async (...deps: unknown[]) => {
      const checks = (await base.useFactory(...deps.slice(0, inject.length))) as ReadinessChecks;
      const [indicators, capture] = deps.slice(inject.length) as [HealthIndicatorService, CaptureWatch | null];
      return { checks: [...checks.checks, ...(capture ? [capture.readiness(indicators)] : [])] };
    },
  };
}

@Module({})
export class OdooCdcModule {
  static forRoot(config: OdooCdcConfig, log: Logger): DynamicModule {
    return {
      module: OdooCdcModule,
      imports: [TerminusModule.forRoot({ logger: false }), DiscoveryModule],
      controllers: [HealthController, MetricsController, DeadLetterController, AggregateRepairController],
      providers: [
        { provide: AppLogger, useValue: log },
        {
          provide: KafkaClient,
          useFactory: () => new KafkaClient({ clientId: APP, brokers: config.KAFKA_BROKERS, log }),
        },
        { provide: HubDatabase, useFactory: () => new PgHubDatabase(config.HUB_DATABASE_URL) },
        {
          provide: CanonicalCodec,
          useFactory: () => CanonicalCodec.connect(config.SCHEMA_REGISTRY_URL, config.HUB_TOPIC_PREFIX),
        },
        // Events are held while a fetch is handled and sent in one acknowledged request (see CDC_FLUSH_AT):
        // one round trip to Kafka per fetch instead of one per Odoo row.
        {
          provide: DeferredSender,
          inject: [KafkaClient],
          useFactory: (kafka: KafkaClient) => new DeferredSender(kafka.producer),
        },
        {
          provide: CanonicalPublisher,
          inject: [DeferredSender, CanonicalCodec],
          useFactory: (sender: DeferredSender, codec: CanonicalCodec) =>
            new CanonicalPublisher(sender, codec, {
              app: APP,
              traceHeaders: traceCanonicalRecord,
              owner: { system: 'odoo', ownership: fieldOwnership() },
            }),
        },
        {
          provide: CanonicalContractBootstrap,
          inject: [KafkaClient, CanonicalCodec, AppLogger],
          useFactory: (kafka: KafkaClient, codec: CanonicalCodec, appLog: AppLogger) =>
            new CanonicalContractBootstrap(kafka, codec, config, appLog),
        },
        // The mirror and the pending aggregates are flushed to disk once per fetch (CdcFetchEffects), not per row.
        {
          provide: DeferredDurabilityDatabase,
          useFactory: () => new DeferredDurabilityDatabase(config.HUB_DATABASE_URL),
        },
        {
          provide: CdcMirror,
          inject: [DeferredDurabilityDatabase],
          useFactory: (db: HubDatabase) => new CdcMirror(db),
        },
        {
          provide: PendingAggregates,
          inject: [DeferredDurabilityDatabase],
          useFactory: (db: HubDatabase) => new PendingAggregates(db),
        },
        CdcFetchEffects,
        ...operatorAuthProviders(config.HUB_OPERATOR_TOKENS),
        AggregateRepairService,
        PartnerProjectionService,
        AggregateProjectionService,
        CdcIngestService,
        OdooChangeHandler,
        TransactionEndHandler,
        HandlerRegistry,
        {
          provide: ConsumerHostOptions,
          inject: [CdcFetchEffects],
          useFactory: (effects: CdcFetchEffects) =>
            ({
              groupId: config.CONSUMER_GROUP,
              topics: [config.CDC_TOPIC],
              eventTypes: Object.values(OdooStreamEvent),
              ignoredEventTypes: [OdooStreamEvent.transactionBegin],
              deadLetterTopic: config.DEAD_LETTER_TOPIC,
              decoder: new DebeziumDecoder(),
              replicationFactor: config.KAFKA_REPLICATION_FACTOR,
              // One partition, in order: there is nothing to parallelise across.
              partitionsConsumedConcurrently: 1,
              deferredEffects: { effects, flushAt: config.CDC_FLUSH_AT },
              fetch: { maxBytesPerPartition: config.CDC_FETCH_MAX_BYTES, maxBytes: config.CDC_FETCH_MAX_BYTES },
              stallAfterMs: config.HUB_STALL_AFTER_MS,
            }) satisfies ConsumerHostOptions,
        },
        ConsumerHost,
        deadLetterStoreProvider(config.DEAD_LETTER_TOPIC),
        withCaptureReadiness(consumerReadinessProvider({ registryUrl: config.SCHEMA_REGISTRY_URL })),
        {
          provide: SlotLagMonitor,
          useFactory: () =>
            config.ODOO_MONITOR_DATABASE_URL ? new SlotLagMonitor(config.ODOO_MONITOR_DATABASE_URL) : null,
        },
        {
          provide: CaptureWatch,
          inject: [SlotLagMonitor],
          useFactory: (slots: SlotLagMonitor | null) =>
            config.ODOO_CDC_CONNECT_URL || slots
              ? new CaptureWatch(
                  {
                    connector: config.ODOO_CDC_CONNECT_URL
                      ? { client: new KafkaConnectClient(config.ODOO_CDC_CONNECT_URL), name: config.ODOO_CDC_CONNECTOR }
                      : undefined,
                    slots: slots ?? undefined,
                    slotName: config.CDC_SLOT_NAME,
                    intervalMs: config.ODOO_CDC_WATCH_INTERVAL_MS,
                    backoff: {
                      initialMs: config.ODOO_CDC_RESTART_BACKOFF_MS,
                      maxMs: config.ODOO_CDC_RESTART_BACKOFF_MAX_MS,
                    },
                  },
                  log.child({ component: 'capture-watch' }),
                )
              : null,
        },
        {
          provide: HubMetrics,
          inject: [ConsumerHost, CdcIngestService, CaptureWatch, KafkaClient],
          useFactory: (
            host: ConsumerHost,
            ingest: CdcIngestService,
            capture: CaptureWatch | null,
            kafka: KafkaClient,
          ) => {
            const metrics = new HubMetrics(APP);
            registerConsumerMetrics(metrics, host);
            registerProducedRecords(metrics, kafka.produced);
            metrics.gauge(
              'hub_cdc_changes',
              'Odoo changes seen by odoo-cdc since start, by outcome.',
              ['outcome'],
              (set) => {
                for (const [outcome, value] of Object.entries(ingest.metrics)) set({ outcome }, value);
              },
            );
            capture?.register(metrics);
            return metrics;
          },
        },
      ],
    };
  }
}
