import type { OnApplicationShutdown } from '@nestjs/common';
import { DatabaseError, Pool, QueryResult, QueryResultRow } from 'pg';

/** DI token for the hub's own database (odoo-cdc's mirror, the projectors' applied positions). */
export abstract class HubDatabase {
  /**
   * Runs one statement. Every failure comes back as a {@link HubDatabaseError}; whether it is worth retrying is the
   * resilience lib's decision (`classifyError`), not this adapter's.
   */
  abstract query<R extends QueryResultRow = QueryResultRow>(sql: string, params?: unknown[]): Promise<QueryResult<R>>;
}

export class PgHubDatabase extends HubDatabase implements OnApplicationShutdown {
  private readonly pool: Pool;
  constructor(url: string) {
    super();
    this.pool = new Pool({ connectionString: url, max: 4 });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  async query<R extends QueryResultRow = QueryResultRow>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
    try {
      return await this.pool.query<R>(sql, params);
    } catch (error) {
      throw new HubDatabaseError(error);
    }
  }

  async onApplicationShutdown() {
    await this.pool.end();
  }
}

/**
 * A statement of the hub database failed. `sqlState` is PostgreSQL's SQLSTATE when the server answered; it is
 * undefined when it could not be reached (refused, reset, terminated).
 */
export class HubDatabaseError extends Error {
  override readonly name = 'HubDatabaseError';
  readonly sqlState?: string;
  constructor(cause: unknown) {
    super(`hub database: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.sqlState = cause instanceof DatabaseError ? cause.code : undefined;
  }

  /** SQLSTATE class 22 (data exception): the row itself is at fault, not the database. */
  get isDataException(): boolean {
    return this.sqlState?.startsWith('22') ?? false;
  }
}
