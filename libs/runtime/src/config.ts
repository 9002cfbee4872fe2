import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { registerSecretValue } from './secret-scrubber';

/**
 * Thrown at boot when the environment does not satisfy an app's config schema.
 * The message names every bad variable, so one restart fixes them all. It never carries a secret's value.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const secretKeys = new WeakSet<z.ZodTypeAny>();

/**
 * Marks a config value as secret: it is redacted by {@link describeConfig} and in configuration errors, every log
 * line has its value replaced (see `createRootLogger`), and it may be read from a file: `<NAME>_FILE` names a file
 * holding the value (a Kubernetes Secret mounted as a volume), which {@link rotatingSecret} reads again when it
 * changes.
 */
export function secret<T extends z.ZodTypeAny>(schema: T): T {
  secretKeys.add(schema);
  return schema;
}

/**
 * Whether a shape's value is secret: marked itself, or wrapping a marked schema (`env.postgresUrl().optional()`,
 * `.default()`, `.transform()`, `.pipe()`).
 */
function isSecret(schema: z.ZodTypeAny | undefined): boolean {
  for (let s = schema; s !== undefined;) {
    if (secretKeys.has(s)) return true;
    const def = s._def as { innerType?: z.ZodTypeAny; schema?: z.ZodTypeAny; in?: z.ZodTypeAny };
    s = def.innerType ?? def.schema ?? def.in;
  }
  return false;
}

/** The variable that names a secret's file: `SF_CLIENT_SECRET` → `SF_CLIENT_SECRET_FILE`. */
export const secretFileVariable = (key: string) => `${key}_FILE`;

/** Where each secret of a parsed config was read from, and how to parse it again: for {@link rotatingSecret}. */
interface SecretFileSource {
  path: string;
  schema: z.ZodTypeAny;
}
const secretFilesOf = new WeakMap<object, Map<string, SecretFileSource>>();

/**
 * A secret file's content as the value: one trailing line break is dropped (`echo secret > file`, an editor's final
 * newline); nothing else is, so a value that really ends in spaces keeps them.
 */
function fileValue(content: string): string | undefined {
  const value = content.replace(/\r?\n$/, '');
  return value === '' ? undefined : value;
}

/** Why a file could not be read, without its content: the error's code, else its message. */
function readProblem(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code ?? e.message ?? String(error);
}

/**
 * Parses `env` against a schema whose keys are environment variable names.
 * Only config files call this; everything else receives the typed object by injection.
 *
 * A {@link secret} value may come from a file instead: `<NAME>_FILE=/path` (both set is an error; a file that is
 * missing or unreadable is an error naming the variable and the path). Errors name every bad variable and never
 * print a secret's value.
 */
export function parseConfig<S extends z.ZodRawShape>(shape: S, env: NodeJS.ProcessEnv = process.env) {
  const schema = z.object(shape);
  const picked: Record<string, unknown> = {};
  const problems: string[] = [];
  const files = new Map<string, SecretFileSource>();
  for (const key of Object.keys(shape)) {
    const raw = env[key];
    picked[key] = raw === '' ? undefined : raw;
    if (!isSecret(shape[key])) continue;
    const fileKey = secretFileVariable(key);
    const path = env[fileKey];
    if (path === undefined || path === '') continue;
    if (picked[key] !== undefined) {
      problems.push(`${key} and ${fileKey} are both set: set only one`);
      continue;
    }
    try {
      picked[key] = fileValue(readFileSync(path, 'utf8'));
    } catch (error) {
      problems.push(`${fileKey}=${path}: cannot read the file (${readProblem(error)})`);
      continue;
    }
    if (picked[key] === undefined) problems.push(`${fileKey}=${path}: the file is empty`);
    else files.set(key, { path, schema: shape[key] });
  }
  const result = schema.safeParse(picked);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = String(issue.path[0]);
      const secretValue = isSecret(shape[key]);
      // A secret read from a file that was empty is reported above, once.
      if (picked[key] === undefined && problems.some((p) => p.startsWith(`${secretFileVariable(key)}=`))) continue;
      const file = files.get(key);
      const named = file ? `${key} (from ${secretFileVariable(key)}=${file.path})` : key;
      if (picked[key] === undefined) problems.push(`${named} is required`);
      else problems.push(`${named}=${secretValue ? '<redacted>' : JSON.stringify(picked[key])}: ${issue.message}`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  const config = result.data as z.infer<z.ZodObject<S>>;
  for (const key of Object.keys(shape)) {
    if (isSecret(shape[key]) && typeof picked[key] === 'string') registerSecretValue(picked[key]);
  }
  secretFilesOf.set(config, files);
  return config;
}

/** A secret's current value. See {@link rotatingSecret}. */
export interface SecretValue<T> {
  /** The value now: the file's content as of at most `pollMs` ago, or the start's value. */
  current(): T;
  /** The file it is read from (`<NAME>_FILE`), or undefined when it came from the variable itself. */
  readonly file?: string;
}

export interface RotatingSecretOptions {
  /** How old the value read last may be before `current()` reads the file again (5 s). */
  pollMs?: number;
  /** Told when a new value was read (the variable's name only). */
  onRotate?: (key: string) => void;
  /** Told why the file could not be used (never its content); the previous value is kept. */
  onError?: (problem: string) => void;
  /** For tests. */
  now?: () => number;
}

export const SECRET_POLL_MS = 5_000;

/**
 * The current value of secret `key` of a config from {@link parseConfig}. When it was read from `<NAME>_FILE`,
 * `current()` reads the file again once the value read last is `pollMs` old, and a new content replaces the value
 * (parsed by the same schema; an invalid or unreadable file keeps the previous value and is reported through
 * `onError`). So a rotated Kubernetes Secret is used without a restart: kubelet writes the new content into a fresh
 * directory and swaps the `..data` symlink, which a watch on the file's inode never sees (it keeps watching the old
 * file) and a directory watch sees only on some volume types; a read of a few bytes every few seconds, and only while
 * the value is used, sees every way of replacing a file, and kubelet itself refreshes mounted Secrets only about
 * once a minute. A value set in the variable itself is constant.
 */
export function rotatingSecret<C extends object, K extends keyof C & string>(
  config: C,
  key: K,
  options: RotatingSecretOptions = {},
): SecretValue<C[K]> {
  const source = secretFilesOf.get(config)?.get(key);
  if (!source) {
    const value = config[key];
    return { current: () => value };
  }
  const pollMs = options.pollMs ?? SECRET_POLL_MS;
  const now = options.now ?? Date.now;
  const fileKey = secretFileVariable(key);
  let value = config[key];
  let lastContent: string | undefined;
  let readAt = now();
  let lastProblem: string | undefined;
  const report = (problem: string) => {
    // The same problem on every poll would flood the log: say it once until it changes.
    if (problem !== lastProblem) options.onError?.(problem);
    lastProblem = problem;
  };
  const reread = () => {
    let content: string;
    try {
      content = readFileSync(source.path, 'utf8');
    } catch (error) {
      report(`${fileKey}=${source.path}: cannot read the file (${readProblem(error)}); keeping the previous value`);
      return;
    }
    if (content === lastContent) return;
    const raw = fileValue(content);
    const parsed = source.schema.safeParse(raw);
    if (raw === undefined || !parsed.success) {
      const why = raw === undefined ? 'the file is empty' : parsed.error?.issues[0]?.message;
      report(`${fileKey}=${source.path}: ${why}; keeping the previous value`);
      return;
    }
    registerSecretValue(raw);
    lastContent = content;
    lastProblem = undefined;
    value = parsed.data as C[K];
    options.onRotate?.(key);
  };
  // The content read at the start: the first poll compares against it instead of reporting a rotation.
  try {
    lastContent = readFileSync(source.path, 'utf8');
  } catch {
    lastContent = undefined;
  }
  return {
    file: source.path,
    current: () => {
      if (now() - readAt >= pollMs) {
        readAt = now();
        reread();
      }
      return value;
    },
  };
}

/** A printable copy of a parsed config with secrets replaced, for the boot log line. */
export function describeConfig<S extends z.ZodRawShape>(
  shape: S,
  config: Record<string, unknown>,
): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, isSecret(shape[k]) ? '<redacted>' : v]));
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
  /**
   * A PostgreSQL connection string. It carries the database password, so it is a {@link secret}: redacted in errors
   * and logs, and it may be read from `<NAME>_FILE`. A malformed one is reported without its text.
   */
  postgresUrl: () => secret(z.string().regex(/^postgres(ql)?:\/\/\S+$/, 'expected a postgres:// connection string')),
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
