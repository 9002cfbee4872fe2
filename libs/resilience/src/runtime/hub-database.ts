import type { OnApplicationShutdown } from '@nestjs/common';
import { PermanentError, PermanentErrorCode, TransientError } from '../errors/hub-errors';
import { DatabaseError, Pool, QueryResult, QueryResultRow } from 'pg';

/** DI token for the hub's own database (odoo-cdc's mirror, the projectors' applied positions). */
export abstract class HubDatabase {
  /** Runs one statement; failures come back as TransientError or PermanentError (see {@link mapPgError}). */
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
      throw mapPgError(error);
    }
  }

  async onApplicationShutdown() {
    await this.pool.end();
  }
}

/**
 * The hub database being down, restarting, missing or locked is never the record's fault: transient, so the
 * partition waits instead of dead-lettering everything. Only data errors caused by the row itself (SQLSTATE class
 * 22, data exception) are permanent.
 */
export function mapPgError(error: unknown): TransientError | PermanentError {
  if (error instanceof DatabaseError) {
    if (error.code?.startsWith('22')) {
      return new PermanentError(PermanentErrorCode.INVALID_RECORD, `hub database refused the row: ${error.message}`, {
        vendorCode: `SQLSTATE_${error.code}`,
        cause: error,
      });
    }
    return new TransientError(`SQLSTATE_${error.code ?? 'UNKNOWN'}`, `hub database: ${error.message}`, {
      cause: error,
    });
  }
  return new TransientError('HUB_DATABASE_UNAVAILABLE', `hub database: ${(error as Error)?.message ?? String(error)}`, {
    cause: error,
  });
}
