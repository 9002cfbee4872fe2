import { FaultInjector, mulberry32, NO_FAULTS, parseFaultConfig } from './fault.injector';

describe('fault configuration', () => {
  it('fills defaults and accepts every documented field', () => {
    const parsed = parseFaultConfig({
      latencyMs: 200,
      status503Rate: 1,
      unableToLockRowRate: 0.2,
      expireTokens: true,
      requestLimitExceeded: true,
      commitThenTimeoutRate: 0,
      commitThenTimeoutMs: 50,
      bulkJobFailures: 2,
      bulkJobErrorMessage: 'InternalServerError : boom',
      seed: 42,
    });
    expect(parsed).toEqual({
      config: {
        latencyMs: 200,
        status503Rate: 1,
        unableToLockRowRate: 0.2,
        expireTokens: true,
        requestLimitExceeded: true,
        commitThenTimeoutRate: 0,
        commitThenTimeoutMs: 50,
        bulkJobFailures: 2,
        bulkJobErrorMessage: 'InternalServerError : boom',
        seed: 42,
      },
    });
    expect(parseFaultConfig({})).toEqual({ config: NO_FAULTS });
  });

  it('names every bad field', () => {
    expect(parseFaultConfig({ status503Rate: -0.1, latencyMs: 'slow', expireTokens: 1, seed: 1.5, nope: 0 })).toEqual({
      errors: [
        'status503Rate must be a number in [0, 1]',
        'latencyMs must be a number ≥ 0',
        'expireTokens must be a boolean',
        'seed must be an integer',
        'unknown fault: nope',
      ],
    });
    expect(parseFaultConfig([])).toEqual({ errors: ['body must be a JSON object'] });
    expect(parseFaultConfig({ bulkJobFailures: 1.5, bulkJobErrorMessage: ' ' })).toEqual({
      errors: ['bulkJobFailures must be an integer ≥ 0', 'bulkJobErrorMessage must be a non-empty string'],
    });
  });
});

describe('FaultInjector', () => {
  function pattern(injector: FaultInjector, n: number): boolean[] {
    return Array.from({ length: n }, () => injector.lockRow());
  }

  it('repeats the same decisions for the same seed and differs for another', () => {
    const injector = new FaultInjector();
    injector.set({ ...NO_FAULTS, unableToLockRowRate: 0.5, seed: 42 });
    const first = pattern(injector, 64);
    injector.set({ ...NO_FAULTS, unableToLockRowRate: 0.5, seed: 42 });
    expect(pattern(injector, 64)).toEqual(first);
    injector.set({ ...NO_FAULTS, unableToLockRowRate: 0.5, seed: 43 });
    expect(pattern(injector, 64)).not.toEqual(first);
    const fired = first.filter(Boolean).length;
    expect(fired).toBeGreaterThan(16);
    expect(fired).toBeLessThan(48);
  });

  it('never fires at rate 0, always at rate 1, and counts what it injected', () => {
    const injector = new FaultInjector();
    injector.set({ ...NO_FAULTS, status503Rate: 1 });
    expect([injector.status503(), injector.status503(), injector.lockRow()]).toEqual([true, true, false]);
    expect(injector.injected).toMatchObject({ status503: 2, unableToLockRow: 0 });
    injector.clear();
    expect(injector.status503()).toBe(false);
  });

  it('fails the next N bulk jobs, counting down without drawing from the PRNG', () => {
    const injector = new FaultInjector();
    injector.set({ ...NO_FAULTS, bulkJobFailures: 2, unableToLockRowRate: 0.5, seed: 42 });
    const expected = pattern(injector, 8);
    injector.set({ ...NO_FAULTS, bulkJobFailures: 2, unableToLockRowRate: 0.5, seed: 42 });
    expect([injector.bulkJobFailure(), injector.bulkJobFailure(), injector.bulkJobFailure()]).toEqual([
      NO_FAULTS.bulkJobErrorMessage,
      NO_FAULTS.bulkJobErrorMessage,
      undefined,
    ]);
    expect(pattern(injector, 8)).toEqual(expected);
    expect(injector.config.bulkJobFailures).toBe(0);
    expect(injector.injected.bulkJobFailed).toBe(2);
    expect(NO_FAULTS.bulkJobFailures).toBe(0);
  });

  it('treats expireTokens as one-shot: it is not kept in the configuration', () => {
    const injector = new FaultInjector();
    injector.set({ ...NO_FAULTS, expireTokens: true });
    expect(injector.config.expireTokens).toBe(false);
  });

  it('mulberry32 yields numbers in [0, 1)', () => {
    const random = mulberry32(7);
    const values = Array.from({ length: 1000 }, random);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(new Set(values).size).toBeGreaterThan(990);
  });
});
