import { DynamicModule, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import {
  CanonicalCodec,
  CanonicalPublisher,
  CanonicalTopicKey,
  canonicalTopicConfigs,
  ensureTopics,
} from '@hub/canonical';
import {
  AppLogger,
  ConsumerHost,
  ConsumerHostOptions,
  HandlerRegistry,
  HealthController,
  injectTraceHeaders,
  KafkaClient,
  readinessChecksProvider,
} from '@hub/resilience';
import type { Logger } from 'pino';
import { Pool } from 'pg';
import type { OdooCdcConfig } from './config';
import { CountryChangedHandler } from './country/country-changed.handler';
import { CountryRepository, HubDatabase } from './country/country.repository';
import { CountryService } from './country/country.service';
import { DebeziumDecoder, odooChangeType } from './debezium/debezium.decoder';
import { PartnerChangedHandler } from './partner/partner-changed.handler';
import { PartnerProjectionService } from './partner/partner-projection.service';

/** The Odoo tables odoo-cdc maps today; their change topics are its subscription. */
export const MAPPED_TABLES = ['res_country', 'res_partner'] as const;
const PRODUCED_TOPICS: CanonicalTopicKey[] = ['customer', 'contact'];

class PgHubDatabase implements HubDatabase, OnApplicationShutdown {
  readonly pool: Pool;
  constructor(url: string) {
    this.pool = new Pool({ connectionString: url, max: 4 });
  }
  async onApplicationShutdown() {
    await this.pool.end();
  }
}

/** Creates the canonical topics and registers their schemas before the consumer starts. */
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
      // Debezium creates its topics on first write; creating them here lets the consumer subscribe before that.
      ...MAPPED_TABLES.map((t) => ({
        topic: `${cfg.CDC_TOPIC_PREFIX}.${cfg.CDC_SCHEMA}.${t}`,
        numPartitions: 1,
        replicationFactor: cfg.KAFKA_REPLICATION_FACTOR,
      })),
    ]);
    await this.codec.registerProducerSchemas(PRODUCED_TOPICS);
    this.log.info({ created }, 'canonical topics ready, schemas registered');
  }
}

@Module({})
export class OdooCdcModule {
  static forRoot(config: OdooCdcConfig, log: Logger): DynamicModule {
    return {
      module: OdooCdcModule,
      imports: [TerminusModule.forRoot({ logger: false }), DiscoveryModule],
      controllers: [HealthController],
      providers: [
        { provide: AppLogger, useValue: log },
        {
          provide: KafkaClient,
          useFactory: () => new KafkaClient({ clientId: 'odoo-cdc', brokers: config.KAFKA_BROKERS, log }),
        },
        { provide: HubDatabase, useFactory: () => new PgHubDatabase(config.HUB_DATABASE_URL) },
        {
          provide: CanonicalCodec,
          useFactory: () => CanonicalCodec.connect(config.SCHEMA_REGISTRY_URL, config.HUB_TOPIC_PREFIX),
        },
        {
          provide: CanonicalPublisher,
          inject: [KafkaClient, CanonicalCodec],
          useFactory: (kafka: KafkaClient, codec: CanonicalCodec) =>
            new CanonicalPublisher(kafka.producer, codec, () => injectTraceHeaders({})),
        },
        {
          provide: CanonicalContractBootstrap,
          inject: [KafkaClient, CanonicalCodec, AppLogger],
          useFactory: (kafka: KafkaClient, codec: CanonicalCodec, appLog: AppLogger) =>
            new CanonicalContractBootstrap(kafka, codec, config, appLog),
        },
        {
          provide: CountryRepository,
          inject: [HubDatabase],
          useFactory: (db: HubDatabase) => new CountryRepository(db),
        },
        CountryService,
        PartnerProjectionService,
        CountryChangedHandler,
        PartnerChangedHandler,
        HandlerRegistry,
        {
          provide: ConsumerHostOptions,
          useValue: {
            groupId: config.CONSUMER_GROUP,
            topics: MAPPED_TABLES.map((t) => `${config.CDC_TOPIC_PREFIX}.${config.CDC_SCHEMA}.${t}`),
            eventTypes: MAPPED_TABLES.map(odooChangeType),
            deadLetterTopic: config.DEAD_LETTER_TOPIC,
            decoder: new DebeziumDecoder(config.CDC_TOPIC_PREFIX),
            replicationFactor: config.KAFKA_REPLICATION_FACTOR,
          } satisfies ConsumerHostOptions,
        },
        ConsumerHost,
        readinessChecksProvider({ registryUrl: config.SCHEMA_REGISTRY_URL, consumer: true }),
      ],
    };
  }
}
