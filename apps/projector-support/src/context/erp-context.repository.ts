import type { Invoice, SalesOrder, Shipment } from '@hub/canonical';
import { HubDatabase } from '@hub/runtime';

/** One order as an agent may see it, with its deliveries and invoices (no amounts, prices or costs). */
export interface OrderContext {
  id: string;
  customerId: string | null;
  name: string;
  state: string | null;
  orderDate: number | null;
  shipments: Array<{
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
      `INSERT INTO support_invoice (id, customer_id, number, state, payment_state, due_date, order_ids, position)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (id) DO UPDATE SET customer_id = $2, number = $3, state = $4, payment_state = $5, due_date = $6,
         order_ids = $7, position = $8
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
      ],
    );
  }

  /** Forgets a document deleted in Odoo. */
  async remove(table: 'support_order' | 'support_shipment' | 'support_invoice', id: string): Promise<void> {
    await this.db.query(`DELETE FROM ${table} WHERE id = $1`, [id]);
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
