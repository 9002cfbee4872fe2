import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, secret } from '../config';

/**
 * What a token may do on an app's operator API. `viewer` reads (dead letters with their payloads, the work queue,
 * reconcile reports, the audit trail); `operator` reads and acts (replay, retry, discard, reconcile, repair);
 * `console` is an operator that acts for the people signed in to it and names each in `X-Hub-Actor`, so its calls are
 * recorded as `<name>:<user>` (the console checks its users' own roles before it acts).
 */
export const OPERATOR_ROLES = ['viewer', 'operator', 'console'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

/** Who a token is: the name its calls are logged and recorded under, and its role. */
export interface OperatorIdentity {
  name: string;
  role: OperatorRole;
}

/** token → who it is. */
export type OperatorTokenTable = ReadonlyMap<string, OperatorIdentity>;

/** Tokens are at least this long, so a guessable one fails the start instead of guarding the API. */
export const MIN_OPERATOR_TOKEN_LENGTH = 24;

const FORMAT = `expected name:role=token entries (role ${OPERATOR_ROLES.join(' | ')}, tokens of ${MIN_OPERATOR_TOKEN_LENGTH}+ characters)`;

/**
 * Reads `name:role=token` entries, separated by commas or line breaks (a file may hold one a line, and `#` starts a
 * comment line). A name may hold several tokens (rotation); one token may not be listed twice. Answers the table or
 * the problems, which never quote a token.
 */
export function parseOperatorTokens(text: string): { tokens: OperatorTokenTable } | { problems: string[] } {
  const tokens = new Map<string, OperatorIdentity>();
  const problems: string[] = [];
  const entries = text
    .split(/[,\n]/)
    .map((e) => e.trim())
    .filter((e) => e && !e.startsWith('#'));
  entries.forEach((entry, i) => {
    const m = /^([\w.@-]{1,64}):([a-z]+)=(\S+)$/.exec(entry);
    if (!m) return problems.push(`entry ${i + 1}: ${FORMAT}`);
    const [, name, role, token] = m;
    if (!(OPERATOR_ROLES as readonly string[]).includes(role)) {
      return problems.push(`entry ${i + 1} (${name}): unknown role "${role}" (expected ${OPERATOR_ROLES.join(', ')})`);
    }
    if (token.length < MIN_OPERATOR_TOKEN_LENGTH) {
      return problems.push(
        `entry ${i + 1} (${name}): the token must be at least ${MIN_OPERATOR_TOKEN_LENGTH} characters`,
      );
    }
    if (tokens.has(token)) return problems.push(`entry ${i + 1} (${name}): this token is already listed`);
    tokens.set(token, { name, role: role as OperatorRole });
  });
  if (!problems.length && tokens.size === 0) problems.push(`no entries: ${FORMAT}`);
  return problems.length ? { problems } : { tokens };
}

/** The zod form of {@link parseOperatorTokens}, for a config value (wrap it in `secret`). */
export const operatorTokens = () =>
  z.string().transform((text, ctx) => {
    const parsed = parseOperatorTokens(text);
    if ('tokens' in parsed) return parsed.tokens;
    for (const message of parsed.problems) ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  });

/** The per-API variables HUB_OPERATOR_TOKENS replaced: set, they fail the start rather than be silently ignored. */
export const RETIRED_TOKEN_VARIABLES = [
  'RECONCILE_TOKENS',
  'REPAIR_TOKENS',
  'WORK_QUEUE_TOKENS',
  'WORK_QUEUE_CONSOLE_TOKENS',
  'AUDIT_API_TOKENS',
] as const;

const retired = () =>
  secret(
    z.undefined({
      errorMap: () => ({
        message:
          'no longer read: list its callers in HUB_OPERATOR_TOKENS (name:role=token, role viewer|operator|console)',
      }),
    }),
  );

/**
 * What every app with an operator API reads (spread into its config shape, then pass the parsed config through
 * {@link withOperatorTokens}): the tokens inline in HUB_OPERATOR_TOKENS, or in a secret file named by
 * HUB_OPERATOR_TOKENS_FILE (a mounted Kubernetes secret), one of the two.
 */
export const operatorAuthConfigShape = {
  /** `name:role=token,…`; role viewer, operator or console. */
  HUB_OPERATOR_TOKENS: secret(operatorTokens().optional()),
  /** A file holding the same entries (commas or one a line); read once at start. */
  HUB_OPERATOR_TOKENS_FILE: z.string().min(1).optional(),
  ...(Object.fromEntries(RETIRED_TOKEN_VARIABLES.map((v) => [v, retired()])) as Record<
    (typeof RETIRED_TOKEN_VARIABLES)[number],
    ReturnType<typeof retired>
  >),
};

type ParsedOperatorAuth = {
  HUB_OPERATOR_TOKENS?: OperatorTokenTable;
  HUB_OPERATOR_TOKENS_FILE?: string;
};

/**
 * The parsed config with HUB_OPERATOR_TOKENS resolved: the inline tokens, or the file's, read now. Throws a
 * {@link ConfigError} (the app exits at start) when neither or both are set, when the file is missing or unreadable
 * (naming its path), or when its content is malformed (naming the path, never quoting a token).
 */
export function withOperatorTokens<C extends ParsedOperatorAuth>(
  config: C,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): Omit<C, 'HUB_OPERATOR_TOKENS'> & { HUB_OPERATOR_TOKENS: OperatorTokenTable } {
  const { HUB_OPERATOR_TOKENS: inline, HUB_OPERATOR_TOKENS_FILE: path } = config;
  if (inline && path) {
    throw new ConfigError(['HUB_OPERATOR_TOKENS and HUB_OPERATOR_TOKENS_FILE are both set: set one of them']);
  }
  if (inline) return { ...config, HUB_OPERATOR_TOKENS: inline };
  if (!path) {
    throw new ConfigError([
      'HUB_OPERATOR_TOKENS is required (name:role=token,…), or HUB_OPERATOR_TOKENS_FILE naming a file that holds them',
    ]);
  }
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new ConfigError([`HUB_OPERATOR_TOKENS_FILE=${path}: cannot read the file (${e.code ?? e.message})`]);
  }
  const parsed = parseOperatorTokens(text);
  if ('problems' in parsed) {
    throw new ConfigError(parsed.problems.map((p) => `HUB_OPERATOR_TOKENS_FILE=${path}: ${p}`));
  }
  return { ...config, HUB_OPERATOR_TOKENS: parsed.tokens };
}
