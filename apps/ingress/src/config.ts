import { ConfigError, env, parseConfig, secret } from '@hub/runtime';
import { z } from 'zod';

/** Every environment variable ingress reads; the only file that touches process.env. */
export const ingressConfigShape = {
  HTTP_PORT: env.port(3100),
  KAFKA_BROKERS: env.brokers(),
  SCHEMA_REGISTRY_URL: env.url(),
  // Webhook front doors. A desk or org left unset has its route answer 404: the hub never takes unauthenticated input.
  /** The Zendesk webhook's signing secret (Admin Center, webhook, "Reveal secret"); used as is, not base64-decoded. */
  ZENDESK_WEBHOOK_SECRET: secret(z.string().min(16).optional()),
  /** How far X-Zendesk-Webhook-Signature-Timestamp may be from the hub's clock, either way, in seconds. */
  ZENDESK_SIGNATURE_TOLERANCE_S: env.positiveInt(300),
  /** The secret Freshdesk automation rules send, in FRESHDESK_SECRET_HEADER or as the basic-auth password. */
  FRESHDESK_WEBHOOK_SECRET: secret(z.string().min(16).optional()),
  FRESHDESK_SECRET_HEADER: z
    .string()
    .regex(/^[A-Za-z0-9-]+$/, 'expected an HTTP header name')
    .default('X-Hub-Webhook-Secret'),
  /** The Salesforce org whose Outbound Messages are accepted (00D…, 15 or 18 characters). */
  SALESFORCE_ORG_ID: z
    .string()
    .regex(/^00D[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$/, 'expected a Salesforce organization id (00D…, 15 or 18 characters)')
    .optional(),
  /** Largest webhook body, in bytes; a larger one is answered 413. */
  WEBHOOK_BODY_LIMIT_BYTES: env.positiveInt(1_048_576),
  /** Token bucket per webhook source: requests per second refilled, and the burst the bucket holds. */
  WEBHOOK_RATE_PER_S: z.coerce.number().positive().default(50),
  WEBHOOK_RATE_BURST: env.positiveInt(200),

  // Durability: the salesforce mirror and the ledger of accepted notifications live in the hub database.
  HUB_DATABASE_URL: env.postgresUrl(),
  HUB_TOPIC_PREFIX: z.string().default('hub.'),
  KAFKA_REPLICATION_FACTOR: env.positiveInt(1),
  /** Change events that cannot be decoded, with their replay id. */
  DEAD_LETTER_TOPIC: z.string().min(1).default('hub.dlq.ingress'),
  /** How long a publish may wait for Kafka's acknowledgement before the webhook is answered 503. */
  KAFKA_ACK_TIMEOUT_MS: env.positiveInt(10_000),

  // Salesforce Change Data Capture over the Pub/Sub API; off unless the three SF_ credentials are set.
  /** The org's My Domain (client-credentials tokens are requested there), or the local sandbox. */
  SF_LOGIN_URL: env.url().optional(),
  SF_CLIENT_ID: z.string().min(1).optional(),
  SF_CLIENT_SECRET: secret(z.string().min(1).optional()),
  SF_API_VERSION: z
    .string()
    .regex(/^\d{2}\.0$/, 'expected e.g. 62.0')
    .default('62.0'),
  /** host:port of the Pub/Sub API. */
  SF_PUBSUB_ENDPOINT: z
    .string()
    .regex(/^[^\s:/]+:\d+$/, 'expected host:port')
    .default('api.pubsub.salesforce.com:7443'),
  /** Off only for a local sandbox's self-signed certificate. */
  SF_PUBSUB_VERIFY_TLS: env.bool(true),
  SF_CDC_CHANNELS: z
    .string()
    .default('/data/AccountChangeEvent,/data/ContactChangeEvent,/data/OrderChangeEvent')
    .transform((s) => s.split(',').map((c) => c.trim()))
    .refine(
      (list) => list.every((c) => /^\/data\/\w+ChangeEvent$/.test(c)),
      'expected change channels, e.g. /data/AccountChangeEvent',
    ),
  /** Events asked for at a time per channel (the Pub/Sub API counts at most 100). */
  SF_CDC_BATCH_SIZE: env.positiveInt(100).pipe(z.number().max(100, 'the Pub/Sub API delivers at most 100 at a time')),
  /** Where a channel without a checkpoint starts: the retained stream's start, or its tip. */
  SF_CDC_INITIAL_START: z.enum(['earliest', 'latest']).default('latest'),
  /** How far before an expired checkpoint's commit time a repair re-reads, for clock skew between Salesforce hosts. */
  SF_CDC_REPAIR_MARGIN_MS: env.positiveInt(60_000),
  /** The client id the hub names in Sforce-Call-Options on its own calls (the projectors use the same). */
  SF_CALL_CLIENT: z
    .string()
    .regex(/^[\w.-]+$/, 'expected a client id of letters, digits, . _ -')
    .default('odoo-hub'),
  /** Client ids whose changes are the hub's own writes coming back (echo), comma-separated. */
  SF_ECHO_CLIENTS: z
    .string()
    .default('odoo-hub')
    .transform((s) =>
      s
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean),
    ),
  /** Salesforce user ids only the hub uses (an integration user of its own), comma-separated; empty by default. */
  SF_ECHO_USER_IDS: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean),
    )
    .refine((ids) => ids.every((id) => /^005[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$/.test(id)), 'expected user ids (005…)'),
};

export type IngressConfig = ReturnType<typeof loadIngressConfig>;

export function loadIngressConfig(source: NodeJS.ProcessEnv = process.env) {
  const config = parseConfig(ingressConfigShape, source);
  const credentials = ['SF_LOGIN_URL', 'SF_CLIENT_ID', 'SF_CLIENT_SECRET'] as const;
  const missing = credentials.filter((k) => config[k] === undefined);
  if (missing.length > 0 && missing.length < credentials.length) {
    throw new ConfigError(
      missing.map((k) => `${k} is required when ${credentials.filter((c) => !missing.includes(c)).join(', ')} is set`),
    );
  }
  return config;
}

/** Salesforce capture settings, when the credentials are configured. */
export function salesforceCapture(config: IngressConfig) {
  const { SF_LOGIN_URL: loginUrl, SF_CLIENT_ID: clientId, SF_CLIENT_SECRET: clientSecret } = config;
  return loginUrl && clientId && clientSecret ? { loginUrl, clientId, clientSecret } : undefined;
}
