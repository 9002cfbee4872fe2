import { createHmac, timingSafeEqual } from 'node:crypto';
import { UnauthenticatedWebhookError } from '../http/webhook.errors';

export const ZENDESK_SIGNATURE_HEADER = 'X-Zendesk-Webhook-Signature';
export const ZENDESK_TIMESTAMP_HEADER = 'X-Zendesk-Webhook-Signature-Timestamp';

export interface ZendeskSignedRequest {
  /** `X-Zendesk-Webhook-Signature`: base64 of a 32-byte HMAC-SHA256. */
  signature: string | undefined;
  /** `X-Zendesk-Webhook-Signature-Timestamp`, ISO-8601 (e.g. 2021-07-25T10:00:00Z). */
  timestamp: string | undefined;
  /** The body exactly as received; empty for a request without one. */
  rawBody: Buffer;
}

const hmac = (secret: string, ...parts: (string | Buffer)[]) => {
  const mac = createHmac('sha256', secret);
  for (const part of parts) mac.update(part);
  return mac.digest();
};

/**
 * Checks a Zendesk webhook's signature: base64(HMAC-SHA256(key = the signing secret as its literal string,
 * message = TIMESTAMP + BODY)) over the raw body, and that the timestamp is within `toleranceMs` of `now` (replays).
 * Throws {@link UnauthenticatedWebhookError} naming what failed, never a value.
 *
 * Zendesk's current "verifying" page signs TIMESTAMP + BODY; an older edition of it wrote BODY + TIMESTAMP and its
 * worked example verifies only in that order, so BODY + TIMESTAMP is accepted too. Both need the secret, and both
 * are always computed, so the time taken does not say which order (if any) matched.
 */
export function verifyZendeskSignature(
  request: ZendeskSignedRequest,
  secret: string,
  options: { toleranceMs: number; now: number },
): void {
  const { signature, timestamp, rawBody } = request;
  if (!signature) throw new UnauthenticatedWebhookError(`missing ${ZENDESK_SIGNATURE_HEADER} header`);
  if (!timestamp) throw new UnauthenticatedWebhookError(`missing ${ZENDESK_TIMESTAMP_HEADER} header`);
  const signedAt = Date.parse(timestamp);
  if (!Number.isFinite(signedAt)) {
    throw new UnauthenticatedWebhookError(`${ZENDESK_TIMESTAMP_HEADER} is not an ISO-8601 time`);
  }
  if (Math.abs(options.now - signedAt) > options.toleranceMs) {
    throw new UnauthenticatedWebhookError(
      `${ZENDESK_TIMESTAMP_HEADER} is more than ${Math.round(options.toleranceMs / 1000)} s from the hub's clock`,
    );
  }
  const offered = Buffer.from(signature, 'base64');
  const current = hmac(secret, timestamp, rawBody);
  const legacy = hmac(secret, rawBody, timestamp);
  // timingSafeEqual needs equal lengths; a wrong-length signature is compared with itself and then refused.
  const sized = offered.length === current.length ? offered : current;
  const matches = [timingSafeEqual(sized, current), timingSafeEqual(sized, legacy)];
  if (sized !== offered || !matches.some(Boolean)) {
    throw new UnauthenticatedWebhookError(`${ZENDESK_SIGNATURE_HEADER} does not match the body`);
  }
}

/** Signs like Zendesk (TIMESTAMP + BODY): for tests and local fakes. */
export function signLikeZendesk(secret: string, timestamp: string, rawBody: string | Buffer): string {
  return hmac(secret, timestamp, rawBody).toString('base64');
}
