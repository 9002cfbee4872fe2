import { ConfigError, env, operatorAuthConfigShape, parseConfig, secret, withOperatorTokens } from '@hub/runtime';
import { auditRecordingConfigShape } from '@hub/audit';
import { z } from 'zod';

/**
 * Every environment variable projector-support reads; the only file that touches process.env. One desk per
 * installation: SUPPORT_PLATFORM picks the adapter, and only that platform's variables are required.
 */
export const projectorSupportConfigShape = {
  HTTP_PORT: env.port(3103),
  KAFKA_BROKERS: env.brokers(),
  SCHEMA_REGISTRY_URL: env.url(),
  /** The hub's database: the last source position applied to each desk record. */
  HUB_DATABASE_URL: env.postgresUrl(),
  /** The audit trail (libs/audit): the key of its field hashes. */
  ...auditRecordingConfigShape,
  HUB_TOPIC_PREFIX: z.string().default('hub.'),
  KAFKA_REPLICATION_FACTOR: env.positiveInt(1),
  CONSUMER_GROUP: z.string().min(1).default('hub-projector-support'),
  /** A consumer lane with a backlog that commits nothing for this long fails readiness and reports itself stalled. */
  HUB_STALL_AFTER_MS: env.stallAfterMs(),
  DEAD_LETTER_TOPIC: z.string().min(1).default('hub.dlq.projector-support'),
  /** Who may list (viewer) and replay (operator) its dead letters: HUB_OPERATOR_TOKENS or HUB_OPERATOR_TOKENS_FILE. */
  ...operatorAuthConfigShape,
  SUPPORT_PLATFORM: z.enum(['zendesk', 'freshdesk']),
  /** Zendesk: `https://{subdomain}.zendesk.com` (or the sandbox), without `/api/v2`. */
  ZENDESK_URL: env.url().optional(),
  /** Zendesk: the API token's owner, for Basic `{email}/token:{api_token}`. */
  ZENDESK_EMAIL: z.string().email().optional(),
  ZENDESK_API_TOKEN: secret(z.string().min(1).optional()),
  /** Freshdesk: `https://{domain}.freshdesk.com` (or the sandbox), without `/api/v2`. */
  FRESHDESK_URL: env.url().optional(),
  FRESHDESK_API_KEY: secret(z.string().min(1).optional()),
  /** Per HTTP request to the desk; past it the call is retried. */
  SUPPORT_REQUEST_TIMEOUT_MS: env.positiveInt(30_000),
  /** How long a batch of organizations or people waits for more records before it is sent (a full batch at once). */
  SUPPORT_BATCH_LINGER_MS: env.positiveInt(500),
  /** How long at most a person waits for their organization to be on the desk. */
  SUPPORT_PARENT_WAIT_MS: env.positiveInt(60_000),
  SUPPORT_BREAKER_RESET_MS: env.positiveInt(30_000),
  /**
   * Organization and person writes in flight to the desk at once (Freshdesk takes one record per call). Two more
   * requests are always left for tickets' notes, so a bulk load never makes an agent's ticket wait.
   */
  SUPPORT_MAX_CONCURRENT_CALLS: env.positiveInt(8),
  /** The entitlement rule: a product is under warranty for this many months after its delivery. */
  SUPPORT_WARRANTY_MONTHS: env.positiveInt(12),
  /** How many of the customer's recent orders a ticket that names none is told about. */
  SUPPORT_RECENT_ORDERS: env.positiveInt(3),
  /** The ticket tag that asks for a return in Odoo (desks keep tags in lower case). */
  SUPPORT_RETURN_TAG: z
    .string()
    .regex(/^[a-z0-9_:-]+$/, 'expected a tag: lower case letters, digits, _ : or -')
    .default('return_request'),
  /**
   * Odoo, for returns (optional: without ODOO_URL a return request is answered by a note saying returns are not
   * connected). The hub's Odoo user and API key, as for projector-odoo.
   */
  ODOO_URL: env.url().optional(),
  ODOO_DATABASE: z.string().min(1).optional(),
  ODOO_LOGIN: z.string().min(1).default('hub-integration'),
  ODOO_API_KEY: secret(z.string().min(1).optional()),
  ODOO_PROTOCOL: z.enum(['auto', 'json2', 'jsonrpc']).default('auto'),
  ODOO_REQUEST_TIMEOUT_MS: env.positiveInt(30_000),
  ODOO_BREAKER_RESET_MS: env.positiveInt(5_000),
};

export type ProjectorSupportConfig = ReturnType<typeof loadProjectorSupportConfig>;

/** Parses the environment; a platform without its own variables fails naming them. */
export function loadProjectorSupportConfig(source: NodeJS.ProcessEnv = process.env) {
  const config = parseConfig(projectorSupportConfigShape, source);
  const required =
    config.SUPPORT_PLATFORM === 'zendesk'
      ? (['ZENDESK_URL', 'ZENDESK_EMAIL', 'ZENDESK_API_TOKEN'] as const)
      : (['FRESHDESK_URL', 'FRESHDESK_API_KEY'] as const);
  const odoo = config.ODOO_URL === undefined ? [] : (['ODOO_DATABASE', 'ODOO_API_KEY'] as const);
  const missing = [...required, ...odoo].filter((k) => config[k] === undefined);
  if (missing.length) {
    throw new ConfigError(
      missing.map((k) =>
        k.startsWith('ODOO_')
          ? `${k} is required with ODOO_URL`
          : `${k} is required with SUPPORT_PLATFORM=${config.SUPPORT_PLATFORM}`,
      ),
    );
  }
  return withOperatorTokens(config);
}
