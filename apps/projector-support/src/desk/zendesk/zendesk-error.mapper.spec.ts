import { PermanentError, TransientError } from '@hub/resilience';
import {
  describeZendeskError,
  mapJobItemFailure,
  mapZendeskError,
  parseRetryAfter,
  ZendeskHttpError,
  ZendeskNetworkError,
} from './zendesk-error.mapper';

const http = (status: number, body: unknown, retryAfterMs?: number) =>
  new ZendeskHttpError(status, body, retryAfterMs, 'PUT /api/v2/tickets/1.json');

describe('mapZendeskError', () => {
  it('maps 429 to a transient error carrying Retry-After, the target asking to wait', () => {
    const error = mapZendeskError(http(429, 'Rate limit exceeded', 30_000));
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ code: 'HTTP_429', retryAfterMs: 30_000, targetUnavailable: true });
  });

  it('maps 5xx and 409 to transient errors, 503 keeping its delay', () => {
    expect(mapZendeskError(http(500, {}))).toMatchObject({ name: 'TransientError', code: 'HTTP_500' });
    expect(mapZendeskError(http(503, 'down', 5000))).toMatchObject({ code: 'HTTP_503', retryAfterMs: 5000 });
    expect(mapZendeskError(http(502, '<html>'))).toBeInstanceOf(TransientError);
    expect(mapZendeskError(http(409, {}))).toBeInstanceOf(TransientError);
  });

  it('maps no answer to transient errors, telling a timeout from an unreachable host', () => {
    expect(mapZendeskError(new ZendeskNetworkError('GET /x', true))).toMatchObject({ code: 'ZENDESK_TIMEOUT' });
    expect(mapZendeskError(new ZendeskNetworkError('GET /x', false))).toMatchObject({ code: 'ZENDESK_UNREACHABLE' });
  });

  it('maps 401 and 403 to permanent errors', () => {
    const unauth = mapZendeskError(http(401, { error: "Couldn't authenticate you" }));
    expect(unauth).toBeInstanceOf(PermanentError);
    expect(unauth).toMatchObject({ code: 'REJECTED_BY_TARGET', vendorCode: "Couldn't authenticate you" });
    expect(
      mapZendeskError(http(403, { error: { title: 'Forbidden', message: 'You do not have access' } })),
    ).toMatchObject({
      name: 'PermanentError',
      vendorCode: 'Forbidden',
    });
  });

  it("maps 422 to a permanent error with Zendesk's message and its details kept", () => {
    const body = {
      error: 'RecordInvalid',
      description: 'Record validation errors',
      details: { name: [{ description: 'Name: Acme has already been taken', error: 'DuplicateValue' }] },
    };
    const error = mapZendeskError(http(422, body)) as PermanentError;
    expect(error.vendorCode).toBe('RecordInvalid');
    expect(error.message).toBe(
      'Zendesk 422 on PUT /api/v2/tickets/1.json: RecordInvalid: Record validation errors ' +
        '(name: Name: Acme has already been taken [DuplicateValue])',
    );
    expect(error.detail).toBe(body);
  });

  it('maps 404 to a permanent NOT_FOUND, and leaves programmer errors as thrown', () => {
    expect(mapZendeskError(http(404, { error: 'RecordNotFound', description: 'Not found' }))).toMatchObject({
      vendorCode: 'NOT_FOUND',
    });
    const bug = new TypeError('x is undefined');
    expect(() => mapZendeskError(bug)).toThrow(bug);
    const already = new TransientError('X', 'y');
    expect(mapZendeskError(already)).toBe(already);
  });
});

describe('mapJobItemFailure', () => {
  it("makes a failed item a permanent error with Zendesk's code and details", () => {
    const error = mapJobItemFailure(
      { error: 'RecordInvalid', details: 'Email: x is not properly formatted' },
      'person 1',
    );
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toBe('Zendesk refused person 1: RecordInvalid: Email: x is not properly formatted');
  });

  it('makes a duplicate external id (a concurrent create) transient, so a retry updates it', () => {
    const error = mapJobItemFailure(
      { error: 'RecordInvalid', details: 'External: p-1 has already been taken' },
      'organization 0',
    );
    expect(error).toBeInstanceOf(TransientError);
  });
});

describe('parseRetryAfter and describeZendeskError', () => {
  it('reads seconds and HTTP dates, and nothing from junk', () => {
    expect(parseRetryAfter('30')).toBe(30_000);
    expect(parseRetryAfter(new Date(61_000).toUTCString(), 1_000)).toBe(60_000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('describes plain-text bodies and bodies without details', () => {
    expect(describeZendeskError('Too Many Requests\n')).toEqual({ code: undefined, message: 'Too Many Requests' });
    expect(describeZendeskError({ error: 'RecordNotFound', description: 'Not found' })).toEqual({
      code: 'RecordNotFound',
      message: 'RecordNotFound: Not found',
    });
  });
});
