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
