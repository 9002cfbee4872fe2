import { CallSlots } from './call-slots';

describe('CallSlots', () => {
  it('runs at most `size` calls at once, the rest in arrival order', async () => {
    const slots = new CallSlots(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const call = (n: number) => async () => {
      running++;
      peak = Math.max(peak, running);
      order.push(n);
      await new Promise((r) => setTimeout(r, 3));
      running--;
      return n;
    };
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => slots.run(call(n))));
    expect(results).toEqual([1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
    expect(order).toEqual([1, 2, 3, 4, 5]);
    expect(slots.queued).toBe(0);
  });

  it('frees the slot of a call that failed', async () => {
    const slots = new CallSlots(1);
    await expect(slots.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(slots.run(() => Promise.resolve('next'))).resolves.toBe('next');
  });

  it('refuses a size below one', () => {
    expect(() => new CallSlots(0)).toThrow(RangeError);
  });
});
