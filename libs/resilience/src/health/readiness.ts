import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import type { KafkaClient } from '../runtime/kafka-client';
import type { ConsumerHost } from '../nest/consumer-host';
import type { TargetBreaker } from '../consumer/target-breaker';

type Check = () => Promise<HealthIndicatorResult>;

export function kafkaReadiness(indicators: HealthIndicatorService, kafka: KafkaClient): Check {
  return async () => {
    const session = indicators.check('kafka');
    try {
      return session.up(await kafka.ping());
    } catch (e) {
      return session.down({ message: (e as Error).message });
    }
  };
}

/** The registry's Confluent-compatible API lists subjects. */
export function registryReadiness(indicators: HealthIndicatorService, registryUrl: string): Check {
  return async () => {
    const session = indicators.check('schemaRegistry');
    try {
      const res = await fetch(`${registryUrl.replace(/\/$/, '')}/subjects`, { signal: AbortSignal.timeout(2_000) });
      return res.ok ? session.up() : session.down({ message: `HTTP ${res.status}` });
    } catch (e) {
      return session.down({ message: (e as Error).message });
    }
  };
}

/** Ready while the consumer runs; an open breaker is reported but does not make the pod unready (it is waiting, not broken). */
export function consumerReadiness(
  indicators: HealthIndicatorService,
  host: ConsumerHost,
  breaker?: TargetBreaker,
): Check {
  return async () => {
    const session = indicators.check('consumer');
    const detail = { ...(host.metrics ?? {}), breaker: breaker?.state ?? 'none' };
    return host.running ? session.up(detail) : session.down(detail);
  };
}
