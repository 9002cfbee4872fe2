import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { AuditRecorder, DeadLetterReplayTrail, EngineWriteAudit, FieldHasher, PgAuditTrail } from '@hub/audit';
import {
  CanonicalCodec,
  CanonicalPublisher,
  CanonicalTopicKey,
  canonicalTopicConfigs,
  fieldOwnership,
} from '@hub/canonical';
import { BreakerGuardedOdoo, OdooRpcAdapter } from '@hub/odoo';
import {
  AppliedPositions,
  consumerLanes,
  isPriorityTopic,
  KeyedLock,
  PARK_PARTITIONS,
  ParentTracker,
  PgAppliedPositions,
  ProjectionEngine,
  TargetWriter,
} from '@hub/projection';
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
import type { ProjectorSupportConfig } from './config';
import { DEFAULT_RATE_LIMIT } from './desk/rate-limit.gate';
import {
  SUPPORT_COVERAGE_NOTES,
  SUPPORT_MISSING_FAMILY,
  SupportCoverageHealth,
} from './health/support-coverage.health';
import { supportDeskOf } from './desk/support-desk.factory';
import { SupportDesk } from './desk/support-desk.port';
import { AuditedSupportDesk } from './desk/audited-support-desk';
import { SupportDeskTarget } from './desk/support-desk.target';
import { CaseNotesService } from './cases/case-notes.service';
import { OrderUpdatesService } from './cases/order-updates.service';
import { ServiceCasesHandler } from './cases/service-cases.handler';
import { ServiceLoadRepository } from './cases/service-load.repository';
import { ServiceLoadService } from './cases/service-load.service';
import { SupportCaseRepository } from './cases/support-case.repository';
import { OdooReturns } from './returns/odoo-returns';
import { ReturnRequestsService } from './returns/return-requests.service';
import { ErpContextHandler } from './context/erp-context.handler';
import { ErpContextRepository } from './context/erp-context.repository';
import { DeskEventsHandler, SUPPORT_EVENT_TYPES, SUPPORT_TOPICS } from './projection/desk-events.handler';
import { SupportTargetMapping } from './projection/support-target.mapping';

/** The canonical topics projector-support produces: its customers' service loads. */
export const SUPPORT_PRODUCED_TOPICS: CanonicalTopicKey[] = ['customer-service-load'];

/**
 * Wiring only: the projection engine (libs/projection) with the installation's desk adapter (Zendesk or Freshdesk)
 * and the support mapping: the same ordering, stale guard, parents first, breaker, retries, dead letters and replay
 * as projector-salesforce, none of it copied.
 */
@Module({})
export class ProjectorSupportModule {
  static forRoot(config: ProjectorSupportConfig, log: Logger): DynamicModule {
    const codec = CanonicalCodec.connect(config.SCHEMA_REGISTRY_URL, config.HUB_TOPIC_PREFIX);
    const db = new PgHubDatabase(config.HUB_DATABASE_URL);
    const audit = new AuditRecorder(new PgAuditTrail(db), new FieldHasher(config.AUDIT_HASH_KEY), 'projector-support');
    const desk = new AuditedSupportDesk(supportDeskOf(config), audit, log.child({ component: 'desk-audit' }));

    // One breaker per desk account: open, it pauses consumption (a 429 storm or an outage), never dead-letters.
    const breaker = new TargetBreaker({
      ...DEFAULT_BREAKER_OPTIONS,
      name: `${desk.platform} ${new URL(config.ZENDESK_URL ?? config.FRESHDESK_URL!).host}`,
      // A Zendesk bulk job is polled to its end within one call, and 429s are waited out inside it (rate-limit gate);
      // every request has its own timeout, so this only catches a call that hangs as a whole.
      timeoutMs: config.SUPPORT_REQUEST_TIMEOUT_MS * 3 + DEFAULT_RATE_LIMIT.maxRetries * DEFAULT_RATE_LIMIT.maxWaitMs,
      resetTimeoutMs: config.SUPPORT_BREAKER_RESET_MS,
    });
    breaker.onOpen(() => log.warn({ breaker: breaker.options.name }, 'circuit breaker opened: consumption paused'));
    const context = new ErpContextRepository(db);
    const cases = new SupportCaseRepository(db);
    const perTicket = new KeyedLock();
    const odoo = odooReturnsOf(config, log);
    const mapping = new SupportTargetMapping((customerId) =>
      context.contextOf(customerId, config.SUPPORT_WARRANTY_MONTHS, Date.now()),
    );
    const target = new SupportDeskTarget(
      desk,
      {
        maxBatchSize: desk.limits.maxBatchSize,
        maxConcurrentCalls: config.SUPPORT_MAX_CONCURRENT_CALLS,
        lingerMs: () => config.SUPPORT_BATCH_LINGER_MS,
        parentWaitMs: config.SUPPORT_PARENT_WAIT_MS,
      },
      (object, written) => context.rememberDeskRecords(desk.platform, object, written),
    );
    return {
      module: ProjectorSupportModule,
      imports: [TerminusModule.forRoot({ logger: false }), DiscoveryModule],
      controllers: [HealthController, MetricsController, DeadLetterController, BusinessHealthController],
      providers: [
        { provide: AppLogger, useValue: log },
        ...operatorAuthProviders(config.HUB_OPERATOR_TOKENS),
        kafkaClientProvider({
          clientId: 'projector-support',
          brokers: config.KAFKA_BROKERS,
          log,
          prepare: (kafka) =>
            ensureTopics(
              kafka.admin,
              canonicalTopicConfigs([...SUPPORT_TOPICS, ...SUPPORT_PRODUCED_TOPICS], {
                prefix: config.HUB_TOPIC_PREFIX,
                replicationFactor: config.KAFKA_REPLICATION_FACTOR,
              }),
            ),
        }),
        { provide: SupportDesk, useValue: desk },
        { provide: HubDatabase, useValue: db },
        { provide: ErpContextRepository, useValue: context },
        {
          provide: CaseNotesService,
          useFactory: () =>
            new CaseNotesService(
              desk,
              context,
              cases,
              perTicket,
              { warrantyMonths: config.SUPPORT_WARRANTY_MONTHS, recentOrders: config.SUPPORT_RECENT_ORDERS },
              log.child({ component: 'case-notes' }),
            ),
        },
        {
          provide: OrderUpdatesService,
          useFactory: () =>
            new OrderUpdatesService(
              desk,
              context,
              cases,
              perTicket,
              config.SUPPORT_WARRANTY_MONTHS,
              log.child({ component: 'order-updates' }),
            ),
        },
        {
          provide: ReturnRequestsService,
          useFactory: () =>
            new ReturnRequestsService(
              desk,
              odoo,
              context,
              cases,
              { returnTag: config.SUPPORT_RETURN_TAG },
              log.child({ component: 'returns' }),
              audit,
            ),
        },
        {
          provide: ServiceLoadService,
          inject: [KafkaClient],
          useFactory: (kafka: KafkaClient) =>
            new ServiceLoadService(
              desk,
              new ServiceLoadRepository(db),
              context,
              new CanonicalPublisher(kafka.producer, codec, {
                app: 'projector-support',
                traceHeaders: traceCanonicalRecord,
                owner: { system: 'support', ownership: fieldOwnership() },
              }),
              new KeyedLock(),
              log.child({ component: 'service-load' }),
              () => codec.registerProducerSchemas('projector-support', SUPPORT_PRODUCED_TOPICS),
            ),
        },
        ErpContextHandler,
        ServiceCasesHandler,
        {
          provide: AppliedPositions,
          inject: [HubDatabase],
          useFactory: (db: HubDatabase) => new PgAppliedPositions(db, desk.platform),
        },
        { provide: AuditRecorder, useValue: audit },
        {
          provide: DeadLetterReplayAudit,
          useValue: new DeadLetterReplayTrail(audit, log.child({ component: 'audit' })),
        },
        {
          provide: TargetWriter,
          inject: [AppliedPositions, AuditRecorder],
          useFactory: (positions: AppliedPositions, audit: AuditRecorder) =>
            new TargetWriter(
              target,
              positions,
              new ParentTracker(
                positions,
                (object, field) => mapping.writesKeyedBy(object, field),
                config.SUPPORT_PARENT_WAIT_MS,
              ),
              breaker,
              undefined,
              log.child({ component: 'target-writer' }),
              new EngineWriteAudit(audit, desk.platform),
            ),
        },
        {
          provide: ProjectionEngine,
          inject: [TargetWriter, AppliedPositions],
          useFactory: (writer: TargetWriter, positions: AppliedPositions) =>
            new ProjectionEngine(target, mapping, writer, positions, fieldOwnership()),
        },
        DeskEventsHandler,
        HandlerRegistry,
        {
          provide: ConsumerHostOptions,
          useValue: {
            groupId: config.CONSUMER_GROUP,
            topics: [],
            // A new ticket is somebody waiting: its topic never queues behind a customer load.
            lanes: consumerLanes(
              SUPPORT_TOPICS,
              (k) => codec.topic(k),
              (k) => k === 'service-case' || isPriorityTopic(k),
            ),
            eventTypes: SUPPORT_EVENT_TYPES,
            deadLetterTopic: config.DEAD_LETTER_TOPIC,
            decoder: new CanonicalMessageDecoder(codec),
            breaker,
            // The target writer fires the breaker once per desk call, not once per record.
            wrapHandlersInBreaker: false,
            // Canonical topics carry each record's full state: only a key's last record in a fetch needs applying.
            pipeline: { maxInFlight: 500, coalesceByKey: true },
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
            ProjectionEngine,
            TargetWriter,
            CaseNotesService,
            OrderUpdatesService,
            ReturnRequestsService,
            ServiceLoadService,
            KafkaClient,
          ],
          useFactory: (
            host: ConsumerHost,
            engine: ProjectionEngine,
            writer: TargetWriter,
            notes: CaseNotesService,
            updates: OrderUpdatesService,
            returns: ReturnRequestsService,
            load: ServiceLoadService,
            kafka: KafkaClient,
          ) => {
            const metrics = new HubMetrics('projector-support');
            registerConsumerMetrics(metrics, host);
            registerProducedRecords(metrics, kafka.produced);
            registerBreakerMetrics(metrics, [breaker]);
            registerSaasCallMetrics(
              metrics,
              new SaasSystems([
                { system: 'zendesk', url: config.ZENDESK_URL },
                { system: 'freshdesk', url: config.FRESHDESK_URL },
                { system: 'odoo', url: config.ODOO_URL },
              ]),
            );
            metrics.gauge(
              'hub_projection_records',
              'Desk record writes by outcome: applied, skipped as stale, refused, deferred until the organization is written.',
              ['outcome'],
              (set) => {
                set({ outcome: 'applied' }, writer.metrics.applied);
                set({ outcome: 'staleSkipped' }, writer.metrics.staleSkipped);
                set({ outcome: 'refused' }, writer.metrics.recordFailures);
                set({ outcome: 'deferred' }, writer.metrics.deferred);
              },
            );
            metrics.gauge(
              'hub_support_case_notes',
              'New tickets answered with their ERP context, tickets already answered, tickets of another desk.',
              ['outcome'],
              (set) => {
                set({ outcome: 'noted' }, notes.metrics.noted);
                set({ outcome: 'alreadyNoted' }, notes.metrics.alreadyNoted);
                set({ outcome: 'otherDesk' }, notes.metrics.otherDesk);
                set({ outcome: 'orderUpdate' }, updates.metrics.noted);
              },
            );
            metrics.gauge(
              'hub_support_returns',
              'Return requests from tickets: Odoo returns created, requests refused with a note, requests already answered.',
              ['outcome'],
              (set) => {
                set({ outcome: 'created' }, returns.metrics.created);
                set({ outcome: 'refused' }, returns.metrics.refused);
                set({ outcome: 'alreadyDone' }, returns.metrics.alreadyDone);
              },
            );
            metrics.gauge(
              'hub_support_audit_failures',
              'Desk notes or Odoo returns whose audit entry the hub database refused after retries (logged at error level).',
              [],
              (set) => set({}, desk.metrics.auditFailures + returns.metrics.auditFailures),
            );
            metrics.gauge(
              'hub_support_service_loads',
              "Customers' service loads (open tickets) published, counted unchanged, tickets of no customer the hub wrote onto the desk.",
              ['outcome'],
              (set) => {
                set({ outcome: 'published' }, load.metrics.published);
                set({ outcome: 'unchanged' }, load.metrics.unchanged);
                set({ outcome: 'noCustomer' }, load.metrics.noCustomer);
              },
            );
            metrics.gauge('hub_projection_events', 'Canonical events fully applied to the desk.', [], (set) =>
              set({}, engine.metrics.events),
            );
            metrics.gauge(
              'hub_support_calls',
              'Desk write calls made, and the records they carried.',
              ['kind'],
              (set) => {
                set({ kind: 'calls' }, writer.metrics.calls);
                set({ kind: 'records' }, writer.metrics.recordsSent);
              },
            );
            return metrics;
          },
        },
        // Business health: what the desk's agents cannot see, from the read model, read at scrape time.
        {
          provide: BusinessHealth,
          inject: [HubDatabase, HubMetrics],
          useFactory: (hubDb: HubDatabase, metrics: HubMetrics) => {
            const coverage = new SupportCoverageHealth(hubDb, desk.platform);
            const health = new BusinessHealth('projector-support', [SUPPORT_MISSING_FAMILY], async () => ({
              figures: await coverage.figures(),
              notes: SUPPORT_COVERAGE_NOTES,
            }));
            health.register(metrics);
            return health;
          },
        },
      ],
    };
  }
}

/** Odoo for returns, behind its own breaker (Odoo down never opens the desk's), or undefined without ODOO_URL. */
function odooReturnsOf(config: ProjectorSupportConfig, log: Logger): OdooReturns | undefined {
  if (!config.ODOO_URL) return undefined;
  const breaker = new TargetBreaker({
    ...DEFAULT_BREAKER_OPTIONS,
    name: `odoo ${new URL(config.ODOO_URL).host}/${config.ODOO_DATABASE}`,
    timeoutMs: config.ODOO_REQUEST_TIMEOUT_MS + 1_000,
    resetTimeoutMs: config.ODOO_BREAKER_RESET_MS,
  });
  breaker.onOpen(() => log.warn({ breaker: breaker.options.name }, 'circuit breaker opened: returns wait for Odoo'));
  return new OdooReturns(
    new BreakerGuardedOdoo(
      new OdooRpcAdapter({
        url: config.ODOO_URL,
        database: config.ODOO_DATABASE!,
        apiKey: config.ODOO_API_KEY!,
        login: config.ODOO_LOGIN,
        protocol: config.ODOO_PROTOCOL,
        timeoutMs: config.ODOO_REQUEST_TIMEOUT_MS,
        log: log.child({ component: 'odoo' }),
        userAgent: 'odoo-salesforce-hub projector-support',
      }),
      breaker,
    ),
  );
}
