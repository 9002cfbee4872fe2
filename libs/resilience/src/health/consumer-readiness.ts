import type { Provider } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { ReadinessCheck, readinessChecksProvider } from '@hub/runtime';
import type { TargetBreaker } from '../consumer/target-breaker';
import { ConsumerHost } from '../nest/consumer-host';

/** Ready while the consumer runs; an open breaker is reported but does not make the pod unready (it is waiting, not broken). */
function consumerReadiness(
  indicators: HealthIndicatorService,
  host: ConsumerHost,
  breaker?: TargetBreaker,
): ReadinessCheck {
  return async () => {
    const session = indicators.check('consumer');
    const detail = { ...(host.metrics ?? {}), breaker: breaker?.state ?? 'none' };
    return host.running ? session.up(detail) : session.down(detail);
  };
}

/** Readiness of an app that runs a consumer: Kafka, the registry, and the consumer with its breaker's state. */
export function consumerReadinessProvider(options: { registryUrl: string; breaker?: TargetBreaker }): Provider {
  return readinessChecksProvider({
    registryUrl: options.registryUrl,
    inject: [ConsumerHost],
    extra: (indicators, host) => [consumerReadiness(indicators, host as ConsumerHost, options.breaker)],
  });
}
