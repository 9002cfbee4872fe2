import { odooSandboxUrl } from './odoo-sandbox';
import { stack } from './stack';
import { projectorSalesforceRunEnv } from '../../../scripts/lib/app-env';

type Env = Record<string, string>;

/** The audit trail's hash key every run's apps share (a test value; an installation sets its own). */
export const AUDIT_TEST_HASH_KEY = 'integration-test-audit-hash-key-0123456789';

/** The operator API's tokens every run's apps share (test values): `ops` acts, `auditor` reads, `console` is a console. */
export const OPERATOR_TEST_TOKEN = 'integration-test-operator-token-0123456789';
export const VIEWER_TEST_TOKEN = 'integration-test-viewer-token-0123456789';
export const CONSOLE_TEST_TOKEN = 'integration-test-console-token-0123456789';
/** The audit trail's reader: a viewer. */
export const AUDIT_TEST_TOKEN = VIEWER_TEST_TOKEN;
/** HUB_OPERATOR_TOKENS of every run's apps; a test adds its own entries after a comma. */
export const OPERATOR_TEST_TOKENS = [
  `ops:operator=${OPERATOR_TEST_TOKEN}`,
  `auditor:viewer=${VIEWER_TEST_TOKEN}`,
  `console:console=${CONSOLE_TEST_TOKEN}`,
].join(',');

/** The header of a call to an app's operator API with a token (the shared operator's unless given). */
export const operatorAuth = (token = OPERATOR_TEST_TOKEN) => ({ authorization: `Bearer ${token}` });

/**
 * What every hub app of one test run is given: the stack's Kafka and registry, the run's topic prefix and hub database,
 * the audit trail's key, the operator API's tokens, and the stack's Jaeger to export spans to (tracing exports nothing without an endpoint), so a failed flow's traces
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
    HUB_OPERATOR_TOKENS: OPERATOR_TEST_TOKENS,
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
  return hubEnv(prefix, hubDatabaseUrl, { ...projectorSalesforceRunEnv(prefix, sandboxUrl), ...extra });
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

/**
 * projector-odoo as the run's own Odoo user (its API key), with the run's group, dead-letter topic and the order desk's
 * operator token (`order-desk`, `<run>-work-queue-token-0123456789`) besides the shared ones.
 */
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
    HUB_OPERATOR_TOKENS: `${OPERATOR_TEST_TOKENS},order-desk:operator=${run}-work-queue-token-0123456789`,
    ...extra,
  });
}
