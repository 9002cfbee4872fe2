import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { CANONICAL_TOPICS, CanonicalCodec, canonicalTopicConfigs, entityOfTopic, fieldOwnership } from '@hub/canonical';
import { AuditRecorder, auditRecorderProviders, DeadLetterReplayTrail, EngineWriteAudit } from '@hub/audit';
import {
  AppliedPositions,
  CallBudget,
  consumerLanes,
  isPriorityTopic,
  PARK_PARTITIONS,
  PARKED_LANE,
  ParentTracker,
  PgAppliedPositions,
  ProjectionEngine,
  TargetWriter,
} from '@hub/projection';
import {
  CanonicalMessageDecoder,
  ConsumerHost,
  ConsumerHostOptions,
  consumerReadiness,
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
  PgHubDatabase,
  readinessChecksProvider,
  registerProducedRecords,
  rotatingSecret,
  registerSaasCallMetrics,
  SaasSystems,
} from '@hub/runtime';
import type { Logger } from 'pino';
import type { ProjectorSalesforceConfig } from './config';
import { defaultMappingPath, SalesforceMapping } from './mapping/salesforce-mapping';
import { SalesforceTargetMapping } from './mapping/salesforce-target.mapping';
import { ODOO_BACKLOG_FAMILY, OdooBacklogRepository } from './health/odoo-backlog.repository';
import { salesforceCredentialsReadiness } from './health/salesforce-credentials.readiness';
import { CanonicalEventsHandler } from './projection/canonical-events.handler';
import { PROJECTED_EVENT_TYPES, PROJECTED_TOPICS } from './projection/projected-topics';
import { JsforceSalesforceAdapter } from './salesforce/jsforce-salesforce.adapter';
import { SalesforceTarget } from './salesforce/salesforce.target';
import { SalesforcePort } from './salesforce/salesforce.port';
import { OdooCdcSourceAdapter } from './reconcile/odoo-cdc-source.adapter';
import { ReconcileController } from './reconcile/reconcile.controller';
import { ReconcileScheduler } from './reconcile/reconcile.scheduler';
import { ReconcilerService } from './reconcile/reconciler.service';
import { registerReconcileMetrics } from './reconcile/reconcile.metrics';
import { SourceOfRecord } from './reconcile/source-of-record.port';
import { SalesforceBatchWindows } from './batch/batch-windows.service';

/**
 * Wiring only: the projection engine (libs/projection) with Salesforce's adapter, mapping and budget reader.
 */
@Module({})
export class ProjectorSalesforceModule {
  static forRoot(config: ProjectorSalesforceConfig, log: Logger): DynamicModule {
    // A bad mapping file fails the start here, naming every problem (like bad configuration).
    const mapping = SalesforceMapping.load(config.SF_MAPPING_FILE ?? defaultMappingPath(), fieldOwnership());
    const unmapped = PROJECTED_TOPICS.filter((k) => !mapping.handles(entityOfTopic(k)));
    if (unmapped.length) {
      throw new Error(`the Salesforce mapping has no entity for the consumed topics ${unmapped.join(', ')}`);
    }
    const clientSecret = rotatingSecret(config, 'SF_CLIENT_SECRET', {
      onRotate: (key) => log.info({ key }, `${key} changed in its file: the next token request uses it`),
      onError: (problem) => log.warn(problem),
    });
    const priorityObjects = new Set(
      PROJECTED_TOPICS.filter(isPriorityTopic).flatMap((k) => mapping.objectsOf(entityOfTopic(k))),
    );
    // Entities applied in batch windows (SF_BATCH_WINDOWS): their lanes start held; the service opens them.
    const batchWindows = new SalesforceBatchWindows(
      {
        windows: config.SF_BATCH_WINDOWS,
        timeZone: config.SF_BATCH_TIMEZONE,
        firstReconcileWindowMs: config.RECONCILE_FIRST_WINDOW,
        parentWaitMs: config.SF_PARENT_WAIT_MS,
        parkedLane: PARKED_LANE,
      },
      mapping,
      log.child({ component: 'batch-windows' }),
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
    // A backlog is what the projector holds of one object: at most SF_PIPELINE_MAX_IN_FLIGHT per partition of a topic.
    const held = Math.max(
      ...PROJECTED_TOPICS.filter((k) => !isPriorityTopic(k)).map(
        (k) => CANONICAL_TOPICS[k].partitions * config.SF_PIPELINE_MAX_IN_FLIGHT,
      ),
    );
    if (config.SF_BULK_THRESHOLD > held) {
      log.warn(
        { SF_BULK_THRESHOLD: config.SF_BULK_THRESHOLD, held },
        'SF_BULK_THRESHOLD is more records than the projector holds of one topic at once: Bulk API jobs never start',
      );
    }
    if (config.SF_BULK_THRESHOLD > 0 && config.HUB_STALL_AFTER_MS <= config.SF_BULK_TIMEOUT_MS) {
      log.warn(
        { HUB_STALL_AFTER_MS: config.HUB_STALL_AFTER_MS, SF_BULK_TIMEOUT_MS: config.SF_BULK_TIMEOUT_MS },
        'HUB_STALL_AFTER_MS is not longer than SF_BULK_TIMEOUT_MS: a lane waiting on a long Bulk API job is reported stalled',
      );
    }
    const bulk = {
      threshold: config.SF_BULK_THRESHOLD,
      maxBatchSize: config.SF_BULK_BATCH_SIZE,
      lingerMs: config.SF_BULK_LINGER_MS,
      minJobSize: config.SF_BULK_MIN_JOB === 0 ? undefined : config.SF_BULK_MIN_JOB,
      // The adapter aborts a job still running at SF_BULK_TIMEOUT_MS: the breaker allows one call more for that.
      timeoutMs: config.SF_BULK_TIMEOUT_MS + config.SF_REQUEST_TIMEOUT_MS,
    };
    return {
      module: ProjectorSalesforceModule,
      imports: [TerminusModule.forRoot({ logger: false }), DiscoveryModule],
      controllers: [
        HealthController,
        MetricsController,
        DeadLetterController,
        ReconcileController,
        BusinessHealthController,
      ],
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
              // Read for each token request: a rotated SF_CLIENT_SECRET_FILE is used without a restart.
              clientSecret: () => clientSecret.current(),
              apiVersion: config.SF_API_VERSION,
              callClient: config.SF_CALL_CLIENT,
              limitBackoffMs: config.SF_API_PROBE_INTERVAL_MS,
              bulk: {
                pollMs: config.SF_BULK_POLL_MS,
                pollMaxMs: config.SF_BULK_POLL_MAX_MS,
                timeoutMs: config.SF_BULK_TIMEOUT_MS,
              },
              log: log.child({ component: 'salesforce' }),
            }),
        },
        {
          provide: CallBudget,
          inject: [SalesforcePort],
          useFactory: (salesforce: SalesforcePort) =>
            new CallBudget(
              () => salesforce.apiUsage(),
              {
                softLimitPercent: config.SF_API_SOFT_LIMIT_PERCENT,
                reservePercent: config.SF_API_RESERVE_PERCENT,
                horizonMs: config.SF_API_PACING_HORIZON_MS,
                probeIntervalMs: config.SF_API_PROBE_INTERVAL_MS,
              },
              () => salesforce.readApiUsage(),
            ),
        },
        { provide: HubDatabase, useFactory: () => new PgHubDatabase(config.HUB_DATABASE_URL) },
        {
          provide: AppliedPositions,
          inject: [HubDatabase],
          useFactory: (db: HubDatabase) => new PgAppliedPositions(db, 'salesforce'),
        },
        {
          provide: SalesforceTarget,
          inject: [SalesforcePort],
          useFactory: (salesforce: SalesforcePort) =>
            new SalesforceTarget(salesforce, {
              maxBatchSize: config.SF_BATCH_SIZE,
              lingerMs: (object) =>
                priorityObjects.has(object) ? config.SF_PRIORITY_LINGER_MS : config.SF_BATCH_LINGER_MS,
              parentWaitMs: config.SF_PARENT_WAIT_MS,
              carryMs: (object) => (priorityObjects.has(object) ? 0 : config.SF_BATCH_CARRY_MS),
              flowGapMs: () => config.SF_BATCH_FLOW_GAP_MS,
              quietLingerMs: (object) =>
                priorityObjects.has(object) ? config.SF_PRIORITY_LINGER_MS : config.SF_QUIET_LINGER_MS,
              // Commerce objects never wait for a job: a person waits for them.
              bulk: (object) => (priorityObjects.has(object) || config.SF_BULK_THRESHOLD === 0 ? undefined : bulk),
            }),
        },
        {
          provide: SalesforceTargetMapping,
          inject: [SalesforcePort],
          useFactory: (salesforce: SalesforcePort) => new SalesforceTargetMapping(mapping, salesforce),
        },
        ...auditRecorderProviders('projector-salesforce', config),
        { provide: DeadLetterReplayAudit, useExisting: DeadLetterReplayTrail },
        {
          provide: TargetWriter,
          inject: [SalesforceTarget, AppliedPositions, CallBudget, AuditRecorder],
          useFactory: (
            target: SalesforceTarget,
            positions: AppliedPositions,
            budget: CallBudget,
            audit: AuditRecorder,
          ) =>
            new TargetWriter(
              target,
              positions,
              new ParentTracker(
                positions,
                (object, field) => mapping.writesKeyedBy(object, field),
                config.SF_PARENT_WAIT_MS,
                Date.now,
                (objects) => batchWindows.parentsAwaited(objects),
              ),
              breaker,
              budget,
              log.child({ component: 'target-writer' }),
              new EngineWriteAudit(audit, 'salesforce'),
            ),
        },
        {
          provide: ProjectionEngine,
          inject: [SalesforceTarget, SalesforceTargetMapping, TargetWriter, AppliedPositions],
          useFactory: (
            target: SalesforceTarget,
            targetMapping: SalesforceTargetMapping,
            writer: TargetWriter,
            positions: AppliedPositions,
          ) => new ProjectionEngine(target, targetMapping, writer, positions, fieldOwnership()),
        },
        CanonicalEventsHandler,
        HandlerRegistry,
        // Reconciliation (src/reconcile): off without ODOO_CDC_URL.
        {
          provide: SourceOfRecord,
          useFactory: () =>
            config.ODOO_CDC_URL
              ? new OdooCdcSourceAdapter(config.ODOO_CDC_URL, config.ODOO_CDC_TOKEN!, config.SF_REQUEST_TIMEOUT_MS)
              : null,
        },
        {
          provide: ReconcilerService,
          inject: [SalesforcePort, SourceOfRecord, SalesforceTargetMapping, AppliedPositions, CallBudget],
          useFactory: (
            salesforce: SalesforcePort,
            source: SourceOfRecord | null,
            targetMapping: SalesforceTargetMapping,
            positions: AppliedPositions,
            budget: CallBudget,
          ) =>
            source
              ? new ReconcilerService(
                  salesforce,
                  source,
                  targetMapping,
                  positions,
                  fieldOwnership(),
                  budget,
                  { pageSize: config.RECONCILE_PAGE_SIZE, keepReports: 50 },
                  log.child({ component: 'reconciler' }),
                )
              : null,
        },
        {
          provide: ReconcileScheduler,
          inject: [ReconcilerService],
          useFactory: (reconciler: ReconcilerService | null) =>
            new ReconcileScheduler(
              reconciler,
              config.RECONCILE_SCHEDULE,
              config.RECONCILE_FIRST_WINDOW,
              log.child({ component: 'reconciler' }),
            ),
        },
        ...operatorAuthProviders(config.HUB_OPERATOR_TOKENS),
        {
          provide: SalesforceBatchWindows,
          inject: [ConsumerHost, ReconcilerService],
          useFactory: (host: ConsumerHost, reconciler: ReconcilerService | null) =>
            batchWindows.attach(host, reconciler),
        },
        {
          provide: ConsumerHostOptions,
          useValue: {
            groupId: config.CONSUMER_GROUP,
            topics: [],
            // Fetches large enough for a Bulk API job's backlog (SF_FETCH_MAX_BYTES_PER_PARTITION): a fetch brings
            // only what is there, so a small flow reads as before.
            lanes: consumerLanes(
              PROJECTED_TOPICS,
              (k) => codec.topic(k),
              isPriorityTopic,
              { maxBytesPerPartition: config.SF_FETCH_MAX_BYTES_PER_PARTITION },
              (k) => batchWindows.isBatched(entityOfTopic(k)),
            ),
            eventTypes: PROJECTED_EVENT_TYPES,
            deadLetterTopic: config.DEAD_LETTER_TOPIC,
            decoder: new CanonicalMessageDecoder(codec),
            breaker,
            // The target writer fires the breaker once per Salesforce call, not once per record.
            wrapHandlersInBreaker: false,
            // Canonical topics carry each record's full state: only a key's last record in a fetch needs applying.
            // Up to SF_PIPELINE_MAX_IN_FLIGHT records of a partition at once (was 2,000): what the writer holds of an
            // object is its backlog, which must reach SF_BULK_THRESHOLD for a Bulk API job to start. A fetch of a
            // small flow holds fewer records than that, so it is handled as before.
            pipeline: { maxInFlight: config.SF_PIPELINE_MAX_IN_FLIGHT, coalesceByKey: true },
            replicationFactor: config.KAFKA_REPLICATION_FACTOR,
            parkPartitions: PARK_PARTITIONS,
            stallAfterMs: config.HUB_STALL_AFTER_MS,
          } satisfies ConsumerHostOptions,
        },
        ConsumerHost,
        deadLetterStoreProvider(config.DEAD_LETTER_TOPIC),
        readinessChecksProvider({
          registryUrl: config.SCHEMA_REGISTRY_URL,
          inject: [ConsumerHost, SalesforcePort],
          extra: (indicators, host, salesforce) => [
            consumerReadiness(indicators, host as ConsumerHost, breaker),
            salesforceCredentialsReadiness(indicators, salesforce as SalesforcePort),
          ],
        }),
        {
          provide: HubMetrics,
          inject: [
            ConsumerHost,
            ProjectionEngine,
            SalesforcePort,
            TargetWriter,
            CallBudget,
            KafkaClient,
            ReconcilerService,
            SalesforceBatchWindows,
          ],
          useFactory: (
            host: ConsumerHost,
            engine: ProjectionEngine,
            salesforce: SalesforcePort,
            writer: TargetWriter,
            budget: CallBudget,
            kafka: KafkaClient,
            reconciler: ReconcilerService | null,
            windows: SalesforceBatchWindows,
          ) => {
            const metrics = new HubMetrics('projector-salesforce');
            windows.registerMetrics(metrics);
            if (reconciler) registerReconcileMetrics(metrics, reconciler);
            registerConsumerMetrics(metrics, host);
            registerProducedRecords(metrics, kafka.produced);
            registerBreakerMetrics(metrics, [breaker]);
            registerSaasCallMetrics(metrics, new SaasSystems([{ system: 'salesforce', url: config.SF_LOGIN_URL }]));
            const org = new URL(config.SF_LOGIN_URL).host;
            metrics.gauge(
              'hub_salesforce_api_remaining_calls',
              "API calls left in the org's rolling 24-hour allowance (max - used, from Sforce-Limit-Info and /limits), by org (its login host).",
              ['org'],
              (set) => {
                const usage = salesforce.apiUsage();
                if (usage) set({ org }, Math.max(0, usage.max - usage.used));
              },
            );
            metrics.gauge(
              'hub_projection_records',
              'Salesforce record writes by outcome: applied, skipped as stale, a delete flag for a record never projected, removed (an order line gone), refused, deferred until the parent is written.',
              ['outcome'],
              (set) => {
                set({ outcome: 'applied' }, writer.metrics.applied);
                set({ outcome: 'staleSkipped' }, writer.metrics.staleSkipped);
                set({ outcome: 'absent' }, writer.metrics.absent);
                set({ outcome: 'removed' }, writer.metrics.removed);
                set({ outcome: 'refused' }, writer.metrics.recordFailures);
                set({ outcome: 'deferred' }, writer.metrics.deferred);
              },
            );
            metrics.gauge('hub_projection_events', 'Canonical events fully applied to Salesforce.', [], (set) =>
              set({}, engine.metrics.events),
            );
            metrics.gauge(
              'hub_salesforce_calls',
              'Salesforce write calls made (sObject Collections), and the records they carried.',
              ['kind'],
              (set) => {
                set({ kind: 'calls' }, writer.metrics.calls);
                set({ kind: 'records' }, writer.metrics.recordsSent);
              },
            );
            metrics.gauge(
              'hub_salesforce_bulk',
              'Bulk API 2.0 jobs completed and the records they carried, and jobs that failed as a whole (their records then went through sObject Collections, counted in hub_salesforce_calls).',
              ['kind'],
              (set) => {
                set({ kind: 'jobs' }, writer.metrics.bulkJobs);
                set({ kind: 'records' }, writer.metrics.bulkRecords);
                set({ kind: 'jobsFailed' }, writer.metrics.bulkJobsFailed);
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
              'API budget pacing: the current interval between calls (ms), calls paced, total wait (ms), refusals at the reserve, usage probes.',
              ['kind'],
              (set) => {
                const interval = budget.intervalMs();
                set({ kind: 'intervalMs' }, Number.isFinite(interval) ? interval : -1);
                set({ kind: 'pacedCalls' }, budget.metrics.pacedCalls);
                set({ kind: 'waitMs' }, budget.metrics.pacingWaitMs);
                set({ kind: 'reserveRefusals' }, budget.metrics.reserveRefusals);
                set({ kind: 'probes' }, budget.metrics.probes);
              },
            );
            return metrics;
          },
        },
        // Business health: Odoo's records not (yet) in Salesforce, read from the hub database at scrape time.
        {
          provide: BusinessHealth,
          inject: [HubDatabase, HubMetrics],
          useFactory: (db: HubDatabase, metrics: HubMetrics) => {
            const backlog = new OdooBacklogRepository(db);
            const health = new BusinessHealth('projector-salesforce', [ODOO_BACKLOG_FAMILY], async () => ({
              figures: await backlog.figures(),
            }));
            health.register(metrics);
            return health;
          },
        },
      ],
    };
  }
}
