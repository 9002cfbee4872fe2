import type { OnApplicationShutdown } from '@nestjs/common';
import { TransientError } from '@hub/resilience';
import { HubDatabaseError } from '@hub/runtime';
import { DatabaseError, Pool, PoolClient } from 'pg';

/**
 * One customer's credit check and the confirmation it allows, one order at a time, across every projector-odoo
 * instance.
 *
 * Why it exists: order intake reads a customer's open confirmed orders, checks them plus the new order against the
 * credit limit, then creates and confirms the sale order. Two orders of one customer arrive on different partitions
 * (their keys are the order ids), or at two instances of the consumer group; without this lock both can read the
 * open orders before either is confirmed, both pass, and together exceed the limit. The in-process lock by order id
 * cannot see that.
 *
 * Keyed by Odoo's commercial partner (a contact orders on its company's credit). The section must read the open
 * orders itself: a value read before the lock is stale.
 */
export abstract class CustomerCreditLock {
  /**
   * Runs `section` while no other section of the same commercial partner runs, in this process or another one on the
   * hub database; sections of other customers run freely. Waiters are served about in arrival order.
   *
   * @throws TransientError `CREDIT_LOCK_TIMEOUT` when the lock was not obtained within the wait (the record is retried,
   *   nothing was done); a HubDatabaseError when the hub database could not be reached (transient too, see
   *   `classifyError`). Whatever `section` throws comes back unchanged, after the lock is released.
   */
  abstract run<T>(commercialPartnerId: number, section: () => Promise<T>): Promise<T>;
}

/**
 * The advisory-lock space of "credit per customer" in the hub database (first key of the two-int form; the second is
 * the Odoo commercial partner id). No other lock of the hub uses this space. A hub serving two Odoo databases from one
 * hub database would at worst serialise two customers that share an id: never a wrong result.
 */
export const CUSTOMER_CREDIT_LOCK_SPACE = 7301;

export interface PgCustomerCreditLockOptions {
  /**
   * How long a section waits for the lock, and again at most for a connection, before it gives up with a
   * TransientError. Longer than a few sections of Odoo calls, short enough that a stuck holder shows as retries.
   */
  waitMs: number;
  /**
   * Connections of the lock's own pool: each running or waiting section holds one for as long as it runs (Odoo calls
   * included), so at least the intake calls that may run at once. Apart from the hub database's shared pool, so that
   * sections holding the lock never starve the work queue's queries of a connection.
   */
  connections: number;
}

/**
 * {@link CustomerCreditLock} as a PostgreSQL session advisory lock in the hub database: `pg_advisory_lock` on a
 * connection held for the section, `pg_advisory_unlock` after it. A process that dies ends its session, and
 * PostgreSQL releases its locks with it; TCP keep-alive finds a session whose host vanished.
 */
export class PgCustomerCreditLock extends CustomerCreditLock implements OnApplicationShutdown {
  private readonly pool: Pool;

  constructor(
    url: string,
    private readonly options: PgCustomerCreditLockOptions,
  ) {
    super();
    this.pool = new Pool({
      connectionString: url,
      max: options.connections,
      connectionTimeoutMillis: options.waitMs,
      keepAlive: true,
      application_name: 'projector-odoo customer credit lock',
      // Bounds the wait in pg_advisory_lock (a lock wait like any other); the only statements here are the lock's.
      options: `-c lock_timeout=${options.waitMs}`,
    });
    // An idle client losing its connection must not crash the process; the next section connects again.
    this.pool.on('error', () => undefined);
  }

  async run<T>(commercialPartnerId: number, section: () => Promise<T>): Promise<T> {
    const key = [CUSTOMER_CREDIT_LOCK_SPACE, commercialPartnerId];
    const client = await this.connect();
    // A client whose session may still hold the lock is closed instead of going back to the pool: that ends the lock.
    let discard = false;
    // The session lost while the section runs (the hub database restarted): the lock is gone with it. A checked-out
    // client has no listener of its own, and an unheard 'error' would end the process.
    const lost = () => (discard = true);
    client.on('error', lost);
    try {
      try {
        await client.query('SELECT pg_advisory_lock($1, $2)', key);
      } catch (error) {
        discard ||= !(error instanceof DatabaseError);
        throw lockError(error, commercialPartnerId, this.options.waitMs);
      }
      try {
        return await section();
      } finally {
        try {
          const { rows } = await client.query<{ released: boolean }>(
            'SELECT pg_advisory_unlock($1, $2) AS released',
            key,
          );
          discard ||= rows[0]?.released !== true;
        } catch {
          discard = true;
        }
      }
    } finally {
      client.off('error', lost);
      client.release(discard);
    }
  }

  private async connect(): Promise<PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw new HubDatabaseError(error);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

/** lock_timeout (SQLSTATE 55P03): another section of the customer held it all along; anything else is the database. */
function lockError(error: unknown, commercialPartnerId: number, waitMs: number): Error {
  if (error instanceof DatabaseError && error.code === '55P03') {
    return new TransientError(
      'CREDIT_LOCK_TIMEOUT',
      `the credit lock of customer ${commercialPartnerId} stayed taken for ${waitMs} ms`,
      { cause: error },
    );
  }
  return new HubDatabaseError(error);
}
