import { DynamicModule, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { fieldOwnership } from '@hub/canonical';
import { AppLogger, countProduced, HubMetrics, KafkaClient, rotatingSecret } from '@hub/runtime';
import type { Producer } from 'kafkajs';
import { IngressConfig, salesforceCapture } from '../config';
import { IngressPublishers, replayAnchorTopic } from '../intake/intake.module';
import { SalesforceRecordSink } from '../webhooks/salesforce/salesforce-record.sink';
import { Intake } from '../intake/intake.port';
import { ChangeStream } from './change-stream.port';
import { JsforceSalesforceReader } from './jsforce-salesforce-reader.adapter';
import { OutboundRecordSink } from './outbound-record.sink';
import { PubSubChangeStream } from './pubsub-change-stream.adapter';
import { ReplayCheckpoints } from './replay-checkpoints';
import { SalesforceCaptureService } from './salesforce-capture.service';
import { SalesforceMirror } from './salesforce-mirror.repository';
import { SalesforceReader } from './salesforce-reader.port';

/** Starts the change streams once the app is up, stops them before Kafka closes. */
class CaptureLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly capture: SalesforceCaptureService | null,
    private readonly producer: Producer | null,
    private readonly stream: ChangeStream | null,
  ) {}

  async onApplicationBootstrap() {
    if (!this.capture || !this.producer) return;
    await this.producer.connect();
    await this.capture.start();
  }

  async onApplicationShutdown() {
    await this.capture?.stop();
    await this.stream?.close();
    await this.producer?.disconnect();
  }
}

/**
 * Salesforce into the hub: Change Data Capture over the Pub/Sub API (when the SF_ credentials are set) and the
 * records of Outbound Messages (always: the webhook front door hands them here).
 */
/** SF_CLIENT_SECRET as of now: a rotated SF_CLIENT_SECRET_FILE is used by the next token request, without a restart. */
function currentClientSecret(config: IngressConfig, log: AppLogger): () => string {
  const secret = rotatingSecret(config, 'SF_CLIENT_SECRET', {
    onRotate: (key) => log.info({ key }, `${key} changed in its file: the next token request uses it`),
    onError: (problem) => log.warn(problem),
  });
  return () => secret.current() ?? '';
}

@Module({})
export class SalesforceCaptureModule {
  static forRoot(config: IngressConfig): DynamicModule {
    const credentials = salesforceCapture(config);
    return {
      module: SalesforceCaptureModule,
      providers: [
        {
          provide: SalesforceRecordSink,
          inject: [Intake, SalesforceMirror],
          useFactory: (intake: Intake, mirror: SalesforceMirror) => new OutboundRecordSink(intake, mirror),
        },
        {
          provide: SalesforceReader,
          inject: [AppLogger],
          useFactory: (log: AppLogger) =>
            credentials
              ? new JsforceSalesforceReader({
                  ...credentials,
                  clientSecret: currentClientSecret(config, log),
                  apiVersion: config.SF_API_VERSION,
                  callClient: config.SF_CALL_CLIENT,
                  log,
                })
              : null,
        },
        {
          provide: ChangeStream,
          inject: [SalesforceReader, AppLogger],
          useFactory: (reader: SalesforceReader | null, log: AppLogger) =>
            reader
              ? new PubSubChangeStream({
                  endpoint: config.SF_PUBSUB_ENDPOINT,
                  batchSize: config.SF_CDC_BATCH_SIZE,
                  session: () => reader.session(),
                  verifyTls: config.SF_PUBSUB_VERIFY_TLS,
                  log,
                })
              : null,
        },
        {
          provide: 'SALESFORCE_CDC_PRODUCER',
          inject: [KafkaClient],
          // Its own transactional producer: a batch's events and its checkpoint commit together.
          useFactory: (kafka: KafkaClient) =>
            credentials
              ? countProduced(
                  kafka.kafka.producer({
                    transactionalId: `${config.HUB_TOPIC_PREFIX}ingress.salesforce-cdc`,
                    idempotent: true,
                    maxInFlightRequests: 1,
                    allowAutoTopicCreation: false,
                  }),
                  kafka.produced,
                )
              : null,
        },
        {
          provide: SalesforceCaptureService,
          inject: [
            ChangeStream,
            SalesforceReader,
            SalesforceMirror,
            KafkaClient,
            'SALESFORCE_CDC_PRODUCER',
            IngressPublishers,
            AppLogger,
            HubMetrics,
          ],
          useFactory: (
            stream: ChangeStream | null,
            reader: SalesforceReader | null,
            mirror: SalesforceMirror,
            kafka: KafkaClient,
            producer: Producer | null,
            publishers: IngressPublishers,
            log: AppLogger,
            metrics: HubMetrics,
          ) => {
            if (!stream || !reader || !producer) {
              log.info(
                'salesforce change data capture off: SF_LOGIN_URL, SF_CLIENT_ID and SF_CLIENT_SECRET are not set',
              );
              return null;
            }
            const capture = new SalesforceCaptureService(
              stream,
              reader,
              mirror,
              new ReplayCheckpoints(
                kafka.admin,
                replayAnchorTopic(config),
                `${config.HUB_TOPIC_PREFIX}ingress.salesforce-cdc`,
              ),
              producer,
              publishers.bySystem.salesforce,
              fieldOwnership(),
              {
                channels: config.SF_CDC_CHANNELS,
                initialStart: config.SF_CDC_INITIAL_START,
                echo: { clients: config.SF_ECHO_CLIENTS, users: config.SF_ECHO_USER_IDS },
                deadLetterTopic: config.DEAD_LETTER_TOPIC,
                repairMarginMs: config.SF_CDC_REPAIR_MARGIN_MS,
                retryDelayMs: 1_000,
              },
              log.child({ component: 'salesforce-cdc' }),
            );
            registerCaptureMetrics(metrics, capture);
            return capture;
          },
        },
        {
          provide: CaptureLifecycle,
          inject: [SalesforceCaptureService, 'SALESFORCE_CDC_PRODUCER', ChangeStream],
          useFactory: (
            capture: SalesforceCaptureService | null,
            producer: Producer | null,
            stream: ChangeStream | null,
          ) => new CaptureLifecycle(capture, producer, stream),
        },
      ],
      exports: [SalesforceRecordSink, SalesforceCaptureService],
    };
  }
}

function registerCaptureMetrics(metrics: HubMetrics, capture: SalesforceCaptureService) {
  const m = capture.metrics;
  metrics.gauge(
    'hub_ingress_salesforce_changes',
    "Salesforce change events by outcome: received, published (canonical events), dropped as the hub's own write (echo), not owned by Salesforce, of an object not captured, dead-lettered.",
    ['outcome'],
    (set) => {
      set({ outcome: 'received' }, m.changes);
      set({ outcome: 'published' }, m.published);
      set({ outcome: 'notOwned' }, m.notOwned);
      set({ outcome: 'ignored' }, m.ignored);
      set({ outcome: 'deadLettered' }, m.deadLettered);
    },
  );
  metrics.gauge(
    'hub_ingress_echo_dropped',
    "The hub's own writes recognised when Salesforce sent them back, by rule (client: Sforce-Call-Options client id; user: the hub's integration user), and the fields they carried.",
    ['rule'],
    (set) => {
      for (const [rule, n] of Object.entries(m.echoDropped)) set({ rule }, n);
      set({ rule: 'fields' }, m.echoDroppedFields);
    },
  );
  metrics.gauge(
    'hub_ingress_salesforce_repairs',
    'Records re-read through the REST API: after a gap event (by change type) or an expired replay id (expired), and records read whole the first time the hub saw them change (backfill).',
    ['kind'],
    (set) => {
      for (const [kind, n] of Object.entries(m.repairs)) set({ kind }, n);
      set({ kind: 'backfill' }, m.backfillReads);
    },
  );
  metrics.gauge(
    'hub_ingress_salesforce_stream',
    'Change streams: Kafka transactions committed, resubscriptions after a failure, channels subscribed.',
    ['kind'],
    (set) => {
      set({ kind: 'transactions' }, m.transactions);
      set({ kind: 'resubscriptions' }, m.resubscriptions);
      set({ kind: 'subscribed' }, [...capture.positions.values()].filter((p) => p.subscribed).length);
    },
  );
}
