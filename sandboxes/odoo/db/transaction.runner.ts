/**
 * One RPC call, one transaction, as Odoo runs it (odoo/service/model.py `retrying`): REPEATABLE READ (Odoo's
 * cursor isolation level), committed on success, rolled back on error; a serialization failure, deadlock or lock
 * timeout rolls back and runs the whole call again, up to 5 tries, sleeping uniform(0, 2^try) seconds between them;
 * after the last try the PostgreSQL error reaches the client. Integrity errors are not retried: they become
 * ValidationErrors.
 */
import type { Pool, PoolClient } from 'pg';

import type { FaultInjector } from '../fault.injector';
import type { ModelCatalogue } from '../orm/model.catalogue';
import { CONCURRENCY_ERRORS, fromPgError, isPgError } from './integrity.errors';

export const MAX_TRIES_ON_CONCURRENCY_FAILURE = 5;

/** Raised inside the transaction when a serialization failure is injected: a real SQLSTATE 40001 from PostgreSQL. */
const INJECTED_SERIALIZATION_FAILURE = `DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = 'serialization_failure',
  MESSAGE = 'could not serialize access due to concurrent update'; END $$`;

export interface TransactionStats {
  transactions: number;
  retries: number;
  /** Calls whose concurrency errors outlived every try. */
  exhausted: number;
}

export interface TransactionRunnerDeps {
  faults: FaultInjector;
  catalogue: ModelCatalogue;
  stats: TransactionStats;
  sleep?: (ms: number) => Promise<void>;
}

export type Work<T> = (client: PoolClient) => Promise<T>;

export class TransactionRunner {
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly deps: TransactionRunnerDeps) {
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Runs `work` in its own transaction, retrying it whole on concurrency errors. */
  async run<T>(pool: Pool, work: Work<T>): Promise<T> {
    this.deps.stats.transactions++;
    for (let tryNumber = 1; ; tryNumber++) {
      try {
        return await this.attempt(pool, work);
      } catch (error) {
        if (!isPgError(error)) throw error;
        if (CONCURRENCY_ERRORS.has(error.code) && tryNumber < MAX_TRIES_ON_CONCURRENCY_FAILURE) {
          this.deps.stats.retries++;
          await this.sleep(this.deps.faults.retryWaitMs(tryNumber));
          continue;
        }
        if (CONCURRENCY_ERRORS.has(error.code)) this.deps.stats.exhausted++;
        throw fromPgError(error, this.deps.catalogue);
      }
    }
  }

  private async attempt<T>(pool: Pool, work: Work<T>): Promise<T> {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      const result = await work(client);
      if (this.deps.faults.serializationFailure()) await client.query(INJECTED_SERIALIZATION_FAILURE);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((e: unknown) => {
        broken = e instanceof Error ? e : new Error(String(e));
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }
}
