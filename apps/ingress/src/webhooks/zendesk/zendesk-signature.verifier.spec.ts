import { UnauthenticatedWebhookError } from '../http/webhook.errors';
import { signLikeZendesk, verifyZendeskSignature } from './zendesk-signature.verifier';

// The test secret of Zendesk's "Verifying webhook authenticity" page.
const SECRET = 'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==';
const TIMESTAMP = '2021-07-25T10:00:00Z';
const NOW = Date.parse(TIMESTAMP) + 30_000;
const BODY = Buffer.from('{"type":"zen:event-type:ticket.created","id":"01H"}');
const options = { toleranceMs: 300_000, now: NOW };

const verify = (overrides: Partial<Parameters<typeof verifyZendeskSignature>[0]>, secret = SECRET, opts = options) =>
  verifyZendeskSignature(
    { signature: signLikeZendesk(SECRET, TIMESTAMP, BODY), timestamp: TIMESTAMP, rawBody: BODY, ...overrides },
    secret,
    opts,
  );

describe('verifyZendeskSignature', () => {
  it('accepts base64(HMAC-SHA256(secret, timestamp + body)) with the secret used as its literal string', () => {
    expect(() => verify({})).not.toThrow();
  });

  it("accepts the worked example of Zendesk's older page, which signs body + timestamp", () => {
    expect(() =>
      verifyZendeskSignature(
        {
          signature: 'tRDSF7URY8BLCDlaBcQ7FHu051Zk+aAB0NKMP53teMw=',
          timestamp: TIMESTAMP,
          rawBody: Buffer.from('{"say": "hello"}'),
        },
        'HRkRd4BeOAoUkfZr-mhauJT64rvBASlJRoIyPsd3zeA=',
        options,
      ),
    ).not.toThrow();
  });

  it('refuses a wrong signature, a signature of another body, and a truncated one', () => {
    expect(() => verify({ signature: signLikeZendesk(SECRET, TIMESTAMP, 'other body') })).toThrow(
      'X-Zendesk-Webhook-Signature does not match the body',
    );
    expect(() => verify({ rawBody: Buffer.concat([BODY, Buffer.from(' ')]) })).toThrow(UnauthenticatedWebhookError);
    expect(() => verify({ signature: signLikeZendesk(SECRET, TIMESTAMP, BODY).slice(0, 20) })).toThrow(
      'does not match the body',
    );
    expect(() => verify({ signature: 'not base64 at all' })).toThrow('does not match the body');
  });

  it('refuses a signature made with another secret', () => {
    expect(() => verify({}, 'another-secret-entirely-0000')).toThrow('does not match the body');
  });

  it('refuses a request without signature or timestamp, naming the missing header', () => {
    expect(() => verify({ signature: undefined })).toThrow('missing X-Zendesk-Webhook-Signature header');
    expect(() => verify({ signature: '' })).toThrow('missing X-Zendesk-Webhook-Signature header');
    expect(() => verify({ timestamp: undefined })).toThrow('missing X-Zendesk-Webhook-Signature-Timestamp header');
  });

  it('refuses a timestamp outside the window, either way, even when correctly signed (a replay)', () => {
    const old = '2021-07-25T09:50:00Z';
    expect(() => verify({ timestamp: old, signature: signLikeZendesk(SECRET, old, BODY) })).toThrow(
      'X-Zendesk-Webhook-Signature-Timestamp is more than 300 s from the hub',
    );
    const ahead = '2021-07-25T10:10:00Z';
    expect(() => verify({ timestamp: ahead, signature: signLikeZendesk(SECRET, ahead, BODY) })).toThrow(
      UnauthenticatedWebhookError,
    );
    expect(() => verify({}, SECRET, { toleranceMs: 10_000, now: NOW })).toThrow('more than 10 s');
  });

  it('refuses an unreadable timestamp', () => {
    expect(() => verify({ timestamp: 'yesterday' })).toThrow('is not an ISO-8601 time');
  });

  it('signs an empty body (GET/DELETE webhooks) as the timestamp alone', () => {
    const empty = Buffer.alloc(0);
    expect(() => verify({ rawBody: empty, signature: signLikeZendesk(SECRET, TIMESTAMP, empty) })).not.toThrow();
  });
});
