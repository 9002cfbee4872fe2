/**
 * projector-salesforce's part of a run's environment (tests, benches, the chaos run): the run's consumer group and
 * dead-letter topic under its prefix, and the Salesforce sandbox's connected app (its default client id and secret).
 */
export function projectorSalesforceRunEnv(prefix: string, sandboxUrl: string): Record<string, string> {
  return {
    CONSUMER_GROUP: `${prefix}projector-salesforce`,
    DEAD_LETTER_TOPIC: `${prefix}dlq.projector-salesforce`,
    SF_LOGIN_URL: sandboxUrl,
    SF_CLIENT_ID: 'hub-client',
    SF_CLIENT_SECRET: 'hub-secret',
  };
}
