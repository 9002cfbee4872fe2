// Resilience proper: typed errors, retry, the consumer runner, breakers, dead letters and their replay.
export * from './errors/hub-errors';
export * from './consumer/consumer-runner';
export * from './consumer/retry-policy';
export * from './consumer/target-breaker';
export * from './dead-letter/dead-letter.publisher';
export * from './dead-letter/dead-letter.store';
export * from './dead-letter/dead-letter.controller';
export * from './dead-letter/dead-letter-replay.audit';
export * from './nest/on-event.decorator';
export * from './nest/handler-registry';
export * from './nest/consumer-host';
export * from './health/consumer-readiness';
export * from './canonical/canonical-decoder';
export * from './metrics/consumer-metrics';
export * from './consumer/record-processor';
export * from './consumer/pipelined-batch';
export * from './consumer/parking';
