import { FaultInjector, NO_FAULTS, parseFaultConfig } from './fault.injector';

describe('parseFaultConfig', () => {
  it('fills what is left out with no faults', () => {
    expect(parseFaultConfig({ status500: 2 })).toEqual({ config: { ...NO_FAULTS, status500: 2 } });
  });

  it('names every bad field', () => {
    const result = parseFaultConfig({ status500: -1, status500Rate: 2, retryBaseMs: 'x', nope: 1 });
    expect(result).toEqual({
      errors: [
        'status500 must be an integer ≥ 0',
        'status500Rate must be a number in [0, 1]',
        'retryBaseMs must be a number ≥ 0',
        'unknown fault: nope',
      ],
    });
    expect(parseFaultConfig([])).toEqual({ errors: ['body must be a JSON object'] });
  });
});

describe('FaultInjector', () => {
  it('fires counted faults on the next requests, then stops', () => {
    const faults = new FaultInjector();
    faults.set({ ...NO_FAULTS, status500: 2, serializationFailures: 1 });
    expect([faults.status500(), faults.status500(), faults.status500()]).toEqual([true, true, false]);
    expect([faults.serializationFailure(), faults.serializationFailure()]).toEqual([true, false]);
    expect(faults.injected).toEqual({ status500: 2, serializationFailure: 1 });
    expect(faults.config.status500).toBe(0);
  });

  it('draws rates from the seed, so a seed repeats its faults', () => {
    const draw = () => {
      const faults = new FaultInjector();
      faults.set({ ...NO_FAULTS, status500Rate: 0.5, seed: 42 });
      return Array.from({ length: 20 }, () => faults.status500());
    };
    const first = draw();
    expect(draw()).toEqual(first);
    expect(first.filter(Boolean).length).toBeGreaterThan(3);
    expect(first.filter(Boolean).length).toBeLessThan(17);
  });

  it("bounds the retry wait by 2^try × the base, as Odoo's retrying does", () => {
    const faults = new FaultInjector();
    faults.set({ ...NO_FAULTS, retryBaseMs: 10 });
    for (let i = 0; i < 50; i++) {
      const wait = faults.retryWaitMs(3);
      expect(wait).toBeGreaterThanOrEqual(0);
      expect(wait).toBeLessThan(80);
    }
  });
});
