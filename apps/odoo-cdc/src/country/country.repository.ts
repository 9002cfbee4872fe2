import type { Pool } from 'pg';

/** DI token for the hub database pool. */
export abstract class HubDatabase {
  abstract readonly pool: Pool;
}

/** Odoo's res_country ids resolved to ISO codes, kept in the hub database from the res_country change stream. */
export class CountryRepository {
  constructor(private readonly db: HubDatabase) {}

  /** Upserts unless a newer position is stored already, so a replayed old change cannot win. */
  async save(id: number, code: string, position: number): Promise<void> {
    await this.db.pool.query(
      `INSERT INTO odoo_country (id, code, source_position) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET code = EXCLUDED.code, source_position = EXCLUDED.source_position, updated_at = now()
       WHERE odoo_country.source_position <= EXCLUDED.source_position`,
      [id, code, position],
    );
  }

  async delete(id: number): Promise<void> {
    await this.db.pool.query('DELETE FROM odoo_country WHERE id = $1', [id]);
  }

  async codeOf(id: number): Promise<string | undefined> {
    const { rows } = await this.db.pool.query<{ code: string }>('SELECT code FROM odoo_country WHERE id = $1', [id]);
    return rows[0]?.code;
  }
}
