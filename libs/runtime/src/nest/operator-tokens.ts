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
 * {@link withOperatorTokens}): the tokens inline in HUB_OPERATOR_TOKENS, or, as for every secret, in a file named by
 * HUB_OPERATOR_TOKENS_FILE (a mounted Kubernetes secret; parseConfig reads it and refuses both set, a missing or an
 * unreadable file, naming the path).
 */
export const operatorAuthConfigShape = {
  /** `name:role=token,…` (a file may hold one a line, `#` comment lines); role viewer, operator or console. */
  HUB_OPERATOR_TOKENS: secret(operatorTokens().optional()),
  ...(Object.fromEntries(RETIRED_TOKEN_VARIABLES.map((v) => [v, retired()])) as Record<
    (typeof RETIRED_TOKEN_VARIABLES)[number],
    ReturnType<typeof retired>
  >),
};

type ParsedOperatorAuth = { HUB_OPERATOR_TOKENS?: OperatorTokenTable };

/**
 * The parsed config with HUB_OPERATOR_TOKENS required: an app with an operator API does not start open. Throws a
 * {@link ConfigError} (the app exits at start) when neither the variable nor its file is set.
 */
export function withOperatorTokens<C extends ParsedOperatorAuth>(
  config: C,
): Omit<C, 'HUB_OPERATOR_TOKENS'> & { HUB_OPERATOR_TOKENS: OperatorTokenTable } {
  if (!config.HUB_OPERATOR_TOKENS) {
    throw new ConfigError([
      'HUB_OPERATOR_TOKENS is required (name:role=token,…), or HUB_OPERATOR_TOKENS_FILE naming a file that holds them',
    ]);
  }
  // The same object, not a copy: rotatingSecret finds a secret's file by the config object parseConfig returned.
  return config as Omit<C, 'HUB_OPERATOR_TOKENS'> & { HUB_OPERATOR_TOKENS: OperatorTokenTable };
}
