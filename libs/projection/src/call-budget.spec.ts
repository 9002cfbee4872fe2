import { TransientError } from '@hub/resilience';
import { CallBudget, UsageReading } from './call-budget';

describe('CallBudget', () => {
  let usage: UsageReading | undefined;
  let now: number;
  let probes: number;
  let onProbe: () => void;
  const slept: number[] = [];
  const budget = () =>
    new CallBudget(
      () => usage,
      { softLimitPercent: 80, reservePercent: 5, horizonMs: 10_000, probeIntervalMs: 5_000 },
      () => {
        probes++;
        onProbe();
        return Promise.resolve();
      },
      () => now,
      (ms) => {
        slept.push(ms);
        now += ms;
        return Promise.resolve();
      },
    );
  const call = () => Promise.resolve('answer');
  beforeEach(() => {
    now = 1_000_000;
    probes = 0;
    onProbe = () => undefined;
    slept.length = 0;
  });

  it('does not pace before the first reading nor below the soft limit', async () => {
    usage = undefined;
    const b = budget();
    await b.run(call);
    usage = { used: 799, max: 1000 };
    await expect(b.run(call)).resolves.toBe('answer');
    expect(slept).toEqual([]);
    expect(b.intervalMs()).toBe(0);
  });

  it('spreads the calls left before the reserve over the horizon, slowing as they run out', async () => {
    const b = budget();
    usage = { used: 850, max: 1000 }; // 950 usable − 850 used = 100 calls over 10 s
    expect(b.intervalMs()).toBe(100);
    await b.run(call);
    await b.run(call);
    await b.run(call);
    expect(slept).toEqual([100, 100]);
    usage = { used: 940, max: 1000 }; // 10 calls left
    expect(b.intervalMs()).toBe(1000);
    expect(b.metrics.pacedCalls).toBe(3);
  });

  it('counts calls in flight as spent, so concurrent calls never go below the reserve', async () => {
    const b = budget();
    usage = { used: 947, max: 1000 }; // 3 calls left before the reserve of 50
    const release: (() => void)[] = [];
    const blocked = () => new Promise<void>((r) => release.push(r));
    const started = [b.run(blocked), b.run(blocked), b.run(blocked)];
    await new Promise((r) => setImmediate(r));
    const fourth = await b.run(call).catch((e: unknown) => e);
    expect(fourth).toBeInstanceOf(TransientError);
    expect(fourth).toMatchObject({ code: 'API_BUDGET_RESERVED', targetUnavailable: true });
    expect(probes).toBe(0); // no probe while calls are in flight: their answers bring the next reading
    release.forEach((r) => r());
    await Promise.all(started);
  });

  it('at the reserve, reads the usage instead of spending a write, at most once per interval', async () => {
    const b = budget();
    usage = { used: 950, max: 1000 };
    await expect(b.run(call)).rejects.toMatchObject({ code: 'API_BUDGET_RESERVED', retryAfterMs: 5_000 });
    expect(probes).toBe(1);
    await expect(b.run(call)).rejects.toBeInstanceOf(TransientError);
    expect(probes).toBe(1);
    now += 5_000;
    onProbe = () => (usage = { used: 900, max: 1000 }); // the rolling window moved on
    await expect(b.run(call)).resolves.toBe('answer');
    expect(probes).toBe(2);
    expect(b.metrics.reserveRefusals).toBe(2);
  });
});
