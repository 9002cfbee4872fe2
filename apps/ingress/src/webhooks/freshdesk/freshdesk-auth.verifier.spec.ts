import { UnauthenticatedWebhookError } from '../http/webhook.errors';
import { authenticateFreshdesk } from './freshdesk-auth.verifier';

const settings = { secret: 'freshdesk-shared-secret-123', secretHeader: 'X-Hub-Webhook-Secret' };
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const authenticate = (secretHeader?: string, authorization?: string) =>
  authenticateFreshdesk({ secretHeader, authorization }, settings);

describe('authenticateFreshdesk', () => {
  it('accepts the secret in the configured header', () => {
    expect(() => authenticate('freshdesk-shared-secret-123')).not.toThrow();
  });

  it('accepts basic auth with the secret as password, or as user name (the API-key form)', () => {
    expect(() => authenticate(undefined, basic('freshdesk', 'freshdesk-shared-secret-123'))).not.toThrow();
    expect(() => authenticate(undefined, basic('freshdesk-shared-secret-123', 'X'))).not.toThrow();
  });

  it('refuses a wrong or missing secret, with a basic challenge and without echoing what was sent', () => {
    for (const [header, authorization] of [
      [undefined, undefined],
      ['freshdesk-shared-secret-12', undefined],
      ['', undefined],
      [undefined, basic('freshdesk', 'wrong')],
      [undefined, 'Bearer freshdesk-shared-secret-123'],
      [undefined, 'Basic not-base64!'],
    ] as const) {
      let error: unknown;
      try {
        authenticate(header, authorization);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UnauthenticatedWebhookError);
      expect((error as UnauthenticatedWebhookError).challenge).toMatch(/^Basic realm=/);
      expect((error as Error).message).toBe(
        'missing or wrong shared secret (X-Hub-Webhook-Secret header or basic auth)',
      );
    }
  });
});
