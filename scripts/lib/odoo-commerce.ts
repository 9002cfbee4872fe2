import type { Client } from 'pg';

/**
 * Odoo's commercial records written by SQL exactly as Odoo 17 stores them (tables, columns, states), so the demo and
 * the tests drive the hub through the real CDC path. Ids 1 (company, category, unit), 2 (USD), 5/8 (customer and stock
 * locations), 1/6 (sales and bank journals) and 2 (delivery picking type) come from the Odoo schema's seed data.
 */
export async function transaction<T>(db: Client, fn: () => Promise<T>): Promise<T> {
  await db.query('BEGIN');
  try {
    const result = await fn();
    await db.query('COMMIT');
    return result;
  } catch (e) {
    await db.query('ROLLBACK');
    throw e;
  }
}

/** A storable product (template + variant) with a translated name; returns the product_product id. */
export function insertProduct(db: Client, name: string, price: string, sku = `SKU-${name}`): Promise<number> {
  return transaction(db, async () => {
    const t = await db.query<{ id: number }>(
      `INSERT INTO product_template (name, detailed_type, type, categ_id, list_price, uom_id, uom_po_id, company_id, default_code)
       VALUES ($1, 'product', 'product', 1, $2, 1, 1, 1, $3) RETURNING id`,
      [JSON.stringify({ en_US: name, fr_FR: `${name} (fr)` }), price, sku],
    );
    const p = await db.query<{ id: number }>(
      `INSERT INTO product_product (product_tmpl_id, default_code, barcode) VALUES ($1, $2, $3) RETURNING id`,
      [t.rows[0].id, sku, `5400000${t.rows[0].id}`],
    );
    return p.rows[0].id;
  });
}

export interface OrderLineInput {
  product: number;
  quantity: number;
  price: string;
}

/** A draft quotation and its lines in one transaction, with Odoo's stored totals; returns the sale_order id. */
export function insertOrder(db: Client, name: string, customer: number, lines: OrderLineInput[]): Promise<number> {
  return transaction(db, async () => {
    const total = lines.reduce((sum, l) => sum + l.quantity * Number(l.price), 0);
    const o = await db.query<{ id: number }>(
      `INSERT INTO sale_order (name, state, partner_id, partner_invoice_id, partner_shipping_id, currency_id, company_id,
                               date_order, amount_untaxed, amount_tax, amount_total)
       VALUES ($1, 'draft', $2, $2, $2, 2, 1, now() at time zone 'utc', $3, 0, $3) RETURNING id`,
      [name, customer, total],
    );
    const orderId = o.rows[0].id;
    let sequence = 0;
    for (const line of lines) {
      sequence++;
      await db.query(
        `INSERT INTO sale_order_line (order_id, sequence, product_id, name, product_uom_qty, product_uom, price_unit, price_subtotal, price_total, currency_id, company_id)
         VALUES ($1, $2, $3, $4, $5, 1, $6, $5::numeric * $6::numeric, $5::numeric * $6::numeric, 2, 1)`,
        [orderId, sequence, line.product, `line ${sequence}`, line.quantity, line.price],
      );
    }
    return orderId;
  });
}

export async function confirmOrder(db: Client, orderId: number): Promise<void> {
  await db.query(
    `UPDATE sale_order SET state = 'sale', date_order = now() at time zone 'utc', write_date = now() at time zone 'utc' WHERE id = $1`,
    [orderId],
  );
}

/**
 * A customer invoice for the order named `origin`, as Odoo's "Create invoice" makes it: one line per product line of
 * the order, linked to it (sale_order_line_invoice_rel), posted under `number`. Returns the account_move id.
 */
export async function insertPostedInvoice(
  db: Client,
  customer: number,
  origin: string,
  number: string,
): Promise<number> {
  const { rows } = await db.query<{ id: number }>('SELECT id FROM sale_order WHERE name = $1', [origin]);
  if (!rows[0]) throw new Error(`no sale order named ${origin} to invoice`);
  return insertInvoiceBillingOrderLines(db, {
    customer,
    origin,
    number,
    bills: await orderLines(db, rows[0].id),
    link: 'with-invoice',
  });
}

/** An inbound customer payment (journal entry + account_payment) that pays the invoice in full. */
export async function payInvoice(
  db: Client,
  customer: number,
  invoiceId: number,
  reference: string,
  amount: string,
): Promise<void> {
  await transaction(db, async () => {
    const move = await db.query<{ id: number }>(
      `INSERT INTO account_move (name, date, state, move_type, journal_id, company_id, partner_id, currency_id, amount_total)
       VALUES ($1, current_date, 'posted', 'entry', 6, 1, $2, 2, $3) RETURNING id`,
      [reference, customer, amount],
    );
    await db.query(
      `INSERT INTO account_payment (move_id, payment_type, partner_type, amount, currency_id, partner_id) VALUES ($1, 'inbound', 'customer', $3, 2, $2)`,
      [move.rows[0].id, customer, amount],
    );
    await db.query(`UPDATE account_move SET payment_state = 'paid', amount_residual = 0 WHERE id = $1`, [invoiceId]);
  });
}

/** A ready delivery for the order with one move per product; returns the stock_picking id. */
export function insertDelivery(
  db: Client,
  name: string,
  customer: number,
  order: { id: number; name: string },
  moves: { product: number; quantity: number }[],
): Promise<number> {
  return transaction(db, async () => {
    const p = await db.query<{ id: number }>(
      `INSERT INTO stock_picking (name, state, location_id, location_dest_id, picking_type_id, partner_id, company_id, origin, sale_id, scheduled_date)
       VALUES ($1, 'assigned', 8, 5, 2, $2, 1, $3, $4, now() at time zone 'utc') RETURNING id`,
      [name, customer, order.name, order.id],
    );
    for (const move of moves) {
      await db.query(
        `INSERT INTO stock_move (name, company_id, product_id, product_uom_qty, product_uom, quantity, location_id, location_dest_id, picking_id, state)
         VALUES ('move', 1, $1, $2, 1, 0, 8, 5, $3, 'assigned')`,
        [move.product, move.quantity, p.rows[0].id],
      );
    }
    return p.rows[0].id;
  });
}

/** Validates the delivery: every move done in full, the picking done with the carrier's tracking reference. */
export async function validateDelivery(db: Client, picking: number, trackingReference: string): Promise<void> {
  await transaction(db, async () => {
    await db.query(`UPDATE stock_move SET quantity = product_uom_qty, state = 'done' WHERE picking_id = $1`, [picking]);
    await db.query(
      `UPDATE stock_picking SET state = 'done', date_done = now() at time zone 'utc', carrier_tracking_ref = $2 WHERE id = $1`,
      [picking, trackingReference],
    );
  });
}

/** Stock on hand in the main internal location (WH/Stock). */
export async function insertStock(db: Client, product: number, quantity: string, reserved = '0'): Promise<void> {
  await db.query(
    `INSERT INTO stock_quant (product_id, location_id, company_id, quantity, reserved_quantity) VALUES ($1, 8, 1, $2, $3)`,
    [product, quantity, reserved],
  );
}

/** Deletes the order's line at `sequence`, and updates the order's stored totals, in one transaction as Odoo does. */
export function deleteOrderLine(db: Client, orderId: number, sequence: number): Promise<void> {
  return transaction(db, async () => {
    await db.query('DELETE FROM sale_order_line WHERE order_id = $1 AND sequence = $2', [orderId, sequence]);
    await db.query(
      `UPDATE sale_order SET amount_untaxed = t.total, amount_total = t.total, write_date = now() at time zone 'utc'
         FROM (SELECT COALESCE(sum(price_subtotal), 0) AS total FROM sale_order_line WHERE order_id = $1) t
        WHERE id = $1`,
      [orderId],
    );
  });
}

/** A sale_order_line as the invoice line that bills it needs it. */
export interface OrderLineRow {
  id: number;
  order_id: number;
  product_id: number;
  product_uom_qty: string;
  price_unit: string;
}

/** The product lines of an order, in Odoo's order (sequence, id). */
export async function orderLines(db: Client, orderId: number): Promise<OrderLineRow[]> {
  const { rows } = await db.query<OrderLineRow>(
    `SELECT id, order_id, product_id, product_uom_qty::text, price_unit::text FROM sale_order_line
      WHERE order_id = $1 AND display_type IS NULL ORDER BY sequence, id`,
    [orderId],
  );
  return rows;
}

export interface InvoiceInput {
  customer: number;
  /** invoice_origin: free text, as Odoo's user may leave or edit it (null: empty). */
  origin: string | null;
  number: string;
  /** The order lines it bills, each by one invoice line. */
  bills: OrderLineRow[];
  /**
   * When the links to the order lines (sale_order_line_invoice_rel) are written: with the invoice, as Odoo's
   * "Create invoice" does, or in a later transaction, as when a line is linked by hand afterwards.
   */
  link: 'with-invoice' | 'later';
}

/**
 * A customer invoice as Odoo 17 stores it: the move, one product line per billed order line linked to it through
 * sale_order_line_invoice_rel, and the receivable (payment_term) line; created as draft, then posted under
 * `number`. Returns the account_move id.
 */
export async function insertInvoiceBillingOrderLines(db: Client, input: InvoiceInput): Promise<number> {
  const total = input.bills.reduce((sum, l) => sum + Number(l.product_uom_qty) * Number(l.price_unit), 0).toFixed(2);
  const links: [number, number][] = [];
  const invoiceId = await transaction(db, async () => {
    const move = await db.query<{ id: number }>(
      `INSERT INTO account_move (name, date, state, move_type, journal_id, company_id, partner_id, commercial_partner_id, currency_id, invoice_date, invoice_date_due,
                                 amount_untaxed, amount_tax, amount_total, amount_residual, payment_state, invoice_origin)
       VALUES ('/', current_date, 'draft', 'out_invoice', 1, 1, $1, $1, 2, current_date, current_date + 30, $2, 0, $2, $2, 'not_paid', $3) RETURNING id`,
      [input.customer, total, input.origin],
    );
    const moveId = move.rows[0].id;
    let sequence = 10;
    for (const bill of input.bills) {
      const line = await db.query<{ id: number }>(
        `INSERT INTO account_move_line (move_id, journal_id, company_id, company_currency_id, move_name, parent_state, date, sequence,
                                        display_type, name, partner_id, currency_id, product_id, product_uom_id, quantity, price_unit,
                                        price_subtotal, price_total, credit, balance, amount_currency)
         VALUES ($1, 1, 1, 2, '/', 'draft', current_date, $2, 'product', $3, $4, 2, $5, 1, $6, $7,
                 $6::numeric * $7::numeric, $6::numeric * $7::numeric, $6::numeric * $7::numeric,
                 -($6::numeric * $7::numeric), -($6::numeric * $7::numeric)) RETURNING id`,
        [
          moveId,
          sequence++,
          `order line ${bill.id}`,
          input.customer,
          bill.product_id,
          bill.product_uom_qty,
          bill.price_unit,
        ],
      );
      links.push([bill.id, line.rows[0].id]);
    }
    await db.query(
      `INSERT INTO account_move_line (move_id, journal_id, company_id, company_currency_id, move_name, parent_state, date, sequence,
                                      display_type, name, partner_id, currency_id, debit, balance, amount_currency, amount_residual, date_maturity)
       VALUES ($1, 1, 1, 2, '/', 'draft', current_date, $2, 'payment_term', '', $3, 2, $4, $4, $4, $4, current_date + 30)`,
      [moveId, sequence, input.customer, total],
    );
    if (input.link === 'with-invoice') await insertLinks(db, links);
    return moveId;
  });
  await transaction(db, async () => {
    await db.query(`UPDATE account_move SET state = 'posted', name = $2 WHERE id = $1`, [invoiceId, input.number]);
    await db.query(`UPDATE account_move_line SET parent_state = 'posted', move_name = $2 WHERE move_id = $1`, [
      invoiceId,
      input.number,
    ]);
  });
  if (input.link === 'later') await transaction(db, () => insertLinks(db, links));
  return invoiceId;
}

async function insertLinks(db: Client, links: [orderLine: number, invoiceLine: number][]): Promise<void> {
  for (const [orderLine, invoiceLine] of links) {
    await db.query('INSERT INTO sale_order_line_invoice_rel (order_line_id, invoice_line_id) VALUES ($1, $2)', [
      orderLine,
      invoiceLine,
    ]);
  }
}
