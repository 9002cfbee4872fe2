import { ageSeconds, BusinessHealth } from './business-health';
import { HubMetrics } from '../metrics/metrics';

const figure = (count: number) => ({
  metric: 'hub_business_test',
  labels: { record: 'order' },
  title: 'Test records waiting',
  count,
  oldestAgeSeconds: count ? 42 : null,
});

describe('BusinessHealth', () => {
  it('reads the figures once per ttl, so a scrape and the console share one round of queries', async () => {
    let t = 1_000;
    let reads = 0;
    const health = new BusinessHealth(
      'test',
      [],
      async () => ({ figures: [figure(++reads)] }),
      5_000,
      () => t,
    );
    expect((await health.read()).figures[0].count).toBe(1);
    t += 4_999;
    expect((await health.read()).figures[0].count).toBe(1);
    t += 1;
    const report = await health.read();
    expect(report.figures[0].count).toBe(2);
    expect(report).toMatchObject({ app: 'test', checkedAt: new Date(t).toISOString() });
  });

  it('does not keep a failed read: the next one asks the store again', async () => {
    let fail = true;
    const health = new BusinessHealth('test', [], async () => {
      if (fail) throw new Error('database down');
      return { figures: [figure(3)] };
    });
    await expect(health.read()).rejects.toThrow('database down');
    fail = false;
    expect((await health.read()).figures[0].count).toBe(3);
  });

  it('exports the count and the oldest age, and nothing (not a made-up 0) while the store cannot be read', async () => {
    let fail = false;
    const metrics = new HubMetrics('test');
    const health = new BusinessHealth(
      'test',
      [{ metric: 'hub_business_test', help: 'Test records waiting.', labelNames: ['record'] }],
      async () => {
        if (fail) throw new Error('database down');
        return { figures: [figure(2)] };
      },
      0,
    );
    health.register(metrics);
    const text = await metrics.registry.metrics();
    expect(text).toContain('hub_business_test{record="order",app="test"} 2');
    expect(text).toContain('hub_business_test_oldest_age_seconds{record="order",app="test"} 42');
    fail = true;
    expect(await metrics.registry.metrics()).not.toMatch(/hub_business_test\{/);
  });

  it('exports no age family for a store that records no time', async () => {
    const metrics = new HubMetrics('test');
    new BusinessHealth(
      'test',
      [{ metric: 'hub_business_test', help: 'Test.', labelNames: ['record'], ageless: true }],
      async () => ({ figures: [figure(1)] }),
    ).register(metrics);
    expect(await metrics.registry.metrics()).not.toContain('oldest_age_seconds');
  });

  it('ages in whole seconds, never negative', () => {
    expect(ageSeconds(new Date(10_000), 72_400)).toBe(62);
    expect(ageSeconds(new Date(80_000), 72_400)).toBe(0);
    expect(ageSeconds(null, 72_400)).toBeNull();
  });
});
