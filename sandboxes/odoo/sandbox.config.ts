import type { OdooSandboxOptions } from './odoo-sandbox';

/** The command-line sandbox's settings, read once from the environment. */
export interface SandboxConfig extends OdooSandboxOptions {
  port: number;
  host: string;
}

type Env = Record<string, string | undefined>;

/**
 * Reads `ODOO_SANDBOX_*` variables; throws one error naming every bad key.
 *
 * ODOO_SANDBOX_PORT (8069), ODOO_SANDBOX_HOST (127.0.0.1),
 * ODOO_SANDBOX_DATABASE_URL (postgres://hub:hub@127.0.0.1:5432/odoo), ODOO_SANDBOX_DB_FILTER (^odoo),
 * ODOO_SANDBOX_HUB_LOGIN (hub-integration), ODOO_SANDBOX_HUB_PASSWORD (none: API keys only),
 * ODOO_SANDBOX_ADMIN_PASSWORD (admin), ODOO_SANDBOX_SERVER_VERSION (17.0).
 */
export function loadSandboxConfig(env: Env): SandboxConfig {
  const errors: string[] = [];
  const text = (key: string, fallback: string) => {
    const value = env[key];
    return value === undefined || value === '' ? fallback : value;
  };
  const rawPort = text('ODOO_SANDBOX_PORT', '8069');
  const port = Number(rawPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    errors.push(`ODOO_SANDBOX_PORT must be an integer in [0, 65535], got '${rawPort}'`);
  }
  const databaseUrl = text('ODOO_SANDBOX_DATABASE_URL', 'postgres://hub:hub@127.0.0.1:5432/odoo');
  if (!/^postgres(ql)?:\/\/[^/\s]+\/[^/\s?]+/.test(databaseUrl)) {
    errors.push(`ODOO_SANDBOX_DATABASE_URL must be a postgres:// URL naming a database, got '${databaseUrl}'`);
  }
  let dbFilter = /^odoo/;
  const rawFilter = text('ODOO_SANDBOX_DB_FILTER', '^odoo');
  try {
    dbFilter = new RegExp(rawFilter);
  } catch {
    errors.push(`ODOO_SANDBOX_DB_FILTER must be a regular expression, got '${rawFilter}'`);
  }
  const serverVersion = text('ODOO_SANDBOX_SERVER_VERSION', '17.0');
  if (!/^\d+\.\d+$/.test(serverVersion)) {
    errors.push(`ODOO_SANDBOX_SERVER_VERSION must look like 17.0, got '${serverVersion}'`);
  }
  if (errors.length) throw new Error(`invalid Odoo sandbox configuration: ${errors.join('; ')}`);
  return {
    port,
    host: text('ODOO_SANDBOX_HOST', '127.0.0.1'),
    databaseUrl,
    dbFilter,
    hubLogin: text('ODOO_SANDBOX_HUB_LOGIN', 'hub-integration'),
    hubPassword: env['ODOO_SANDBOX_HUB_PASSWORD'] || undefined,
    adminPassword: text('ODOO_SANDBOX_ADMIN_PASSWORD', 'admin'),
    serverVersion,
  };
}
