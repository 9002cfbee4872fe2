import { PermanentError, PermanentErrorCode, TransientError } from '@hub/resilience';

/**
 * Odoo's serialized exception (`odoo.http.serialize_exception`): the JSON-2 error body, and `error.data` of a
 * JSON-RPC answer. Every member may be missing from what a proxy or another Odoo version sends.
 */
export interface OdooSerializedException {
  /** The exception's qualified Python name, e.g. `odoo.exceptions.ValidationError`. */
  name?: string;
  message?: string;
  arguments?: unknown[];
  context?: Record<string, unknown>;
  /** The server's traceback. */
  debug?: string;
}

/** The `error` member of a JSON-RPC answer: `code` 200 for any server error, 404 NotFound, 100 session expired. */
export interface JsonRpcErrorMember {
  code?: number;
  message?: string;
  data?: OdooSerializedException;
}

export type OdooError = TransientError | PermanentError;

/**
 * PostgreSQL errors `odoo/service/model.py retrying` retries five times (with sleeps of up to 2^n seconds) before
 * giving up. The retries above the original request are already spent when one reaches the hub, so its own wait is
 * longer than a first retry of anything else.
 */
const CONCURRENCY_FAILURES = new Set([
  'psycopg2.errors.SerializationFailure',
  'psycopg2.errors.DeadlockDetected',
  'psycopg2.errors.LockNotAvailable',
  'psycopg2.extensions.TransactionRollbackError',
]);
export const CONCURRENCY_RETRY_AFTER_MS = 5_000;

/**
 * Python errors that Odoo's methods raise about the arguments they were given (a bad value, a field that does not
 * exist, a keyword the method does not take): the same call fails again.
 */
const ARGUMENT_ERRORS = new Set([
  'builtins.ValueError',
  'builtins.TypeError',
  'builtins.KeyError',
  'builtins.AttributeError',
  'builtins.IndexError',
]);

/**
 * The status a werkzeug exception stands for, when it arrives without one (JSON-RPC answers HTTP 200 whatever
 * happened); a werkzeug exception not listed is a 4xx refusal of the request.
 */
const WERKZEUG_STATUS: Record<string, number> = {
  'werkzeug.exceptions.Unauthorized': 401,
  'werkzeug.exceptions.RequestTimeout': 408,
  'werkzeug.exceptions.TooManyRequests': 429,
  'werkzeug.exceptions.InternalServerError': 500,
  'werkzeug.exceptions.BadGateway': 502,
  'werkzeug.exceptions.ServiceUnavailable': 503,
  'werkzeug.exceptions.GatewayTimeout': 504,
};

/**
 * Odoo cannot be reached at all: nothing is wrong with the record, so consumption pauses (`targetUnavailable`)
 * instead of spending the record's retries. A proxy's 502 means the same: the Odoo behind it did not answer.
 */
const UNAVAILABLE_STATUSES = new Set([502, 503]);
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const KEY_REFUSED =
  'Odoo refused the API key of the hub user: a person must issue a new key and configure it (retrying cannot fix this)';

/**
 * An Odoo answer with an HTTP error status: the JSON-2 error (the object `{name, message, arguments, context,
 * debug}`, or the bare JSON string that some 19.0 revisions send), and also any HTTP-level refusal of `/jsonrpc`
 * (werkzeug's 500 page, a proxy's 502), which carries no JSON-RPC envelope. `body` is the parsed JSON, or the text
 * when the answer was not JSON.
 *
 * The exception's name decides first, the status second: JSON-2 answers 500 for every exception that is not a
 * UserError, from a serialization failure (worth a retry) to a ValueError (not).
 */
export function mapJson2Error(status: number, body: unknown, headers?: Pick<Headers, 'get'>): OdooError {
  const exception = serializedException(body);
  const message = exception?.message ?? textOf(body) ?? `HTTP ${status}`;
  const retryAfterMs = parseRetryAfter(headers?.get('retry-after') ?? null);
  return classify({ name: exception?.name, message, status, retryAfterMs, detail: body });
}

/**
 * The `error` member of a JSON-RPC answer (HTTP 200), or its `data` alone. Over JSON-RPC, `AccessDenied` is what
 * `execute_kw` raises for a login and key it does not accept, so its message says a person must act.
 */
export function mapJsonRpcError(error: unknown): OdooError {
  const member = isRecord(error) ? error : {};
  const data = serializedException(member['data']) ?? serializedException(member);
  const name = data?.name;
  const message = data?.message ?? stringOf(member['message']) ?? 'Odoo Server Error';
  const code = typeof member['code'] === 'number' ? member['code'] : undefined;
  // The envelope's code is 200 for any server error; only a code that is an HTTP status says something.
  const status = name && WERKZEUG_STATUS[name] ? WERKZEUG_STATUS[name] : code && code >= 400 ? code : undefined;
  if (name === 'odoo.exceptions.AccessDenied') {
    return new PermanentError(PermanentErrorCode.REJECTED_BY_TARGET, `${message}: ${KEY_REFUSED}`, {
      vendorCode: name,
      detail: error,
    });
  }
  return classify({ name, message, status, detail: error });
}

/**
 * What `fetch` threw: a refused or dropped connection, a DNS failure, the request's timeout. A timeout leaves a write
 * in doubt (Odoo may have committed it), which is why creates are keyed by external id. Anything else thrown here is
 * a programmer error and is never retried. `call` names the call in the message (`res.partner/create`).
 */
export function mapNetworkError(error: unknown, call = 'odoo call'): OdooError {
  if (error instanceof TransientError || error instanceof PermanentError) return error;
  // AbortSignal.timeout rejects with a DOMException, which is not an Error in every Node version.
  const name = isRecord(error) ? stringOf(error['name']) : undefined;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new TransientError('TIMEOUT', `${call}: no answer in time; a write may have been applied`, {
      cause: error,
    });
  }
  const code = networkCode(error);
  const text = (isRecord(error) ? stringOf(error['message']) : undefined) ?? String(error);
  if (code) {
    return new TransientError(`NETWORK_${code}`, `${call}: ${text} (${code})`, {
      cause: error,
      targetUnavailable: UNREACHABLE_CODES.has(code),
    });
  }
  // undici's TypeError for a failed request ("fetch failed") or a body cut off mid-way ("terminated").
  if (error instanceof TypeError && /fetch failed|terminated|socket|network/i.test(text)) {
    return new TransientError('NETWORK', `${call}: ${text}`, { cause: error });
  }
  return new PermanentError(PermanentErrorCode.UNEXPECTED, `${call}: ${name ?? 'Error'}: ${text}`, { cause: error });
}

/** JSON-RPC `common.authenticate` answered `false`: the login or the key is wrong, and only a person can fix either. */
export function authenticationRefused(login: string, database: string): PermanentError {
  return new PermanentError(
    PermanentErrorCode.REJECTED_BY_TARGET,
    `Odoo refused login '${login}' with the configured API key on database '${database}': a person must fix the login or issue a new key (retrying cannot fix this)`,
    { vendorCode: 'odoo.exceptions.AccessDenied' },
  );
}

/**
 * A 2xx answer that is not what the protocol promises: not JSON (a proxy's or maintenance page, transient like the
 * outage it usually stands for), or JSON of the wrong shape (a contract the adapter does not know: a bug to look at).
 */
export function unreadableAnswer(call: string, status: number, body: unknown): OdooError {
  if (typeof body === 'string') {
    return new TransientError('ODOO_UNREADABLE_ANSWER', `${call}: HTTP ${status} answered no JSON: ${clip(body)}`);
  }
  return new PermanentError(
    PermanentErrorCode.UNEXPECTED,
    `${call}: HTTP ${status} answered an unexpected shape: ${clip(JSON.stringify(body) ?? String(body))}`,
    { detail: body },
  );
}

interface Fault {
  name?: string;
  message: string;
  status?: number;
  retryAfterMs?: number;
  detail: unknown;
}

function classify(fault: Fault): OdooError {
  const { name, message, status, retryAfterMs, detail } = fault;
  if (name && CONCURRENCY_FAILURES.has(name)) {
    return new TransientError(name, message, { retryAfterMs: Math.max(retryAfterMs ?? 0, CONCURRENCY_RETRY_AFTER_MS) });
  }
  if (name && (name.startsWith('odoo.exceptions.') || ARGUMENT_ERRORS.has(name))) {
    return new PermanentError(PermanentErrorCode.REJECTED_BY_TARGET, message, { vendorCode: name, detail });
  }
  if (status === 401) {
    return new PermanentError(PermanentErrorCode.REJECTED_BY_TARGET, `${message}: ${KEY_REFUSED}`, {
      vendorCode: name ?? 'HTTP_401',
      detail,
    });
  }
  if (status === 429 || (status !== undefined && UNAVAILABLE_STATUSES.has(status))) {
    return new TransientError(`HTTP_${status}`, message, { retryAfterMs, targetUnavailable: true });
  }
  if (status === 408 || (status !== undefined && status >= 500)) {
    // JSON-2's 500 is any Python exception: its name says more than the status, and matches JSON-RPC's code below.
    const code = name && !name.startsWith('werkzeug.') ? name : `HTTP_${status}`;
    return new TransientError(code, message, { retryAfterMs });
  }
  if (status !== undefined && status >= 400) {
    return new PermanentError(PermanentErrorCode.REJECTED_BY_TARGET, message, {
      vendorCode: name ?? `HTTP_${status}`,
      detail,
    });
  }
  if (name?.startsWith('werkzeug.exceptions.')) {
    return new PermanentError(PermanentErrorCode.REJECTED_BY_TARGET, message, { vendorCode: name, detail });
  }
  // An exception Odoo did not turn into a UserError (a lost database connection, a bug in a module): JSON-2 answers
  // it with a 500, so JSON-RPC's copy is treated alike; the record's retry budget bounds it.
  return new TransientError(name ?? (status !== undefined ? `HTTP_${status}` : 'ODOO_SERVER_ERROR'), message, {
    retryAfterMs,
  });
}

function serializedException(value: unknown): OdooSerializedException | undefined {
  if (!isRecord(value)) return undefined;
  const name = stringOf(value['name']);
  const message = stringOf(value['message']);
  if (name === undefined && message === undefined) return undefined;
  return {
    name,
    message,
    arguments: Array.isArray(value['arguments']) ? value['arguments'] : undefined,
    context: isRecord(value['context']) ? value['context'] : undefined,
    debug: stringOf(value['debug']),
  };
}

/** A bare JSON string as the error, or the `<title>` of an HTML error page. */
function textOf(body: unknown): string | undefined {
  if (typeof body !== 'string' || body.trim() === '') return undefined;
  const title = /<title>([^<]*)<\/title>/i.exec(body)?.[1]?.trim();
  return title || clip(body.trim());
}

/** Retry-After in seconds or as an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The system error code of a network failure, which undici keeps in `cause` (an AggregateError for each address). */
function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && isRecord(current); depth++) {
    const code = current['code'];
    if (typeof code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)) return code;
    const errors = current['errors'];
    current = Array.isArray(errors) && errors.length > 0 ? errors[0] : current['cause'];
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function clip(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
