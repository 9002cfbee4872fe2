import { PermanentError, PermanentErrorCode, TransientError } from '../errors/hub-errors';
import { TargetBreaker } from './target-breaker';

const make = () =>
  new TargetBreaker({
    name: 'test-target',
    timeoutMs: 200,
    errorThresholdPercentage: 50,
    volumeThreshold: 2,
    resetTimeoutMs: 100,
    rollingCountTimeoutMs: 10_000,
  });

describe('TargetBreaker', () => {
  it('opens after transient failures and refuses with BREAKER_OPEN and a delay', async () => {
    const b = make();
    const fail = () => Promise.reject(new TransientError('HTTP_503', 'down'));
    await expect(b.fire(fail)).rejects.toThrow('down');
    await expect(b.fire(fail)).rejects.toThrow('down');
    expect(b.state).toBe('open');
    const refused = await b.fire(() => Promise.resolve(1)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TransientError);
    expect((refused as TransientError).code).toBe('BREAKER_OPEN');
    expect((refused as TransientError).retryAfterMs).toBeGreaterThan(0);
    b.shutdown();
  });

  it('does not count permanent rejections against the target', async () => {
    const b = make();
    const reject = () => Promise.reject(new PermanentError(PermanentErrorCode.REJECTED_BY_TARGET, 'bad record'));
    for (let i = 0; i < 5; i++) await expect(b.fire(reject)).rejects.toThrow('bad record');
    expect(b.state).toBe('closed');
    b.shutdown();
  });

  it('closes again after a successful trial call', async () => {
    const b = make();
    const recovered = jest.fn();
    b.onRecovery(recovered);
    const fail = () => Promise.reject(new TransientError('HTTP_503', 'down'));
    await b.fire(fail).catch(() => undefined);
    await b.fire(fail).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 150));
    expect(b.state).toBe('half-open');
    await expect(b.fire(() => Promise.resolve('ok'))).resolves.toBe('ok');
    expect(b.state).toBe('closed');
    expect(recovered).toHaveBeenCalled();
    b.shutdown();
  });

  it('turns a slow call into a transient TIMEOUT', async () => {
    const b = make();
    const slow = () => new Promise((r) => setTimeout(r, 500));
    const e = await b.fire(slow).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(TransientError);
    expect((e as TransientError).code).toBe('TIMEOUT');
    b.shutdown();
  });

  it('gives a call that says so longer than the breaker timeout, and times it out after that', async () => {
    const b = make();
    const slow = () => new Promise((r) => setTimeout(() => r('done'), 300));
    await expect(b.fire(slow, { timeoutMs: 1_000 })).resolves.toBe('done');
    const e = await b.fire(slow, { timeoutMs: 50 }).catch((err: unknown) => err);
    expect(e).toMatchObject({ code: 'TIMEOUT', message: 'test-target did not answer within 50 ms' });
    b.shutdown();
  });
});
