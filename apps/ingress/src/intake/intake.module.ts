import { DynamicModule, Global, Module, OnModuleInit } from '@nestjs/common';
import {
  CanonicalCodec,
  CanonicalPublisher,
  canonicalTopicConfigs,
  fieldOwnership,
  SystemOfRecord,
  topicsProducedBy,
} from '@hub/canonical';
import {
  AppLogger,
  ensureTopics,
  HubDatabase,
  HubMetrics,
  traceCanonicalRecord,
  KafkaClient,
  PgHubDatabase,
  registerProducedRecords,
  registerSaasCallMetrics,
  SaasSystems,
} from '@hub/runtime';
import type { Logger } from 'pino';
import type { IngressConfig } from '../config';
import { SalesforceMirror } from '../salesforce-cdc/salesforce-mirror.repository';
import { KafkaIntake } from './kafka-intake.service';
import { Intake } from './intake.port';

/** The service name the topic table lists producers by. */
export const APP = 'ingress';
const PRODUCED_TOPICS = topicsProducedBy(APP);

/** One publisher per system ingress speaks for: each publishes only the fields its system owns. */
export class IngressPublishers {
  constructor(readonly bySystem: Readonly<Record<'salesforce' | 'support', CanonicalPublisher>>) {}
}

/** Creates the topics ingress writes and registers their schemas before anything publishes. */
class IngressContractBootstrap implements OnModuleInit {
  constructor(
    private readonly kafka: KafkaClient,
    private readonly codec: CanonicalCodec,
    private readonly config: IngressConfig,
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
      { topic: cfg.DEAD_LETTER_TOPIC, numPartitions: 1, replicationFactor: cfg.KAFKA_REPLICATION_FACTOR },
      { topic: replayAnchorTopic(cfg), numPartitions: 1, replicationFactor: cfg.KAFKA_REPLICATION_FACTOR },
    ]);
    await this.codec.registerProducerSchemas(APP, PRODUCED_TOPICS);
    this.log.info({ created }, 'ingress topics ready, schemas registered');
  }
}

/** The one-partition topic the Salesforce checkpoints are committed on (see ReplayCheckpoints). */
export const replayAnchorTopic = (config: IngressConfig) => `${config.HUB_TOPIC_PREFIX}ingress.salesforce-replay`;

/**
 * What every front door of ingress shares (global within the app): the logger, metrics, Kafka, the hub database,
 * the codec and publishers, the intake, and the Salesforce mirror.
 */
@Global()
@Module({})
export class IntakeModule {
  static forRoot(config: IngressConfig, log: Logger): DynamicModule {
    return {
      module: IntakeModule,
      providers: [
        { provide: AppLogger, useValue: log },
        {
          provide: KafkaClient,
          useFactory: () => new KafkaClient({ clientId: APP, brokers: config.KAFKA_BROKERS, log }),
        },
        {
          provide: HubMetrics,
          inject: [KafkaClient],
          useFactory: (kafka: KafkaClient) => {
            const metrics = new HubMetrics(APP);
            registerProducedRecords(metrics, kafka.produced);
            // The Salesforce reader's REST calls (gap re-reads, activated orders); the Pub/Sub API is gRPC, not seen here.
            registerSaasCallMetrics(metrics, new SaasSystems([{ system: 'salesforce', url: config.SF_LOGIN_URL }]));
            return metrics;
          },
        },
        { provide: HubDatabase, useFactory: () => new PgHubDatabase(config.HUB_DATABASE_URL) },
        {
          provide: CanonicalCodec,
          useFactory: () => CanonicalCodec.connect(config.SCHEMA_REGISTRY_URL, config.HUB_TOPIC_PREFIX),
        },
        {
          provide: IngressContractBootstrap,
          inject: [KafkaClient, CanonicalCodec, AppLogger],
          useFactory: (kafka: KafkaClient, codec: CanonicalCodec, appLog: AppLogger) =>
            new IngressContractBootstrap(kafka, codec, config, appLog),
        },
        {
          provide: IngressPublishers,
          inject: [KafkaClient, CanonicalCodec],
          useFactory: (kafka: KafkaClient, codec: CanonicalCodec) => {
            const publisher = (system: SystemOfRecord) =>
              new CanonicalPublisher(kafka.producer, codec, {
                app: APP,
                traceHeaders: traceCanonicalRecord,
                owner: { system, ownership: fieldOwnership() },
              });
            return new IngressPublishers({ salesforce: publisher('salesforce'), support: publisher('support') });
          },
        },
        {
          provide: Intake,
          inject: [IngressPublishers, HubDatabase],
          useFactory: (publishers: IngressPublishers, db: HubDatabase) =>
            new KafkaIntake(publishers.bySystem, db, { ackTimeoutMs: config.KAFKA_ACK_TIMEOUT_MS, log }),
        },
        { provide: SalesforceMirror, inject: [HubDatabase], useFactory: (db: HubDatabase) => new SalesforceMirror(db) },
      ],
      exports: [
        AppLogger,
        HubMetrics,
        KafkaClient,
        HubDatabase,
        CanonicalCodec,
        IngressPublishers,
        Intake,
        SalesforceMirror,
      ],
    };
  }
}
