import { TransientError } from '@hub/resilience';
import { ApiBudget, ApiUsageReading } from './api-budget';

describe('ApiBudget', () => {
  let usage: ApiUsageReading | undefined;
  let now: number;
  const slept: number[] = [];
  const budget = () =>
    new ApiBudget(
      () => usage,
      { softLimitPercent: 80, reservePercent: 5, horizonMs: 10_000, probeIntervalMs: 5_000 },
      () => now,
      (ms) => {
        slept.push(ms);
        now += ms;
        return Promise.resolve();
      },
    );
  beforeEach(() => {
    now = 1_000_000;
    slept.length = 0;
  });

  it('does not pace before the first reading nor below the soft limit', async () => {
    usage = undefined;
    const b = budget();
    await b.beforeCall();
    usage = { used: 799, max: 1000 };
    await b.beforeCall();
    expect(slept).toEqual([]);
    expect(b.intervalMs()).toBe(0);
  });

  it('spreads the calls left before the reserve over the horizon, slowing as they run out', async () => {
    const b = budget();
    usage = { used: 850, max: 1000 }; // 950 usable − 850 used = 100 calls over 10 s
    expect(b.intervalMs()).toBe(100);
    await b.beforeCall();
    await b.beforeCall();
    await b.beforeCall();
    expect(slept).toEqual([100, 100]);
    usage = { used: 940, max: 1000 }; // 10 calls left
    expect(b.intervalMs()).toBe(1000);
    expect(b.metrics.pacedCalls).toBe(3);
  });

  it('stops at the reserve with a pause that is not the record’s fault, letting one probe through per interval', async () => {
    const b = budget();
    usage = { used: 950, max: 1000 };
    await b.beforeCall(); // the probe
    const refused = await b.beforeCall().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TransientError);
    expect(refused).toMatchObject({ code: 'API_BUDGET_RESERVED', targetUnavailable: true, retryAfterMs: 5_000 });
    now += 5_000;
    await expect(b.beforeCall()).resolves.toBeUndefined();
    expect(b.metrics.reserveRefusals).toBe(1);
  });
});
