import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string | Buffer) => createHash('sha256').update(value).digest();

/**
 * Whether `offered` is `expected`, in time that depends on neither value: both are hashed to 32 bytes first, so
 * neither the secret's length nor the position of the first differing byte shows in how long the answer takes.
 */
export function sameSecret(offered: string | Buffer | undefined, expected: string | Buffer): boolean {
  // An absent value still costs a comparison, so "missing" and "wrong" take the same time.
  const equal = timingSafeEqual(digest(offered ?? ''), digest(expected));
  return offered !== undefined && equal;
}
