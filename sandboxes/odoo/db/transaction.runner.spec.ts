import type { Pool, PoolClient } from 'pg';

import { FaultInjector, NO_FAULTS } from '../fault.injector';
import { DatabaseError, ValidationError } from '../odoo.errors';
import { ModelCatalogue } from '../orm/model.catalogue';
import { MAX_TRIES_ON_CONCURRENCY_FAILURE, TransactionRunner, type TransactionStats } from './transaction.runner';

function pgError(code: string, extra: Record<string, string> = {}): Error {
  return Object.assign(new Error(code === '40001' ? 'could not serialize access due to concurrent update' : 'boom'), {
    code,
    ...extra,
  });
}

/** A pool whose client records the statements and fails the injected serialization failure like PostgreSQL. */
function fakePool() {
  const statements: string[] = [];
  const client = {
    query: async (text: string) => {
      statements.push(text.split(/\s/)[0] as string);
      if (text.includes('serialization_failure')) throw pgError('40001');
      return { rows: [], rowCount: 0 };
    },
    release: () => undefined,
  } as unknown as PoolClient;
  const pool = { connect: async () => client } as unknown as Pool;
  return { pool, statements };
}

function runner(faults = new FaultInjector()) {
  const stats: TransactionStats = { transactions: 0, retries: 0, exhausted: 0 };
  const sleeps: number[] = [];
  const r = new TransactionRunner({
    faults,
    catalogue: new ModelCatalogue(),
    stats,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return { r, stats, sleeps };
}

describe('TransactionRunner', () => {
  it('runs the work in a REPEATABLE READ transaction and commits it', async () => {
    const { pool, statements } = fakePool();
    const { r } = runner();
    expect(await r.run(pool, async () => 42)).toBe(42);
    expect(statements).toEqual(['BEGIN', 'COMMIT']);
  });

  it('retries the whole call on a serialization failure, waiting less than 2^try × the base', async () => {
    const { pool } = fakePool();
    const faults = new FaultInjector();
    faults.set({ ...NO_FAULTS, serializationFailures: 2, retryBaseMs: 10 });
    const { r, stats, sleeps } = runner(faults);
    let calls = 0;
    expect(await r.run(pool, async () => ++calls)).toBe(3);
    expect(stats).toMatchObject({ retries: 2, exhausted: 0 });
    expect(sleeps[0]).toBeLessThan(20);
    expect(sleeps[1]).toBeLessThan(40);
  });

  it('gives the psycopg2 error to the client after five tries', async () => {
    const { pool, statements } = fakePool();
    const faults = new FaultInjector();
    faults.set({ ...NO_FAULTS, serializationFailures: 99, retryBaseMs: 0 });
    const { r, stats } = runner(faults);
    const error = await r.run(pool, async () => 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).exceptionName).toBe('psycopg2.errors.SerializationFailure');
    expect(stats).toMatchObject({ retries: MAX_TRIES_ON_CONCURRENCY_FAILURE - 1, exhausted: 1 });
    expect(statements.filter((s) => s === 'ROLLBACK')).toHaveLength(MAX_TRIES_ON_CONCURRENCY_FAILURE);
  });

  it('does not retry an integrity error: it becomes a ValidationError at once', async () => {
    const { pool } = fakePool();
    const { r, stats } = runner();
    const error = await r
      .run(pool, async () => {
        throw pgError('23502', { table: 'res_partner', column: 'name' });
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain('Model: Contact (res.partner)\nField: Name (name)');
    expect(stats.retries).toBe(0);
  });
});
