import { ConfigError, env, operatorAuthConfigShape, parseConfig, withOperatorTokens } from '@hub/runtime';
import { z } from 'zod';

/** Every environment variable odoo-cdc reads; the only file that touches process.env. */
export const odooCdcConfigShape = {
  HTTP_PORT: env.port(3101),
  KAFKA_BROKERS: env.brokers(),
  SCHEMA_REGISTRY_URL: env.url(),
  HUB_DATABASE_URL: env.postgresUrl(),
  /** The single-partition topic Debezium routes every captured table and the transaction markers into. */
  CDC_TOPIC: z.string().min(1).default('odoo.changes'),
  /** Optional read-only connection to the Odoo database, to export the replication slot's lag as a metric. */
  ODOO_MONITOR_DATABASE_URL: env.postgresUrl().optional(),
  /** The replication slot watched when no connector is (with ODOO_CDC_CONNECT_URL, the connector's `slot.name`). */
  CDC_SLOT_NAME: z.string().min(1).default('hub_odoo'),
  /**
   * Kafka Connect's REST API (≥ 3.0). When set, odoo-cdc watches the Debezium connector ODOO_CDC_CONNECTOR: its state
   * and its tasks' as metrics and readiness, a FAILED connector or task restarted with backoff.
   */
  ODOO_CDC_CONNECT_URL: env.url().optional(),
  ODOO_CDC_CONNECTOR: z
    .string()
    .regex(/^[\w.-]+$/, 'expected a connector name of letters, digits, . _ -')
    .default('odoo-postgres'),
  /** How often the connector's status and the replication slot are read. */
  ODOO_CDC_WATCH_INTERVAL_MS: env.positiveInt(10_000),
  /** The wait before a second restart of a connector that failed again; doubled each time, up to the maximum. */
  ODOO_CDC_RESTART_BACKOFF_MS: env.positiveInt(5_000),
  ODOO_CDC_RESTART_BACKOFF_MAX_MS: env.positiveInt(300_000),
  HUB_TOPIC_PREFIX: z.string().default('hub.'),
  KAFKA_REPLICATION_FACTOR: env.positiveInt(1),
  CONSUMER_GROUP: z.string().min(1).default('hub-odoo-cdc'),
  /** A consumer lane with a backlog that commits nothing for this long fails readiness and reports itself stalled. */
  HUB_STALL_AFTER_MS: env.stallAfterMs(),
  DEAD_LETTER_TOPIC: z.string().min(1).default('hub.dlq.odoo-cdc'),
  /**
   * The mirror's writes of a fetch of the Odoo stream are flushed to disk together and its canonical events sent in one
   * acknowledged request, at its end or once this many statements or events are pending; its offsets are committed
   * only after that.
   */
  CDC_FLUSH_AT: env.positiveInt(2_000),
  /**
   * The most one fetch of the Odoo stream brings, in bytes (kafkajs's maxBytesPerPartition; the stream has one
   * partition). Each fetch costs a mirror flush, a produce and an offset commit whatever its size, so on a backlog
   * (a snapshot, a bulk import) larger fetches mean fewer of those round trips; the cap bounds what odoo-cdc holds.
   */
  CDC_FETCH_MAX_BYTES: env.positiveInt(4_194_304),
  /**
   * Who may call the operator API (dead letters; the repair API /aggregates, which projector-salesforce's reconciler
   * calls with its ODOO_CDC_TOKEN, an operator token): HUB_OPERATOR_TOKENS or HUB_OPERATOR_TOKENS_FILE.
   */
  ...operatorAuthConfigShape,
};

export type OdooCdcConfig = ReturnType<typeof loadOdooCdcConfig>;

export function loadOdooCdcConfig(source: NodeJS.ProcessEnv = process.env) {
  const config = parseConfig(odooCdcConfigShape, source);
  if (config.ODOO_CDC_RESTART_BACKOFF_MAX_MS < config.ODOO_CDC_RESTART_BACKOFF_MS) {
    throw new ConfigError([
      `ODOO_CDC_RESTART_BACKOFF_MAX_MS=${config.ODOO_CDC_RESTART_BACKOFF_MAX_MS}: must not be less than ODOO_CDC_RESTART_BACKOFF_MS=${config.ODOO_CDC_RESTART_BACKOFF_MS}`,
    ]);
  }
  return withOperatorTokens(config);
}
