import { MicroBatcher } from './micro-batcher';

describe('MicroBatcher', () => {
  const echo = () => {
    const batches: number[][] = [];
    const batcher = new MicroBatcher<number, number>(
      async (items) => {
        batches.push(items);
        return items.map((n) => (n < 0 ? new Error(`negative ${n}`) : n * 2));
      },
      { maxBatchSize: 3, lingerMs: 20 },
    );
    return { batches, batcher };
  };

  it('sends a full batch at once, without waiting for the linger', async () => {
    const { batches, batcher } = echo();
    const started = Date.now();
    await expect(Promise.all([1, 2, 3].map((n) => batcher.add(n)))).resolves.toEqual([2, 4, 6]);
    expect(Date.now() - started).toBeLessThan(20);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('sends a partial batch after the linger, and settles each item with its own result', async () => {
    const { batches, batcher } = echo();
    const results = await Promise.allSettled([4, -1, 5, 6, 7].map((n) => batcher.add(n)));
    expect(batches).toEqual([
      [4, -1, 5],
      [6, 7],
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      8,
      'negative -1',
      10,
      12,
      14,
    ]);
  });

  it('rejects every item of a batch whose flush failed', async () => {
    const batcher = new MicroBatcher<number, number>(() => Promise.reject(new Error('down')), {
      maxBatchSize: 10,
      lingerMs: 1,
    });
    await expect(Promise.allSettled([1, 2].map((n) => batcher.add(n)))).resolves.toEqual([
      { status: 'rejected', reason: new Error('down') },
      { status: 'rejected', reason: new Error('down') },
    ]);
  });

  it('with idleMs, sends a batch once no item came for that long, and never later than the linger', async () => {
    const sent: { items: number[]; at: number }[] = [];
    const started = Date.now();
    const batcher = new MicroBatcher<number, number>(
      async (items) => {
        sent.push({ items, at: Date.now() - started });
        return items;
      },
      { maxBatchSize: 100, lingerMs: 300, idleMs: () => 50 },
    );
    // Alone: goes after the idle gap, not the linger.
    await batcher.add(1);
    expect(sent[0].items).toEqual([1]);
    expect(sent[0].at).toBeLessThan(250);
    // Items 20 ms apart for 500 ms keep the batch open until the linger (300 ms after its first item).
    const t0 = Date.now() - started;
    const pending: Promise<number>[] = [];
    for (let n = 2; n < 27; n++) {
      pending.push(batcher.add(n));
      await new Promise((r) => setTimeout(r, 20));
    }
    await Promise.all(pending);
    expect(sent[1].at - t0).toBeGreaterThanOrEqual(290);
    expect(sent[1].items.length).toBeGreaterThan(5);
    expect(sent.slice(1).flatMap((b) => b.items)).toEqual(Array.from({ length: 25 }, (_, i) => i + 2));
  });
});
