import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { AuditController, AuditRecorder, auditServingProviders, DeadLetterReplayTrail } from '@hub/audit';
import { DiscoveryModule } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import {
  CANONICAL_TOPICS,
  CanonicalCodec,
  CanonicalPublisher,
  canonicalTopicConfigs,
  CanonicalTopicKey,
  eventTypesOf,
  fieldOwnership,
} from '@hub/canonical';
import { AppliedPositions, consumerLanes, PARK_PARTITIONS, PgAppliedPositions } from '@hub/projection';
import {
  CanonicalMessageDecoder,
  ConsumerHost,
  ConsumerHostOptions,
  consumerReadinessProvider,
  DeadLetterController,
  DeadLetterReplayAudit,
  deadLetterStoreProvider,
  DEFAULT_BREAKER_OPTIONS,
  HandlerRegistry,
  registerBreakerMetrics,
  registerConsumerMetrics,
  TargetBreaker,
} from '@hub/resilience';
import {
  AppLogger,
  operatorAuthProviders,
  BusinessHealth,
  BusinessHealthController,
  ensureTopics,
  HealthController,
  HubDatabase,
  HubMetrics,
  httpServerSpans,
  KafkaClient,
  kafkaClientProvider,
  MetricsController,
  registerProducedRecords,
  registerSaasCallMetrics,
  SaasSystems,
  PgHubDatabase,
  traceCanonicalRecord,
} from '@hub/runtime';
import type { Logger } from 'pino';
import type { ProjectorOdooConfig } from './config';
import { ExceptionOutbox } from './exceptions/exception-outbox';
import { AWAITING_ERP_FAMILY, ErpAcceptanceHealth, OPEN_EXCEPTIONS_FAMILY } from './health/erp-acceptance.health';
import { IntakeLedger } from './health/intake-ledger.repository';
import { OrderExceptionRepository } from './exceptions/order-exception.repository';
import { WorkQueueController } from './exceptions/work-queue.controller';
import { WorkQueueService } from './exceptions/work-queue.service';
import { BreakerGuardedOdoo, OdooRpcAdapter, OdooPort } from '@hub/odoo';
import { CustomerCreditLock, PgCustomerCreditLock } from './orders/customer-credit.lock';
import { OrderIntakeService } from './orders/order-intake.service';
import { OrderSubmissionsHandler } from './orders/order-submissions.handler';
import { PartnerSyncService } from './partners/partner-sync.service';
import { SalesforcePartnersHandler } from './partners/salesforce-partners.handler';

/** What projector-odoo reads: Salesforce's customers and contacts, and the orders its reps activate. */
export const ODOO_PROJECTED_TOPICS: CanonicalTopicKey[] = ['customer', 'contact', 'order-submission'];

/** What projector-odoo publishes: every change of its work queue's exceptions. */
export const ODOO_PRODUCED_TOPICS: CanonicalTopicKey[] = ['order-exception'];

/**
 * Wiring only: the Odoo client behind its breaker, partner sync, order intake and the work queue, on the shared
 * consumer host (retries, dead letters, parking, replay). Order submissions have a lane of their own that answers
 * at once: an order is never queued behind a customer load.
 */
@Module({})
export class ProjectorOdooModule implements NestModule {
  /**
   * A SERVER span per request (the work queue, the audit API, dead-letter replays): an operator's retry, its Odoo
   * calls and its audit entries share one trace, which the console's history page links to.
   */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(httpServerSpans).forRoutes('*');
  }

  static forRoot(config: ProjectorOdooConfig, log: Logger): DynamicModule {
    const codec = CanonicalCodec.connect(config.SCHEMA_REGISTRY_URL, config.HUB_TOPIC_PREFIX);
    const breaker = new TargetBreaker({
      ...DEFAULT_BREAKER_OPTIONS,
      name: `odoo ${new URL(config.ODOO_URL).host}/${config.ODOO_DATABASE}`,
      timeoutMs: config.ODOO_REQUEST_TIMEOUT_MS + 1_000,
      resetTimeoutMs: config.ODOO_BREAKER_RESET_MS,
    });
    breaker.onOpen(() => log.warn({ breaker: breaker.options.name }, 'circuit breaker opened: consumption paused'));
    const odoo = new BreakerGuardedOdoo(
      new OdooRpcAdapter({
        url: config.ODOO_URL,
        database: config.ODOO_DATABASE,
        apiKey: config.ODOO_API_KEY,
        login: config.ODOO_LOGIN,
        protocol: config.ODOO_PROTOCOL,
        timeoutMs: config.ODOO_REQUEST_TIMEOUT_MS,
        log: log.child({ component: 'odoo' }),
        userAgent: 'odoo-salesforce-hub projector-odoo',
      }),
      breaker,
    );
    return {
      module: ProjectorOdooModule,
      imports: [TerminusModule.forRoot({ logger: false }), DiscoveryModule],
      controllers: [
        HealthController,
        MetricsController,
        DeadLetterController,
        WorkQueueController,
        BusinessHealthController,
        AuditController,
      ],
      providers: [
        { provide: AppLogger, useValue: log },
        kafkaClientProvider({
          clientId: 'projector-odoo',
          brokers: config.KAFKA_BROKERS,
          log,
          prepare: (kafka) =>
            ensureTopics(
              kafka.admin,
              canonicalTopicConfigs([...ODOO_PROJECTED_TOPICS, ...ODOO_PRODUCED_TOPICS], {
                prefix: config.HUB_TOPIC_PREFIX,
                replicationFactor: config.KAFKA_REPLICATION_FACTOR,
              }),
            ),
        }),
        { provide: OdooPort, useValue: odoo },
        { provide: HubDatabase, useFactory: () => new PgHubDatabase(config.HUB_DATABASE_URL) },
        ...auditServingProviders('projector-odoo', config),
        { provide: DeadLetterReplayAudit, useExisting: DeadLetterReplayTrail },
        {
          provide: AppliedPositions,
          inject: [HubDatabase],
          useFactory: (db: HubDatabase) => new PgAppliedPositions(db, 'odoo'),
        },
        {
          provide: PartnerSyncService,
          inject: [AppliedPositions, AuditRecorder],
          useFactory: (positions: AppliedPositions, audit: AuditRecorder) =>
            new PartnerSyncService(
              odoo,
              positions,
              { matchRules: config.PARTNER_MATCH, contactParentWaitMs: config.CONTACT_PARENT_WAIT_MS },
              log.child({ component: 'partners' }),
              audit,
            ),
        },
        {
          provide: OrderExceptionRepository,
          inject: [HubDatabase],
          useFactory: (db: HubDatabase) => new OrderExceptionRepository(db),
        },
        {
          provide: ExceptionOutbox,
          inject: [OrderExceptionRepository, KafkaClient],
          useFactory: (exceptions: OrderExceptionRepository, kafka: KafkaClient) =>
            new ExceptionOutbox(
              exceptions,
              new CanonicalPublisher(kafka.producer, codec, {
                app: 'projector-odoo',
                traceHeaders: traceCanonicalRecord,
                owner: { system: 'hub', ownership: fieldOwnership() },
              }),
              { pollMs: config.EXCEPTION_OUTBOX_POLL_MS, batchSize: 500 },
              log.child({ component: 'exception-outbox' }),
              () => codec.registerProducerSchemas('projector-odoo', ODOO_PRODUCED_TOPICS),
            ),
        },
        {
          provide: CustomerCreditLock,
          useFactory: () =>
            new PgCustomerCreditLock(config.HUB_DATABASE_URL, {
              waitMs: 30_000,
              // Intake calls at once: one per order-submission and park partition, plus replays and operators' retries.
              connections: CANONICAL_TOPICS['order-submission'].partitions + PARK_PARTITIONS + 2,
            }),
        },
        {
          provide: IntakeLedger,
          inject: [HubDatabase],
          useFactory: (db: HubDatabase) => new IntakeLedger(db),
        },
        {
          provide: OrderIntakeService,
          inject: [PartnerSyncService, OrderExceptionRepository, CustomerCreditLock, IntakeLedger, AuditRecorder],
          useFactory: (
            partners: PartnerSyncService,
            exceptions: OrderExceptionRepository,
            credit: CustomerCreditLock,
            ledger: IntakeLedger,
            audit: AuditRecorder,
          ) =>
            new OrderIntakeService(
              odoo,
              partners,
              exceptions,
              credit,
              {
                priceSource: config.ORDER_PRICE_SOURCE,
                stockShortage: config.ORDER_STOCK_SHORTAGE,
                customerWaitMs: config.ORDER_CUSTOMER_WAIT_MS,
              },
              log.child({ component: 'orders' }),
              ledger,
              audit,
            ),
        },
        {
          provide: WorkQueueService,
          inject: [OrderExceptionRepository, OrderIntakeService, AuditRecorder],
          useFactory: (exceptions: OrderExceptionRepository, intake: OrderIntakeService, audit: AuditRecorder) =>
            new WorkQueueService(exceptions, intake, audit, log.child({ component: 'work-queue' })),
        },
        ...operatorAuthProviders(config.HUB_OPERATOR_TOKENS),
        SalesforcePartnersHandler,
        OrderSubmissionsHandler,
        HandlerRegistry,
        {
          provide: ConsumerHostOptions,
          useValue: {
            groupId: config.CONSUMER_GROUP,
            topics: [],
            lanes: consumerLanes(
              ODOO_PROJECTED_TOPICS,
              (k) => codec.topic(k),
              (k) => k === 'order-submission',
            ),
            eventTypes: eventTypesOf(ODOO_PROJECTED_TOPICS),
            deadLetterTopic: config.DEAD_LETTER_TOPIC,
            decoder: new CanonicalMessageDecoder(codec),
            breaker,
            // Each Odoo call fires the breaker (BreakerGuardedOdoo): a record waiting for its customer is not a failure.
            wrapHandlersInBreaker: false,
            // Orders of different Salesforce ids at once when asked; every record is applied (idempotent by key).
            ...(config.ODOO_RECORDS_IN_FLIGHT > 1
              ? { pipeline: { maxInFlight: config.ODOO_RECORDS_IN_FLIGHT, coalesceByKey: false } }
              : {}),
            partitionsConsumedConcurrently: config.ODOO_PARTITIONS_IN_FLIGHT,
            replicationFactor: config.KAFKA_REPLICATION_FACTOR,
            parkPartitions: PARK_PARTITIONS,
            stallAfterMs: config.HUB_STALL_AFTER_MS,
          } satisfies ConsumerHostOptions,
        },
        ConsumerHost,
        deadLetterStoreProvider(config.DEAD_LETTER_TOPIC),
        consumerReadinessProvider({ registryUrl: config.SCHEMA_REGISTRY_URL, breaker }),
        {
          provide: HubMetrics,
          inject: [
            ConsumerHost,
            PartnerSyncService,
            OrderIntakeService,
            OrderExceptionRepository,
            ExceptionOutbox,
            KafkaClient,
          ],
          useFactory: (
            host: ConsumerHost,
            partners: PartnerSyncService,
            intake: OrderIntakeService,
            exceptions: OrderExceptionRepository,
            outbox: ExceptionOutbox,
            kafka: KafkaClient,
          ) => {
            const metrics = new HubMetrics('projector-odoo');
            registerConsumerMetrics(metrics, host);
            registerProducedRecords(metrics, kafka.produced);
            registerBreakerMetrics(metrics, [breaker]);
            registerSaasCallMetrics(metrics, new SaasSystems([{ system: 'odoo', url: config.ODOO_URL }]));
            metrics.counter(
              'hub_work_queue_exceptions_total',
              'Order exceptions put into the work queue since start, by reason (the exception kind) and change: raised (a new open exception) or updated (an open one failed again).',
              ['reason', 'change'],
              (set) => {
                for (const r of exceptions.raisedSinceStart()) set({ reason: r.kind, change: r.change }, r.count);
              },
            );
            metrics.gauge(
              'hub_odoo_partners',
              'Salesforce customers and contacts into Odoo partners, by outcome.',
              ['outcome'],
              (set) => {
                for (const [outcome, n] of Object.entries(partners.metrics)) set({ outcome }, n);
              },
            );
            metrics.gauge(
              'hub_odoo_audit_failures',
              'Partner and order writes whose audit entry the hub database refused after retries (logged at error level).',
              [],
              (set) => set({}, partners.auditFailures + intake.auditFailures),
            );
            metrics.gauge('hub_odoo_orders', 'Salesforce orders into Odoo, by outcome.', ['outcome'], (set) => {
              for (const [outcome, n] of Object.entries(intake.metrics)) set({ outcome }, n);
            });
            metrics.gauge(
              'hub_work_queue_open',
              "Open order exceptions in the work queue, by kind: the order desk's backlog.",
              ['kind'],
              async (set) => {
                for (const [kind, n] of await exceptions.openCounts()) set({ kind }, n);
              },
            );
            metrics.gauge(
              'hub_work_queue_unpublished',
              'Work-queue exception changes stored but not yet on the order-exception topic: the outbox backlog.',
              [],
              async (set) => set({}, await exceptions.unpublishedCount()),
            );
            metrics.gauge(
              'hub_work_queue_publish_failures',
              'Outbox passes that failed to publish (retried on the next pass).',
              [],
              (set) => set({}, outbox.metrics.publishFailures),
            );
            return metrics;
          },
        },
        // Business health: orders awaiting ERP acceptance and open exceptions by age, read at scrape time.
        {
          provide: BusinessHealth,
          inject: [HubDatabase, IntakeLedger, HubMetrics],
          useFactory: (db: HubDatabase, ledger: IntakeLedger, metrics: HubMetrics) => {
            const erp = new ErpAcceptanceHealth(db, ledger);
            const health = new BusinessHealth(
              'projector-odoo',
              [AWAITING_ERP_FAMILY, OPEN_EXCEPTIONS_FAMILY],
              async () => ({
                figures: await erp.figures(),
              }),
            );
            health.register(metrics);
            return health;
          },
        },
      ],
    };
  }
}
