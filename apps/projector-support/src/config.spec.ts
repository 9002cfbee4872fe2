import { loadProjectorSupportConfig } from './config';

const base = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8080/apis/ccompat/v7',
  HUB_DATABASE_URL: 'postgres://hub:hub@127.0.0.1:5432/hub',
  AUDIT_HASH_KEY: 'audit-hash-key-0123456789abcdefghijkl',
  HUB_OPERATOR_TOKENS: 'ops:operator=operator-token-0123456789abcdef',
};

describe('projector-support configuration', () => {
  it('takes the chosen platform’s variables', () => {
    const config = loadProjectorSupportConfig({
      ...base,
      SUPPORT_PLATFORM: 'freshdesk',
      FRESHDESK_URL: 'http://127.0.0.1:4530',
      FRESHDESK_API_KEY: 'k',
    });
    expect(config).toMatchObject({
      SUPPORT_PLATFORM: 'freshdesk',
      FRESHDESK_API_KEY: 'k',
      SUPPORT_BATCH_LINGER_MS: 500,
    });
  });

  it('names every variable the chosen platform lacks', () => {
    expect(() =>
      loadProjectorSupportConfig({ ...base, SUPPORT_PLATFORM: 'zendesk', ZENDESK_URL: 'http://127.0.0.1:4520' }),
    ).toThrow(/ZENDESK_EMAIL is required with SUPPORT_PLATFORM=zendesk[\s\S]*ZENDESK_API_TOKEN is required/);
  });

  it('takes Odoo for returns as a whole: ODOO_URL asks for its database and key, a bad return tag is named', () => {
    const freshdesk = { ...base, SUPPORT_PLATFORM: 'freshdesk', FRESHDESK_URL: 'http://fd', FRESHDESK_API_KEY: 'k' };
    expect(loadProjectorSupportConfig(freshdesk)).toMatchObject({ SUPPORT_RETURN_TAG: 'return_request' });
    expect(() => loadProjectorSupportConfig({ ...freshdesk, ODOO_URL: 'http://127.0.0.1:8069' })).toThrow(
      /ODOO_DATABASE is required with ODOO_URL[\s\S]*ODOO_API_KEY is required with ODOO_URL/,
    );
    expect(() => loadProjectorSupportConfig({ ...freshdesk, SUPPORT_RETURN_TAG: 'Return Request' })).toThrow(
      /SUPPORT_RETURN_TAG/,
    );
  });

  it('refuses an unknown platform, naming the variable', () => {
    expect(() => loadProjectorSupportConfig({ ...base, SUPPORT_PLATFORM: 'servicenow' })).toThrow(/SUPPORT_PLATFORM/);
  });
});
