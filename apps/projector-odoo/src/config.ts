import { env, operatorAuthConfigShape, parseConfig, secret, withOperatorTokens } from '@hub/runtime';
import { auditServingConfigShape } from '@hub/audit';
import { z } from 'zod';
import { PARTNER_MATCH_RULES } from './partners/partner-match';

/** Every environment variable projector-odoo reads; the only file that touches process.env. */
export const projectorOdooConfigShape = {
  HTTP_PORT: env.port(3104),
  KAFKA_BROKERS: env.brokers(),
  SCHEMA_REGISTRY_URL: env.url(),
  /** The hub's database: the work queue of business exceptions and the last Salesforce position applied per record. */
  HUB_DATABASE_URL: env.postgresUrl(),
  /** The audit trail (libs/audit): the key of its field hashes, retention and purge interval. */
  ...auditServingConfigShape,
  HUB_TOPIC_PREFIX: z.string().default('hub.'),
  KAFKA_REPLICATION_FACTOR: env.positiveInt(1),
  CONSUMER_GROUP: z.string().min(1).default('hub-projector-odoo'),
  /** A consumer lane with a backlog that commits nothing for this long fails readiness and reports itself stalled. */
  HUB_STALL_AFTER_MS: env.stallAfterMs(),
  DEAD_LETTER_TOPIC: z.string().min(1).default('hub.dlq.projector-odoo'),
  /** Odoo's base URL (the server that answers /jsonrpc and, from 19, /json/2). */
  ODOO_URL: env.url(),
  ODOO_DATABASE: z.string().min(1),
  /** The login of the hub's own Odoo user (a bot with an API key and no password): JSON-RPC needs it. */
  ODOO_LOGIN: z.string().min(1).default('hub-integration'),
  ODOO_API_KEY: secret(z.string().min(1)),
  /** json2 (Odoo 19), jsonrpc (17, 18), or auto: read the server's version once and pick. */
  ODOO_PROTOCOL: z.enum(['auto', 'json2', 'jsonrpc']).default('auto'),
  ODOO_REQUEST_TIMEOUT_MS: env.positiveInt(30_000),
  ODOO_BREAKER_RESET_MS: env.positiveInt(5_000),
  /**
   * How an account from Salesforce finds the Odoo partner it already is, tried in this order after the hub's own
   * external id: vat (the account's VAT number), email (normalised), name-zip (company name and postcode).
   */
  PARTNER_MATCH: z
    .string()
    .default(PARTNER_MATCH_RULES.join(','))
    .transform((s) => s.split(',').map((r) => r.trim()))
    .pipe(z.array(z.enum(PARTNER_MATCH_RULES)).min(1)),
  /**
   * order: the rep's agreed unit price is kept (Odoo's price is used only for a line without one); pricelist: every
   * line takes Odoo's price, whatever the order carries.
   */
  ORDER_PRICE_SOURCE: z.enum(['order', 'pricelist']).default('order'),
  /** reject: stock short of an ordered quantity is an exception; backorder: the order is confirmed and waits for stock. */
  ORDER_STOCK_SHORTAGE: z.enum(['reject', 'backorder']).default('reject'),
  /** How long an order waits for a customer the hub has not created in Odoo yet before it becomes an exception. */
  ORDER_CUSTOMER_WAIT_MS: env.positiveInt(600_000),
  /** How long a contact waits for its company to reach Odoo before it is created without one. */
  CONTACT_PARENT_WAIT_MS: env.positiveInt(60_000),
  /**
   * How often the work queue's outbox looks for exception changes not yet on the order-exception topic (each change
   * is published at once; this catches a publish that failed or an instance that crashed before it).
   */
  EXCEPTION_OUTBOX_POLL_MS: env.positiveInt(2_000),
  /**
   * Records of one partition handled at once, different keys in parallel (one key's records stay in order); 1: one at
   * a time. Measured on 2 shared cores with the whole stack: 8 records of 6 partitions confirmed a burst of 200 orders
   * at 4.5 orders/s against 7.3 with 1 of 3 (the Odoo side, not the waiting, bounds it there); raise it where Odoo has
   * its own cores.
   */
  ODOO_RECORDS_IN_FLIGHT: env.positiveInt(1),
  /** Partitions of a topic handled at once (order-submission has 6). */
  ODOO_PARTITIONS_IN_FLIGHT: env.positiveInt(3),
  /**
   * Who may call the operator API (the work queue, dead letters, the audit trail): HUB_OPERATOR_TOKENS or
   * HUB_OPERATOR_TOKENS_FILE. Every action is recorded with its caller's name (a console's as `<name>:<user>`).
   */
  ...operatorAuthConfigShape,
};

export type ProjectorOdooConfig = ReturnType<typeof loadProjectorOdooConfig>;

export function loadProjectorOdooConfig(source: NodeJS.ProcessEnv = process.env) {
  return withOperatorTokens(parseConfig(projectorOdooConfigShape, source));
}
