import { HubMetrics } from '@hub/runtime';
import type { ConsumerHealth } from '../consumer/consumer-runner';
import { TargetBreaker, DEFAULT_BREAKER_OPTIONS } from '../consumer/target-breaker';
import type { ConsumerHost } from '../nest/consumer-host';
import { ConsumerFlowMetrics, registerBreakerMetrics, registerConsumerMetrics } from './consumer-metrics';

describe('registerConsumerMetrics', () => {
  it('exposes every consumer family with its labels, each lane by its group', async () => {
    const flow = new ConsumerFlowMetrics();
    flow.done('g.a', 't', 'applied', process.hrtime.bigint());
    flow.applied(
      't',
      { 'hub.source_commit_time': new Date(Date.now() - 1_000).toISOString(), 'hub.source_system': 'ODOO' },
      Date.now(),
    );
    flow.deadLettered('t', 'UNDECODABLE');
    const lanes: (ConsumerHealth & { lag: { topic: string; partition: number; lag: number }[] })[] = [
      {
        groupId: 'g.a',
        up: true,
        crashes: 0,
        stall: { stalled: false, lag: 0, lastCommitAt: 2_000 },
        lag: [{ topic: 't', partition: 0, lag: 0 }],
      },
      {
        groupId: 'g.b',
        up: false,
        crashes: 2,
        crashed: { at: 0, error: 'x', restarting: true },
        stall: { stalled: true, lag: 4, lastCommitAt: 1_000 },
        lag: [{ topic: 'u', partition: 3, lag: 4 }],
      },
    ];
    const host = {
      flow,
      metrics: undefined,
      lanes: () => lanes.map((l) => ({ name: l.groupId, groupId: l.groupId, health: () => l, lag: async () => l.lag })),
    } as unknown as ConsumerHost;
    const metrics = new HubMetrics('demo');
    registerConsumerMetrics(metrics, host);
    const text = await metrics.registry.metrics();
    for (const line of [
      '# TYPE hub_consumer_records gauge',
      'hub_records_consumed_total{group="g.a",topic="t",app="demo"} 1',
      'hub_record_processing_seconds_count{app="demo",topic="t",outcome="applied"} 1',
      'hub_record_freshness_seconds_count{app="demo",topic="t",source_system="ODOO"} 1',
      'hub_dead_letters_total{topic="t",reason="UNDECODABLE",app="demo"} 1',
      'hub_consumer_lag_records{group="g.b",topic="u",partition="3",app="demo"} 4',
      'hub_consumer_up{group="g.a",app="demo"} 1',
      'hub_consumer_up{group="g.b",app="demo"} 0',
      '# TYPE hub_consumer_crashes_total counter',
      'hub_consumer_crashes_total{group="g.b",app="demo"} 2',
      'hub_consumer_stalled{group="g.b",app="demo"} 1',
      'hub_consumer_last_commit_timestamp_seconds{group="g.a",app="demo"} 2',
    ]) {
      expect(text).toContain(line);
    }
  });

  it('exposes each breaker’s state as 0 closed, 2 open', async () => {
    const closed = new TargetBreaker({ ...DEFAULT_BREAKER_OPTIONS, name: 'odoo erp' });
    const open = new TargetBreaker({ ...DEFAULT_BREAKER_OPTIONS, name: 'salesforce org', volumeThreshold: 1 });
    await expect(open.fire(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
    const metrics = new HubMetrics('demo');
    registerBreakerMetrics(metrics, [closed, open]);
    const text = await metrics.registry.metrics();
    expect(text).toContain('hub_breaker_state{target="odoo erp",app="demo"} 0');
    expect(text).toContain('hub_breaker_state{target="salesforce org",app="demo"} 2');
    closed.shutdown();
    open.shutdown();
  });
});
