import { loadSandboxConfig } from './sandbox.config';

describe('loadSandboxConfig', () => {
  it('defaults to port 4520, 700 requests a minute, jobs done after 2 polls, no webhook endpoint', () => {
    const config = loadSandboxConfig({});
    expect(config).toMatchObject({ port: 4520, host: '127.0.0.1', rateLimitPerMinute: 700, jobPollsToComplete: 2 });
    expect(config.webhook).toMatchObject({ endpoints: [], format: 'events', maxAttempts: 3 });
  });

  it('reads the webhook endpoints as a comma-separated list', () => {
    const config = loadSandboxConfig({
      ZD_SANDBOX_WEBHOOK_URL: 'http://a:1/x, http://b:2/y',
      ZD_SANDBOX_WEBHOOK_FORMAT: 'trigger',
    });
    expect(config.webhook).toMatchObject({ endpoints: ['http://a:1/x', 'http://b:2/y'], format: 'trigger' });
  });

  it('fails naming every bad variable', () => {
    expect(() =>
      loadSandboxConfig({
        ZD_SANDBOX_PORT: 'x',
        ZD_SANDBOX_RATE_LIMIT: '0',
        ZD_SANDBOX_WEBHOOK_URL: 'ftp://nope',
        ZD_SANDBOX_WEBHOOK_SECRET: 'short',
      }),
    ).toThrow(
      /SECRET must be at least 16.*ZD_SANDBOX_PORT must be an integer.*ZD_SANDBOX_RATE_LIMIT must be an integer.*ZD_SANDBOX_WEBHOOK_URL must be/,
    );
  });
});
