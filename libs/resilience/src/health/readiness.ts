import type { Provider } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { KafkaClient } from '../runtime/kafka-client';
import { ConsumerHost } from '../nest/consumer-host';
import type { TargetBreaker } from '../consumer/target-breaker';
import { ReadinessChecks } from '../nest/tokens';

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

/**
 * The `ReadinessChecks` provider every app declares: Kafka and the registry always; the consumer (with its breaker's
 * state) for apps that run one.
 */
export function readinessChecksProvider(options: {
  registryUrl: string;
  consumer?: boolean;
  breaker?: TargetBreaker;
}): Provider {
  const inject: unknown[] = [HealthIndicatorService, KafkaClient];
  if (options.consumer) inject.push(ConsumerHost);
  return {
    provide: ReadinessChecks,
    inject: inject as never,
    useFactory: (h: HealthIndicatorService, kafka: KafkaClient, host?: ConsumerHost) => ({
      checks: [
        kafkaReadiness(h, kafka),
        registryReadiness(h, options.registryUrl),
        ...(host ? [consumerReadiness(h, host, options.breaker)] : []),
      ],
    }),
  };
}
