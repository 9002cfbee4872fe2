import type { InjectionToken, Provider } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { KafkaClient } from '../kafka-client';
import { ReadinessChecks } from '../nest/tokens';

export type ReadinessCheck = () => Promise<HealthIndicatorResult>;

function kafkaReadiness(indicators: HealthIndicatorService, kafka: KafkaClient): ReadinessCheck {
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
function registryReadiness(indicators: HealthIndicatorService, registryUrl: string): ReadinessCheck {
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

/**
 * The `ReadinessChecks` provider every app declares: Kafka and the registry always, plus the app's own checks
 * (e.g. its consumer), each built from the providers it injects.
 */
export function readinessChecksProvider(options: {
  registryUrl: string;
  /** DI tokens the extra checks need, handed to `extra` in this order. */
  inject?: InjectionToken[];
  extra?: (indicators: HealthIndicatorService, ...deps: unknown[]) => ReadinessCheck[];
}): Provider {
  return {
    provide: ReadinessChecks,
    inject: [HealthIndicatorService, KafkaClient, ...(options.inject ?? [])],
    useFactory: (h: HealthIndicatorService, kafka: KafkaClient, ...deps: unknown[]) => ({
      checks: [
        kafkaReadiness(h, kafka),
        registryReadiness(h, options.registryUrl),
        ...(options.extra?.(h, ...deps) ?? []),
      ],
    }),
  };
}
