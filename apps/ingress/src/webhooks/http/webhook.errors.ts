import type { ZodError } from 'zod';
import type { IntakeSource } from '../../intake/intake.port';

/** Where a webhook came from: the intake source of its route, its label in metrics and logs. */
export type WebhookSource = Exclude<IntakeSource, 'salesforce-cdc'>;

/** How a webhook request ended, as counted in `hub_webhook_requests_total{outcome}`. */
export type WebhookOutcome =
  | 'accepted'
  | 'duplicate'
  | 'ignored'
  | 'malformed'
  | 'unsupported_media_type'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_configured'
  | 'rate_limited'
  | 'unavailable'
  | 'rejected'
  | 'failed';

/**
 * A webhook request the hub refuses before anything was handed to the intake: the sender gets `status` and the
 * message, nothing is acknowledged. Messages name what is wrong but never echo a secret or a body.
 */
export abstract class WebhookRefusal extends Error {
  abstract readonly status: number;
  abstract readonly outcome: WebhookOutcome;
}

/** The body is not what the route expects (400): the message names the field path or the parse error. */
export class MalformedWebhookError extends WebhookRefusal {
  override readonly name = 'MalformedWebhookError';
  readonly status = 400;
  readonly outcome = 'malformed' as const;
}

/** The body came with a content type the route does not read (415). */
export class UnsupportedMediaTypeWebhookError extends WebhookRefusal {
  override readonly name = 'UnsupportedMediaTypeWebhookError';
  readonly status = 415;
  readonly outcome = 'unsupported_media_type' as const;
}

/** Signature or shared secret missing, wrong, or its timestamp outside the window (401). */
export class UnauthenticatedWebhookError extends WebhookRefusal {
  override readonly name = 'UnauthenticatedWebhookError';
  readonly status = 401;
  readonly outcome = 'unauthenticated' as const;
  constructor(
    message: string,
    /** The `WWW-Authenticate` challenge, for a route that authenticates by an HTTP scheme (basic). */
    readonly challenge?: string,
  ) {
    super(message);
  }
}

/** The sender is identified and not allowed: a Salesforce org other than the configured one (403). */
export class ForbiddenWebhookError extends WebhookRefusal {
  override readonly name = 'ForbiddenWebhookError';
  readonly status = 403;
  readonly outcome = 'forbidden' as const;
}

/** The route's secret (or org) is not configured: the front door is closed, as if absent (404). */
export class WebhookNotConfiguredError extends WebhookRefusal {
  override readonly name = 'WebhookNotConfiguredError';
  readonly status = 404;
  readonly outcome = 'not_configured' as const;
}

/** The source's token bucket is empty (429); `retryAfterMs` is when the next token drips in. */
export class RateLimitedWebhookError extends WebhookRefusal {
  override readonly name = 'RateLimitedWebhookError';
  readonly status = 429;
  readonly outcome = 'rate_limited' as const;
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/** The zod issues of a refused body as `path: problem` pairs, with `prefix` before each path (e.g. `detail`). */
export function describeIssues(error: ZodError, prefix?: string): string {
  return error.issues
    .map((issue) => {
      const path = [...(prefix ? [prefix] : []), ...issue.path].join('.') || '(body)';
      return `${path}: ${issue.message}`;
    })
    .join('; ');
}
