import { loadProjectorOdooConfig } from './config';

const base = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8080/apis/ccompat/v7',
  HUB_DATABASE_URL: 'postgres://hub:hub@127.0.0.1:5432/hub',
  AUDIT_HASH_KEY: 'audit-hash-key-0123456789abcdefghijkl',
  AUDIT_API_TOKENS: 'auditor=audit-token-0123456789abcdefghij',
  ODOO_URL: 'http://127.0.0.1:8069',
  ODOO_DATABASE: 'odoo',
  ODOO_API_KEY: 'k',
  WORK_QUEUE_TOKENS: 'order-desk=desk-token-0123456789abcdefghij',
};

describe('projector-odoo configuration', () => {
  it('takes console tokens apart from operator tokens', () => {
    const config = loadProjectorOdooConfig({
      ...base,
      WORK_QUEUE_CONSOLE_TOKENS: 'console=console-token-0123456789abcdefgh',
    });
    expect([...config.WORK_QUEUE_TOKENS]).toEqual([['desk-token-0123456789abcdefghij', 'order-desk']]);
    expect([...config.WORK_QUEUE_CONSOLE_TOKENS!]).toEqual([['console-token-0123456789abcdefgh', 'console']]);
  });

  it('needs no console token', () => {
    expect(loadProjectorOdooConfig(base).WORK_QUEUE_CONSOLE_TOKENS).toBeUndefined();
  });

  it('refuses a token that is both a console token and an operator token, and a short one', () => {
    expect(() =>
      loadProjectorOdooConfig({ ...base, WORK_QUEUE_CONSOLE_TOKENS: 'console=desk-token-0123456789abcdefghij' }),
    ).toThrow(/WORK_QUEUE_CONSOLE_TOKENS: a console token must not also be an operator token/);
    expect(() => loadProjectorOdooConfig({ ...base, WORK_QUEUE_CONSOLE_TOKENS: 'console=short' })).toThrow(
      /WORK_QUEUE_CONSOLE_TOKENS=<redacted>: expected name=token pairs/,
    );
  });

  it('names a short audit hash key and bad audit tokens, and takes the retention', () => {
    expect(() =>
      loadProjectorOdooConfig({ ...base, AUDIT_HASH_KEY: 'short', AUDIT_API_TOKENS: 'auditor=short' }),
    ).toThrow(
      /AUDIT_HASH_KEY=<redacted>: must be at least 32 characters[\s\S]*AUDIT_API_TOKENS=<redacted>: expected name=token/,
    );
    const { AUDIT_HASH_KEY: _key, AUDIT_API_TOKENS: _tokens, ...withoutAudit } = base;
    expect(() => loadProjectorOdooConfig(withoutAudit)).toThrow(
      /AUDIT_HASH_KEY is required[\s\S]*AUDIT_API_TOKENS is required/,
    );
    const config = loadProjectorOdooConfig({ ...base, AUDIT_RETENTION_DAYS: '30' });
    expect(config.AUDIT_RETENTION_DAYS).toBe(30);
    expect([...config.AUDIT_API_TOKENS]).toEqual([['audit-token-0123456789abcdefghij', 'auditor']]);
  });
});
