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
});
