import { odooSandboxUrl } from './odoo-sandbox';
import { stack } from './stack';

type Env = Record<string, string>;

/** The audit trail's hash key and API token every run's apps share (test values; an installation sets its own). */
export const AUDIT_TEST_HASH_KEY = 'integration-test-audit-hash-key-0123456789';
export const AUDIT_TEST_TOKEN = 'integration-test-audit-token-0123456789';

/**
 * What every hub app of one test run is given: the stack's Kafka and registry, the run's topic prefix and hub database,
 * the audit trail's key and reader token, and the stack's Jaeger to export spans to (tracing exports nothing without an endpoint), so a failed flow's traces
 * can be opened there.
 */
export function hubEnv(prefix: string, hubDatabaseUrl: string, extra: Env = {}): Env {
  const s = stack();
  return {
    KAFKA_BROKERS: s.kafka.brokers,
    SCHEMA_REGISTRY_URL: s.registry.url,
    HUB_TOPIC_PREFIX: prefix,
    HUB_DATABASE_URL: hubDatabaseUrl,
    AUDIT_HASH_KEY: AUDIT_TEST_HASH_KEY,
    AUDIT_API_TOKENS: `auditor=${AUDIT_TEST_TOKEN}`,
    ...(s.jaeger?.up ? { OTEL_EXPORTER_OTLP_ENDPOINT: s.jaeger.otlpHttp, OTEL_BSP_SCHEDULE_DELAY: '500' } : {}),
    ...extra,
  };
}

/** odoo-cdc with the run's own consumer group and dead-letter topic (`<prefix>dlq.odoo-cdc`). */
export function odooCdcEnv(prefix: string, hubDatabaseUrl: string, extra: Env = {}): Env {
  return hubEnv(prefix, hubDatabaseUrl, {
    CONSUMER_GROUP: `${prefix}odoo-cdc`,
    DEAD_LETTER_TOPIC: `${prefix}dlq.odoo-cdc`,
    ...extra,
  });
}

/** projector-salesforce against a sandbox org, with the run's group and dead-letter topic (`<prefix>dlq.projector-salesforce`). */
export function projectorSalesforceEnv(
  prefix: string,
  hubDatabaseUrl: string,
  sandboxUrl: string,
  extra: Env = {},
): Env {
  return hubEnv(prefix, hubDatabaseUrl, {
    CONSUMER_GROUP: `${prefix}projector-salesforce`,
    DEAD_LETTER_TOPIC: `${prefix}dlq.projector-salesforce`,
    SF_LOGIN_URL: sandboxUrl,
    SF_CLIENT_ID: 'hub-client',
    SF_CLIENT_SECRET: 'hub-secret',
    ...extra,
  });
}

/** ingress reading a Salesforce sandbox's change events from the start, with the run's dead-letter topic. */
export function ingressSalesforceEnv(
  prefix: string,
  hubDatabaseUrl: string,
  sandbox: { url: string; pubSub?: { endpoint: string } | null },
  extra: Env = {},
): Env {
  return hubEnv(prefix, hubDatabaseUrl, {
    DEAD_LETTER_TOPIC: `${prefix}dlq.ingress`,
    SF_LOGIN_URL: sandbox.url,
    SF_CLIENT_ID: 'hub-client',
    SF_CLIENT_SECRET: 'hub-secret',
    SF_PUBSUB_ENDPOINT: sandbox.pubSub!.endpoint,
    SF_PUBSUB_VERIFY_TLS: 'false',
    SF_CDC_INITIAL_START: 'earliest',
    ...extra,
  });
}

/** projector-odoo as the run's own Odoo user (its API key), with the run's group, dead-letter topic and desk token. */
export function projectorOdooEnv(
  prefix: string,
  hubDatabaseUrl: string,
  key: { login: string; key: string },
  run: string,
  extra: Env = {},
): Env {
  return hubEnv(prefix, hubDatabaseUrl, {
    CONSUMER_GROUP: `${prefix}projector-odoo`,
    DEAD_LETTER_TOPIC: `${prefix}dlq.projector-odoo`,
    ODOO_URL: odooSandboxUrl(),
    ODOO_DATABASE: 'odoo',
    ODOO_LOGIN: key.login,
    ODOO_API_KEY: key.key,
    WORK_QUEUE_TOKENS: `order-desk=${run}-work-queue-token-0123456789`,
    ...extra,
  });
}
