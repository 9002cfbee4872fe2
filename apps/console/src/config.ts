import { env, parseConfig, secret } from '@hub/runtime';
import { z } from 'zod';
import { ROLES, type Role } from './auth/roles';
import { isPasswordHash } from './auth/password';

export interface ConsoleUser {
  name: string;
  role: Role;
  /** `scrypt$N$r$p$salt$key` from `npm run console:hash-password`. */
  passwordHash: string;
}

/** `name:role:hash,…`: who may sign in, with which role. Names are plain tokens: they are recorded with every action. */
const consoleUsers = () =>
  z
    .string()
    .min(1)
    .transform((s, ctx) => {
      const users = new Map<string, ConsoleUser>();
      for (const entry of s.split(',').map((e) => e.trim())) {
        const [name, role, passwordHash, ...rest] = entry.split(':');
        if (rest.length || !name || !/^[\w.@-]{1,64}$/.test(name)) {
          ctx.addIssue({
            code: 'custom',
            message: 'expected name:role:hash entries, names of letters, digits, . _ @ -',
          });
          return z.NEVER;
        }
        if (!(ROLES as readonly string[]).includes(role)) {
          ctx.addIssue({ code: 'custom', message: `user ${name}: role must be one of ${ROLES.join(', ')}` });
          return z.NEVER;
        }
        if (!passwordHash || !isPasswordHash(passwordHash)) {
          ctx.addIssue({
            code: 'custom',
            message: `user ${name}: expected a hash from npm run console:hash-password (scrypt$N$r$p$salt$key)`,
          });
          return z.NEVER;
        }
        if (users.has(name)) {
          ctx.addIssue({ code: 'custom', message: `user ${name} is listed twice` });
          return z.NEVER;
        }
        users.set(name, { name, role: role as Role, passwordHash });
      }
      return users;
    });

/** `name=url,…`: the hub's apps whose dead letters, readiness and metrics the console shows. */
const hubServices = () =>
  z
    .string()
    .min(1)
    .transform((s, ctx) => {
      const services = new Map<string, string>();
      for (const pair of s.split(',').map((p) => p.trim())) {
        const m = /^([a-z0-9-]+)=(https?:\/\/\S+)$/.exec(pair);
        if (!m || !URL.canParse(m[2])) {
          ctx.addIssue({ code: 'custom', message: 'expected name=http(s)://host:port pairs, names of a-z 0-9 -' });
          return z.NEVER;
        }
        services.set(m[1], m[2].replace(/\/+$/, ''));
      }
      return services;
    });

/** A variable the console no longer reads: set, it fails the start naming its replacement. */
const retired = () =>
  secret(z.undefined({ errorMap: () => ({ message: 'no longer read: the console uses CONSOLE_OPERATOR_TOKEN' }) }));

/** Every environment variable the console reads; the only file that touches process.env. */
export const consoleConfigShape = {
  HTTP_PORT: env.port(3105),
  /** projector-odoo's base URL: the work queue's API. */
  PROJECTOR_ODOO_URL: env.url().transform((u) => u.replace(/\/+$/, '')),
  /**
   * The console's own token for every app's operator API (work queue, audit trail, dead letters): listed with the role
   * `console` in each app's HUB_OPERATOR_TOKENS, so it may name the signed-in user, whose calls are recorded as
   * `<name>:<user>`.
   */
  CONSOLE_OPERATOR_TOKEN: secret(
    z.string().min(24, "expected the token listed with role console in the apps' HUB_OPERATOR_TOKENS"),
  ),
  /** Replaced by CONSOLE_OPERATOR_TOKEN: set, they fail the start rather than be silently ignored. */
  PROJECTOR_ODOO_TOKEN: retired(),
  AUDIT_API_TOKEN: retired(),
  /** Jaeger's UI, where the history page links each entry's trace (`<url>/trace/<trace id>`). */
  JAEGER_UI_URL: env
    .url()
    .default('http://localhost:16686')
    .transform((u) => u.replace(/\/+$/, '')),
  HUB_SERVICES: hubServices(),
  CONSOLE_USERS: secret(consoleUsers()),
  /** Signs the session cookie: 32 characters or more, the same for every restart that should keep sessions' cookies valid. */
  CONSOLE_SESSION_SECRET: secret(z.string().min(32, 'expected at least 32 characters')),
  /** A session unused for this long ends. */
  CONSOLE_SESSION_IDLE_MS: env.positiveInt(30 * 60_000),
  /** A session ends this long after sign-in, used or not. */
  CONSOLE_SESSION_MAX_MS: env.positiveInt(12 * 3_600_000),
  /** The cookie's Secure flag: true behind TLS (the default); false only for plain-HTTP local runs. */
  CONSOLE_COOKIE_SECURE: env.bool(true),
  /** Failed sign-ins of one name from one address before that name is locked out there. */
  CONSOLE_SIGNIN_MAX_FAILURES: env.positiveInt(5),
  /** How long such a lockout lasts (and how long the failures are counted). */
  CONSOLE_SIGNIN_LOCKOUT_MS: env.positiveInt(15 * 60_000),
  /** Failed sign-ins from one address, any names, in a day before the address is locked out for a day. */
  CONSOLE_SIGNIN_MAX_FAILURES_PER_ADDRESS: env.positiveInt(100),
  /**
   * The proxies whose X-Forwarded-For names the client (Express's `trust proxy`: `loopback`, `10.0.0.0/8`, a hop
   * count…), so that lockouts count the client's address behind an ingress controller, not the controller's.
   */
  CONSOLE_TRUST_PROXY: z.string().min(1).optional(),
  /** Per call to projector-odoo or another app. */
  CONSOLE_REQUEST_TIMEOUT_MS: env.positiveInt(15_000),
};

export type ConsoleConfig = ReturnType<typeof loadConsoleConfig>;

export function loadConsoleConfig(source: NodeJS.ProcessEnv = process.env) {
  return parseConfig(consoleConfigShape, source);
}
