import { PermanentError, PermanentErrorCode, TransientError } from '@hub/resilience';
import {
  authenticationRefused,
  CONCURRENCY_RETRY_AFTER_MS,
  mapJson2Error,
  mapJsonRpcError,
  mapNetworkError,
  parseRetryAfter,
  unreadableAnswer,
} from './odoo-error.mapper';

/** Odoo's serialized exception, as both protocols carry it. */
const exception = (name: string, message: string) => ({
  name,
  message,
  arguments: [message],
  context: {},
  debug: `Traceback (most recent call last):\n${name}: ${message}`,
});

const werkzeug500 =
  '<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>\n';

function transient(error: unknown): TransientError {
  expect(error).toBeInstanceOf(TransientError);
  if (!(error instanceof TransientError)) throw new Error('not transient');
  return error;
}

function permanent(error: unknown): PermanentError {
  expect(error).toBeInstanceOf(PermanentError);
  if (!(error instanceof PermanentError)) throw new Error('not permanent');
  return error;
}

describe('mapJson2Error', () => {
  it.each([
    [
      422,
      'odoo.exceptions.ValidationError',
      'The operation cannot be completed: Constraint: res_partner_country_id_fkey',
    ],
    [422, 'odoo.exceptions.UserError', 'The following orders are not in a state requiring confirmation: S00042'],
    [403, 'odoo.exceptions.AccessError', "You are not allowed to access 'Contact' (res.partner) records."],
    [404, 'odoo.exceptions.MissingError', 'Record does not exist or has been deleted.'],
    [403, 'odoo.exceptions.AccessDenied', 'Access Denied'],
    [500, 'builtins.ValueError', "Invalid field 'nope' on model 'res.partner'"],
    [404, 'werkzeug.exceptions.NotFound', 'the model res.nothing does not exist'],
    [422, 'werkzeug.exceptions.UnprocessableEntity', "got an unexpected keyword argument 'vals_list'"],
  ])("%i %s is permanent, with the name as vendorCode and Odoo's message", (status, name, message) => {
    const body = exception(name, message);
    const e = permanent(mapJson2Error(status, body));
    expect(e.code).toBe(PermanentErrorCode.REJECTED_BY_TARGET);
    expect(e.vendorCode).toBe(name);
    expect(e.message).toBe(message);
    expect(e.detail).toEqual(body);
  });

  it.each([
    'psycopg2.errors.SerializationFailure',
    'psycopg2.errors.DeadlockDetected',
    'psycopg2.errors.LockNotAvailable',
  ])("retries %s, which outlived Odoo's own retries, after a longer wait", (name) => {
    const e = transient(mapJson2Error(500, exception(name, 'could not serialize access due to concurrent update\n')));
    expect(e.code).toBe(name);
    expect(e.retryAfterMs).toBe(CONCURRENCY_RETRY_AFTER_MS);
    expect(e.targetUnavailable).toBe(false);
  });

  it("retries werkzeug's HTML 500 page, with its title as the message", () => {
    const e = transient(mapJson2Error(500, werkzeug500));
    expect(e.code).toBe('HTTP_500');
    expect(e.message).toBe('500 Internal Server Error');
    expect(e.targetUnavailable).toBe(false);
  });

  it('retries an exception JSON-2 answers with 500 that is neither a UserError nor an argument error', () => {
    const e = transient(mapJson2Error(500, exception('psycopg2.OperationalError', 'server closed the connection')));
    expect(e.code).toBe('psycopg2.OperationalError');
  });

  it('pauses on 503 and 502, honouring Retry-After', () => {
    const e = transient(mapJson2Error(503, 'Service Unavailable', new Headers({ 'retry-after': '30' })));
    expect(e).toMatchObject({ code: 'HTTP_503', retryAfterMs: 30_000, targetUnavailable: true });
    expect(transient(mapJson2Error(502, '<title>502 Bad Gateway</title>')).targetUnavailable).toBe(true);
    expect(transient(mapJson2Error(504, 'Gateway Timeout')).targetUnavailable).toBe(false);
  });

  it('pauses on 429 for as long as Retry-After says', () => {
    const e = transient(mapJson2Error(429, 'Too Many Requests', new Headers({ 'Retry-After': '7' })));
    expect(e).toMatchObject({ code: 'HTTP_429', retryAfterMs: 7_000, targetUnavailable: true });
  });

  it('refuses a bad key for good, saying a person must fix it, in both 401 shapes', () => {
    const object = permanent(
      mapJson2Error(401, {
        name: 'werkzeug.exceptions.Unauthorized',
        message: 'Invalid apikey',
        arguments: ['Invalid apikey', 401],
        context: {},
        debug: '',
      }),
    );
    expect(object.vendorCode).toBe('werkzeug.exceptions.Unauthorized');
    expect(object.message).toMatch(/^Invalid apikey: .*API key.*a person must/);

    // Some 19.0 revisions answer the message as a bare JSON string.
    const bare = permanent(mapJson2Error(401, 'Invalid apikey'));
    expect(bare.vendorCode).toBe('HTTP_401');
    expect(bare.message).toMatch(/^Invalid apikey: .*a person must/);
  });

  it('accepts a bare JSON string as the error of other statuses', () => {
    expect(permanent(mapJson2Error(422, 'cannot call res.partner.create with ids'))).toMatchObject({
      vendorCode: 'HTTP_422',
      message: 'cannot call res.partner.create with ids',
    });
    expect(transient(mapJson2Error(500, 'boom')).message).toBe('boom');
  });

  it('refuses other 4xx answers for good, and retries a 408', () => {
    expect(permanent(mapJson2Error(404, '<title>404 Not Found</title>')).vendorCode).toBe('HTTP_404');
    expect(permanent(mapJson2Error(405, exception('werkzeug.exceptions.MethodNotAllowed', 'x'))).vendorCode).toBe(
      'werkzeug.exceptions.MethodNotAllowed',
    );
    expect(transient(mapJson2Error(408, '')).code).toBe('HTTP_408');
  });
});

describe('mapJsonRpcError', () => {
  const envelope = (name: string, message: string) => ({
    code: 200,
    message: 'Odoo Server Error',
    data: exception(name, message),
  });

  it('refuses a UserError with its name and message', () => {
    const body = envelope('odoo.exceptions.UserError', "Object res.nothing doesn't exist");
    const e = permanent(mapJsonRpcError(body));
    expect(e).toMatchObject({ vendorCode: 'odoo.exceptions.UserError', message: "Object res.nothing doesn't exist" });
    expect(e.detail).toEqual(body);
  });

  it('accepts the data object alone', () => {
    expect(
      permanent(mapJsonRpcError(exception('odoo.exceptions.ValidationError', 'Missing required value'))).vendorCode,
    ).toBe('odoo.exceptions.ValidationError');
  });

  it('says that AccessDenied from execute_kw is a key a person must fix', () => {
    const e = permanent(mapJsonRpcError(envelope('odoo.exceptions.AccessDenied', 'Access Denied')));
    expect(e.vendorCode).toBe('odoo.exceptions.AccessDenied');
    expect(e.message).toMatch(/^Access Denied: .*a person must/);
  });

  it('retries a serialization failure, and an exception it does not know, as JSON-2 would with its 500', () => {
    expect(
      transient(mapJsonRpcError(envelope('psycopg2.errors.SerializationFailure', 'could not serialize'))).code,
    ).toBe('psycopg2.errors.SerializationFailure');
    expect(transient(mapJsonRpcError(envelope('builtins.RuntimeError', 'x'))).code).toBe('builtins.RuntimeError');
    expect(transient(mapJsonRpcError({ code: 200, message: 'Odoo Server Error' })).code).toBe('ODOO_SERVER_ERROR');
  });

  it('reads the status of a werkzeug exception from its name or the envelope code, not from code 200', () => {
    expect(
      permanent(
        mapJsonRpcError({ code: 404, message: '404: Not Found', data: exception('werkzeug.exceptions.NotFound', 'x') }),
      ).vendorCode,
    ).toBe('werkzeug.exceptions.NotFound');
    expect(transient(mapJsonRpcError(envelope('werkzeug.exceptions.ServiceUnavailable', 'x'))).targetUnavailable).toBe(
      true,
    );
    expect(permanent(mapJsonRpcError(envelope('werkzeug.exceptions.Unauthorized', 'x'))).message).toMatch(
      /a person must/,
    );
  });

  it('builtins.ValueError is permanent', () => {
    expect(
      permanent(mapJsonRpcError(envelope('builtins.ValueError', "invalid literal for int() with base 10: 'x'"))),
    ).toMatchObject({ vendorCode: 'builtins.ValueError', message: "invalid literal for int() with base 10: 'x'" });
  });
});

describe('mapNetworkError', () => {
  const fetchFailed = (code: string) => {
    const cause = Object.assign(new Error(`connect ${code} odoo.example:443`), { code });
    return new TypeError('fetch failed', { cause });
  };

  it('pauses while Odoo refuses connections or cannot be found', () => {
    for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH']) {
      const e = transient(mapNetworkError(fetchFailed(code), 'res.partner/create'));
      expect(e).toMatchObject({ code: `NETWORK_${code}`, targetUnavailable: true });
      expect(e.message).toContain('res.partner/create');
    }
  });

  it('retries a dropped connection without pausing', () => {
    expect(transient(mapNetworkError(fetchFailed('ECONNRESET')))).toMatchObject({
      code: 'NETWORK_ECONNRESET',
      targetUnavailable: false,
    });
    const aggregate = new TypeError('fetch failed', {
      cause: new AggregateError([Object.assign(new Error('x'), { code: 'ETIMEDOUT' })], 'all failed'),
    });
    expect(transient(mapNetworkError(aggregate)).code).toBe('NETWORK_ETIMEDOUT');
    const cut = new TypeError('terminated', {
      cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
    });
    expect(transient(mapNetworkError(cut)).code).toBe('NETWORK_UND_ERR_SOCKET');
    expect(transient(mapNetworkError(new TypeError('fetch failed'))).code).toBe('NETWORK');
  });

  it('retries a timeout, warning that a write may have been applied', async () => {
    const signal = AbortSignal.timeout(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const e = transient(mapNetworkError(signal.reason, 'sale.order/action_confirm'));
    expect(e.code).toBe('TIMEOUT');
    expect(e.message).toMatch(/sale.order\/action_confirm.*may have been applied/);
  });

  it('passes typed errors through and never retries a programmer error', () => {
    const typed = new TransientError('HTTP_503', 'x');
    expect(mapNetworkError(typed)).toBe(typed);
    const bug = permanent(mapNetworkError(new TypeError("Cannot read properties of undefined (reading 'map')")));
    expect(bug.code).toBe(PermanentErrorCode.UNEXPECTED);
  });
});

describe('the other answers', () => {
  it('names the login Odoo refused to authenticate', () => {
    const e = authenticationRefused('hub-integration', 'odoo');
    expect(e).toMatchObject({
      code: PermanentErrorCode.REJECTED_BY_TARGET,
      vendorCode: 'odoo.exceptions.AccessDenied',
    });
    expect(e.message).toContain("login 'hub-integration'");
    expect(e.message).toContain("database 'odoo'");
  });

  it('retries an answer that is no JSON and reports JSON of the wrong shape as a bug', () => {
    expect(transient(unreadableAnswer('res.partner/search_read', 200, '<html>maintenance</html>')).code).toBe(
      'ODOO_UNREADABLE_ANSWER',
    );
    expect(permanent(unreadableAnswer('res.partner/search_read', 200, { ids: 1 })).code).toBe(
      PermanentErrorCode.UNEXPECTED,
    );
  });

  it('reads Retry-After in seconds or as a date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
