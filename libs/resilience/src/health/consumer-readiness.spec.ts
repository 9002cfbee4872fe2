import { HealthIndicatorService } from '@nestjs/terminus';
import type { ConsumerHealth } from '../consumer/consumer-runner';
import type { ConsumerHost } from '../nest/consumer-host';
import { consumerReadiness } from './consumer-readiness';

const healthy = (groupId: string): ConsumerHealth => ({
  groupId,
  up: true,
  crashes: 0,
  stall: { stalled: false, lag: 0, lastCommitAt: 0 },
});

function hostWith(running: boolean, lanes: ConsumerHealth[]): ConsumerHost {
  return {
    running,
    metrics: undefined,
    lanes: () => lanes.map((h) => ({ name: h.groupId, groupId: h.groupId, health: () => h, lag: async () => [] })),
  } as unknown as ConsumerHost;
}

describe('consumerReadiness', () => {
  const check = (host: ConsumerHost) => consumerReadiness(new HealthIndicatorService(), host)();

  it('is up while every lane runs and moves', async () => {
    expect(await check(hostWith(true, [healthy('g.a'), healthy('g.b')]))).toEqual({
      consumer: { status: 'up', breaker: 'none' },
    });
  });

  it('is down before the consumer started', async () => {
    expect((await check(hostWith(false, []))).consumer.status).toBe('down');
  });

  it('is down naming a crashed lane, with its cause', async () => {
    const crashed: ConsumerHealth = {
      ...healthy('g.b'),
      up: false,
      crashes: 3,
      crashed: {
        at: 0,
        error: 'KafkaJSProtocolError: This server does not host this topic-partition',
        restarting: true,
      },
    };
    const result = await check(hostWith(true, [healthy('g.a'), crashed]));
    expect(result.consumer).toEqual({
      status: 'down',
      breaker: 'none',
      crashed: { 'g.b': { ...crashed.crashed, crashes: 3 } },
    });
  });

  it('is down naming a stalled lane, with its lag and last commit', async () => {
    const stalled: ConsumerHealth = { ...healthy('g.a'), stall: { stalled: true, lag: 12, lastCommitAt: 1_000 } };
    const result = await check(hostWith(true, [stalled, healthy('g.b')]));
    expect(result.consumer).toEqual({
      status: 'down',
      breaker: 'none',
      stalled: { 'g.a': { lag: 12, lastCommitAt: new Date(1_000).toISOString() } },
    });
  });
});
