import { ConfigError, env, operatorAuthConfigShape, parseConfig, secret, withOperatorTokens } from '@hub/runtime';
import { auditRecordingConfigShape } from '@hub/audit';
import { z } from 'zod';
import { entityOfTopic } from '@hub/canonical';
import { isTimeZone, parseBatchWindows } from '@hub/projection';
import { parseDuration, parseSchedule } from './reconcile/reconcile.entities';
import { PROJECTED_TOPICS } from './projection/projected-topics';

/** The canonical entities the projector applies, each of which may be batched (SF_BATCH_WINDOWS). */
const BATCHABLE_ENTITIES = PROJECTED_TOPICS.map(entityOfTopic);

/** Every environment variable projector-salesforce reads; the only file that touches process.env. */
export const projectorSalesforceConfigShape = {
  HTTP_PORT: env.port(3102),
  KAFKA_BROKERS: env.brokers(),
  SCHEMA_REGISTRY_URL: env.url(),
  /** The hub's database: the last source position applied to each Salesforce record. */
  HUB_DATABASE_URL: env.postgresUrl(),
  /** The audit trail (libs/audit): the key of its field hashes. */
  ...auditRecordingConfigShape,
  HUB_TOPIC_PREFIX: z.string().default('hub.'),
  KAFKA_REPLICATION_FACTOR: env.positiveInt(1),
  CONSUMER_GROUP: z.string().min(1).default('hub-projector-salesforce'),
  /**
   * A consumer lane with a backlog that commits nothing for this long fails readiness and reports itself stalled.
   * Longer than SF_BULK_TIMEOUT_MS: a partition waits for its Bulk API job without committing.
   */
  HUB_STALL_AFTER_MS: env.stallAfterMs(900_000),
  DEAD_LETTER_TOPIC: z.string().min(1).default('hub.dlq.projector-salesforce'),
  /** The org's My Domain (client-credentials tokens must be requested there), or the local sandbox. */
  SF_LOGIN_URL: env.url(),
  SF_CLIENT_ID: z.string().min(1),
  SF_CLIENT_SECRET: secret(z.string().min(1)),
  SF_API_VERSION: z
    .string()
    .regex(/^\d{2}\.0$/, 'expected e.g. 62.0')
    .default('62.0'),
  /**
   * The client id named in `Sforce-Call-Options: client=…` on every call: Salesforce puts it in the change events of
   * the hub's writes (`changeOrigin`), so ingress recognises them and does not send them back (its SF_ECHO_CLIENTS).
   */
  SF_CALL_CLIENT: z
    .string()
    .regex(/^[\w.-]+$/, 'expected a client id of letters, digits, . _ -')
    .default('odoo-hub'),
  /** The mapping file (canonical entity → Salesforce objects and fields); default config/salesforce-mapping.yaml. */
  SF_MAPPING_FILE: z.string().min(1).optional(),
  /** Records per sObject Collections call (Salesforce's maximum is 200). */
  SF_BATCH_SIZE: env.positiveInt(200).pipe(z.number().max(200, 'Salesforce accepts at most 200 records per call')),
  /**
   * How long a batch of master data (accounts, contacts, products) waits for more records before it is sent: long
   * enough that a bulk load fills batches of 200. A full batch leaves at once.
   */
  SF_BATCH_LINGER_MS: env.positiveInt(1_000),
  /** The same for the commerce lane's objects (orders, invoices, payments, shipments): a person is waiting. */
  SF_PRIORITY_LINGER_MS: env.positiveInt(50),
  /**
   * How long a master-data batch waits for another write of its object before it goes (up to SF_BATCH_LINGER_MS while
   * writes keep arriving): what arrives together shares a call, and a single change or a trickle goes at once.
   */
  SF_QUIET_LINGER_MS: env.positiveInt(20),
  /**
   * While a bulk flow of master data arrives, a fetch's short remainder goes back to Kafka for up to this long to
   * leave with the records behind it in full calls of 200 (0: never). Commerce objects are never carried over. Long
   * enough to bridge the pause between two of odoo-cdc's bursts on a loaded machine (2 to 6 s seen on two cores).
   */
  SF_BATCH_CARRY_MS: z.coerce.number().int().min(0).default(10_000),
  /**
   * A flow whose newest record is older than this has ended, and its remainder leaves; a flow that arrives in bursts
   * ends only after twice its longest pause between bursts (at most SF_BATCH_CARRY_MS). odoo-cdc sends once per fetch
   * it made durable: about 700 records every 2 to 6 s on a loaded machine, and judged by this gap alone each burst of a
   * 10,000-partner snapshot ended a flow with a short call (62 calls where 51 would do).
   */
  SF_BATCH_FLOW_GAP_MS: z.coerce.number().int().min(1).default(1_000),
  /** How long a record waits for a parent it references (its Account…) to be written first; then it is sent anyway. */
  SF_PARENT_WAIT_MS: env.positiveInt(30_000),
  /**
   * From this many records of one object held by the projector at once (fetched, not written yet), its upserts go
   * through Bulk API 2.0 jobs (about five API calls a job, whatever its size) instead of sObject Collections (one
   * call per 200). 0: never. Order, invoice, payment and shipment objects never do: a person waits for them.
   */
  SF_BULK_THRESHOLD: z.coerce.number().int().min(0).default(10_000),
  /**
   * Records per Bulk API job at most. As large as what the projector holds of one object at once (see
   * SF_PIPELINE_MAX_IN_FLIGHT), so a backlog leaves in one job, not a full one and a remainder: a job's calls do not
   * grow with its size (Salesforce splits it into batches of 10,000 itself, each one of the org's daily 15,000).
   */
  SF_BULK_BATCH_SIZE: env
    .positiveInt(25_000)
    .pipe(z.number().max(150_000, 'at most 150000 records per job (a Bulk API upload holds at most 100 MB of CSV)')),
  /** How long a bulk job waits for more records after its first, unless every record held of its object is in it. */
  SF_BULK_LINGER_MS: env.positiveInt(2_000),
  /**
   * The end of a bulk flow (what is left once the backlog fell below SF_BULK_THRESHOLD, while a job of the object is
   * under way or just ended) still goes in a job of its own from this many records: a job costs about five calls
   * whatever its size, 2,000 records in sObject Collections ten. 0: never, the remainder goes in calls.
   */
  SF_BULK_MIN_JOB: z.coerce.number().int().min(0).default(2_000),
  /**
   * The first look at a running bulk job, and the shortest wait between two (each look is an API call): later looks
   * are timed by the job's progress, at most SF_BULK_POLL_MAX_MS apart.
   */
  SF_BULK_POLL_MS: env.positiveInt(500),
  SF_BULK_POLL_MAX_MS: env.positiveInt(10_000),
  /** A bulk job still running after this long is aborted, and its records go through sObject Collections. */
  SF_BULK_TIMEOUT_MS: env.positiveInt(600_000),
  /**
   * Records of one partition handled at once (a topic has 6 partitions, read together). Bulk API jobs need a
   * backlog held in memory: 4,000 × 6 = 24,000 records of one object can be held at once, past SF_BULK_THRESHOLD and
   * within one SF_BULK_BATCH_SIZE job; a small flow never has that many in one fetch, so nothing changes for it.
   */
  SF_PIPELINE_MAX_IN_FLIGHT: env.positiveInt(4_000),
  /**
   * How much one fetch of a master-data topic (and of the park topic) brings per partition, in bytes: kafkajs's
   * default of 1 MiB is about 3,000 canonical records (≈350 bytes each), 2 MiB leaves room for
   * SF_PIPELINE_MAX_IN_FLIGHT records of larger ones. A fetch only brings what is there: a small flow is unchanged.
   */
  SF_FETCH_MAX_BYTES_PER_PARTITION: env.positiveInt(2 * 1024 * 1024),
  /**
   * Entities applied in batch windows instead of in real time, `Product=01:00-05:00,Customer=every 15m` (canonical
   * entity names, like the mapping's): `HH:MM-HH:MM` daily in SF_BATCH_TIMEZONE (several joined by `+`, may pass
   * midnight), `every 15m for 5m` (open 5 minutes at each quarter hour), or `every 15m` (at each quarter hour, until
   * what the topic held then is applied). Records wait on Kafka meanwhile. Empty: every entity in real time.
   */
  SF_BATCH_WINDOWS: z
    .string()
    .default('')
    .transform((text, ctx) => {
      const { windows, problems } = parseBatchWindows(text, BATCHABLE_ENTITIES);
      for (const problem of problems) ctx.addIssue({ code: 'custom', message: problem });
      return problems.length ? z.NEVER : windows;
    }),
  /** The time zone of SF_BATCH_WINDOWS' daily windows (an IANA name: UTC, Europe/Brussels). */
  SF_BATCH_TIMEZONE: z
    .string()
    .default('UTC')
    .refine(isTimeZone, 'expected an IANA time zone such as UTC or Europe/Brussels'),
  /** Above this share of the daily API allowance the projector paces its calls. */
  SF_API_SOFT_LIMIT_PERCENT: env.positiveInt(80).pipe(z.number().max(100)),
  /** This share of the allowance is left to the org's people and other integrations: the projector pauses there. */
  SF_API_RESERVE_PERCENT: env.positiveInt(5).pipe(z.number().max(99)),
  /** Pacing spreads the calls left before the reserve over this horizon. */
  SF_API_PACING_HORIZON_MS: env.positiveInt(3_600_000),
  /** While paused at the reserve or after REQUEST_LIMIT_EXCEEDED: one call per interval checks for recovery. */
  SF_API_PROBE_INTERVAL_MS: env.positiveInt(60_000),
  SF_REQUEST_TIMEOUT_MS: env.positiveInt(30_000),
  SF_BREAKER_RESET_MS: env.positiveInt(5_000),
  SF_BREAKER_ERROR_PERCENT: env.positiveInt(50),
  SF_BREAKER_VOLUME: env.positiveInt(5),
  /**
   * Reconciliation (src/reconcile): odoo-cdc's repair API, the source of record's aggregates and their re-publication.
   * Unset: no reconciliation (the API answers 503 naming this variable, no schedule runs).
   */
  ODOO_CDC_URL: env.url().optional(),
  /** A token of odoo-cdc's HUB_OPERATOR_TOKENS with the operator role (the repair API re-publishes). */
  ODOO_CDC_TOKEN: secret(z.string().min(24, 'expected a token of at least 24 characters').optional()),
  /**
   * Who may call the operator API (dead letters; POST /reconcile needs the operator role, its reports a viewer):
   * HUB_OPERATOR_TOKENS or HUB_OPERATOR_TOKENS_FILE. Each pass is logged with its caller.
   */
  ...operatorAuthConfigShape,
  /**
   * Scheduled passes per entity, `Account=15m,Order=5m` (s, m, h, d); empty: on demand only. Each scheduled pass covers
   * what changed since the previous one started, the first one RECONCILE_FIRST_WINDOW back.
   */
  RECONCILE_SCHEDULE: z
    .string()
    .default('')
    .transform((text, ctx) => {
      const parsed = parseSchedule(text);
      if (typeof parsed === 'string') {
        ctx.addIssue({ code: 'custom', message: parsed });
        return z.NEVER;
      }
      return parsed;
    }),
  RECONCILE_FIRST_WINDOW: z
    .string()
    .default('24h')
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: 'expected a duration such as 30m, 24h, 7d' });
        return z.NEVER;
      }
      return ms;
    }),
  /** Aggregates compared per page (and per re-publication request); SOQL reads them 200 keys a query. */
  RECONCILE_PAGE_SIZE: env.positiveInt(200).pipe(z.number().max(1_000, 'at most 1000 aggregates a page')),
};

export type ProjectorSalesforceConfig = ReturnType<typeof loadProjectorSalesforceConfig>;

export function loadProjectorSalesforceConfig(source: NodeJS.ProcessEnv = process.env) {
  const config = parseConfig(projectorSalesforceConfigShape, source);
  if (config.ODOO_CDC_URL && !config.ODOO_CDC_TOKEN) {
    throw new ConfigError([
      'ODOO_CDC_TOKEN: required when ODOO_CDC_URL is set (an operator token of odoo-cdc HUB_OPERATOR_TOKENS)',
    ]);
  }
  return withOperatorTokens(config);
}
