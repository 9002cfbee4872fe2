import { env, parseConfig, secret } from '@hub/resilience';
import { z } from 'zod';

/** Every environment variable projector-salesforce reads; the only file that touches process.env. */
export const projectorSalesforceConfigShape = {
  HTTP_PORT: env.port(3102),
  KAFKA_BROKERS: env.brokers(),
  SCHEMA_REGISTRY_URL: env.url(),
  /** The hub's database: the last source position applied to each Salesforce record. */
  HUB_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// connection string'),
  HUB_TOPIC_PREFIX: z.string().default('hub.'),
  KAFKA_REPLICATION_FACTOR: env.positiveInt(1),
  CONSUMER_GROUP: z.string().min(1).default('hub-projector-salesforce'),
  DEAD_LETTER_TOPIC: z.string().min(1).default('hub.dlq.projector-salesforce'),
  /** The org's My Domain (client-credentials tokens must be requested there), or the local sandbox. */
  SF_LOGIN_URL: env.url(),
  SF_CLIENT_ID: z.string().min(1),
  SF_CLIENT_SECRET: secret(z.string().min(1)),
  SF_API_VERSION: z
    .string()
    .regex(/^\d{2}\.0$/, 'expected e.g. 62.0')
    .default('62.0'),
  /** Custom external-id field holding the canonical id on every object the hub writes. */
  SF_EXTERNAL_ID_FIELD: z
    .string()
    .regex(/^\w+__c$/, 'expected a custom field name ending in __c')
    .default('Odoo_Id__c'),
  SF_REQUEST_TIMEOUT_MS: env.positiveInt(30_000),
  SF_BREAKER_RESET_MS: env.positiveInt(5_000),
  SF_BREAKER_ERROR_PERCENT: env.positiveInt(50),
  SF_BREAKER_VOLUME: env.positiveInt(5),
};

export type ProjectorSalesforceConfig = ReturnType<typeof loadProjectorSalesforceConfig>;

export function loadProjectorSalesforceConfig(source: NodeJS.ProcessEnv = process.env) {
  return parseConfig(projectorSalesforceConfigShape, source);
}
