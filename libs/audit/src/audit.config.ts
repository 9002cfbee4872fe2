import { env, secret } from '@hub/runtime';
import { z } from 'zod';
import { MIN_KEY_LENGTH } from './field-hasher';

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
  /** How long entries are kept, in days; older ones are purged. */
  AUDIT_RETENTION_DAYS: env.positiveInt(400),
  /** How often the purge runs. */
  AUDIT_PURGE_INTERVAL_MS: env.positiveInt(3_600_000),
};
