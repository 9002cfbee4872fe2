import { loadSandboxConfig } from './sandbox.config';

describe('loadSandboxConfig', () => {
  it('defaults to the stack: port 8069, the odoo database, the hub user', () => {
    expect(loadSandboxConfig({})).toMatchObject({
      port: 8069,
      host: '127.0.0.1',
      databaseUrl: 'postgres://hub:hub@127.0.0.1:5432/odoo',
      hubLogin: 'hub-integration',
      hubPassword: undefined,
      adminPassword: 'admin',
      serverVersion: '17.0',
    });
  });

  it('names every bad key in one error', () => {
    expect(() =>
      loadSandboxConfig({
        ODOO_SANDBOX_PORT: 'x',
        ODOO_SANDBOX_DATABASE_URL: 'mysql://db',
        ODOO_SANDBOX_DB_FILTER: '(',
        ODOO_SANDBOX_SERVER_VERSION: 'nineteen',
      }),
    ).toThrow(/ODOO_SANDBOX_PORT.*ODOO_SANDBOX_DATABASE_URL.*ODOO_SANDBOX_DB_FILTER.*ODOO_SANDBOX_SERVER_VERSION/);
  });
});
