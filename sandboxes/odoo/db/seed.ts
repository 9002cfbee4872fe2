/**
 * The users a database needs before the sandbox serves it, created as an install creates them: a res.users row
 * and its res.partner (res.users _inherits res.partner), the user's groups and company. Idempotent (by login) and
 * safe when several sandboxes open the same database at once (an advisory lock). Like Odoo's res.users init(),
 * it also hashes any password stored in clear, so a test may set one by SQL.
 */
import type { Pool, PoolClient } from 'pg';

import { hashPbkdf2Sha512, isModularCryptHash, PASSWORD_ROUNDS } from '../auth/passlib';
import type { GroupXmlId } from '../orm/model.catalogue';

export interface SeedUser {
  /** Odoo's fixed ids: 1 is __system__ (the superuser), 2 the administrator. */
  id?: number;
  login: string;
  name: string;
  email?: string;
  /** Clear text, hashed before it is stored; none: the user cannot log in with a password (API keys only). */
  password?: string;
  active: boolean;
  groups: readonly GroupXmlId[];
}

export function defaultSeedUsers(options: {
  adminPassword: string;
  hubLogin: string;
  hubPassword?: string;
}): SeedUser[] {
  return [
    {
      id: 1,
      login: '__system__',
      name: 'OdooBot',
      email: 'odoobot@example.com',
      active: false,
      groups: ['base.group_user', 'base.group_erp_manager', 'base.group_system'],
    },
    {
      id: 2,
      login: 'admin',
      name: 'Administrator',
      email: 'admin@example.com',
      password: options.adminPassword,
      active: true,
      groups: ['base.group_user', 'base.group_erp_manager', 'base.group_system'],
    },
    {
      login: options.hubLogin,
      name: 'Hub Integration',
      password: options.hubPassword,
      active: true,
      groups: ['base.group_user'],
    },
  ];
}

const SEED_LOCK = 'odoo-sandbox-seed';

/** Ensures every user exists; returns the uid of each login. */
export async function seedUsers(pool: Pool, users: readonly SeedUser[]): Promise<Map<string, number>> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [SEED_LOCK]);
    const { rows } = await client.query<{ t: string | null }>("SELECT to_regclass('public.res_users')::text AS t");
    if (!rows[0]?.t) {
      throw new Error('the database has no res_users table: apply scripts/stack.d/odoo17-schema.sql to it first');
    }
    const uids = new Map<string, number>();
    for (const user of users) uids.set(user.login, await ensureUser(client, user));
    await hashClearPasswords(client);
    await client.query('COMMIT');
    return uids;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** Creates a user (with its partner, groups and company) as the administrator would; returns its uid. */
export async function createUser(client: PoolClient, user: SeedUser, creatorUid = 1): Promise<number> {
  const now = "(now() AT TIME ZONE 'UTC')";
  const partner = await client.query<{ id: number }>(
    `INSERT INTO res_partner (name, complete_name, email, type, is_company, active, company_id, partner_share,
                              customer_rank, supplier_rank, create_uid, create_date, write_uid, write_date)
     VALUES ($1, $1, $2, 'contact', false, $3, 1, $4, 0, 0, $5, ${now}, $5, ${now}) RETURNING id`,
    [user.name, user.email ?? null, user.active, user.groups.includes('base.group_portal'), creatorUid],
  );
  const partnerId = (partner.rows[0] as { id: number }).id;
  await client.query('UPDATE res_partner SET commercial_partner_id = id WHERE id = $1', [partnerId]);
  const password = user.password ? await hashPbkdf2Sha512(user.password, PASSWORD_ROUNDS) : null;
  const idTaken =
    user.id !== undefined && (await client.query('SELECT 1 FROM res_users WHERE id = $1', [user.id])).rowCount;
  const explicitId = user.id !== undefined && !idTaken;
  const inserted = await client.query<{ id: number }>(
    `INSERT INTO res_users (${explicitId ? 'id, ' : ''}login, password, partner_id, company_id, active, share,
                            notification_type, create_uid, create_date, write_uid, write_date)
     VALUES (${explicitId ? '$7, ' : ''}$1, $2, $3, 1, $4, $5, 'email', $6, ${now}, $6, ${now}) RETURNING id`,
    [
      user.login,
      password,
      partnerId,
      user.active,
      !user.groups.includes('base.group_user'),
      creatorUid,
      ...(explicitId ? [user.id] : []),
    ],
  );
  const uid = (inserted.rows[0] as { id: number }).id;
  if (explicitId) {
    // An explicit id leaves the serial sequence behind.
    await client.query(
      "SELECT setval(pg_get_serial_sequence('res_users', 'id'), GREATEST((SELECT max(id) FROM res_users), 1))",
    );
  }
  await client.query(
    `INSERT INTO res_groups_users_rel (gid, uid)
     SELECT d.res_id, $1 FROM ir_model_data d
     WHERE d.model = 'res.groups' AND d.module || '.' || d.name = ANY($2::text[]) ON CONFLICT DO NOTHING`,
    [uid, user.groups],
  );
  await client.query('INSERT INTO res_company_users_rel (user_id, cid) VALUES ($1, 1) ON CONFLICT DO NOTHING', [uid]);
  return uid;
}

async function ensureUser(client: PoolClient, user: SeedUser): Promise<number> {
  const existing = await client.query<{ id: number }>('SELECT id FROM res_users WHERE login = $1', [user.login]);
  if (existing.rows[0]) return existing.rows[0].id;
  return createUser(client, user);
}

async function hashClearPasswords(client: PoolClient): Promise<void> {
  const { rows } = await client.query<{ id: number; password: string }>(
    "SELECT id, password FROM res_users WHERE password IS NOT NULL AND password <> ''",
  );
  for (const row of rows) {
    if (isModularCryptHash(row.password)) continue;
    await client.query('UPDATE res_users SET password = $2 WHERE id = $1', [
      row.id,
      await hashPbkdf2Sha512(row.password, PASSWORD_ROUNDS),
    ]);
  }
}
