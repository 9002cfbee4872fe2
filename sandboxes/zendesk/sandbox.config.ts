import type { ZendeskSandboxOptions } from './zendesk-sandbox';

/** The command-line sandbox's settings, read once from the environment. */
export interface SandboxConfig extends ZendeskSandboxOptions {
  port: number;
  host: string;
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

function urls(env: Env, key: string, errors: string[]): string[] {
  const raw = env[key];
  if (raw === undefined || raw.trim() === '') return [];
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const url of list) {
    if (!/^https?:\/\/[^/\s]+/.test(url))
      errors.push(`${key} must be a comma-separated list of http(s) URLs, got '${url}'`);
  }
  return list;
}

/**
 * Reads `ZD_SANDBOX_*` variables (README, "Configuration"). Throws one error naming every bad key.
 */
export function loadSandboxConfig(env: Env): SandboxConfig {
  const errors: string[] = [];
  const text = (key: string, fallback: string) => {
    const value = env[key];
    return value === undefined || value === '' ? fallback : value;
  };
  const format = text('ZD_SANDBOX_WEBHOOK_FORMAT', 'events');
  if (format !== 'events' && format !== 'trigger') {
    errors.push(`ZD_SANDBOX_WEBHOOK_FORMAT must be 'events' or 'trigger', got '${format}'`);
  }
  const secret = text('ZD_SANDBOX_WEBHOOK_SECRET', 'sandbox-webhook-signing-secret');
  if (secret.length < 16) errors.push('ZD_SANDBOX_WEBHOOK_SECRET must be at least 16 characters');
  const config: SandboxConfig = {
    port: integer(env, 'ZD_SANDBOX_PORT', 4520, 0, 65535, errors),
    host: text('ZD_SANDBOX_HOST', '127.0.0.1'),
    email: text('ZD_SANDBOX_EMAIL', 'integration@hub.example'),
    apiToken: text('ZD_SANDBOX_API_TOKEN', 'hub-zendesk-token'),
    oauthToken: env['ZD_SANDBOX_OAUTH_TOKEN'] || undefined,
    rateLimitPerMinute: integer(env, 'ZD_SANDBOX_RATE_LIMIT', 700, 1, 1_000_000, errors),
    jobPollsToComplete: integer(env, 'ZD_SANDBOX_JOB_POLLS', 2, 0, 100, errors),
    maxCommentsPerTicket: integer(env, 'ZD_SANDBOX_MAX_COMMENTS', 5000, 1, 1_000_000, errors),
    orderReferenceFieldId: integer(
      env,
      'ZD_SANDBOX_ORDER_FIELD_ID',
      360_000_000_101,
      1,
      Number.MAX_SAFE_INTEGER,
      errors,
    ),
    invoiceReferenceFieldId: integer(
      env,
      'ZD_SANDBOX_INVOICE_FIELD_ID',
      360_000_000_102,
      1,
      Number.MAX_SAFE_INTEGER,
      errors,
    ),
    webhook: {
      endpoints: urls(env, 'ZD_SANDBOX_WEBHOOK_URL', errors),
      signingSecret: secret,
      format: format === 'trigger' ? 'trigger' : 'events',
      maxAttempts: integer(env, 'ZD_SANDBOX_WEBHOOK_ATTEMPTS', 3, 1, 20, errors),
      retryDelayMs: integer(env, 'ZD_SANDBOX_WEBHOOK_RETRY_MS', 1000, 0, 600_000, errors),
    },
  };
  if (errors.length) throw new Error(`invalid Zendesk sandbox configuration: ${errors.join('; ')}`);
  return config;
}
