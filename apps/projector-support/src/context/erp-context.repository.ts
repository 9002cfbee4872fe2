import type { Invoice, SalesOrder, Shipment } from '@hub/canonical';
import { HubDatabase } from '@hub/runtime';
import { addMonths } from '../cases/case-note';
import type { DeskContextFields } from '../desk/support-desk.port';

/** The entitlement field: the warranty rule applied to the last delivery. */
function entitlementText(deliveredAt: number, months: number, now: number): string {
  const until = new Date(addMonths(deliveredAt, months)).toISOString().slice(0, 10);
  return addMonths(deliveredAt, months) >= now ? `under warranty until ${until}` : `warranty expired on ${until}`;
}

/** One order as an agent may see it, with its deliveries and invoices (no amounts, prices or costs). */
export interface OrderContext {
  id: string;
  customerId: string | null;
  name: string;
  state: string | null;
  orderDate: number | null;
  shipments: Array<{
    /** The canonical id, e.g. odoo-shipment-12. */
    id: string;
    name: string | null;
    state: string | null;
    doneDate: number | null;
    trackingReference: string | null;
  }>;
  invoices: Array<{ number: string | null; state: string | null; paymentState: string | null; dueDate: number | null }>;
}

/**
 * projector-support's read model in the hub database (migration support-read-model): the allow-listed facts of each
 * customer's orders, deliveries and invoices, kept from the canonical topics. A row is replaced only by an event of a
 * later source position, so redeliveries and replays never bring an older state back.
 */
export class ErpContextRepository {
  constructor(private readonly db: HubDatabase) {}

  async saveOrder(order: SalesOrder, position: number): Promise<void> {
    await this.db.query(
      `INSERT INTO support_order (id, customer_id, name, state, order_date, position) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (id) DO UPDATE SET customer_id = $2, name = $3, state = $4, order_date = $5, position = $6
       WHERE support_order.position < $6`,
      [order.id, order.customerId, order.name, order.state, order.orderDate, position],
    );
  }

  async saveShipment(shipment: Shipment, position: number): Promise<void> {
    await this.db.query(
      `INSERT INTO support_shipment (id, order_id, origin_order, name, state, done_date, tracking_reference, position)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (id) DO UPDATE SET order_id = $2, origin_order = $3, name = $4, state = $5, done_date = $6,
         tracking_reference = $7, position = $8
       WHERE support_shipment.position < $8`,
      [
        shipment.id,
        shipment.orderId,
        shipment.originOrder,
        shipment.name,
        shipment.state,
        shipment.doneDate,
        shipment.trackingReference,
        position,
      ],
    );
  }

  async saveInvoice(invoice: Invoice, position: number): Promise<void> {
    await this.db.query(
      `INSERT INTO support_invoice (id, customer_id, number, state, payment_state, due_date, order_ids, position,
                                    amount_residual, currency)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (id) DO UPDATE SET customer_id = $2, number = $3, state = $4, payment_state = $5, due_date = $6,
         order_ids = $7, position = $8, amount_residual = $9, currency = $10
       WHERE support_invoice.position < $8`,
      [
        invoice.id,
        invoice.customerId,
        invoice.number,
        invoice.state,
        invoice.paymentState,
        invoice.dueDate,
        invoice.orderIds,
        position,
        invoice.amountResidual,
        invoice.currencyCode,
      ],
    );
  }

  /** Forgets a document deleted in Odoo. */
  async remove(table: 'support_order' | 'support_shipment' | 'support_invoice', id: string): Promise<void> {
    await this.db.query(`DELETE FROM ${table} WHERE id = $1`, [id]);
  }

  /** The names of these orders (by canonical id) the read model has. */
  async orderNames(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.db.query<{ name: string }>(`SELECT name FROM support_order WHERE id = ANY($1)`, [ids]);
    return rows.map((r) => r.name);
  }

  /** The order of that name (Odoo's order reference, e.g. S00042), or undefined when the hub has none. */
  async orderByName(name: string): Promise<OrderContext | undefined> {
    const { rows } = await this.db.query<OrderRow>(`SELECT * FROM support_order WHERE name = $1 LIMIT 1`, [name]);
    return rows[0] ? (await this.withDocuments(rows))[0] : undefined;
  }

  /** A customer's most recent orders, newest first. */
  async recentOrders(customerId: string, limit: number): Promise<OrderContext[]> {
    const { rows } = await this.db.query<OrderRow>(
      `SELECT * FROM support_order WHERE customer_id = $1 ORDER BY order_date DESC NULLS LAST, id DESC LIMIT $2`,
      [customerId, limit],
    );
    return this.withDocuments(rows);
  }

  /**
   * The organization fields of a customer from the read model: open orders (confirmed, not fully delivered), overdue
   * invoices (posted, not paid, due before today) and what they still owe per currency, the last done delivery with
   * its tracking reference, and the warranty entitlement from it. Carrier: the canonical Shipment has none, so it is
   * left empty rather than guessed.
   */
  async contextOf(customerId: string, warrantyMonths: number, now: number): Promise<DeskContextFields> {
    const today = Math.floor(now / 86_400_000);
    const [open, overdue, last] = await Promise.all([
      this.db.query<{ n: string }>(
        // Confirmed and not delivered yet: nothing done, or something still to ship.
        `SELECT count(*) AS n FROM support_order o WHERE o.customer_id = $1 AND o.state = 'sale'
           AND (NOT EXISTS (SELECT 1 FROM support_shipment s WHERE s.order_id = o.id AND s.state = 'done')
                OR EXISTS (SELECT 1 FROM support_shipment s WHERE s.order_id = o.id AND s.state NOT IN ('done', 'cancel')))`,
        [customerId],
      ),
      this.db.query<{ n: string; currency: string | null; due: string | null }>(
        `SELECT count(*) AS n, currency, sum(amount_residual)::text AS due FROM support_invoice
         WHERE customer_id = $1 AND state = 'posted' AND coalesce(payment_state, 'not_paid') IN ('not_paid', 'partial')
           AND due_date < $2
         GROUP BY currency ORDER BY currency`,
        [customerId, today],
      ),
      this.db.query<{ name: string | null; done_date: string; tracking_reference: string | null }>(
        `SELECT s.name, s.done_date, s.tracking_reference FROM support_shipment s
           JOIN support_order o ON o.id = s.order_id
         WHERE o.customer_id = $1 AND s.state = 'done' AND s.done_date IS NOT NULL
         ORDER BY s.done_date DESC LIMIT 1`,
        [customerId],
      ),
    ]);
    const delivered = last.rows[0];
    const amounts = overdue.rows
      .filter((r) => r.due !== null)
      .map((r) => `${Number(r.due).toFixed(2)}${r.currency ? ` ${r.currency}` : ''}`);
    return {
      openOrders: Number(open.rows[0]?.n ?? 0),
      overdueInvoices: overdue.rows.reduce((n, r) => n + Number(r.n), 0),
      overdueAmount: amounts.length ? amounts.join(', ') : null,
      lastDelivery: delivered
        ? `${delivered.name ?? 'delivery'} on ${new Date(Number(delivered.done_date)).toISOString().slice(0, 10)}`
        : null,
      lastDeliveryCarrier: null,
      lastDeliveryTracking: delivered?.tracking_reference ?? null,
      entitlement: delivered
        ? entitlementText(Number(delivered.done_date), warrantyMonths, now)
        : 'no delivery yet: no warranty running',
    };
  }

  /** Remembers the desk's id of a record the hub wrote (a ticket names its organization by it). */
  async rememberDeskRecords(
    platform: string,
    object: string,
    records: Array<{ externalId: string; deskId: string }>,
  ): Promise<void> {
    if (records.length === 0) return;
    await this.db.query(
      `INSERT INTO support_desk_record (platform, object, external_id, desk_id)
       SELECT $1, $2, e, d FROM unnest($3::text[], $4::text[]) AS t(e, d)
       ON CONFLICT (platform, object, external_id) DO UPDATE SET desk_id = EXCLUDED.desk_id`,
      [platform, object, records.map((r) => r.externalId), records.map((r) => r.deskId)],
    );
  }

  /** The hub's key of a desk record by the desk's id, or undefined for one the hub never wrote. */
  async externalIdOf(platform: string, object: string, deskId: string): Promise<string | undefined> {
    const { rows } = await this.db.query<{ external_id: string }>(
      `SELECT external_id FROM support_desk_record WHERE platform = $1 AND object = $2 AND desk_id = $3 LIMIT 1`,
      [platform, object, deskId],
    );
    return rows[0]?.external_id;
  }

  /** Whether the hub noted this ticket for this reason already. */
  async noted(platform: string, ticketId: string, reason: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `SELECT 1 FROM support_case_note WHERE platform = $1 AND ticket_id = $2 AND reason = $3`,
      [platform, ticketId, reason],
    );
    return (rowCount ?? 0) > 0;
  }

  async recordNote(platform: string, ticketId: string, reason: string, noteId: string): Promise<void> {
    await this.db.query(
      `INSERT INTO support_case_note (platform, ticket_id, reason, note_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING`,
      [platform, ticketId, reason, noteId],
    );
  }

  private async withDocuments(orders: OrderRow[]): Promise<OrderContext[]> {
    if (orders.length === 0) return [];
    const ids = orders.map((o) => o.id);
    const names = orders.map((o) => o.name);
    const [shipments, invoices] = await Promise.all([
      this.db.query<ShipmentRow>(
        `SELECT * FROM support_shipment WHERE order_id = ANY($1) OR (order_id IS NULL AND origin_order = ANY($2))
         ORDER BY name`,
        [ids, names],
      ),
      this.db.query<InvoiceRow>(`SELECT * FROM support_invoice WHERE order_ids && $1 ORDER BY number`, [ids]),
    ]);
    return orders.map((o) => ({
      id: o.id,
      customerId: o.customer_id,
      name: o.name,
      state: o.state,
      orderDate: o.order_date === null ? null : Number(o.order_date),
      shipments: shipments.rows
        .filter((s) => s.order_id === o.id || (s.order_id === null && s.origin_order === o.name))
        .map((s) => ({
          id: s.id,
          name: s.name,
          state: s.state,
          doneDate: s.done_date === null ? null : Number(s.done_date),
          trackingReference: s.tracking_reference,
        })),
      invoices: invoices.rows
        .filter((i) => i.order_ids.includes(o.id))
        .map((i) => ({ number: i.number, state: i.state, paymentState: i.payment_state, dueDate: i.due_date })),
    }));
  }
}

interface OrderRow {
  id: string;
  customer_id: string | null;
  name: string;
  state: string | null;
  order_date: string | null;
}
interface ShipmentRow {
  id: string;
  order_id: string | null;
  origin_order: string | null;
  name: string | null;
  state: string | null;
  done_date: string | null;
  tracking_reference: string | null;
}
interface InvoiceRow {
  number: string | null;
  state: string | null;
  payment_state: string | null;
  due_date: number | null;
  order_ids: string[];
}
