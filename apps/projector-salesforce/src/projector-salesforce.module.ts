import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { CANONICAL_TOPICS, CanonicalCodec, CanonicalTopicKey, canonicalTopicConfigs } from '@hub/canonical';
import {
  AppLogger,
  CanonicalMessageDecoder,
  ConsumerHost,
  ConsumerHostOptions,
  DeadLetterController,
  deadLetterStoreProvider,
  DEFAULT_BREAKER_OPTIONS,
  ensureTopics,
  HandlerRegistry,
  HealthController,
  HubDatabase,
  HubMetrics,
  kafkaClientProvider,
  MetricsController,
  PgHubDatabase,
  readinessChecksProvider,
  registerConsumerMetrics,
  TargetBreaker,
} from '@hub/resilience';
import type { Logger } from 'pino';
import type { ProjectorSalesforceConfig } from './config';
import { ContactDeletedHandler, ContactUpsertedHandler } from './contact/contact-events.handler';
import { CustomerDeletedHandler, CustomerUpsertedHandler } from './customer/customer-events.handler';
import { AppliedPositions, PgAppliedPositions } from './projection/applied-positions.repository';
import { ExternalIdField, SalesforceProjectionService } from './projection/salesforce-projection.service';
import { JsforceSalesforceAdapter } from './salesforce/jsforce-salesforce.adapter';
import { SalesforcePort } from './salesforce/salesforce.port';

const CONSUMED_TOPICS: CanonicalTopicKey[] = ['customer', 'contact'];

@Module({})
export class ProjectorSalesforceModule {
  static forRoot(config: ProjectorSalesforceConfig, log: Logger): DynamicModule {
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
              canonicalTopicConfigs(CONSUMED_TOPICS, {
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
              log: log.child({ component: 'salesforce' }),
            }),
        },
        { provide: ExternalIdField, useValue: { name: config.SF_EXTERNAL_ID_FIELD } },
        { provide: HubDatabase, useFactory: () => new PgHubDatabase(config.HUB_DATABASE_URL) },
        {
          provide: AppliedPositions,
          inject: [HubDatabase],
          useFactory: (db: HubDatabase) => new PgAppliedPositions(db, 'salesforce'),
        },
        SalesforceProjectionService,
        CustomerUpsertedHandler,
        CustomerDeletedHandler,
        ContactUpsertedHandler,
        ContactDeletedHandler,
        HandlerRegistry,
        {
          provide: ConsumerHostOptions,
          useValue: {
            groupId: config.CONSUMER_GROUP,
            topics: CONSUMED_TOPICS.map((k) => codec.topic(k)),
            eventTypes: CONSUMED_TOPICS.flatMap((k) => CANONICAL_TOPICS[k].eventTypes),
            deadLetterTopic: config.DEAD_LETTER_TOPIC,
            decoder: new CanonicalMessageDecoder(codec),
            breaker,
            replicationFactor: config.KAFKA_REPLICATION_FACTOR,
          } satisfies ConsumerHostOptions,
        },
        ConsumerHost,
        deadLetterStoreProvider(config.DEAD_LETTER_TOPIC),
        readinessChecksProvider({ registryUrl: config.SCHEMA_REGISTRY_URL, consumer: true, breaker }),
        {
          provide: HubMetrics,
          inject: [ConsumerHost, SalesforceProjectionService, SalesforcePort],
          useFactory: (host: ConsumerHost, projection: SalesforceProjectionService, salesforce: SalesforcePort) => {
            const metrics = new HubMetrics('projector-salesforce');
            registerConsumerMetrics(metrics, () => host.metrics as unknown as Record<string, number>);
            metrics.gauge(
              'hub_projection_records',
              'Canonical events applied to Salesforce, or skipped as stale.',
              ['outcome'],
              (set) => {
                for (const [outcome, value] of Object.entries(projection.metrics)) set({ outcome }, value);
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
            return metrics;
          },
        },
      ],
    };
  }
}
