import type { RateLimitGate } from '../rate-limit.gate';

/**
 * How the Zendesk adapter reaches one account. Built by the app's config from its environment (the wiring comes
 * with the projector's flows); `apiToken` is a secret and is never logged.
 */
export interface ZendeskSettings {
  /** `https://{subdomain}.zendesk.com/api/v2`, or a sandbox's `http://127.0.0.1:4520/api/v2`. */
  endpointUri: string;
  /** The token owner's email: Basic `{email}/token:{api_token}`. Ignored with `oauth`. */
  email: string;
  /** The API token, or with `oauth` an OAuth access token sent as `Bearer`. */
  apiToken: string;
  oauth?: boolean;
  /** Per HTTP request; past it the call is a TransientError ZENDESK_TIMEOUT. Default 30 s. */
  requestTimeoutMs?: number;
  /** Between two reads of a bulk job's status. Default 1 s (Zendesk jobs usually finish within seconds [H]). */
  jobPollIntervalMs?: number;
  /** Reads of a job's status before giving up with a TransientError JOB_TIMEOUT. Default 60. */
  jobMaxPolls?: number;
  /** The account's rate limit: 429s waited out and retried per request. Default: 4 retries, waits up to 60 s. */
  rateLimit?: RateLimitGate;
}
