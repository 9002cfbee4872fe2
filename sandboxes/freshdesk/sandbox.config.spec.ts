import { loadSandboxConfig } from './sandbox.config';

describe('Freshdesk sandbox configuration', () => {
  it('uses the documented defaults: port 4530, no webhooks, short retry delays', () => {
    expect(loadSandboxConfig({})).toMatchObject({
      port: 4530,
      host: '127.0.0.1',
      apiKeys: ['sandbox-freshdesk-api-key'],
      rateLimitPerMinute: 400,
      webhook: { url: undefined, auth: { kind: 'none' }, retryDelaysMs: [500, 3000, 6000], timeoutMs: 10_000 },
    });
  });

  it('reads the webhook settings; the secret header is the default auth when a secret is set', () => {
    expect(
      loadSandboxConfig({
        FD_SANDBOX_WEBHOOK_URL: 'http://ingress:3100/webhooks/freshdesk',
        FD_SANDBOX_WEBHOOK_SECRET: 'freshdesk-shared-secret-123',
        FD_SANDBOX_WEBHOOK_RETRY_DELAYS_MS: '300000,1800000,3600000',
      }).webhook,
    ).toMatchObject({
      auth: { kind: 'header', header: 'X-Hub-Webhook-Secret', secret: 'freshdesk-shared-secret-123' },
      retryDelaysMs: [300_000, 1_800_000, 3_600_000],
    });
  });

  it('names every bad variable, without echoing the secret', () => {
    let message = '';
    try {
      loadSandboxConfig({
        FD_SANDBOX_PORT: 'x',
        FD_SANDBOX_RATE_LIMIT_PER_MINUTE: '0',
        FD_SANDBOX_WEBHOOK_URL: 'ftp://x',
        FD_SANDBOX_WEBHOOK_AUTH: 'basic-password',
        FD_SANDBOX_WEBHOOK_RETRY_DELAYS_MS: '5,-1',
      });
    } catch (e) {
      message = (e as Error).message;
    }
    for (const key of [
      'FD_SANDBOX_PORT',
      'FD_SANDBOX_RATE_LIMIT_PER_MINUTE',
      'FD_SANDBOX_WEBHOOK_URL',
      'FD_SANDBOX_WEBHOOK_SECRET',
      'FD_SANDBOX_WEBHOOK_RETRY_DELAYS_MS',
    ]) {
      expect(message).toContain(key);
    }
  });
});
