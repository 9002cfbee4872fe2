import { PermanentError, PermanentErrorCode, TransientError } from '@hub/resilience';
import { FreshdeskHttpError } from './freshdesk.client';
import {
  DEFAULT_RATE_LIMIT_BACKOFF_MS,
  isRecordError,
  mapFreshdeskError,
  retryAfterMs,
} from './freshdesk-error.mapper';

const http = (status: number, body?: unknown, retryAfter: string | null = null) =>
  new FreshdeskHttpError('POST', '/contacts', status, body, retryAfter);

describe('mapFreshdeskError', () => {
  it('maps 429 to a transient error that waits for Retry-After and pauses the target', () => {
    const error = mapFreshdeskError(http(429, { message: 'slow down' }, '17'));
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ code: 'HTTP_429', retryAfterMs: 17_000, targetUnavailable: true });
    expect(mapFreshdeskError(http(429, undefined, null))).toMatchObject({
      retryAfterMs: DEFAULT_RATE_LIMIT_BACKOFF_MS,
    });
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2024-05-13T08:00:00Z');
    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs('Mon, 13 May 2024 08:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });

  it('maps 5xx, timeouts and network failures to transient errors', () => {
    expect(mapFreshdeskError(http(500, { code: 'internal_error' }))).toMatchObject({ code: 'HTTP_500' });
    expect(mapFreshdeskError(http(503, undefined, '5'))).toMatchObject({ code: 'HTTP_503', retryAfterMs: 5000 });
    const timeout = Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' });
    expect(mapFreshdeskError(timeout)).toMatchObject({ code: 'TIMEOUT' });
    const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    expect(mapFreshdeskError(refused)).toBeInstanceOf(TransientError);
    expect(mapFreshdeskError(refused)).toMatchObject({ code: 'NETWORK' });
  });

  it('maps 401 and 403 to permanent errors of the whole call', () => {
    const error = mapFreshdeskError(http(401, { code: 'invalid_credentials', message: 'You have to be logged in' }));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ code: PermanentErrorCode.REJECTED_BY_TARGET, vendorCode: 'invalid_credentials' });
    expect(isRecordError(error)).toBe(false);
    expect(mapFreshdeskError(http(403, { code: 'access_denied' }))).toMatchObject({ vendorCode: 'access_denied' });
  });

  it('maps 400 and 409 to a record’s permanent error carrying Freshdesk’s message and errors', () => {
    const body = {
      description: 'Validation failed',
      errors: [
        {
          field: 'email',
          message: 'It should be a unique value',
          code: 'duplicate_value',
          additional_info: { user_id: 7 },
        },
      ],
    };
    const error = mapFreshdeskError(http(409, body)) as PermanentError;
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.vendorCode).toBe('duplicate_value');
    expect(error.detail).toEqual(body);
    expect(error.message).toBe(
      'Freshdesk POST /contacts: HTTP 409: Validation failed; email: It should be a unique value (duplicate_value)',
    );
    expect(isRecordError(error)).toBe(true);
    expect(mapFreshdeskError(http(400, { description: 'Validation failed', errors: [] }))).toMatchObject({
      vendorCode: 'HTTP_400',
    });
    expect(mapFreshdeskError(http(404))).toMatchObject({ vendorCode: 'NOT_FOUND' });
  });

  it('passes mapped errors through and calls a programming error UNEXPECTED, never transient', () => {
    const transient = new TransientError('X', 'x');
    expect(mapFreshdeskError(transient)).toBe(transient);
    expect(mapFreshdeskError(new TypeError("Cannot read properties of undefined (reading 'id')"))).toMatchObject({
      code: PermanentErrorCode.UNEXPECTED,
    });
  });
});
