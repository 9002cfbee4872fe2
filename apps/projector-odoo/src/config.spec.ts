import { loadProjectorOdooConfig } from './config';

const base = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8080/apis/ccompat/v7',
  HUB_DATABASE_URL: 'postgres://hub:hub@127.0.0.1:5432/hub',
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
});
