/**
 * Who is calling, as Odoo 17 decides it. RPC logins are non-interactive, so a user's API key stands in for the
 * password (`res.users._check_credentials`: the password first, then a global or 'rpc'-scoped key of that same
 * user); JSON-2 takes the key alone as a bearer token. Keys are found by their clear 8-digit index, then verified
 * against their pbkdf2 hash. Like Odoo's ormcache on `res.users.check`, successful checks are remembered until
 * the admin API changes users or keys.
 */
import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';

import { AccessDenied } from '../odoo.errors';
import { API_KEY_INDEX_SIZE, API_KEY_ROUNDS, hashPbkdf2Sha512, newApiKey, verifyPbkdf2Sha512 } from './passlib';

function fingerprint(...parts: (string | number)[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}

export class CredentialsService {
  private readonly verified = new Map<string, number>();

  /** Forgets every remembered check (after a user or key changed). */
  clear(): void {
    this.verified.clear();
  }

  /** `common.authenticate` / `common.login`: the uid, or false for bad credentials (never an error). */
  async authenticate(db: string, pool: Pool, login: unknown, password: unknown): Promise<number | false> {
    if (typeof login !== 'string' || typeof password !== 'string' || !password) return false;
    const { rows } = await pool.query<{ id: number }>(
      'SELECT id FROM res_users WHERE login = $1 AND active IS TRUE ORDER BY login, id LIMIT 1',
      [login],
    );
    const uid = rows[0]?.id;
    if (uid === undefined) return false;
    try {
      await this.check(db, pool, uid, password);
      return uid;
    } catch (error) {
      if (error instanceof AccessDenied) return false;
      throw error;
    }
  }

  /** `security.check(db, uid, password)` before every `object` call: throws AccessDenied. */
  async check(db: string, pool: Pool, uid: number, password: unknown): Promise<void> {
    if (typeof password !== 'string' || !password) throw new AccessDenied();
    const key = fingerprint(db, 'uid', uid, password);
    if (this.verified.get(key) === uid) return;
    const { rows } = await pool.query<{ active: boolean | null; password: string }>(
      "SELECT active, COALESCE(password, '') AS password FROM res_users WHERE id = $1",
      [uid],
    );
    const user = rows[0];
    if (!user || !user.active) throw new AccessDenied();
    const ok = (await verifyPbkdf2Sha512(password, user.password)) || (await this.apiKeyUid(pool, password)) === uid;
    if (!ok) throw new AccessDenied();
    this.verified.set(key, uid);
  }

  /** The user a bearer API key belongs to, or null. */
  async bearer(db: string, pool: Pool, apiKey: string): Promise<number | null> {
    const key = fingerprint(db, 'bearer', apiKey);
    const known = this.verified.get(key);
    if (known !== undefined) return known;
    const uid = await this.apiKeyUid(pool, apiKey);
    if (uid !== null) this.verified.set(key, uid);
    return uid;
  }

  /** `res.users.apikeys._check_credentials(scope='rpc', key=...)`. */
  async apiKeyUid(pool: Pool | PoolClient, apiKey: string): Promise<number | null> {
    const { rows } = await pool.query<{ user_id: number; key: string }>(
      `SELECT k.user_id, k.key FROM res_users_apikeys k INNER JOIN res_users u ON (u.id = k.user_id)
       WHERE u.active AND k.index = $1 AND (k.scope IS NULL OR k.scope = 'rpc')`,
      [apiKey.slice(0, API_KEY_INDEX_SIZE)],
    );
    for (const row of rows) if (await verifyPbkdf2Sha512(apiKey, row.key)) return row.user_id;
    return null;
  }

  /** `res.users.apikeys._generate(scope, name)` for a user: the key, shown once, and its row id. */
  async generate(
    pool: Pool | PoolClient,
    uid: number,
    name: string,
    scope: string | null = null,
  ): Promise<{ key: string; id: number }> {
    const key = newApiKey();
    const { rows } = await pool.query<{ id: number }>(
      'INSERT INTO res_users_apikeys (name, user_id, scope, key, index) VALUES ($1, $2, $3, $4, $5) RETURNING id',
      [name, uid, scope, await hashPbkdf2Sha512(key, API_KEY_ROUNDS), key.slice(0, API_KEY_INDEX_SIZE)],
    );
    return { key, id: (rows[0] as { id: number }).id };
  }
}
