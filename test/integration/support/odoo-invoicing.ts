import type { Client } from 'pg';
import { transaction } from '../../../scripts/lib/odoo-commerce';

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
