import { RateLimitGate } from './rate-limit.gate';

class Throttled extends Error {
  constructor(readonly retryAfterMs: number) {
    super('429');
  }
}
const retryAfterOf = (error: unknown) => (error instanceof Throttled ? error.retryAfterMs : undefined);

describe('RateLimitGate', () => {
  let clock: number;
  const slept: number[] = [];
  const gate = (maxRetries = 3, maxWaitMs = 60_000) =>
    new RateLimitGate({
      maxRetries,
      maxWaitMs,
      now: () => clock,
      sleep: async (ms) => {
        slept.push(ms);
        clock += ms;
      },
    });
  beforeEach(() => {
    clock = 1_000_000;
    slept.length = 0;
  });

  it('waits the Retry-After of a 429 and sends the call again', async () => {
    const answers = [new Throttled(2_000), 'ok'];
    const result = await gate().run(async () => {
      const next = answers.shift();
      if (next instanceof Error) throw next;
      return next;
    }, retryAfterOf);
    expect(result).toBe('ok');
    expect(slept).toEqual([2_000]);
  });

  it('holds every call of the account while the gate is closed, not only the refused one', async () => {
    const g = gate();
    let first = true;
    await g.run(async () => {
      if (first) {
        first = false;
        throw new Throttled(5_000);
      }
      return 1;
    }, retryAfterOf);
    clock -= 3_000; // another call starts 2 s into the wait
    await g.run(async () => 2, retryAfterOf);
    expect(slept).toEqual([5_000, 3_000]);
  });

  it('throws other failures at once, and a 429 after its retries or with a wait too long to hold', async () => {
    const boom = new Error('500');
    await expect(gate().run(() => Promise.reject(boom), retryAfterOf)).rejects.toBe(boom);
    expect(slept).toEqual([]);
    let calls = 0;
    await expect(
      gate(2).run(() => {
        calls++;
        return Promise.reject(new Throttled(1_000));
      }, retryAfterOf),
    ).rejects.toBeInstanceOf(Throttled);
    expect(calls).toBe(3);
    await expect(gate(3, 10_000).run(() => Promise.reject(new Throttled(60_000)), retryAfterOf)).rejects.toBeInstanceOf(
      Throttled,
    );
  });

  it('keeps at most maxConcurrent calls in flight; the others wait their turn', async () => {
    const g = new RateLimitGate({ maxRetries: 0, maxWaitMs: 1, maxConcurrent: 2 });
    let running = 0;
    let peak = 0;
    const call = async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return running;
    };
    await Promise.all(Array.from({ length: 7 }, () => g.run(call, retryAfterOf)));
    expect(peak).toBe(2);
  });
});
