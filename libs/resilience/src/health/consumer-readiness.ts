import type { Provider } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { ReadinessCheck, readinessChecksProvider } from '@hub/runtime';
import type { TargetBreaker } from '../consumer/target-breaker';
import { ConsumerHost } from '../nest/consumer-host';

/**
 * Ready while every lane's consumer runs and moves. Down when the consumer has not started, when a lane's kafkajs
 * consumer crashed (until it rejoins its group), or when a lane is stalled (a backlog and no commit for
 * HUB_STALL_AFTER_MS), naming the lanes' groups. A breaker that opened briefly is reported but is no failure by
 * itself (the consumer waits, it is not broken); one that keeps consumption paused long enough is a stall.
 */
export function consumerReadiness(
  indicators: HealthIndicatorService,
  host: ConsumerHost,
  breaker?: TargetBreaker,
): ReadinessCheck {
  return async () => {
    const session = indicators.check('consumer');
    const lanes = host.lanes().map((lane) => lane.health());
    const crashed = lanes.filter((l) => l.crashed);
    const stalled = lanes.filter((l) => l.stall.stalled);
    const detail = {
      ...(host.metrics ?? {}),
      breaker: breaker?.state ?? 'none',
      ...(crashed.length
        ? { crashed: Object.fromEntries(crashed.map((l) => [l.groupId, { ...l.crashed!, crashes: l.crashes }])) }
        : {}),
      ...(stalled.length
        ? {
            stalled: Object.fromEntries(
              stalled.map((l) => [
                l.groupId,
                { lag: l.stall.lag, lastCommitAt: new Date(l.stall.lastCommitAt).toISOString() },
              ]),
            ),
          }
        : {}),
    };
    const up = host.running && crashed.length === 0 && stalled.length === 0;
    return up ? session.up(detail) : session.down(detail);
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
