import { classifyError, PermanentError, PermanentErrorCode, TransientError } from './hub-errors';

describe('classifyError', () => {
  it('keeps a transient error with its delay hint', () => {
    const e = classifyError(new TransientError('HTTP_503', 'unavailable', { retryAfterMs: 1500 }));
    expect(e).toBeInstanceOf(TransientError);
    expect((e as TransientError).retryAfterMs).toBe(1500);
  });

  it('keeps a permanent error with the vendor code', () => {
    const e = classifyError(
      new PermanentError(PermanentErrorCode.REJECTED_BY_TARGET, 'bad field', { vendorCode: 'INVALID_FIELD' }),
    );
    expect(e).toBeInstanceOf(PermanentError);
    expect((e as PermanentError).vendorCode).toBe('INVALID_FIELD');
  });

  it('never retries a programmer error', () => {
    const e = classifyError(new TypeError("Cannot read properties of undefined (reading 'id')"));
    expect(e).toBeInstanceOf(PermanentError);
    expect((e as PermanentError).code).toBe('UNEXPECTED');
    expect(e.message).toContain('TypeError');
  });
});
