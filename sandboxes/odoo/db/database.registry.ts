/**
 * The databases the sandbox serves: the default one (the stack's `odoo`) and any other database on the same
 * PostgreSQL server whose name matches the filter (Odoo's `dbfilter`), e.g. an isolated Odoo database a test made
 * from the same schema. A database is opened (and seeded with the sandbox's users) the first time a call names it.
 */
import { Pool, types as pgTypes, type CustomTypesConfig } from 'pg';

import { DatabaseError } from '../odoo.errors';

/** Odoo reads timestamps and dates as naive UTC text and numbers as floats: keep PostgreSQL's text for those. */
const TIMESTAMP = 1114;
const DATE = 1082;
const INT8 = 20;
export const ODOO_TYPES: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === TIMESTAMP || oid === DATE) return (value: string) => value;
    if (oid === INT8) return (value: string) => Number(value);
    return format === 'binary' ? pgTypes.getTypeParser(oid, 'binary') : pgTypes.getTypeParser(oid, 'text');
  }) as CustomTypesConfig['getTypeParser'],
};

export interface DatabaseRegistryOptions {
  /** `postgres://user:password@host:port/<default database>`. */
  url: string;
  /** Names of databases (other than the default) that may be served. */
  filter: RegExp;
  /** Runs once per database before it serves its first call (creates the sandbox's users). */
  onFirstUse(db: string, pool: Pool): Promise<void>;
  maxConnections?: number;
}

export class DatabaseRegistry {
  private readonly pools = new Map<string, Promise<Pool>>();
  private readonly url: URL;
  readonly defaultDb: string;

  constructor(private readonly options: DatabaseRegistryOptions) {
    this.url = new URL(options.url);
    this.defaultDb = decodeURIComponent(this.url.pathname.replace(/^\//, '')) || 'odoo';
  }

  /** Whether `db` may be served (the default database, or one the filter lets through). */
  allows(db: string): boolean {
    return db === this.defaultDb || this.options.filter.test(db);
  }

  /** The pool of `db`, opened and seeded on first use; throws the error Odoo shows for a database it cannot open. */
  get(db: string): Promise<Pool> {
    let pool = this.pools.get(db);
    if (!pool) {
      pool = this.open(db);
      this.pools.set(db, pool);
      pool.catch(() => this.pools.delete(db));
    }
    return pool;
  }

  /** Databases on the server the sandbox may serve (`db.list`). */
  async list(): Promise<string[]> {
    const pool = await this.get(this.defaultDb);
    const { rows } = await pool.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY datname',
    );
    return rows.map((r) => r.datname).filter((d) => this.allows(d));
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.then((pool) => pool.end()).catch(() => undefined)));
  }

  private async open(db: string): Promise<Pool> {
    const missing = () =>
      new DatabaseError(
        '3D000',
        `connection to server at "${this.url.hostname}", port ${this.url.port || 5432} failed: FATAL:  database "${db}" does not exist\n`,
        'psycopg2.OperationalError',
      );
    if (!this.allows(db)) throw missing();
    const url = new URL(this.url.toString());
    url.pathname = `/${encodeURIComponent(db)}`;
    const pool = new Pool({
      connectionString: url.toString(),
      max: this.options.maxConnections ?? 10,
      idleTimeoutMillis: 10_000,
      types: ODOO_TYPES,
    });
    pool.on('error', () => undefined);
    try {
      await pool.query('SELECT 1');
    } catch (error) {
      await pool.end().catch(() => undefined);
      if ((error as { code?: string }).code === '3D000') throw missing();
      throw error;
    }
    await this.options.onFirstUse(db, pool);
    return pool;
  }
}
