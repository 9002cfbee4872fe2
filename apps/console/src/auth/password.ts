import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Password hashes of console users: `scrypt$N$r$p$salt$key`, salt and key base64url (no `:` or `,`, so a hash sits in
 * CONSOLE_USERS as it is). The parameters travel with the hash, so stronger ones later do not invalidate old hashes.
 */
const PREFIX = 'scrypt';
const DEFAULTS = { N: 16_384, r: 8, p: 1, keyLength: 32, saltLength: 16 };
const FORMAT = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{32,})$/;

function derive(password: string, salt: Buffer, N: number, r: number, p: number, keyLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, keyLength, { N, r, p, maxmem: 256 * N * r }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

export function isPasswordHash(s: string): boolean {
  const m = FORMAT.exec(s);
  if (!m) return false;
  const N = Number(m[1]);
  // N a power of two, and within what a sign-in can afford.
  return N >= 1024 && N <= 1 << 20 && (N & (N - 1)) === 0 && Number(m[2]) >= 1 && Number(m[3]) >= 1;
}

/** A new hash of `password`, with a fresh random salt. */
export async function hashPassword(password: string): Promise<string> {
  const { N, r, p, keyLength, saltLength } = DEFAULTS;
  const salt = randomBytes(saltLength);
  const key = await derive(password, salt, N, r, p, keyLength);
  return [PREFIX, N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Whether `password` matches `hash`; the keys are compared in constant time. A malformed hash matches nothing. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const m = FORMAT.exec(hash);
  if (!m || !isPasswordHash(hash)) return false;
  const expected = Buffer.from(m[5], 'base64url');
  const key = await derive(
    password,
    Buffer.from(m[4], 'base64url'),
    Number(m[1]),
    Number(m[2]),
    Number(m[3]),
    expected.length,
  );
  return timingSafeEqual(key, expected);
}

/**
 * A hash no password matches, verified against when the user name is unknown: the answer then takes as long as for
 * a known user with a wrong password, so timing does not tell which names exist.
 */
export const UNKNOWN_USER_HASH = `scrypt$16384$8$1$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(32).toString('base64url')}`;
