import { registerWithRetry, SchemaRejectedError } from './canonical-codec';

describe('registerWithRetry', () => {
  it('gives up on an attempt that never answers and tries again', async () => {
    let calls = 0;
    const attempt = () => (++calls === 1 ? new Promise<{ id: number }>(() => undefined) : Promise.resolve({ id: 7 }));
    await expect(registerWithRetry(attempt, 's-value', 20)).resolves.toEqual({ id: 7 });
    expect(calls).toBe(2);
  });

  it('never retries a schema the registry refused', async () => {
    let calls = 0;
    const attempt = () => {
      calls++;
      return Promise.reject(new SchemaRejectedError('s-value', 'incompatible'));
    };
    await expect(registerWithRetry(attempt, 's-value', 20)).rejects.toBeInstanceOf(SchemaRejectedError);
    expect(calls).toBe(1);
  });

  it('fails with the last error after three silent attempts', async () => {
    await expect(registerWithRetry(() => new Promise(() => undefined), 's-value', 10)).rejects.toThrow(
      'registering s-value got no answer within 10 ms',
    );
  });
});
