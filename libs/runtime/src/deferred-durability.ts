import type { OnApplicationShutdown } from '@nestjs/common';
import { Pool, QueryResult, QueryResultRow } from 'pg';
import { HubDatabase, HubDatabaseError } from './hub-database';

/**
 * The hub database with commits that do not wait for the disk (`synchronous_commit = off`), made durable together by
 * {@link makeDurable}: a consumer that writes a few rows per record pays one WAL flush per fetch instead of one per
 * statement (with fsync on, those flushes were most of odoo-cdc's time). Each statement still commits on its own, so
 * a failing one undoes nothing else. A crash of PostgreSQL may lose what was committed since the last barrier: the
 * consumer commits its offsets only after the barrier, so it reads those records again. PostgreSQL writes its WAL in
 * order, so flushing the barrier's commit flushes every commit before it.
 *
 * Nothing may leave the process on the strength of these writes before the barrier (odoo-cdc sends its events only
 * after it).
 */
export class DeferredDurabilityDatabase extends HubDatabase implements OnApplicationShutdown {
  private readonly pool: Pool;
  private written = 0;

  constructor(url: string) {
    super();
    this.pool = new Pool({ connectionString: url, max: 4, options: '-c synchronous_commit=off' });
    this.pool.on('error', () => undefined);
  }

  /** Statements run since the last barrier. */
  get pending(): number {
    return this.written;
  }

  async query<R extends QueryResultRow = QueryResultRow>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
    this.written++;
    try {
      return await this.pool.query<R>(sql, params);
    } catch (error) {
      throw new HubDatabaseError(error);
    }
  }

  /** Returns once everything committed before it is on disk. */
  async makeDurable(): Promise<void> {
    if (this.written === 0) return;
    const written = this.written;
    try {
      // A transaction with an id writes a commit record, which synchronous_commit = on waits to see flushed.
      await this.pool.query('BEGIN; SET LOCAL synchronous_commit = on; SELECT txid_current(); COMMIT');
    } catch (error) {
      throw new HubDatabaseError(error);
    }
    this.written -= written;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
