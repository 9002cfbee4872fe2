import { CanonicalCodec } from '@hub/canonical';
import type { Client } from 'pg';
import { eventually, RunningApp, startApps } from '../../scripts/lib/app-process';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandboxes/salesforce/salesforce-sandbox';
import { SandboxClient } from '../../sandboxes/salesforce/sandbox.client';
import { odooCdcEnv, projectorSalesforceEnv } from './support/app-env';
import { canonicalRecords } from './support/canonical';
import { insertPartner, odooDb } from './support/odoo';
import { confirmOrder, insertOrder, insertProduct } from '../../scripts/lib/odoo-commerce';
import { insertInvoiceBillingOrderLines, orderLines } from '../../scripts/lib/odoo-commerce';
import { createHubDatabase, runId, stack } from './support/stack';

type Row = Record<string, unknown>;
type InvoiceValue = { invoice: { originOrder: string | null; orderIds: string[]; orderId: string | null } | null };

/**
 * An invoice reaches Salesforce linked to the Order it bills through its invoice lines (Odoo's
 * sale_order_line_invoice_rel → the order line → its order), by the order's Odoo id, not by matching the order's name
 * in invoice_origin, which Odoo's user may leave empty or fill with several names. Real path: SQL in Odoo's tables →
 * Debezium → odoo-cdc → hub.invoice.v1 → projector-salesforce → an org of this file's own.
 */
describe('invoice linked to its order through the invoice lines', () => {
  const run = runId('inv-link');
  const prefix = `it-${run}.`;
  let sandbox: SalesforceSandbox;
  let sf: SandboxClient;
  let db: Client;
  let hubDb: Awaited<ReturnType<typeof createHubDatabase>>;
  let codec: CanonicalCodec;
  let apps: RunningApp[] = [];
  let customer: number;
  let desk: number;
  let chair: number;

  const landed = (soql: string, what: string) => eventually(async () => (await sf.query<Row>(soql))[0], 90_000, what);
  /** A confirmed order with two lines, once Salesforce has it; returns its Odoo id and Salesforce Id. */
  const confirmedOrder = async (name: string) => {
    const id = await insertOrder(db, name, customer, [
      { product: desk, quantity: 2, price: '199.9' },
      { product: chair, quantity: 4, price: '70.50' },
    ]);
    await confirmOrder(db, id);
    const order = await landed(
      `SELECT Id FROM Order WHERE Odoo_Id__c = 'odoo-sale-order-${id}' AND Status = 'Confirmed'`,
      `the confirmed order ${name}`,
    );
    return { id, sfId: String(order!.Id) };
  };
  const invoiceInSalesforce = (invoice: number) =>
    landed(
      `SELECT Name, Origin__c, Order__c, State__c FROM Odoo_Invoice__c WHERE Odoo_Id__c = 'odoo-invoice-${invoice}' AND State__c = 'posted' AND Order__c != null`,
      `the posted invoice ${invoice} with its order`,
    );

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ port: 0 });
    sf = new SandboxClient(sandbox.url);
    db = await odooDb();
    hubDb = await createHubDatabase(`hub_${run.replace(/-/g, '_')}`);
    codec = CanonicalCodec.connect(stack().registry.url, prefix);
    apps = await startApps([
      { name: 'odoo-cdc', env: odooCdcEnv(prefix, hubDb.url) },
      {
        name: 'projector-salesforce',
        env: projectorSalesforceEnv(prefix, hubDb.url, sandbox.url, { SF_BATCH_LINGER_MS: '300' }),
      },
    ]);
    customer = await insertPartner(db, { name: `Gemini Furniture ${run}`, is_company: true, city: 'Liège' });
    desk = await insertProduct(db, `Desk ${run}`, '199.9');
    chair = await insertProduct(db, `Chair ${run}`, '70.50');
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.kill()));
    await db?.end();
    await hubDb?.drop();
    await sandbox?.close();
  });

  it('links an invoice whose invoice_origin is empty to the order its lines bill', async () => {
    const order = await confirmedOrder(`S-empty-${run}`);
    const invoice = await insertInvoiceBillingOrderLines(db, {
      customer,
      origin: null,
      number: `INV/empty/${run}`,
      bills: await orderLines(db, order.id),
      link: 'with-invoice',
    });
    expect(await invoiceInSalesforce(invoice)).toMatchObject({
      Name: `INV/empty/${run}`,
      Origin__c: null,
      Order__c: order.sfId,
    });
  });

  it('links an invoice whose invoice_origin names another order to the order its lines bill', async () => {
    const named = await confirmedOrder(`S-named-${run}`);
    const billed = await confirmedOrder(`S-billed-${run}`);
    const invoice = await insertInvoiceBillingOrderLines(db, {
      customer,
      origin: `S-named-${run}`,
      number: `INV/named/${run}`,
      bills: await orderLines(db, billed.id),
      link: 'with-invoice',
    });
    const row = await invoiceInSalesforce(invoice);
    expect(row).toMatchObject({ Origin__c: `S-named-${run}`, Order__c: billed.sfId });
    expect(row!.Order__c).not.toBe(named.sfId);
  });

  it('links an invoice of two orders, whose lines are linked after it was posted, to the first order', async () => {
    const first = await confirmedOrder(`S-first-${run}`);
    const second = await confirmedOrder(`S-second-${run}`);
    const [firstLine] = await orderLines(db, first.id);
    const secondLines = await orderLines(db, second.id);
    const invoice = await insertInvoiceBillingOrderLines(db, {
      customer,
      origin: `S-first-${run}, S-second-${run}`,
      number: `INV/two/${run}`,
      bills: [...secondLines, firstLine],
      link: 'later',
    });
    expect(await invoiceInSalesforce(invoice)).toMatchObject({
      Origin__c: `S-first-${run}, S-second-${run}`,
      Order__c: first.sfId,
    });

    // On the canonical topic: posted with no order yet, then, from the transaction that linked its lines, both.
    const events = await canonicalRecords<InvoiceValue>(codec, 'invoice', `odoo-invoice-${invoice}`);
    const orders = events.map((e) => e.value!.invoice!.orderIds);
    expect(orders.at(0)).toEqual([]);
    expect(orders.at(-1)).toEqual([`odoo-sale-order-${first.id}`, `odoo-sale-order-${second.id}`]);
    expect(events.at(-1)!.value!.invoice!.orderId).toBe(`odoo-sale-order-${first.id}`);
  });
});
