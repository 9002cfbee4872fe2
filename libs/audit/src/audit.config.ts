import { env, secret } from '@hub/runtime';
import { z } from 'zod';
import { MIN_KEY_LENGTH } from './field-hasher';

/**
 * `name=token` pairs, comma-separated: who may read the trail over HTTP. Tokens are at least 24 characters, so a
 * guessable one fails the start instead of guarding the trail.
 */
const auditTokens = z
  .string()
  .min(1)
  .transform((s, ctx) => {
    const tokens = new Map<string, string>();
    for (const pair of s.split(',').map((p) => p.trim())) {
      const m = /^([\w.@:-]+)=(\S{24,})$/.exec(pair);
      if (!m) {
        ctx.addIssue({ code: 'custom', message: 'expected name=token pairs, each token at least 24 characters' });
        return z.NEVER;
      }
      tokens.set(m[2], m[1]);
    }
    return tokens;
  });

/** What every app that records the trail reads: spread into its config shape (its config.ts stays the only reader). */
export const auditRecordingConfigShape = {
  /**
   * The key of the field hashes (HMAC-SHA256), at least 32 characters, the same in every app of an installation (so
   * the hashes of one value agree) and kept secret: with it, a guessed value can be checked against a hash.
   */
  AUDIT_HASH_KEY: secret(z.string().min(MIN_KEY_LENGTH, `must be at least ${MIN_KEY_LENGTH} characters`)),
};

/** What the app that serves the query API and runs the retention purge reads, besides the above. */
export const auditServingConfigShape = {
  ...auditRecordingConfigShape,
  /** Who may query the trail: `name=token,…` (Authorization: Bearer <token>). */
  AUDIT_API_TOKENS: secret(auditTokens),
  /** How long entries are kept, in days; older ones are purged. */
  AUDIT_RETENTION_DAYS: env.positiveInt(400),
  /** How often the purge runs. */
  AUDIT_PURGE_INTERVAL_MS: env.positiveInt(3_600_000),
};
