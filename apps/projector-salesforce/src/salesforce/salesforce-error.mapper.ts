import type { TargetOperation } from '@hub/projection';
import { PermanentError, PermanentErrorCode, TransientError } from '@hub/resilience';

/** Salesforce error codes that a later retry can fix. Everything else about a record is permanent. */
const TRANSIENT_CODES = new Set([
  'UNABLE_TO_LOCK_ROW',
  'SERVER_UNAVAILABLE',
  'REQUEST_RUNNING_TOO_LONG',
  'QUERY_TIMEOUT',
  'INVALID_SESSION_ID',
]);

/**
 * Organisation-wide budgets: waiting is the fix, and it may take long, so the hint is long. Nothing is wrong with the
 * record, so these pause consumption without counting toward its retry budget: they never become dead letters.
 */
const LIMIT_CODES = new Set(['REQUEST_LIMIT_EXCEEDED', 'TOO_MANY_REQUESTS']);
export const DEFAULT_LIMIT_BACKOFF_MS = 60_000;

/**
 * The OAuth token endpoint's refusals (its `error` field, which jsforce makes the error's name) that say the hub's
 * credentials or the connected app's setup are wrong: `invalid_client` (wrong client secret), `invalid_client_id`
 * (unknown consumer key), `invalid_grant` ("no client credentials user enabled": no run-as user, "authentication
 * failure"), `unauthorized_client`, `unsupported_grant_type` (the client-credentials flow is off), `inactive_user`,
 * `inactive_org`. Retrying with the same credentials cannot succeed; a corrected secret (rotated in its file) can.
 */
const CREDENTIALS_ERRORS: Record<string, string> = {
  invalid_client: 'SF_CLIENT_SECRET',
  invalid_client_id: 'SF_CLIENT_ID',
  invalid_grant: "the connected app's client credentials flow (its run-as user)",
  unauthorized_client: "the connected app's policies",
  unsupported_grant_type: "the connected app's client credentials flow",
  inactive_user: "the connected app's run-as user",
  inactive_org: 'SF_LOGIN_URL',
};

/** How long a partition waits before it tries credentials Salesforce refused again (a rotated secret is read then). */
export const CREDENTIALS_RETRY_MS = 10_000;

/**
 * Salesforce refused the hub's credentials: a configuration error, not a failure of the record nor a passing outage.
 * It pauses consumption (never counted toward a record's retries, never a dead letter) and fails readiness naming
 * the setting to fix, until a token request succeeds again.
 */
export class SalesforceCredentialsError extends TransientError {
  constructor(
    /** The token endpoint's `error`, e.g. invalid_client. */
    readonly oauthError: string,
    /** What to fix: the variable or the connected app's setting. */
    readonly setting: string,
    description: string,
    cause?: unknown,
  ) {
    super(
      'SALESFORCE_CREDENTIALS_REFUSED',
      `Salesforce refused the hub's credentials (${oauthError}: ${description}): check ${setting}`,
      { retryAfterMs: CREDENTIALS_RETRY_MS, targetUnavailable: true, cause },
    );
  }
}

/** The token endpoint's refusal of the credentials as a {@link SalesforceCredentialsError}, else undefined. */
export function credentialsError(error: unknown): SalesforceCredentialsError | undefined {
  if (error instanceof SalesforceCredentialsError) return error;
  const e = error as { name?: string; message?: string } | undefined;
  const setting = e?.name !== undefined ? CREDENTIALS_ERRORS[e.name] : undefined;
  return setting && e?.name ? new SalesforceCredentialsError(e.name, setting, e.message ?? '', error) : undefined;
}

const NETWORK_CODES =
  /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|UND_ERR|socket hang up|fetch failed|network|terminated|other side closed/i;

export interface SalesforceRecordError {
  statusCode?: string;
  errorCode?: string;
  message?: string;
  fields?: string[];
}

/**
 * A per-record error of a collections call. A parent referenced by external id that does not exist yet
 * ("Foreign key external ID … not found") is transient: the parent's own event is on another partition and
 * will usually land moments later.
 */
export function mapRecordError(
  errors: SalesforceRecordError[],
  limitBackoffMs = DEFAULT_LIMIT_BACKOFF_MS,
): TransientError | PermanentError {
  const first = errors[0] ?? {};
  const code = first.statusCode ?? first.errorCode ?? 'UNKNOWN';
  const message = errors.map((e) => `${e.statusCode ?? e.errorCode}: ${e.message}`).join('; ');
  if (TRANSIENT_CODES.has(code)) return new TransientError(code, message);
  if (LIMIT_CODES.has(code)) {
    return new TransientError(code, message, { retryAfterMs: limitBackoffMs, targetUnavailable: true });
  }
  if (/Foreign key external ID: .* not found/i.test(first.message ?? '')) {
    return new TransientError('PARENT_NOT_FOUND_YET', message, { retryAfterMs: 2_000 });
  }
  return new PermanentError(PermanentErrorCode.REJECTED_BY_TARGET, message, { vendorCode: code, detail: errors });
}

/** A failure of a whole call, as jsforce throws it (HttpApiError with errorCode/data, or a network error). */
export function mapCallError(
  error: unknown,
  limitBackoffMs = DEFAULT_LIMIT_BACKOFF_MS,
): TransientError | PermanentError {
  if (error instanceof TransientError || error instanceof PermanentError) return error;
  const refused = credentialsError(error);
  if (refused) return refused;
  const e = error as { errorCode?: string; name?: string; message?: string; data?: unknown; code?: string };
  const code = e.errorCode ?? e.name ?? 'UNKNOWN';
  const message = `${code}: ${e.message ?? String(error)}`;
  const http = /^ERROR_HTTP_(\d{3})$/.exec(code);
  if (http) {
    const status = Number(http[1]);
    if (status >= 500 || status === 429 || status === 408)
      return new TransientError(`HTTP_${status}`, message, { cause: error });
    return new PermanentError(PermanentErrorCode.REJECTED_BY_TARGET, message, {
      vendorCode: `HTTP_${status}`,
      detail: e.data,
      cause: error,
    });
  }
  if (TRANSIENT_CODES.has(code)) return new TransientError(code, message, { cause: error });
  if (LIMIT_CODES.has(code)) {
    return new TransientError(code, message, { retryAfterMs: limitBackoffMs, cause: error, targetUnavailable: true });
  }
  if (e.code && NETWORK_CODES.test(e.code)) return new TransientError('NETWORK', message, { cause: error });
  if (NETWORK_CODES.test(e.message ?? '')) return new TransientError('NETWORK', message, { cause: error });
  if (error instanceof TypeError && !/fetch failed/.test(e.message ?? '')) {
    // A bug in our code, not Salesforce's answer: surface it as such.
    return new PermanentError(PermanentErrorCode.UNEXPECTED, message, { cause: error });
  }
  if (/^[A-Z_]+$/.test(code)) {
    return new PermanentError(PermanentErrorCode.REJECTED_BY_TARGET, message, {
      vendorCode: code,
      detail: e.data,
      cause: error,
    });
  }
  return new TransientError('UNKNOWN_CALL_FAILURE', message, { cause: error });
}

/**
 * What a refused record means to the projection engine, when Salesforce's code says it: REQUIRED_FIELD_MISSING on
 * an upsert by external id means the record does not exist (an update would have had its required fields);
 * INVALID_FIELD_FOR_INSERT_UPDATE means an insert-only field was sent to a record that exists;
 * ENTITY_IS_DELETED and NOT_FOUND on a delete mean it is gone already. On an update by Id (a linked record),
 * INVALID_CROSS_REFERENCE_KEY is about the Id itself, a record this org never had (the payload's lookups go by
 * external id, which Salesforce refuses with INVALID_FIELD instead), while ENTITY_IS_DELETED is one a person deleted.
 */
export function becauseOf(
  error: TransientError | PermanentError,
  operation: TargetOperation = 'upsert',
): 'not-found' | 'exists' | 'unknown-link' | undefined {
  const code = error instanceof PermanentError ? error.vendorCode : undefined;
  if (operation === 'update' && code === 'INVALID_CROSS_REFERENCE_KEY') return 'unknown-link';
  if (code === 'REQUIRED_FIELD_MISSING' || code === 'ENTITY_IS_DELETED' || code === 'NOT_FOUND') return 'not-found';
  if (code === 'INVALID_FIELD_FOR_INSERT_UPDATE') return 'exists';
  return undefined;
}
