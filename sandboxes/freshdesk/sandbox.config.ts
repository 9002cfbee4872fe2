import { DEFAULT_API_KEY, DEFAULT_RETRY_DELAYS_MS, type FreshdeskSandboxOptions } from './freshdesk-sandbox';
import type { WebhookAuth } from './webhook.sender';

/** The command-line sandbox's settings, read once from the environment. */
export interface SandboxConfig extends FreshdeskSandboxOptions {
  port: number;
  host: string;
}

type Env = Record<string, string | undefined>;

/**
 * Reads `FD_SANDBOX_*` variables (the README's table); throws one error naming every bad key. The webhook secret is
 * never echoed in an error.
 */
export function loadSandboxConfig(env: Env): SandboxConfig {
  const errors: string[] = [];
  const text = (key: string, fallback: string) => {
    const value = env[key];
    return value === undefined || value === '' ? fallback : value;
  };
  const integer = (key: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const raw = text(key, String(fallback));
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max)
      errors.push(`${key} must be an integer in [${min}, ${max}], got '${raw}'`);
    return n;
  };
  const port = integer('FD_SANDBOX_PORT', 4530, 0, 65535);
  const rateLimitPerMinute = integer('FD_SANDBOX_RATE_LIMIT_PER_MINUTE', 400, 1);
  const timeoutMs = integer('FD_SANDBOX_WEBHOOK_TIMEOUT_MS', 10_000, 1);
  const apiKeys = text('FD_SANDBOX_API_KEYS', DEFAULT_API_KEY)
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  if (apiKeys.some((k) => k.includes(':'))) errors.push('FD_SANDBOX_API_KEYS: a key cannot contain a colon');

  const url = env['FD_SANDBOX_WEBHOOK_URL'] || undefined;
  if (url !== undefined && !/^https?:\/\/[^\s/]+/.test(url)) {
    errors.push(`FD_SANDBOX_WEBHOOK_URL must be an http(s) URL, got '${url}'`);
  }
  const rawDelays = text('FD_SANDBOX_WEBHOOK_RETRY_DELAYS_MS', DEFAULT_RETRY_DELAYS_MS.join(','));
  const retryDelaysMs = rawDelays === 'none' ? [] : rawDelays.split(',').map((d) => Number(d.trim()));
  if (retryDelaysMs.some((d) => !Number.isInteger(d) || d < 0)) {
    errors.push(
      `FD_SANDBOX_WEBHOOK_RETRY_DELAYS_MS must be comma-separated integers ≥ 0 (or 'none'), got '${rawDelays}'`,
    );
  }
  const secret = env['FD_SANDBOX_WEBHOOK_SECRET'] ?? '';
  const authKind = text('FD_SANDBOX_WEBHOOK_AUTH', secret ? 'header' : 'none');
  let auth: WebhookAuth = { kind: 'none' };
  if (authKind === 'none') auth = { kind: 'none' };
  else if (!secret) errors.push(`FD_SANDBOX_WEBHOOK_SECRET is required when FD_SANDBOX_WEBHOOK_AUTH is '${authKind}'`);
  else if (authKind === 'header')
    auth = { kind: 'header', header: text('FD_SANDBOX_WEBHOOK_SECRET_HEADER', 'X-Hub-Webhook-Secret'), secret };
  else if (authKind === 'basic-password')
    auth = { kind: 'basic-password', user: text('FD_SANDBOX_WEBHOOK_USER', 'freshdesk'), secret };
  else if (authKind === 'basic-api-key') auth = { kind: 'basic-api-key', secret };
  if (!['none', 'header', 'basic-password', 'basic-api-key'].includes(authKind)) {
    errors.push(
      `FD_SANDBOX_WEBHOOK_AUTH must be one of none, header, basic-password, basic-api-key, got '${authKind}'`,
    );
  }
  if (errors.length) throw new Error(`invalid Freshdesk sandbox configuration: ${errors.join('; ')}`);
  return {
    port,
    host: text('FD_SANDBOX_HOST', '127.0.0.1'),
    apiKeys,
    rateLimitPerMinute,
    webhook: { url, auth, retryDelaysMs, timeoutMs },
  };
}
