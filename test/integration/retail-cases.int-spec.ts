import type { Client } from 'pg';
import { eventually, RunningApp, startApps } from '../../scripts/lib/app-process';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandboxes/salesforce/salesforce-sandbox';
import { SandboxClient } from '../../sandboxes/salesforce/sandbox.client';
import { odooCdcEnv, projectorSalesforceEnv } from './support/app-env';
import { runCaughtUp } from './support/kafka';
import { insertPartner, odooDb } from './support/odoo';
import {
  insertInvoiceBillingOrderLines,
  insertProduct,
  orderLines,
  transaction,
} from '../../scripts/lib/odoo-commerce';
import { createHubDatabase, runId } from './support/stack';

type Row = Record<string, unknown>;

/**
 * The cases retail integrations break on, each from Odoo rows written as Odoo 17 stores them (amounts as its ORM
 * computes and rounds them, per line, two decimals) to the exact state a Salesforce user reads by SOQL. Real path:
 * SQL in Odoo's tables → Debezium → odoo-cdc → canonical topics → projector-salesforce → an org of this file's own.
 */
describe('retail cases, Odoo to Salesforce', () => {
  const run = runId('retail');
  const prefix = `it-${run}.`;
  let sandbox: SalesforceSandbox;
  let sf: SandboxClient;
  let db: Client;
  let hubDb: Awaited<ReturnType<typeof createHubDatabase>>;
  let apps: RunningApp[] = [];
  let customer: number;
  let desk: number;
  let chair: number;
  let lamp: number;

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ port: 0 });
    sf = new SandboxClient(sandbox.url);
    db = await odooDb();
    hubDb = await createHubDatabase(`hub_${run.replace(/-/g, '_')}`);
    apps = await startApps([
      { name: 'odoo-cdc', env: odooCdcEnv(prefix, hubDb.url) },
      {
        name: 'projector-salesforce',
        env: projectorSalesforceEnv(prefix, hubDb.url, sandbox.url, { SF_BATCH_LINGER_MS: '300' }),
      },
    ]);
    // Waits for this run's apps to replay the shared history first: the waits below time this file's records.
    await runCaughtUp(prefix);
    customer = await insertPartner(db, { name: `Corner Store ${run}`, is_company: true, city: 'Ghent' });
    desk = await insertProduct(db, `Desk ${run}`, '250');
    chair = await insertProduct(db, `Chair ${run}`, '70.5');
    lamp = await insertProduct(db, `Lamp ${run}`, '39.9');
  }, 660_000);

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.kill()));
    await db?.end();
    await hubDb?.drop();
    await sandbox?.close();
  });

  // ---- Salesforce, read as a user would -------------------------------------------------------------------------

  /** The rows as a user reads them: the fields asked for, without the API's per-record attributes. */
  const query = async (soql: string) =>
    (await sf.query<Row>(soql)).map(({ attributes: _attributes, ...fields }) => fields);
  /** The first row of `soql` once there is one (the condition in its WHERE is the state waited for). */
  const landed = (soql: string, what: string) => eventually(async () => (await query(soql))[0], 90_000, what);
  const orderSoql = (id: number) =>
    `SELECT Id, Name, Status, Odoo_State__c, Odoo_Invoice_Status__c, Odoo_Delivery_Status__c, Odoo_Amount_Untaxed__c, Odoo_Amount_Tax__c, Odoo_Amount_Total__c, Odoo_Deleted__c FROM Order WHERE Odoo_Id__c = 'odoo-sale-order-${id}'`;
  const orderWhere = (id: number, condition: string, what: string) => landed(`${orderSoql(id)} AND ${condition}`, what);
  /**
   * The order's items in the order of their Odoo line ids. Sorted here by the number, not by SOQL's ORDER BY on the
   * key: as text, `odoo-sale-order-line-10` sorts before `…-line-9`, which is how a fresh database numbers lines.
   */
  const items = async (id: number) =>
    (
      await query(
        `SELECT Odoo_Id__c, Quantity, UnitPrice, TotalPrice, Odoo_Discount__c, Odoo_Line_Subtotal__c, Odoo_Line_Tax__c, Odoo_Line_Total__c, Odoo_Quantity_Delivered__c, Odoo_Quantity_Invoiced__c, Odoo_Deleted__c FROM OrderItem WHERE Order.Odoo_Id__c = 'odoo-sale-order-${id}'`,
      )
    ).sort((a, b) => lineNumber(a) - lineNumber(b));
  const lineNumber = (item: Row) => Number(String(item.Odoo_Id__c).replace(/^odoo-sale-order-line-/, ''));
  const shipments = (id: number) =>
    query(
      `SELECT Name, State__c, Tracking_Reference__c, Quantity_Ordered__c, Quantity_Done__c FROM Odoo_Shipment__c WHERE Order__r.Odoo_Id__c = 'odoo-sale-order-${id}' ORDER BY Name`,
    );
  const invoiceRow = (invoice: number, condition: string, what: string) =>
    landed(
      `SELECT Name, Order__c, State__c, Payment_State__c, Amount_Total__c, Amount_Residual__c FROM Odoo_Invoice__c WHERE Odoo_Id__c = 'odoo-invoice-${invoice}' AND ${condition}`,
      what,
    );
  const lineKey = (line: number) => `odoo-sale-order-line-${line}`;

  // ---- Odoo rows, as Odoo 17 writes them -------------------------------------------------------------------------

  interface Line {
    product: number;
    quantity: number;
    /** price_unit, as the pricelist gave it; tax included when the line's tax is price_include. */
    priceUnit: string;
    discount?: string;
    /** price_subtotal, price_tax (a float in Odoo 17) and price_total as Odoo computes them for the line. */
    subtotal: string;
    tax: number;
    total: string;
  }

  /**
   * A confirmed order with its lines (sale_stock: delivery_status pending, lines delivered by stock moves), its
   * amounts the sums of its lines' as Odoo's round-per-line computation gives them. Returns the order and line ids.
   */
  async function confirmedOrder(name: string, lines: Line[]): Promise<{ id: number; lines: number[] }> {
    const cents = (v: string | number) => Math.round(Number(v) * 100);
    const untaxed = lines.reduce((s, l) => s + cents(l.subtotal), 0) / 100;
    const tax = lines.reduce((s, l) => s + cents(l.tax), 0) / 100;
    const total = lines.reduce((s, l) => s + cents(l.total), 0) / 100;
    if (cents(untaxed) + cents(tax) !== cents(total)) throw new Error(`${name}: lines do not add up`);
    const ids = await transaction(db, async () => {
      const o = await db.query<{ id: number }>(
        `INSERT INTO sale_order (name, state, partner_id, partner_invoice_id, partner_shipping_id, currency_id, company_id,
                                 date_order, amount_untaxed, amount_tax, amount_total, invoice_status,
                                 picking_policy, create_uid, create_date, write_uid, write_date)
         VALUES ($1, 'draft', $2, $2, $2, 2, 1, now() at time zone 'utc', $3, $4, $5, 'no', 'direct',
                 1, now() at time zone 'utc', 1, now() at time zone 'utc') RETURNING id`,
        [name, customer, untaxed, tax, total],
      );
      const orderId = o.rows[0].id;
      const lineIds: number[] = [];
      let sequence = 10;
      for (const l of lines) {
        const r = await db.query<{ id: number }>(
          `INSERT INTO sale_order_line (order_id, sequence, company_id, currency_id, order_partner_id, state, product_id,
                                        product_uom_qty, product_uom, name, price_unit, discount, price_subtotal, price_tax,
                                        price_total, price_reduce_taxexcl, price_reduce_taxinc, qty_delivered_method,
                                        qty_delivered, qty_invoiced, qty_to_invoice, invoice_status, customer_lead,
                                        create_uid, create_date, write_uid, write_date)
           VALUES ($1, $2, 1, 2, $3, 'draft', $4, $5, 1, $6, $7, $8, $9, $10, $11,
                   round($9::numeric / $5::numeric, 2), round($11::numeric / $5::numeric, 2), 'stock_move',
                   0, 0, 0, 'no', 0, 1, now() at time zone 'utc', 1, now() at time zone 'utc') RETURNING id`,
          [
            orderId,
            sequence,
            customer,
            l.product,
            l.quantity,
            `line ${sequence}`,
            l.priceUnit,
            l.discount ?? '0',
            l.subtotal,
            l.tax,
            l.total,
          ],
        );
        lineIds.push(r.rows[0].id);
        sequence += 10;
      }
      return { id: orderId, lines: lineIds };
    });
    await transaction(db, async () => {
      await db.query(
        `UPDATE sale_order SET state = 'sale', delivery_status = 'pending', invoice_status = 'no',
                date_order = now() at time zone 'utc', write_date = now() at time zone 'utc' WHERE id = $1`,
        [ids.id],
      );
      await db.query(`UPDATE sale_order_line SET state = 'sale' WHERE order_id = $1`, [ids.id]);
    });
    return ids;
  }

  /** An outgoing delivery of the order (WH/Stock → Customers), ready, one move per order line given. */
  async function delivery(
    name: string,
    order: { id: number; name: string },
    moves: { line: number; product: number; quantity: number }[],
    backorderOf: number | null = null,
  ): Promise<number> {
    return transaction(db, async () => {
      const p = await db.query<{ id: number }>(
        `INSERT INTO stock_picking (name, state, location_id, location_dest_id, picking_type_id, partner_id, company_id,
                                    origin, sale_id, backorder_id, scheduled_date, move_type)
         VALUES ($1, 'assigned', 8, 5, 2, $2, 1, $3, $4, $5, now() at time zone 'utc', 'direct') RETURNING id`,
        [name, customer, order.name, order.id, backorderOf],
      );
      for (const m of moves) {
        await db.query(
          `INSERT INTO stock_move (name, company_id, product_id, product_uom_qty, product_qty, product_uom, quantity,
                                   location_id, location_dest_id, picking_id, picking_type_id, partner_id, state,
                                   sale_line_id, reference, origin)
           VALUES ($1, 1, $2, $3, $3, 1, $3, 8, 5, $4, 2, $5, 'assigned', $6, $7, $8)`,
          [`move ${name}`, m.product, m.quantity, p.rows[0].id, customer, m.line, name, order.name],
        );
      }
      await deliveryStatus(order.id);
      return p.rows[0].id;
    });
  }

  /**
   * sale_stock's delivery_status, recomputed whenever the order's pickings change (Odoo 17 _compute_delivery_status):
   * none while there is no live picking, full once every one is done or cancelled, partial when one is done and
   * something was delivered, started when one is done, else pending. A validated return is a done picking.
   */
  async function deliveryStatus(order: number): Promise<void> {
    await db.query(
      `UPDATE sale_order SET write_date = now() at time zone 'utc', delivery_status = (
         SELECT CASE WHEN bool_and(p.state = 'cancel') IS NOT FALSE THEN NULL
                     WHEN bool_and(p.state IN ('done', 'cancel')) THEN 'full'
                     WHEN bool_or(p.state = 'done') AND EXISTS (
                       SELECT 1 FROM sale_order_line l WHERE l.order_id = $1 AND l.qty_delivered <> 0) THEN 'partial'
                     WHEN bool_or(p.state = 'done') THEN 'started'
                     ELSE 'pending' END
           FROM stock_picking p WHERE p.sale_id = $1)
        WHERE id = $1`,
      [order],
    );
  }

  /**
   * Validates a picking as Odoo's button does in one transaction: its moves and itself done (with the carrier's
   * tracking reference), the order lines' delivered quantities recomputed from their done moves (outgoing minus
   * returned with to_refund), and the order's delivery status from its pickings.
   */
  async function validate(picking: number, order: number, trackingReference: string | null): Promise<void> {
    await transaction(db, async () => {
      await db.query(`UPDATE stock_move SET state = 'done', picked = true WHERE picking_id = $1`, [picking]);
      await db.query(
        `UPDATE stock_picking SET state = 'done', date_done = now() at time zone 'utc', carrier_tracking_ref = $2 WHERE id = $1`,
        [picking, trackingReference],
      );
      await db.query(
        `UPDATE sale_order_line l SET qty_delivered = d.qty, write_date = now() at time zone 'utc'
           FROM (SELECT l2.id, COALESCE(sum(CASE WHEN m.location_dest_id = 5 THEN m.quantity
                                                 WHEN m.to_refund THEN -m.quantity ELSE 0 END), 0) AS qty
                   FROM sale_order_line l2 LEFT JOIN stock_move m ON m.sale_line_id = l2.id AND m.state = 'done'
                  WHERE l2.order_id = $1 GROUP BY l2.id) d
          WHERE l.id = d.id AND l.qty_delivered IS DISTINCT FROM d.qty`,
        [order],
      );
      await deliveryStatus(order);
    });
  }

  // ---- the cases --------------------------------------------------------------------------------------------------

  it('a return of a delivered order lowers the delivered quantity on the Salesforce order', async () => {
    const name = `S-return-${run}`;
    const order = await confirmedOrder(name, [
      { product: desk, quantity: 2, priceUnit: '250', subtotal: '500', tax: 105, total: '605' },
      { product: chair, quantity: 4, priceUnit: '70.5', subtotal: '282', tax: 59.22, total: '341.22' },
    ]);
    const [deskLine, chairLine] = order.lines;
    const out = await delivery(`WH/OUT/R-${run}`, { id: order.id, name }, [
      { line: deskLine, product: desk, quantity: 2 },
      { line: chairLine, product: chair, quantity: 4 },
    ]);
    await validate(out, order.id, `TR-R-${run}`);
    await orderWhere(order.id, "Odoo_Delivery_Status__c = 'full'", 'the delivered order');
    await eventually(
      async () => (await items(order.id)).every((i) => i.Odoo_Quantity_Delivered__c === i.Quantity) || undefined,
      90_000,
      'both lines delivered in Salesforce',
    );

    // The customer sends one desk back: Odoo's return wizard makes an incoming picking that names the delivery it
    // returns (return_id) and, per move, the move it returns, marked to update the order's delivered quantity.
    const ret = await transaction(db, async () => {
      const p = await db.query<{ id: number }>(
        `INSERT INTO stock_picking (name, state, location_id, location_dest_id, picking_type_id, partner_id, company_id,
                                    origin, sale_id, return_id, scheduled_date, move_type)
         VALUES ($1, 'assigned', 5, 8, 1, $2, 1, $3, $4, $5, now() at time zone 'utc', 'direct') RETURNING id`,
        [`WH/IN/R-${run}`, customer, `Return of WH/OUT/R-${run}`, order.id, out],
      );
      const { rows } = await db.query<{ id: number }>(
        'SELECT id FROM stock_move WHERE picking_id = $1 AND product_id = $2',
        [out, desk],
      );
      await db.query(
        `INSERT INTO stock_move (name, company_id, product_id, product_uom_qty, product_qty, product_uom, quantity,
                                 location_id, location_dest_id, picking_id, picking_type_id, partner_id, state,
                                 sale_line_id, origin_returned_move_id, to_refund, reference, origin)
         VALUES ('return', 1, $1, 1, 1, 1, 1, 5, 8, $2, 1, $3, 'assigned', $4, $5, true, $6, $7)`,
        [desk, p.rows[0].id, customer, deskLine, rows[0].id, `WH/IN/R-${run}`, `Return of WH/OUT/R-${run}`],
      );
      await deliveryStatus(order.id);
      return p.rows[0].id;
    });
    await validate(ret, order.id, null);

    await eventually(
      async () =>
        (await items(order.id)).find((i) => i.Odoo_Id__c === lineKey(deskLine))?.Odoo_Quantity_Delivered__c === 1 ||
        undefined,
      90_000,
      'the returned desk off the delivered quantity',
    );
    expect(await query(orderSoql(order.id))).toEqual([
      expect.objectContaining({
        Name: name,
        Status: 'Confirmed',
        Odoo_State__c: 'sale',
        Odoo_Delivery_Status__c: 'full',
        Odoo_Amount_Untaxed__c: 782,
        Odoo_Amount_Tax__c: 164.22,
        Odoo_Amount_Total__c: 946.22,
      }),
    ]);
    expect(await items(order.id)).toEqual([
      expect.objectContaining({ Odoo_Id__c: lineKey(deskLine), Quantity: 2, Odoo_Quantity_Delivered__c: 1 }),
      expect.objectContaining({ Odoo_Id__c: lineKey(chairLine), Quantity: 4, Odoo_Quantity_Delivered__c: 4 }),
    ]);
    // The delivery itself stays as it was shipped.
    await eventually(
      async () => ((await shipments(order.id))[0]?.State__c === 'done' ? true : undefined),
      90_000,
      'the delivery in Salesforce',
    );
    expect(await shipments(order.id)).toEqual([
      expect.objectContaining({
        Name: `WH/OUT/R-${run}`,
        State__c: 'done',
        Tracking_Reference__c: `TR-R-${run}`,
        Quantity_Done__c: 6,
      }),
    ]);
  });

  it('a split shipment: two deliveries, two tracking references, the order partially then fully shipped', async () => {
    const name = `S-split-${run}`;
    const order = await confirmedOrder(name, [
      { product: desk, quantity: 5, priceUnit: '250', subtotal: '1250', tax: 262.5, total: '1512.5' },
      { product: chair, quantity: 3, priceUnit: '70.5', subtotal: '211.5', tax: 44.42, total: '255.92' },
    ]);
    const [deskLine, chairLine] = order.lines;
    // Three of the five desks are in stock: the first delivery ships them and the chairs; validating it with less
    // than the demand splits the desk move and leaves the rest in a backorder, as Odoo does.
    const first = await delivery(`WH/OUT/S1-${run}`, { id: order.id, name }, [
      { line: deskLine, product: desk, quantity: 3 },
      { line: chairLine, product: chair, quantity: 3 },
    ]);
    await delivery(`WH/OUT/S2-${run}`, { id: order.id, name }, [{ line: deskLine, product: desk, quantity: 2 }], first);
    const [{ id: second }] = (
      await db.query<{ id: number }>('SELECT id FROM stock_picking WHERE name = $1', [`WH/OUT/S2-${run}`])
    ).rows;
    // Nothing left to reserve for the backorder: it waits for stock.
    await transaction(db, async () => {
      await db.query(`UPDATE stock_move SET quantity = 0, state = 'confirmed' WHERE picking_id = $1`, [second]);
      await db.query(`UPDATE stock_picking SET state = 'confirmed' WHERE id = $1`, [second]);
    });
    await validate(first, order.id, `1Z-FIRST-${run}`);

    await orderWhere(order.id, "Odoo_Delivery_Status__c = 'partial'", 'the partially shipped order');
    await eventually(
      async () => ((await shipments(order.id)).length === 2 ? true : undefined),
      90_000,
      'both deliveries in Salesforce',
    );
    await eventually(
      async () =>
        (await items(order.id)).find((i) => i.Odoo_Id__c === lineKey(chairLine))?.Odoo_Quantity_Delivered__c === 3 ||
        undefined,
      90_000,
      'the first delivery on the lines',
    );
    expect(await items(order.id)).toEqual([
      expect.objectContaining({ Odoo_Id__c: lineKey(deskLine), Quantity: 5, Odoo_Quantity_Delivered__c: 3 }),
      expect.objectContaining({ Odoo_Id__c: lineKey(chairLine), Quantity: 3, Odoo_Quantity_Delivered__c: 3 }),
    ]);
    expect(await shipments(order.id)).toEqual([
      {
        Name: `WH/OUT/S1-${run}`,
        State__c: 'done',
        Tracking_Reference__c: `1Z-FIRST-${run}`,
        Quantity_Ordered__c: 6,
        Quantity_Done__c: 6,
      },
      {
        Name: `WH/OUT/S2-${run}`,
        State__c: 'confirmed',
        Tracking_Reference__c: null,
        Quantity_Ordered__c: 2,
        Quantity_Done__c: 0,
      },
    ]);

    // The desks come in: reserved, then shipped.
    await transaction(db, async () => {
      await db.query(`UPDATE stock_move SET quantity = product_uom_qty, state = 'assigned' WHERE picking_id = $1`, [
        second,
      ]);
      await db.query(`UPDATE stock_picking SET state = 'assigned' WHERE id = $1`, [second]);
    });
    await validate(second, order.id, `1Z-SECOND-${run}`);
    await orderWhere(order.id, "Odoo_Delivery_Status__c = 'full'", 'the fully shipped order');
    await eventually(
      async () =>
        (await items(order.id)).find((i) => i.Odoo_Id__c === lineKey(deskLine))?.Odoo_Quantity_Delivered__c === 5 ||
        undefined,
      90_000,
      'the second delivery on the lines',
    );
    await eventually(
      async () => ((await shipments(order.id))[1]?.State__c === 'done' ? true : undefined),
      90_000,
      'the second delivery done in Salesforce',
    );
    expect(await items(order.id)).toEqual([
      expect.objectContaining({ Odoo_Id__c: lineKey(deskLine), Quantity: 5, Odoo_Quantity_Delivered__c: 5 }),
      expect.objectContaining({ Odoo_Id__c: lineKey(chairLine), Quantity: 3, Odoo_Quantity_Delivered__c: 3 }),
    ]);
    expect(await shipments(order.id)).toEqual([
      {
        Name: `WH/OUT/S1-${run}`,
        State__c: 'done',
        Tracking_Reference__c: `1Z-FIRST-${run}`,
        Quantity_Ordered__c: 6,
        Quantity_Done__c: 6,
      },
      {
        Name: `WH/OUT/S2-${run}`,
        State__c: 'done',
        Tracking_Reference__c: `1Z-SECOND-${run}`,
        Quantity_Ordered__c: 2,
        Quantity_Done__c: 2,
      },
    ]);
  });

  it('partial invoicing: two invoices paid at different times, each residual right', async () => {
    const name = `S-inv-${run}`;
    const order = await confirmedOrder(name, [
      { product: desk, quantity: 2, priceUnit: '199.9', subtotal: '399.8', tax: 0, total: '399.8' },
      { product: chair, quantity: 4, priceUnit: '70.5', subtotal: '282', tax: 0, total: '282' },
    ]);
    const { Id: orderSfId } = (await orderWhere(order.id, "Status = 'Confirmed'", 'the confirmed order'))!;
    const [deskBill, chairBill] = await orderLines(db, order.id);
    /** The order's invoiced quantities and invoice status as Odoo recomputes them when an invoice is posted. */
    const invoiced = async (line: number, quantity: number, orderStatus: string) => {
      await transaction(db, async () => {
        await db.query(
          `UPDATE sale_order_line SET qty_invoiced = $2, qty_to_invoice = product_uom_qty - $2,
                  invoice_status = CASE WHEN $2 >= product_uom_qty THEN 'invoiced' ELSE 'to invoice' END WHERE id = $1`,
          [line, quantity],
        );
        await db.query(
          `UPDATE sale_order SET invoice_status = $2, write_date = now() at time zone 'utc' WHERE id = $1`,
          [order.id, orderStatus],
        );
      });
    };
    /** A customer payment of `amount` reconciled with the invoice: its residual and payment state follow. */
    const pay = async (invoice: number, reference: string, amount: string) => {
      await transaction(db, async () => {
        const move = await db.query<{ id: number }>(
          `INSERT INTO account_move (name, date, state, move_type, journal_id, company_id, partner_id, currency_id, amount_total)
           VALUES ($1, current_date, 'posted', 'entry', 6, 1, $2, 2, $3) RETURNING id`,
          [reference, customer, amount],
        );
        await db.query(
          `INSERT INTO account_payment (move_id, payment_type, partner_type, amount, currency_id, partner_id)
           VALUES ($1, 'inbound', 'customer', $3, 2, $2)`,
          [move.rows[0].id, customer, amount],
        );
        await db.query(
          `UPDATE account_move SET amount_residual = amount_residual - $2::numeric,
                  payment_state = CASE WHEN amount_residual - $2::numeric = 0 THEN 'paid' ELSE 'partial' END
            WHERE id = $1`,
          [invoice, amount],
        );
      });
    };

    // The desks are invoiced first, then the chairs.
    const first = await insertInvoiceBillingOrderLines(db, {
      customer,
      origin: name,
      number: `INV/A/${run}`,
      bills: [deskBill],
      link: 'with-invoice',
    });
    await invoiced(deskBill.id, 2, 'to invoice');
    const second = await insertInvoiceBillingOrderLines(db, {
      customer,
      origin: name,
      number: `INV/B/${run}`,
      bills: [chairBill],
      link: 'with-invoice',
    });
    await invoiced(chairBill.id, 4, 'invoiced');

    await pay(first, `PAY/A/${run}`, '399.80');
    expect(await invoiceRow(first, "Payment_State__c = 'paid'", 'the first invoice paid')).toEqual(
      expect.objectContaining({
        Name: `INV/A/${run}`,
        Order__c: orderSfId,
        State__c: 'posted',
        Amount_Total__c: 399.8,
        Amount_Residual__c: 0,
      }),
    );
    expect(await invoiceRow(second, "State__c = 'posted'", 'the second invoice, not paid')).toEqual(
      expect.objectContaining({
        Name: `INV/B/${run}`,
        Order__c: orderSfId,
        Payment_State__c: 'not_paid',
        Amount_Total__c: 282,
        Amount_Residual__c: 282,
      }),
    );

    await pay(second, `PAY/B1/${run}`, '100.00');
    expect(await invoiceRow(second, "Payment_State__c = 'partial'", 'the second invoice part paid')).toEqual(
      expect.objectContaining({ Amount_Total__c: 282, Amount_Residual__c: 182 }),
    );
    await pay(second, `PAY/B2/${run}`, '182.00');
    expect(await invoiceRow(second, "Payment_State__c = 'paid'", 'the second invoice paid')).toEqual(
      expect.objectContaining({ Amount_Total__c: 282, Amount_Residual__c: 0 }),
    );

    const onOrder = await query(
      `SELECT Name, Payment_State__c, Amount_Total__c, Amount_Residual__c FROM Odoo_Invoice__c WHERE Order__c = '${String(orderSfId)}' ORDER BY Name`,
    );
    expect(onOrder).toEqual([
      { Name: `INV/A/${run}`, Payment_State__c: 'paid', Amount_Total__c: 399.8, Amount_Residual__c: 0 },
      { Name: `INV/B/${run}`, Payment_State__c: 'paid', Amount_Total__c: 282, Amount_Residual__c: 0 },
    ]);
    expect(await orderWhere(order.id, "Odoo_Invoice_Status__c = 'invoiced'", 'the order invoiced')).toEqual(
      expect.objectContaining({ Odoo_Amount_Total__c: 681.8 }),
    );
    await eventually(
      async () =>
        (await items(order.id)).find((i) => i.Odoo_Id__c === lineKey(chairBill.id))?.Odoo_Quantity_Invoiced__c === 4 ||
        undefined,
      90_000,
      'the invoiced quantities on the lines',
    );
    expect(await items(order.id)).toEqual([
      expect.objectContaining({ Odoo_Id__c: lineKey(deskBill.id), Quantity: 2, Odoo_Quantity_Invoiced__c: 2 }),
      expect.objectContaining({ Odoo_Id__c: lineKey(chairBill.id), Quantity: 4, Odoo_Quantity_Invoiced__c: 4 }),
    ]);
    const payments = await query(
      `SELECT Name, Amount__c, State__c FROM Odoo_Payment__c WHERE Account__r.Odoo_Id__c = 'odoo-partner-${customer}' ORDER BY Amount__c`,
    );
    expect(payments.map((p) => [p.Amount__c, p.State__c])).toEqual([
      [100, 'posted'],
      [182, 'posted'],
      [399.8, 'posted'],
    ]);
  });

  it('an order cancelled in Odoo after confirmation: the Salesforce order follows, its items unchanged', async () => {
    const name = `S-cancel-${run}`;
    const order = await confirmedOrder(name, [
      { product: desk, quantity: 1, priceUnit: '250', subtotal: '250', tax: 52.5, total: '302.5' },
      { product: lamp, quantity: 3, priceUnit: '39.9', subtotal: '119.7', tax: 25.14, total: '144.84' },
    ]);
    const [deskLine, lampLine] = order.lines;
    const picking = await delivery(`WH/OUT/C-${run}`, { id: order.id, name }, [
      { line: deskLine, product: desk, quantity: 1 },
      { line: lampLine, product: lamp, quantity: 3 },
    ]);
    const before = await orderWhere(order.id, "Status = 'Confirmed'", 'the confirmed order');
    await eventually(async () => ((await items(order.id)).length === 2 ? true : undefined), 90_000, 'its two items');
    const itemsBefore = await items(order.id);

    // Odoo's Cancel (action_cancel): the order and its lines cancelled, its open delivery cancelled with them.
    await transaction(db, async () => {
      await db.query(`UPDATE stock_move SET state = 'cancel', quantity = 0 WHERE picking_id = $1`, [picking]);
      await db.query(`UPDATE stock_picking SET state = 'cancel' WHERE id = $1`, [picking]);
      await deliveryStatus(order.id);
      await db.query(
        `UPDATE sale_order SET state = 'cancel', invoice_status = 'no',
                write_date = now() at time zone 'utc' WHERE id = $1`,
        [order.id],
      );
      await db.query(`UPDATE sale_order_line SET state = 'cancel', invoice_status = 'no' WHERE order_id = $1`, [
        order.id,
      ]);
    });

    expect(await orderWhere(order.id, "Status = 'Cancelled'", 'the cancelled order')).toEqual({
      Id: before!.Id,
      Name: name,
      Status: 'Cancelled',
      Odoo_State__c: 'cancel',
      Odoo_Invoice_Status__c: 'no',
      Odoo_Delivery_Status__c: null,
      Odoo_Amount_Untaxed__c: 369.7,
      Odoo_Amount_Tax__c: 77.64,
      Odoo_Amount_Total__c: 447.34,
      Odoo_Deleted__c: false,
    });
    await eventually(
      async () => ((await shipments(order.id))[0]?.State__c === 'cancel' ? true : undefined),
      90_000,
      'the delivery cancelled in Salesforce',
    );
    expect(await items(order.id)).toEqual(itemsBefore);
    expect(itemsBefore).toEqual([
      expect.objectContaining({ Odoo_Id__c: lineKey(deskLine), Quantity: 1, UnitPrice: 250, Odoo_Deleted__c: false }),
      expect.objectContaining({ Odoo_Id__c: lineKey(lampLine), Quantity: 3, UnitPrice: 39.9, Odoo_Deleted__c: false }),
    ]);
  });

  it("tax-included prices with two taxes on a line: every amount equals Odoo's to the cent", async () => {
    // Both lines carry 21% VAT included in the price and a 5% eco tax on the untaxed base (not included). Odoo
    // takes the VAT out of the price, rounds the base per line, then computes each tax on it:
    //   3 × 49.99 = 149.97 → base 149.97 / 1.21 = 123.94, VAT 26.03, eco 6.20 → tax 32.23, total 156.17
    //   2 × 19.95 =  39.90 → base  39.90 / 1.21 =  32.98, VAT  6.92, eco 1.65 → tax  8.57, total  41.55
    const name = `S-taxinc-${run}`;
    const order = await confirmedOrder(name, [
      { product: chair, quantity: 3, priceUnit: '49.99', subtotal: '123.94', tax: 26.03 + 6.2, total: '156.17' },
      { product: lamp, quantity: 2, priceUnit: '19.95', subtotal: '32.98', tax: 6.92 + 1.65, total: '41.55' },
    ]);
    const [chairLine, lampLine] = order.lines;
    expect(await orderWhere(order.id, "Status = 'Confirmed'", 'the order')).toEqual(
      expect.objectContaining({
        Odoo_Amount_Untaxed__c: 156.92,
        Odoo_Amount_Tax__c: 40.8,
        Odoo_Amount_Total__c: 197.72,
      }),
    );
    await eventually(async () => ((await items(order.id)).length === 2 ? true : undefined), 90_000, 'its two items');
    const rows = await items(order.id);
    expect(rows).toEqual([
      expect.objectContaining({
        Odoo_Id__c: lineKey(chairLine),
        Quantity: 3,
        UnitPrice: 49.99,
        Odoo_Discount__c: 0,
        Odoo_Line_Subtotal__c: 123.94,
        Odoo_Line_Tax__c: 32.23,
        Odoo_Line_Total__c: 156.17,
      }),
      expect.objectContaining({
        Odoo_Id__c: lineKey(lampLine),
        Quantity: 2,
        UnitPrice: 19.95,
        Odoo_Discount__c: 0,
        Odoo_Line_Subtotal__c: 32.98,
        Odoo_Line_Tax__c: 8.57,
        Odoo_Line_Total__c: 41.55,
      }),
    ]);
    // Salesforce's own product total is quantity × the tax-included price: Odoo's total before the eco tax.
    expect(rows.map((r) => Math.round(Number(r.TotalPrice) * 100))).toEqual([14997, 3990]);
    const sum = (field: string) => rows.reduce((s, r) => s + Math.round(Number(r[field]) * 100), 0);
    expect([sum('Odoo_Line_Subtotal__c'), sum('Odoo_Line_Tax__c'), sum('Odoo_Line_Total__c')]).toEqual([
      15692, 4080, 19772,
    ]);
  });

  it("a promotional discount and a pricelist price: unit price, discount and totals equal Odoo's", async () => {
    // The customer's pricelist sells the desk at 225 (list price 250): that is the line's price_unit; the line has a
    // 15% promotion on top. 21% VAT, not included: 4 × 225 × 0.85 = 765.00, VAT 160.65; the lamp at its list price,
    // no discount: 39.90, VAT 8.38.
    const name = `S-promo-${run}`;
    const order = await confirmedOrder(name, [
      {
        product: desk,
        quantity: 4,
        priceUnit: '225',
        discount: '15',
        subtotal: '765',
        tax: 160.65,
        total: '925.65',
      },
      { product: lamp, quantity: 1, priceUnit: '39.9', subtotal: '39.9', tax: 8.38, total: '48.28' },
    ]);
    const [deskLine, lampLine] = order.lines;
    expect(await orderWhere(order.id, "Status = 'Confirmed'", 'the order')).toEqual(
      expect.objectContaining({
        Odoo_Amount_Untaxed__c: 804.9,
        Odoo_Amount_Tax__c: 169.03,
        Odoo_Amount_Total__c: 973.93,
      }),
    );
    await eventually(async () => ((await items(order.id)).length === 2 ? true : undefined), 90_000, 'its two items');
    expect(await items(order.id)).toEqual([
      expect.objectContaining({
        Odoo_Id__c: lineKey(deskLine),
        Quantity: 4,
        UnitPrice: 225,
        Odoo_Discount__c: 15,
        Odoo_Line_Subtotal__c: 765,
        Odoo_Line_Tax__c: 160.65,
        Odoo_Line_Total__c: 925.65,
      }),
      expect.objectContaining({
        Odoo_Id__c: lineKey(lampLine),
        Quantity: 1,
        UnitPrice: 39.9,
        Odoo_Discount__c: 0,
        Odoo_Line_Subtotal__c: 39.9,
        Odoo_Line_Tax__c: 8.38,
        Odoo_Line_Total__c: 48.28,
      }),
    ]);
    // The catalogue price stays the list price: the pricelist's price is the order line's.
    const [entry] = await query(`SELECT UnitPrice FROM PricebookEntry WHERE Odoo_Id__c = 'odoo-product-${desk}'`);
    expect(entry).toEqual(expect.objectContaining({ UnitPrice: 250 }));
  });
});
