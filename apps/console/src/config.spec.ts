import { loadConsoleConfig } from './config';

const hash = `scrypt$16384$8$1$${'A'.repeat(22)}$${'B'.repeat(43)}`;
const base = {
  PROJECTOR_ODOO_URL: 'http://127.0.0.1:3104/',
  CONSOLE_OPERATOR_TOKEN: 'console-token-0123456789abcdefgh',
  HUB_SERVICES: 'odoo-cdc=http://127.0.0.1:3101,projector-odoo=http://127.0.0.1:3104/',
  CONSOLE_USERS: `alice:operator:${hash},vic:viewer:${hash}`,
  CONSOLE_SESSION_SECRET: 's'.repeat(32),
};

describe('console configuration', () => {
  it('reads users with their roles, services by name, and the session limits', () => {
    const config = loadConsoleConfig(base);
    expect(config.PROJECTOR_ODOO_URL).toBe('http://127.0.0.1:3104');
    expect([...config.HUB_SERVICES]).toEqual([
      ['odoo-cdc', 'http://127.0.0.1:3101'],
      ['projector-odoo', 'http://127.0.0.1:3104'],
    ]);
    expect(config.CONSOLE_USERS.get('vic')).toEqual({ name: 'vic', role: 'viewer', passwordHash: hash });
    expect(config).toMatchObject({
      HTTP_PORT: 3105,
      CONSOLE_SESSION_IDLE_MS: 1_800_000,
      CONSOLE_SESSION_MAX_MS: 43_200_000,
      CONSOLE_COOKIE_SECURE: true,
      JAEGER_UI_URL: 'http://localhost:16686',
    });
  });

  it('names every bad variable, and never shows a secret', () => {
    let message = '';
    try {
      loadConsoleConfig({
        ...base,
        HUB_SERVICES: 'odoo-cdc',
        CONSOLE_USERS: 'alice:admin:plain-password',
        CONSOLE_SESSION_SECRET: 'short',
        CONSOLE_OPERATOR_TOKEN: undefined,
        AUDIT_API_TOKEN: 'console-audit-token-0123456789abcd',
        JAEGER_UI_URL: 'jaeger',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/HUB_SERVICES="odoo-cdc": expected name=http\(s\):\/\/host:port pairs/);
    expect(message).toMatch(/CONSOLE_USERS=<redacted>: user alice: role must be one of viewer, operator/);
    expect(message).toMatch(/CONSOLE_SESSION_SECRET=<redacted>: expected at least 32 characters/);
    expect(message).toMatch(/CONSOLE_OPERATOR_TOKEN is required/);
    expect(message).toMatch(/AUDIT_API_TOKEN=<redacted>: no longer read: the console uses CONSOLE_OPERATOR_TOKEN/);
    expect(message).not.toContain('console-audit-token');
    expect(message).toMatch(/JAEGER_UI_URL="jaeger": Invalid url/);
    expect(message).not.toContain('plain-password');
  });

  it('refuses a short operator token without showing it', () => {
    expect(() => loadConsoleConfig({ ...base, CONSOLE_OPERATOR_TOKEN: 'short-token' })).toThrow(
      /CONSOLE_OPERATOR_TOKEN=<redacted>: expected the token listed with role console/,
    );
  });

  it('refuses a password that is not a hash, and a user listed twice', () => {
    expect(() => loadConsoleConfig({ ...base, CONSOLE_USERS: 'alice:operator:hunter2' })).toThrow(
      /user alice: expected a hash from npm run console:hash-password/,
    );
    expect(() => loadConsoleConfig({ ...base, CONSOLE_USERS: `alice:operator:${hash},alice:viewer:${hash}` })).toThrow(
      /user alice is listed twice/,
    );
  });
});
