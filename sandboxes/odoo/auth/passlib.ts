/**
 * passlib's `pbkdf2_sha512` in its modular crypt format, which is how Odoo stores user passwords
 * (`$pbkdf2-sha512$600000$<salt>$<checksum>`, Odoo 17's MIN_ROUNDS) and API keys (6000 rounds):
 * PBKDF2-HMAC-SHA512, a 16-byte salt, a 64-byte checksum, both in passlib's "ab64" base64 ('.' for '+', no padding).
 */
import { pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

/** Rounds Odoo 17 hashes passwords with (res_users.MIN_ROUNDS). */
export const PASSWORD_ROUNDS = 600_000;
/** Rounds of KEY_CRYPT_CONTEXT for API keys: the keys are random, so dictionary attacks do not apply. */
export const API_KEY_ROUNDS = 6_000;
const SALT_BYTES = 16;
const CHECKSUM_BYTES = 64;

export function ab64Encode(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '').replace(/\+/g, '.');
}

export function ab64Decode(text: string): Buffer {
  return Buffer.from(text.replace(/\./g, '+'), 'base64');
}

export async function hashPbkdf2Sha512(
  secret: string,
  rounds: number,
  salt = randomBytes(SALT_BYTES),
): Promise<string> {
  const checksum = await pbkdf2Async(secret, salt, rounds, CHECKSUM_BYTES, 'sha512');
  return `$pbkdf2-sha512$${rounds}$${ab64Encode(salt)}$${ab64Encode(checksum)}`;
}

/** True when `secret` matches `hash`; a hash in another format (or plain text) never matches. */
export async function verifyPbkdf2Sha512(secret: string, hash: string): Promise<boolean> {
  const match = /^\$pbkdf2-sha512\$(\d+)\$([A-Za-z0-9./]*)\$([A-Za-z0-9./]+)$/.exec(hash);
  if (!match) return false;
  const rounds = Number(match[1]);
  if (!Number.isSafeInteger(rounds) || rounds < 1) return false;
  const expected = ab64Decode(match[3] as string);
  const actual = await pbkdf2Async(secret, ab64Decode(match[2] as string), rounds, expected.length, 'sha512');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Whether a stored password is already a modular-crypt hash (Odoo's init() hashes those that are not). */
export function isModularCryptHash(value: string): boolean {
  return /^\$[^$]+\$[^$]+\$./.test(value);
}

/** A new API key as `res.users.apikeys._generate` makes it: 20 random bytes as 40 hex digits. */
export function newApiKey(): string {
  return randomBytes(20).toString('hex');
}

/** The first 8 digits of a key, stored in clear in `res_users_apikeys.index` to find its row. */
export const API_KEY_INDEX_SIZE = 8;
