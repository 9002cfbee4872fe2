// The service runtime every hub app stands on: bootstrap, configuration, logger, database, Kafka client, health,
// metrics and tracing. No retry or failure policy lives here (that is @hub/resilience).
export * from './config';
export * from './logger';
export { lazyChild } from './lazy-logger';
export { scrubSecrets, registerSecretValue } from './secret-scrubber';
export * from './kafka-client';
export * from './kafka-topics';
export * from './read-topic';
export * from './hub-database';
export * from './deferred-durability';
export * from './tracing/kafka-trace-context';
export * from './tracing/hub-span-attributes';
export { httpServerSpans } from './tracing/http-server-spans';
export * from './nest/tokens';
export * from './nest/bootstrap';
export * from './nest/http';
export * from './nest/operator-tokens';
export * from './nest/operator-auth.guard';
export * from './health/health.controller';
export * from './health/readiness';
export * from './health/business-health';
export * from './metrics/metrics';
export * from './metrics/kafka-metrics';
export * from './metrics/saas-call-metrics';
export { onOutboundHttpCall, type OutboundHttpCall } from './tracing/http-client-spans';
