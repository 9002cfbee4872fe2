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

/** A customer invoice for `origin`, created as draft and then posted under `number`; returns the account_move id. */
export async function insertPostedInvoice(
  db: Client,
  customer: number,
  origin: string,
  number: string,
  amount: string,
): Promise<number> {
  const invoiceId = await transaction(db, async () => {
    const inv = await db.query<{ id: number }>(
      `INSERT INTO account_move (name, date, state, move_type, journal_id, company_id, partner_id, commercial_partner_id, currency_id, invoice_date, invoice_date_due,
                                 amount_untaxed, amount_tax, amount_total, amount_residual, payment_state, invoice_origin)
       VALUES ('/', current_date, 'draft', 'out_invoice', 1, 1, $1, $1, 2, current_date, current_date + 30, $3, 0, $3, $3, 'not_paid', $2) RETURNING id`,
      [customer, origin, amount],
    );
    return inv.rows[0].id;
  });
  await db.query(`UPDATE account_move SET state = 'posted', name = $2 WHERE id = $1`, [invoiceId, number]);
  return invoiceId;
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
