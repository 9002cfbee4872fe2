import { loadProjectorOdooConfig } from './config';

const base = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8080/apis/ccompat/v7',
  HUB_DATABASE_URL: 'postgres://hub:hub@127.0.0.1:5432/hub',
  AUDIT_HASH_KEY: 'audit-hash-key-0123456789abcdefghijkl',
  ODOO_URL: 'http://127.0.0.1:8069',
  ODOO_DATABASE: 'odoo',
  ODOO_API_KEY: 'k',
  HUB_OPERATOR_TOKENS:
    'order-desk:operator=desk-token-0123456789abcdefghij,console:console=console-token-0123456789abcdefgh',
};

describe('projector-odoo configuration', () => {
  it('takes the operator API tokens with their roles', () => {
    const config = loadProjectorOdooConfig(base);
    expect([...config.HUB_OPERATOR_TOKENS]).toEqual([
      ['desk-token-0123456789abcdefghij', { name: 'order-desk', role: 'operator' }],
      ['console-token-0123456789abcdefgh', { name: 'console', role: 'console' }],
    ]);
  });

  it('needs operator tokens, and names a retired per-API variable with what replaced it', () => {
    const { HUB_OPERATOR_TOKENS: _tokens, ...without } = base;
    expect(() => loadProjectorOdooConfig(without)).toThrow(/HUB_OPERATOR_TOKENS is required/);
    expect(() =>
      loadProjectorOdooConfig({ ...base, WORK_QUEUE_TOKENS: 'order-desk=desk-token-0123456789abcdefghij' }),
    ).toThrow(/WORK_QUEUE_TOKENS=<redacted>: no longer read: list its callers in HUB_OPERATOR_TOKENS/);
  });

  it('names a short audit hash key, and takes the retention', () => {
    expect(() => loadProjectorOdooConfig({ ...base, AUDIT_HASH_KEY: 'short' })).toThrow(
      /AUDIT_HASH_KEY=<redacted>: must be at least 32 characters/,
    );
    const { AUDIT_HASH_KEY: _key, ...withoutAudit } = base;
    expect(() => loadProjectorOdooConfig(withoutAudit)).toThrow(/AUDIT_HASH_KEY is required/);
    const config = loadProjectorOdooConfig({ ...base, AUDIT_RETENTION_DAYS: '30' });
    expect(config.AUDIT_RETENTION_DAYS).toBe(30);
  });
});
