/**
 * projector-odoo's customer credit lock on the stack's PostgreSQL: two lock objects stand for two instances (each its
 * own pool, its own sessions). One customer's sections run one at a time, a wait is bounded by a TransientError,
 * and a holder whose session ends (its process died) lets the next one in.
 */
import { Client } from 'pg';
import { TransientError } from '@hub/resilience';
import {
  CUSTOMER_CREDIT_LOCK_SPACE,
  PgCustomerCreditLock,
} from '../../apps/projector-odoo/src/orders/customer-credit.lock';
import { stack } from './support/stack';

describe('customer credit lock (projector-odoo)', () => {
  const options = { waitMs: 1_500, connections: 4 };
  let one: PgCustomerCreditLock;
  let two: PgCustomerCreditLock;
  let admin: Client;
  // Partner ids no Odoo of the stack reaches, apart for every run.
  const customer = () => 2_000_000_000 + Math.floor(Math.random() * 100_000_000);

  /** A section that runs until `release()`, and says when it started. */
  const held = () => {
    let release!: () => void;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const done = new Promise<void>((resolve) => (release = resolve));
    return { running, release, section: () => (started(), done) };
  };

  beforeAll(async () => {
    one = new PgCustomerCreditLock(stack().postgres.hub, options);
    two = new PgCustomerCreditLock(stack().postgres.hub, options);
    admin = new Client({ connectionString: stack().postgres.hub });
    await admin.connect();
  });

  afterAll(async () => {
    await one?.onApplicationShutdown();
    await two?.onApplicationShutdown();
    await admin?.end();
  });

  it("runs one customer's sections one at a time across instances, other customers' freely", async () => {
    const id = customer();
    const order: string[] = [];
    const first = held();
    const a = one.run(id, async () => {
      order.push('a in');
      await first.section();
      order.push('a out');
    });
    await first.running;
    const b = two.run(id, async () => void order.push('b'));
    expect(await one.run(customer(), async () => 'other customer')).toBe('other customer');
    await new Promise((r) => setTimeout(r, 200));
    expect(order).toEqual(['a in']);
    first.release();
    await Promise.all([a, b]);
    expect(order).toEqual(['a in', 'a out', 'b']);
  });

  it('gives up waiting with a TransientError, and releases the lock when the section throws', async () => {
    const id = customer();
    const first = held();
    const a = one.run(id, async () => {
      await first.section();
      throw new Error('the section failed');
    });
    await first.running;
    const started = Date.now();
    const waited = await two.run(id, async () => 'never').catch((e: unknown) => e);
    expect(waited).toBeInstanceOf(TransientError);
    expect(waited).toMatchObject({ code: 'CREDIT_LOCK_TIMEOUT' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(options.waitMs - 50);
    first.release();
    await expect(a).rejects.toThrow('the section failed');
    expect(await two.run(id, async () => 'after')).toBe('after');
  });

  it('lets the next section in when the holding session ends, as when its process dies', async () => {
    const id = customer();
    const first = held();
    const a = one.run(id, () => first.section());
    await first.running;
    const b = two.run(id, async () => 'next');
    const { rowCount } = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND classid = $1 AND objid = $2 AND objsubid = 2`,
      [CUSTOMER_CREDIT_LOCK_SPACE, id],
    );
    expect(rowCount).toBe(1);
    expect(await b).toBe('next');
    first.release();
    await a;
    // The broken session was not put back in the pool: the lock works on.
    expect(await one.run(id, async () => 'again')).toBe('again');
  });
});
