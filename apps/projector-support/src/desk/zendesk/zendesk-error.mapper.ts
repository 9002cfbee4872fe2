import { DeferredError, PermanentError, PermanentErrorCode, TransientError } from '@hub/resilience';

/** An HTTP answer of 400 or more from Zendesk, as the adapter's transport read it. */
export class ZendeskHttpError extends Error {
  override readonly name = 'ZendeskHttpError';
  constructor(
    readonly status: number,
    /** The parsed JSON body, or the text when Zendesk answered plain text (its 429s do), or undefined. */
    readonly body: unknown,
    /** `Retry-After` in milliseconds, when the answer had one. */
    readonly retryAfterMs: number | undefined,
    readonly route: string,
  ) {
    super(`Zendesk answered ${status} to ${route}`);
  }
}

/** No HTTP answer at all: connection refused or reset, DNS, or the request timeout. */
export class ZendeskNetworkError extends Error {
  override readonly name = 'ZendeskNetworkError';
  constructor(
    readonly route: string,
    readonly timedOut: boolean,
    options: { cause?: unknown } = {},
  ) {
    super(timedOut ? `no answer from Zendesk to ${route} in time` : `could not reach Zendesk for ${route}`, options);
  }
}

/** One item of a bulk job that Zendesk reported as failed (`job_status.results[i]` with an `error`). */
export interface ZendeskJobItemFailure {
  error?: string;
  details?: unknown;
  status?: string;
}

/**
 * `Retry-After` as Zendesk sends it: whole seconds (rate-limits page [V]); an HTTP date is read too. Undefined when
 * absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

interface ZendeskErrorBody {
  error?: unknown;
  description?: unknown;
  details?: Record<string, Array<{ description?: string; error?: string }>>;
}

/** "RecordInvalid: Record validation errors (name: Name: X has already been taken [DuplicateValue])". */
export function describeZendeskError(body: unknown): { code: string | undefined; message: string } {
  if (typeof body === 'string') return { code: undefined, message: body.trim().slice(0, 500) };
  if (!body || typeof body !== 'object') return { code: undefined, message: 'no body' };
  const b = body as ZendeskErrorBody;
  // `error` is a code string on business errors, an object {title, message} on some API-level ones.
  const code =
    typeof b.error === 'string'
      ? b.error
      : b.error && typeof b.error === 'object' && 'title' in b.error
        ? String((b.error as { title: unknown }).title)
        : undefined;
  const description =
    typeof b.description === 'string'
      ? b.description
      : b.error && typeof b.error === 'object' && 'message' in b.error
        ? String((b.error as { message: unknown }).message)
        : '';
  const details = b.details
    ? Object.entries(b.details)
        .map(([field, list]) =>
          (Array.isArray(list) ? list : [])
            .map((d) => `${field}: ${d.description ?? ''}${d.error ? ` [${d.error}]` : ''}`)
            .join('; '),
        )
        .filter(Boolean)
        .join('; ')
    : '';
  const message = [code, description].filter(Boolean).join(': ') + (details ? ` (${details})` : '');
  return { code, message: message || 'no description' };
}

/**
 * A failure of a whole Zendesk call, decided once (STYLE rule 5):
 * - 429 → transient with `retryAfterMs` from `Retry-After`; the account asked the hub to wait, which says nothing
 *   about the record (`targetUnavailable`);
 * - 5xx, 409 (a concurrent update of the same record [H]) and no answer at all → transient (503 keeps its delay);
 * - 401/403 → permanent: the credentials or the token's role are wrong, and retrying the record cannot fix that;
 * - 404 → permanent with vendor code NOT_FOUND;
 * - 422 and other 4xx → permanent with Zendesk's error code and message (its `details` kept verbatim).
 * Anything else (a TypeError…) is a programmer error and stays as thrown.
 */
export function mapZendeskError(error: unknown): TransientError | PermanentError {
  if (error instanceof TransientError || error instanceof PermanentError) return error;
  if (error instanceof ZendeskNetworkError) {
    return new TransientError(error.timedOut ? 'ZENDESK_TIMEOUT' : 'ZENDESK_UNREACHABLE', error.message, {
      cause: error,
    });
  }
  if (!(error instanceof ZendeskHttpError)) throw error;
  const { status } = error;
  const { code, message } = describeZendeskError(error.body);
  const text = `Zendesk ${status} on ${error.route}: ${message}`;
  if (status === 429) {
    return new TransientError('HTTP_429', text, {
      retryAfterMs: error.retryAfterMs,
      cause: error,
      targetUnavailable: true,
    });
  }
  if (status >= 500 || status === 409) {
    return new TransientError(`HTTP_${status}`, text, { retryAfterMs: error.retryAfterMs, cause: error });
  }
  if (status === 404) {
    return new PermanentError(PermanentErrorCode.REJECTED_BY_TARGET, text, {
      vendorCode: 'NOT_FOUND',
      detail: error.body,
      cause: error,
    });
  }
  return new PermanentError(PermanentErrorCode.REJECTED_BY_TARGET, text, {
    vendorCode: code ?? `HTTP_${status}`,
    detail: error.body,
    cause: error,
  });
}

/**
 * One failed item of a bulk job. A duplicate external id on a create is transient [H]: the record was created by a
 * concurrent call between the adapter's lookup and its job, so the next attempt finds it and updates it.
 */
export function mapJobItemFailure(item: ZendeskJobItemFailure, what: string): TransientError | PermanentError {
  const details = typeof item.details === 'string' ? item.details : JSON.stringify(item.details ?? null);
  const code = item.error ?? 'Failed';
  const message = `Zendesk refused ${what}: ${code}${item.details ? `: ${details}` : ''}`;
  if (/external/i.test(details) && /taken|already/i.test(details)) {
    return new TransientError('DUPLICATE_EXTERNAL_ID', message);
  }
  return new PermanentError(PermanentErrorCode.REJECTED_BY_TARGET, message, { vendorCode: code, detail: item });
}

/** A person whose organization is not in Zendesk yet: parked until the hub has written it. */
export function organizationNotYetInDesk(externalId: string): DeferredError {
  return new DeferredError(
    'ORGANIZATION_NOT_IN_DESK',
    `organization ${externalId} is not in Zendesk yet: it must be upserted before its people`,
  );
}
