import { PermanentError, PermanentErrorCode, TransientError } from '@hub/resilience';
import { FreshdeskHttpError } from './freshdesk.client';

/** When a 429 carries no usable `Retry-After`: Freshdesk's budget is per minute. */
export const DEFAULT_RATE_LIMIT_BACKOFF_MS = 60_000;

const NETWORK =
  /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|UND_ERR|socket hang up|fetch failed|other side closed/i;

/** `Retry-After` as seconds or an HTTP date, in milliseconds; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Freshdesk's message of a refusal: `description` and each `errors[]` item (`field: message (code)`). */
export function describeFreshdeskError(error: FreshdeskHttpError): string {
  const body = error.body as { description?: unknown; message?: unknown; code?: unknown } | string | undefined;
  const head = typeof body === 'object' && body ? String(body.description ?? body.message ?? body.code ?? '') : '';
  const items = error.fieldErrors.map((e) => `${e.field ?? '?'}: ${e.message ?? ''} (${e.code ?? '?'})`);
  const detail = [head, ...items].filter(Boolean).join('; ');
  return `${error.message}${detail ? `: ${detail}` : ''}`;
}

/**
 * Maps what the Freshdesk client threw to the hub's two kinds (STYLE rule 5):
 * - 429: transient, `retryAfterMs` from `Retry-After` (else a minute), `targetUnavailable` (the account's budget is
 *   spent: nothing is wrong with the record);
 * - 5xx, network failures and timeouts: transient;
 * - 401/403: permanent (a bad or under-privileged API key: no retry fixes it);
 * - 404: permanent, vendor code `NOT_FOUND`;
 * - 400/409 and other 4xx: permanent, vendor code the first `errors[].code` (`duplicate_value`, `invalid_value`…)
 *   or `HTTP_<status>`, Freshdesk's body kept as `detail`;
 * - a TypeError that is not fetch's network failure is our bug: permanent `UNEXPECTED`.
 */
export function mapFreshdeskError(error: unknown): TransientError | PermanentError {
  if (error instanceof TransientError || error instanceof PermanentError) return error;
  if (error instanceof FreshdeskHttpError) {
    const message = describeFreshdeskError(error);
    const { status } = error;
    if (status === 429) {
      return new TransientError('HTTP_429', message, {
        retryAfterMs: retryAfterMs(error.retryAfter) ?? DEFAULT_RATE_LIMIT_BACKOFF_MS,
        targetUnavailable: true,
        cause: error,
      });
    }
    if (status >= 500 || status === 408) {
      return new TransientError(`HTTP_${status}`, message, {
        retryAfterMs: retryAfterMs(error.retryAfter),
        cause: error,
      });
    }
    const bodyCode = (error.body as { code?: unknown } | undefined)?.code;
    const vendorCode =
      status === 404
        ? 'NOT_FOUND'
        : (error.fieldErrors[0]?.code ?? (typeof bodyCode === 'string' ? bodyCode : undefined) ?? `HTTP_${status}`);
    return new PermanentError(PermanentErrorCode.REJECTED_BY_TARGET, message, {
      vendorCode,
      detail: error.body,
      cause: error,
    });
  }
  const e = error as { name?: string; message?: string; code?: string; cause?: { code?: string; message?: string } };
  const message = `${e?.name ?? 'Error'}: ${e?.message ?? String(error)}`;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError')
    return new TransientError('TIMEOUT', message, { cause: error });
  if ([e?.code, e?.cause?.code, e?.message, e?.cause?.message].some((v) => typeof v === 'string' && NETWORK.test(v))) {
    return new TransientError('NETWORK', message, { cause: error });
  }
  return new PermanentError(PermanentErrorCode.UNEXPECTED, message, { cause: error });
}

/** Whether a mapped error is about the one record (its result), rather than the whole call (thrown). */
export function isRecordError(error: TransientError | PermanentError): boolean {
  if (!(error instanceof PermanentError) || !(error.cause instanceof FreshdeskHttpError)) return false;
  const { status } = error.cause;
  return status === 400 || status === 404 || status === 409 || status === 422;
}
