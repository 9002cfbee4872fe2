import { Client } from 'pg';
import { stack } from './stack';

/** A connection to the Odoo database, for tests that write rows exactly as Odoo's ORM would. */
export async function odooDb(): Promise<Client> {
  const client = new Client({ connectionString: stack().postgres.odoo });
  await client.connect();
  return client;
}

export interface PartnerInput {
  name: string;
  is_company: boolean;
  parent_id?: number | null;
  email?: string | null;
  phone?: string | null;
  function?: string | null;
  city?: string | null;
  country_id?: number | null;
  type?: string;
}

/** Inserts a res_partner the way Odoo 17 does (commercial partner, complete name, magic columns); returns its id. */
export async function insertPartner(db: Client, p: PartnerInput): Promise<number> {
  await db.query('BEGIN');
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO res_partner (name, complete_name, is_company, parent_id, type, email, phone, function, city, country_id,
                              active, customer_rank, create_uid, create_date, write_uid, write_date)
     VALUES ($1, $1, $2, $3, $4, $5, $6, $7, $8, $9, true, 1, 1, now() at time zone 'utc', 1, now() at time zone 'utc')
     RETURNING id`,
    [
      p.name,
      p.is_company,
      p.parent_id ?? null,
      p.type ?? 'contact',
      p.email ?? null,
      p.phone ?? null,
      p.function ?? null,
      p.city ?? null,
      p.country_id ?? null,
    ],
  );
  const id = rows[0].id;
  await db.query('UPDATE res_partner SET commercial_partner_id = COALESCE(parent_id, id) WHERE id = $1', [id]);
  await db.query('COMMIT');
  return id;
}
