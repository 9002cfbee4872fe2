import type { HubDatabase } from '@hub/runtime';

/**
 * projector-odoo's ledger of the order submissions it has read and what became of each (table `odoo_order_intake`):
 * the store of "Salesforce orders awaiting ERP acceptance". One row per order, written twice per intake (received,
 * decided), so the figure is a count of an indexed partial set, not a replay of the topic.
 */
export class IntakeLedger {
  constructor(private readonly db: HubDatabase) {}

  /** A submission was read. A wait already running keeps its start; one decided before starts a new wait. */
  async received(order: { id: string; salesforceOrderId: string }): Promise<void> {
    await this.db.query(
      `INSERT INTO odoo_order_intake (order_id, salesforce_order_id) VALUES ($1, $2)
       ON CONFLICT (order_id) DO UPDATE SET salesforce_order_id = EXCLUDED.salesforce_order_id,
         received_at = CASE WHEN odoo_order_intake.outcome IS NULL THEN odoo_order_intake.received_at ELSE now() END,
         outcome = NULL, decided_at = NULL`,
      [order.id, order.salesforceOrderId],
    );
  }

  /** The ERP took it (confirmed) or the work queue holds it (exception): either way it no longer waits. */
  async decided(orderId: string, outcome: 'confirmed' | 'exception'): Promise<void> {
    await this.db.query(`UPDATE odoo_order_intake SET outcome = $2, decided_at = now() WHERE order_id = $1`, [
      orderId,
      outcome,
    ]);
  }

  /** Submissions read and not decided yet, and when the oldest began waiting. */
  async waiting(): Promise<{ count: number; oldest: Date | null }> {
    const { rows } = await this.db.query<{ n: number; oldest: Date | null }>(
      `SELECT count(*)::int AS n, min(received_at) AS oldest FROM odoo_order_intake WHERE outcome IS NULL`,
    );
    return { count: rows[0]?.n ?? 0, oldest: rows[0]?.oldest ?? null };
  }
}
