import type { SalesforceSandboxOptions } from './salesforce-sandbox';

/** The command-line sandbox's settings, read once from the environment. */
export interface SandboxConfig extends SalesforceSandboxOptions {
  port: number;
  host: string;
  clientId: string;
  clientSecret: string;
  pubSubPort: number;
  /** Where to write the Pub/Sub API's certificate (PEM) for clients to trust; unset: nowhere. */
  pubSubCertificateFile?: string;
}

type Env = Record<string, string | undefined>;

function integer(env: Env, key: string, fallback: number, min: number, max: number, errors: string[]): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    errors.push(`${key} must be an integer in [${min}, ${max}], got '${raw}'`);
    return fallback;
  }
  return n;
}

/**
 * Reads `SF_SANDBOX_*` variables. Throws one error naming every bad key.
 *
 * SF_SANDBOX_PORT (4510), SF_SANDBOX_HOST (127.0.0.1), SF_SANDBOX_CLIENT_ID (hub-client),
 * SF_SANDBOX_CLIENT_SECRET (hub-secret), SF_SANDBOX_USERNAME, SF_SANDBOX_PASSWORD,
 * SF_SANDBOX_API_LIMIT (15000), SF_SANDBOX_TOKEN_TTL_SECONDS (7200), SF_SANDBOX_PUBLIC_URL,
 * SF_SANDBOX_PUBSUB_PORT (4511), SF_SANDBOX_PUBSUB_RETENTION_SECONDS (259200, 72 h),
 * SF_SANDBOX_PUBSUB_MAX_EVENTS (100000), SF_SANDBOX_PUBSUB_KEEPALIVE_SECONDS (30), SF_SANDBOX_PUBSUB_CERT_FILE,
 * SF_SANDBOX_DATA_DIR (unset: the org is in memory only), SF_SANDBOX_DATA_FSYNC (false),
 * SF_SANDBOX_MAX_QUERY_CURSORS (10).
 */
export function loadSandboxConfig(env: Env): SandboxConfig {
  const errors: string[] = [];
  const text = (key: string, fallback: string) => {
    const value = env[key];
    return value === undefined || value === '' ? fallback : value;
  };
  const publicUrl = env['SF_SANDBOX_PUBLIC_URL'] || undefined;
  if (publicUrl !== undefined && !/^https?:\/\/[^/\s]+/.test(publicUrl)) {
    errors.push(`SF_SANDBOX_PUBLIC_URL must be an http(s) URL, got '${publicUrl}'`);
  }
  const fsync = (env['SF_SANDBOX_DATA_FSYNC'] ?? '').toLowerCase();
  if (!['', 'true', 'false'].includes(fsync)) {
    errors.push(`SF_SANDBOX_DATA_FSYNC must be true or false, got '${env['SF_SANDBOX_DATA_FSYNC']}'`);
  }
  const config: SandboxConfig = {
    port: integer(env, 'SF_SANDBOX_PORT', 4510, 0, 65535, errors),
    host: text('SF_SANDBOX_HOST', '127.0.0.1'),
    clientId: text('SF_SANDBOX_CLIENT_ID', 'hub-client'),
    clientSecret: text('SF_SANDBOX_CLIENT_SECRET', 'hub-secret'),
    username: text('SF_SANDBOX_USERNAME', 'integration@hub.example'),
    password: text('SF_SANDBOX_PASSWORD', 'hub-password'),
    apiRequestLimit: integer(env, 'SF_SANDBOX_API_LIMIT', 15000, 1, Number.MAX_SAFE_INTEGER, errors),
    tokenTtlMs: integer(env, 'SF_SANDBOX_TOKEN_TTL_SECONDS', 7200, 1, 30 * 24 * 3600, errors) * 1000,
    publicUrl,
    pubSubPort: integer(env, 'SF_SANDBOX_PUBSUB_PORT', 4511, 0, 65535, errors),
    pubSubRetentionMs:
      integer(env, 'SF_SANDBOX_PUBSUB_RETENTION_SECONDS', 72 * 3600, 1, 365 * 24 * 3600, errors) * 1000,
    pubSubMaxEvents: integer(env, 'SF_SANDBOX_PUBSUB_MAX_EVENTS', 100_000, 1, 10_000_000, errors),
    pubSubKeepaliveMs: integer(env, 'SF_SANDBOX_PUBSUB_KEEPALIVE_SECONDS', 30, 1, 270, errors) * 1000,
    pubSubCertificateFile: env['SF_SANDBOX_PUBSUB_CERT_FILE'] || undefined,
    dataDir: env['SF_SANDBOX_DATA_DIR'] || undefined,
    dataFsync: fsync === 'true',
    maxQueryCursors: integer(env, 'SF_SANDBOX_MAX_QUERY_CURSORS', 10, 1, 100_000, errors),
  };
  if (errors.length) throw new Error(`invalid Salesforce sandbox configuration: ${errors.join('; ')}`);
  return config;
}
