import { CanonicalCodec } from '@hub/canonical';
import type { Client } from 'pg';
import { eventually, RunningApp, startApps } from '../../scripts/lib/app-process';
import { OPERATOR_TEST_TOKENS } from './support/app-env';
import { canonicalRecords } from './support/canonical';
import { produceRaw, readTopic } from './support/kafka';
import { insertPartner, odooDb } from './support/odoo';
import { insertProduct as insertOdooProduct, transaction } from '../../scripts/lib/odoo-commerce';
import { insertInvoiceBillingOrderLines, orderLines } from '../../scripts/lib/odoo-commerce';
import { createHubDatabase, runId, stack } from './support/stack';

type Order = {
  salesOrder: {
    name: string;
    state: string;
    amountTotal: string;
    currencyCode: string;
    lines: { productId: string | null; quantity: string; unitPrice: string; subtotal: string }[];
  } | null;
};

/**
 * The whole commercial model leaves Odoo as canonical events, driven by SQL against Odoo's tables as Odoo writes
 * them: one event per committed transaction per aggregate, money as exact decimals, deletes as deletion + tombstone.
 */
describe('Odoo commercial model → canonical events', () => {
  const run = runId('model');
  const prefix = `it-${run}.`;
  const deadLetters = `${prefix}dlq.odoo-cdc`;
  let cdc: RunningApp;
  let db: Client;
  let hubDb: Awaited<ReturnType<typeof createHubDatabase>>;
  let codec: CanonicalCodec;
  let customer: number;
  let productA: number;
  let productB: number;

  /** Every change committed before this call has been processed once the barrier's own event is out (one ordered stream). */
  const barrier = async () => {
    const id = await insertPartner(db, { name: `Barrier ${run} ${Date.now()}`, is_company: true });
    await eventually(
      async () => ((await canonicalRecords(codec, 'customer', `odoo-partner-${id}`)).length ? true : undefined),
      30_000,
      'the barrier',
    );
  };

  const tx = (fn: () => Promise<unknown>) => transaction(db, fn);
  const insertProduct = (name: string, price: string, sku?: string) => insertOdooProduct(db, name, price, sku);

  beforeAll(async () => {
    const s = stack();
    db = await odooDb();
    hubDb = await createHubDatabase(`hub_${run}`);
    codec = CanonicalCodec.connect(s.registry.url, prefix);
    [cdc] = await startApps([
      {
        name: 'odoo-cdc',
        env: {
          KAFKA_BROKERS: s.kafka.brokers,
          SCHEMA_REGISTRY_URL: s.registry.url,
          HUB_TOPIC_PREFIX: prefix,
          HUB_DATABASE_URL: hubDb.url,
          CONSUMER_GROUP: `${prefix}odoo-cdc`,
          DEAD_LETTER_TOPIC: deadLetters,
          ODOO_MONITOR_DATABASE_URL: s.postgres.odoo,
          HUB_OPERATOR_TOKENS: OPERATOR_TEST_TOKENS,
        },
      },
    ]);
    customer = await insertPartner(db, { name: `Wood Corner ${run}`, is_company: true, country_id: 20 });
    productA = await insertProduct(`Desk ${run}`, '199.9');
    productB = await insertProduct(`Chair ${run}`, '70.50');
  });

  afterAll(async () => {
    await cdc?.kill();
    await db?.end();
    await hubDb?.drop();
  });

  it('publishes products with their template name and an exact decimal price', async () => {
    const [record] = await eventually(
      async () => {
        const r = await canonicalRecords<{
          product: { name: string; listPrice: string; sku: string; currencyCode: string };
        }>(codec, 'product', `odoo-product-${productB}`);
        return r.length ? r : undefined;
      },
      30_000,
      'the product event',
    );
    expect(record.value!.product).toMatchObject({
      name: `Chair ${run}`,
      listPrice: '70.5000',
      sku: `SKU-Chair ${run}`,
      currencyCode: 'USD',
    });
  });

  let orderId = 0;
  it('turns an order committed with 20 lines in one transaction into exactly one SalesOrder event with 20 lines', async () => {
    await tx(async () => {
      const o = await db.query<{ id: number }>(
        `INSERT INTO sale_order (name, state, partner_id, partner_invoice_id, partner_shipping_id, currency_id, company_id, amount_untaxed, amount_tax, amount_total)
         VALUES ($1, 'draft', $2, $2, $2, 2, 1, 2799.0, 0, 2799.0) RETURNING id`,
        [`S-${run}`, customer],
      );
      orderId = o.rows[0].id;
      for (let i = 1; i <= 20; i++) {
        const product = i % 2 ? productA : productB;
        const price = i % 2 ? '199.9' : '70.50';
        await db.query(
          `INSERT INTO sale_order_line (order_id, sequence, product_id, name, product_uom_qty, product_uom, price_unit, price_subtotal, price_total, currency_id, company_id)
           VALUES ($1, $2, $3, $4, $5, 1, $6, $5::numeric * $6::numeric, $5::numeric * $6::numeric, 2, 1)`,
          [orderId, i, product, `line ${i}`, i, price],
        );
      }
    });
    await barrier();
    const events = await canonicalRecords<Order>(codec, 'sales-order', `odoo-sale-order-${orderId}`);
    expect(events).toHaveLength(1);
    const order = events[0].value!.salesOrder!;
    expect(order).toMatchObject({ name: `S-${run}`, state: 'draft', amountTotal: '2799.0000', currencyCode: 'USD' });
    expect(order.lines).toHaveLength(20);
    expect(order.lines[2]).toMatchObject({
      productId: `odoo-product-${productA}`,
      quantity: '3.0000',
      unitPrice: '199.9000',
      subtotal: '599.7000',
    });
    expect(events[0].value!.envelope.sourceTransactionId).toMatch(/^\d+$/);
  });

  it('turns the confirmation into one update that keeps every line', async () => {
    await db.query(
      `UPDATE sale_order SET state = 'sale', date_order = now() at time zone 'utc', write_date = now() at time zone 'utc' WHERE id = $1`,
      [orderId],
    );
    await barrier();
    const events = await canonicalRecords<Order>(codec, 'sales-order', `odoo-sale-order-${orderId}`);
    expect(events).toHaveLength(2);
    expect(events[1].value!.salesOrder).toMatchObject({ state: 'sale' });
    expect(events[1].value!.salesOrder!.lines).toHaveLength(20);
    expect(events[1].value!.envelope.sourcePosition).toBeGreaterThan(events[0].value!.envelope.sourcePosition);
  });

  let invoiceId = 0;
  it('publishes a posted invoice and its payment with correct amounts', async () => {
    await tx(async () => {
      const inv = await db.query<{ id: number }>(
        `INSERT INTO account_move (name, date, state, move_type, journal_id, company_id, partner_id, commercial_partner_id, currency_id, invoice_date, invoice_date_due,
                                   amount_untaxed, amount_tax, amount_total, amount_residual, payment_state, invoice_origin)
         VALUES ('/', current_date, 'draft', 'out_invoice', 1, 1, $1, $1, 2, current_date, current_date + 30, 2799.0, 0, 2799.0, 2799.0, 'not_paid', $2) RETURNING id`,
        [customer, `S-${run}`],
      );
      invoiceId = inv.rows[0].id;
    });
    await db.query(`UPDATE account_move SET state = 'posted', name = $2 WHERE id = $1`, [invoiceId, `INV/${run}`]);
    await tx(async () => {
      const move = await db.query<{ id: number }>(
        `INSERT INTO account_move (name, date, state, move_type, journal_id, company_id, partner_id, currency_id, amount_total)
         VALUES ($1, current_date, 'posted', 'entry', 6, 1, $2, 2, 2799.0) RETURNING id`,
        [`PBNK1/${run}`, customer],
      );
      await db.query(
        `INSERT INTO account_payment (move_id, payment_type, partner_type, amount, currency_id, partner_id) VALUES ($1, 'inbound', 'customer', 2799.0, 2, $2)`,
        [move.rows[0].id, customer],
      );
      await db.query(`UPDATE account_move SET payment_state = 'paid', amount_residual = 0 WHERE id = $1`, [invoiceId]);
    });
    await barrier();
    const invoices = await canonicalRecords<{
      invoice: {
        number: string;
        state: string;
        paymentState: string;
        amountTotal: string;
        amountResidual: string;
        originOrder: string | null;
        orderIds: string[];
        orderId: string | null;
      };
    }>(codec, 'invoice', `odoo-invoice-${invoiceId}`);
    expect(
      invoices.map((e) => [e.value!.invoice.state, e.value!.invoice.paymentState, e.value!.invoice.amountResidual]),
    ).toEqual([
      ['draft', 'not_paid', '2799.0000'],
      ['posted', 'not_paid', '2799.0000'],
      ['posted', 'paid', '0.0000'],
    ]);
    expect(invoices[1].value!.invoice.number).toBe(`INV/${run}`);
    // invoice_origin names the order, but no invoice line bills it: the invoice is linked to no order.
    expect(invoices[2].value!.invoice).toMatchObject({ originOrder: `S-${run}`, orderIds: [], orderId: null });
    const payments = (
      await canonicalRecords<{ payment: { amount: string; state: string; reference: string; customerId: string } }>(
        codec,
        'payment',
      )
    ).filter((p) => p.value?.payment.reference === `PBNK1/${run}`);
    expect(payments).toHaveLength(1);
    expect(payments[0].value!.payment).toMatchObject({
      amount: '2799.0000',
      state: 'posted',
      customerId: `odoo-partner-${customer}`,
    });
  });

  it('links an invoice to the orders its lines bill, from the transaction that creates it, and unlinks a deleted line', async () => {
    const lines = await orderLines(db, orderId);
    const invoice = await insertInvoiceBillingOrderLines(db, {
      customer,
      origin: null,
      number: `INV/lines/${run}`,
      bills: lines.slice(0, 2),
      link: 'with-invoice',
    });
    // Odoo deletes an invoice line of a draft: its link to the order line goes with it (ON DELETE CASCADE).
    await tx(async () => {
      await db.query(`UPDATE account_move SET state = 'draft' WHERE id = $1`, [invoice]);
      await db.query(`DELETE FROM account_move_line WHERE move_id = $1 AND display_type = 'product'`, [invoice]);
    });
    await barrier();
    const events = await canonicalRecords<{ invoice: { state: string; orderIds: string[]; orderId: string | null } }>(
      codec,
      'invoice',
      `odoo-invoice-${invoice}`,
    );
    expect(events.map((e) => [e.value!.invoice.state, e.value!.invoice.orderIds])).toEqual([
      ['draft', [`odoo-sale-order-${orderId}`]],
      ['posted', [`odoo-sale-order-${orderId}`]],
      ['draft', []],
    ]);
    expect(events[0].value!.invoice.orderId).toBe(`odoo-sale-order-${orderId}`);
  });

  it('publishes a delivery once per transaction, and the validated one with its tracking reference', async () => {
    let picking = 0;
    await tx(async () => {
      const p = await db.query<{ id: number }>(
        `INSERT INTO stock_picking (name, state, location_id, location_dest_id, picking_type_id, partner_id, company_id, origin, sale_id, scheduled_date)
         VALUES ($1, 'assigned', 8, 5, 2, $2, 1, $3, $4, now() at time zone 'utc') RETURNING id`,
        [`WH/OUT/${run}`, customer, `S-${run}`, orderId],
      );
      picking = p.rows[0].id;
      for (const product of [productA, productB]) {
        await db.query(
          `INSERT INTO stock_move (name, company_id, product_id, product_uom_qty, product_uom, quantity, location_id, location_dest_id, picking_id, state)
           VALUES ('move', 1, $1, 10, 1, 0, 8, 5, $2, 'assigned')`,
          [product, picking],
        );
      }
    });
    await tx(async () => {
      await db.query(`UPDATE stock_move SET quantity = product_uom_qty, state = 'done' WHERE picking_id = $1`, [
        picking,
      ]);
      await db.query(
        `UPDATE stock_picking SET state = 'done', date_done = now() at time zone 'utc', carrier_tracking_ref = '1Z999AA10123456784' WHERE id = $1`,
        [picking],
      );
    });
    await barrier();
    const shipments = await canonicalRecords<{
      shipment: { state: string; trackingReference: string | null; orderId: string; lines: { quantityDone: string }[] };
    }>(codec, 'shipment', `odoo-shipment-${picking}`);
    expect(shipments).toHaveLength(2);
    expect(shipments[1].value!.shipment).toMatchObject({
      state: 'done',
      trackingReference: '1Z999AA10123456784',
      orderId: `odoo-sale-order-${orderId}`,
    });
    expect(shipments[1].value!.shipment.lines.map((l) => l.quantityDone)).toEqual(['10.0000', '10.0000']);
  });

  it('sums stock over internal locations only', async () => {
    await tx(async () => {
      await db.query(
        `INSERT INTO stock_quant (product_id, location_id, company_id, quantity, reserved_quantity) VALUES ($1, 8, 1, 12.5, 2)`,
        [productA],
      );
      await db.query(
        `INSERT INTO stock_quant (product_id, location_id, quantity, reserved_quantity) VALUES ($1, 5, 10, 0)`,
        [productA],
      );
    });
    await barrier();
    const levels = await canonicalRecords<{ inventoryLevel: { onHand: string; reserved: string; available: string } }>(
      codec,
      'inventory-level',
      `odoo-product-${productA}`,
    );
    expect(levels.at(-1)!.value!.inventoryLevel).toEqual({
      id: `odoo-product-${productA}`,
      odooProductId: productA,
      onHand: '12.5000',
      reserved: '2.0000',
      available: '10.5000',
    });
  });

  it('turns a deleted order into a deletion event and a tombstone', async () => {
    let draft = 0;
    await tx(async () => {
      const o = await db.query<{ id: number }>(
        `INSERT INTO sale_order (name, state, partner_id, partner_invoice_id, partner_shipping_id, currency_id, company_id) VALUES ($1, 'draft', $2, $2, $2, 2, 1) RETURNING id`,
        [`S-del-${run}`, customer],
      );
      draft = o.rows[0].id;
      await db.query(
        `INSERT INTO sale_order_line (order_id, product_id, name, product_uom_qty, product_uom, price_unit) VALUES ($1, $2, 'x', 1, 1, 1)`,
        [draft, productA],
      );
    });
    await db.query('DELETE FROM sale_order WHERE id = $1', [draft]);
    await barrier();
    const events = await canonicalRecords(codec, 'sales-order', `odoo-sale-order-${draft}`);
    expect(events.map((e) => (e.value === null ? 'tombstone' : e.value.envelope.eventType))).toEqual([
      'sales-order.upserted',
      'sales-order.deleted',
      'tombstone',
    ]);
  });

  it('keeps a large translated name that an update leaves untouched (TOAST), instead of a placeholder', async () => {
    const { randomBytes } = await import('node:crypto');
    const longName = `Catalogue ${run} ${randomBytes(24_000).toString('base64')}`;
    const product = await insertProduct(longName, '10', `SKU-long-${run}`);
    await db.query(
      `UPDATE product_template SET list_price = 12.5 WHERE id = (SELECT product_tmpl_id FROM product_product WHERE id = $1)`,
      [product],
    );
    await barrier();
    const events = await canonicalRecords<{ product: { name: string; listPrice: string } }>(
      codec,
      'product',
      `odoo-product-${product}`,
    );
    expect(events.map((e) => e.value!.product.listPrice)).toEqual(['10.0000', '12.5000']);
    expect(events[1].value!.product.name).toBe(longName);
  });

  it('fills a column Debezium could not send (TOAST placeholder, as without REPLICA IDENTITY FULL) from the last known row', async () => {
    const product = await insertProduct(`Lamp ${run}`, '30', `SKU-lamp-${run}`);
    await barrier();
    const { rows } = await db.query<{ id: number; row: Record<string, unknown> }>(
      `SELECT t.id, to_jsonb(t) AS row FROM product_template t JOIN product_product p ON p.product_tmpl_id = t.id WHERE p.id = $1`,
      [product],
    );
    const current = rows[0].row;
    // An update as Debezium writes it for a table whose replica identity is DEFAULT: the unchanged TOASTed name is a placeholder.
    const after = {
      ...current,
      name: '__debezium_unavailable_value',
      list_price: '31.0',
      create_date: null,
      write_date: null,
    };
    const source = {
      connector: 'postgresql',
      name: 'odoo',
      db: 'odoo',
      schema: 'public',
      table: 'product_template',
      lsn: Number.MAX_SAFE_INTEGER - 1,
      txId: null,
      ts_ms: Date.now(),
    };
    await produceRaw('odoo.changes', [
      { key: JSON.stringify({ id: rows[0].id }), value: JSON.stringify({ op: 'u', before: null, after, source }) },
    ]);
    await barrier();
    const events = await canonicalRecords<{ product: { name: string; listPrice: string } }>(
      codec,
      'product',
      `odoo-product-${product}`,
    );
    expect(events.at(-1)!.value!.product).toMatchObject({ name: `Lamp ${run}`, listPrice: '31.0000' });
  });

  it('keeps flowing when Odoo adds a column (a Studio field on res_partner)', async () => {
    await db.query('ALTER TABLE res_partner ADD COLUMN IF NOT EXISTS x_studio_segment varchar');
    const id = await insertPartner(db, { name: `Studio ${run}`, is_company: true });
    await db.query(`UPDATE res_partner SET x_studio_segment = 'key account' WHERE id = $1`, [id]);
    await barrier();
    const events = await canonicalRecords<{ customer: { name: string } }>(codec, 'customer', `odoo-partner-${id}`);
    expect(events.at(-1)!.value!.customer.name).toBe(`Studio ${run}`);
  });

  it('re-snapshots product_template on demand (incremental snapshot signal) while orders keep flowing', async () => {
    const before = (await canonicalRecords(codec, 'product', `odoo-product-${productB}`)).length;
    await db.query(`INSERT INTO debezium_signal (id, type, data) VALUES ($1, 'execute-snapshot', $2)`, [
      `resnapshot-${run}`,
      JSON.stringify({ 'data-collections': ['public.product_template'], type: 'incremental' }),
    ]);
    let order = 0;
    await tx(async () => {
      const o = await db.query<{ id: number }>(
        `INSERT INTO sale_order (name, state, partner_id, partner_invoice_id, partner_shipping_id, currency_id, company_id) VALUES ($1, 'draft', $2, $2, $2, 2, 1) RETURNING id`,
        [`S-during-snapshot-${run}`, customer],
      );
      order = o.rows[0].id;
      await db.query(
        `INSERT INTO sale_order_line (order_id, product_id, name, product_uom_qty, product_uom, price_unit) VALUES ($1, $2, 'x', 1, 1, 1)`,
        [order, productB],
      );
    });
    await eventually(
      async () =>
        (await canonicalRecords(codec, 'sales-order', `odoo-sale-order-${order}`)).length === 1 ? true : undefined,
      30_000,
      'the order placed during the snapshot',
    );
    const after = await eventually(
      async () => {
        const r = await canonicalRecords<{ product: { name: string } }>(codec, 'product', `odoo-product-${productB}`);
        return r.length > before ? r : undefined;
      },
      60_000,
      'the re-snapshotted product',
    );
    expect(after.at(-1)!.value!.product.name).toBe(`Chair ${run}`);
  });

  it('dead-letters an impossible row naming the field, and keeps the stream moving', async () => {
    const source = {
      connector: 'postgresql',
      name: 'odoo',
      db: 'odoo',
      schema: 'public',
      table: 'sale_order_line',
      lsn: 1,
      txId: 1,
      ts_ms: Date.now(),
    };
    await produceRaw('odoo.changes', [
      {
        key: '{"id":-10}',
        value: JSON.stringify({
          op: 'c',
          before: null,
          after: { id: -10, order_id: orderId, product_id: productA, product_uom_qty: '-5', price_unit: '1' },
          source,
        }),
      },
      {
        key: '{"id":-11}',
        value: JSON.stringify({
          op: 'c',
          before: null,
          after: { id: -11, state: 'shipped', partner_id: customer, currency_id: 2, amount_total: '1' },
          source: { ...source, table: 'sale_order' },
        }),
      },
    ]);
    await barrier();
    const dead = (await readTopic(deadLetters)).map((d) => d.message.headers?.['hub-dlq-message']?.toString());
    expect(dead).toEqual(
      expect.arrayContaining([
        expect.stringContaining('sale_order_line id=-10: product_uom_qty is below 0'),
        expect.stringContaining('sale_order id=-11: state is not one of draft, sent, sale, cancel'),
      ]),
    );
  });

  it('exports the replication slot lag and its counters, and the heartbeat keeps the slot moving while Odoo is quiet', async () => {
    const metric = (text: string, name: string, label: string) =>
      Number(new RegExp(`^${name}\\{[^}]*${label}[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1]);
    const scrape = async () => (await fetch(`${cdc.url}/metrics`)).text();
    const first = await scrape();
    expect(metric(first, 'hub_cdc_replication_slot_lag_bytes', 'slot="hub_odoo"')).toBeGreaterThanOrEqual(0);
    expect(metric(first, 'hub_cdc_changes', 'outcome="applied"')).toBeGreaterThan(0);
    expect(metric(first, 'hub_consumer_records', 'outcome="deadLettered"')).toBeGreaterThanOrEqual(2);
    // Debezium's heartbeat writes debezium_heartbeat every 10 s: a table odoo-cdc does not map, counted and skipped.
    const skipped = metric(first, 'hub_cdc_changes', 'outcome="unmappedTable"');
    const later = await eventually(
      async () => {
        const text = await scrape();
        return metric(text, 'hub_cdc_changes', 'outcome="unmappedTable"') > skipped ? text : undefined;
      },
      30_000,
      'a heartbeat through the quiet stream',
    );
    expect(metric(later, 'hub_cdc_replication_slot_lag_bytes', 'slot="hub_odoo"')).toBeLessThan(16 * 1024 * 1024);
  });
});
