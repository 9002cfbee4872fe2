import { z } from 'zod';

/**
 * Thrown at boot when the environment does not satisfy an app's config schema.
 * The message names every bad variable, so one restart fixes them all.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const secretKeys = new WeakSet<z.ZodTypeAny>();

/** Marks a config value as secret: it is redacted by {@link describeConfig} and never logged. */
export function secret<T extends z.ZodTypeAny>(schema: T): T {
  secretKeys.add(schema);
  return schema;
}

/**
 * Parses `env` against a schema whose keys are environment variable names.
 * Only config files call this; everything else receives the typed object by injection.
 */
export function parseConfig<S extends z.ZodRawShape>(shape: S, env: NodeJS.ProcessEnv = process.env) {
  const schema = z.object(shape);
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(shape)) {
    const raw = env[key];
    picked[key] = raw === '' ? undefined : raw;
  }
  const result = schema.safeParse(picked);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = issue.path.join('.');
      const shown = shape[key] && secretKeys.has(shape[key]) ? '<redacted>' : JSON.stringify(picked[key]);
      return picked[key] === undefined ? `${key} is required` : `${key}=${shown}: ${issue.message}`;
    });
    throw new ConfigError(problems);
  }
  return result.data;
}

/** A printable copy of a parsed config with secrets replaced, for the boot log line. */
export function describeConfig<S extends z.ZodRawShape>(
  shape: S,
  config: Record<string, unknown>,
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => [k, shape[k] && secretKeys.has(shape[k]) ? '<redacted>' : v]),
  );
}

/** Helpers for the value shapes every app shares. */
export const env = {
  port: (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback),
  brokers: () =>
    z
      .string()
      .min(1)
      .transform((s) => s.split(',').map((b) => b.trim()))
      .refine((list) => list.every((b) => /^[^\s:]+:\d+$/.test(b)), 'expected host:port[,host:port…]'),
  url: () => z.string().url(),
  positiveInt: (fallback: number) => z.coerce.number().int().positive().default(fallback),
  /**
   * HUB_STALL_AFTER_MS: how long a consumer with a backlog may commit nothing before it is reported stalled. At least
   * a second; longer than the longest wait the app may legitimately spend on one batch (a Bulk API job, a parent wait).
   */
  stallAfterMs: (fallback = 300_000) =>
    z.coerce.number().int().min(1_000, 'expected at least 1000 (ms)').default(fallback),
  bool: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0'])
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1'),
};
