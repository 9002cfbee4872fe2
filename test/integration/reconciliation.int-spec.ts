import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Connection } from 'jsforce';
import type { Client } from 'pg';
import { eventually, freePort, RunningApp, startApps } from '../../scripts/lib/app-process';
import {
  confirmOrder,
  insertDelivery,
  insertOrder,
  insertPostedInvoice,
  insertProduct,
  payInvoice,
} from '../../scripts/lib/odoo-commerce';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandboxes/salesforce/salesforce-sandbox';
import { SandboxClient } from '../../sandboxes/salesforce/sandbox.client';
import { connectAs } from '../../sandboxes/salesforce/pubsub/pubsub.test-client';
import {
  odooCdcEnv,
  OPERATOR_TEST_TOKENS,
  operatorAuth,
  projectorSalesforceEnv,
  VIEWER_TEST_TOKEN,
} from './support/app-env';
import { insertPartner, odooDb } from './support/odoo';
import { createHubDatabase, ROOT, runId } from './support/stack';

type Row = Record<string, unknown>;
interface Finding {
  kind: string;
  object: string;
  key: string;
  repair: string;
  differences?: { field: string; expected: unknown; actual: unknown }[];
}
interface Report {
  status: string;
  error?: string;
  compared: { aggregates: number; records: number };
  apiCalls: number;
  durationMs: number;
  findings: Finding[];
  counts: { object: string; kind: string; found: number; repaired: number }[];
}

/**
 * Reconciliation on the real stack: partners and orders projected from Odoo into an org of this file's own, drift
 * planted through the org's API as a person would, found and classified by projector-salesforce's reconciler, and
 * repaired through odoo-cdc's re-publication and the projector's normal path.
 */
describe('reconciliation of Salesforce against the source of record', () => {
  const run = runId('reconcile');
  const prefix = `it-${run}.`;
  const operatorToken = `operator-${run}-0123456789abcdefghij`;
  const repairToken = `reconciler-${run}-0123456789abcdefghij`;
  let sandbox: SalesforceSandbox;
  let sf: SandboxClient;
  let person: Connection;
  let db: Client;
  let hubDb: Awaited<ReturnType<typeof createHubDatabase>>;
  let apps: RunningApp[] = [];
  let projectorUrl: string;
  let customer: number;
  let spare: number;
  let other: number;
  let firstOrder: number;
  let secondOrder: number;

  const one = async (soql: string) => (await sf.query<Row>(soql))[0];
  const landed = (soql: string, what: string) => eventually(() => one(soql), 90_000, what);
  const reconcile = async (body: Record<string, unknown>, token = operatorToken) => {
    const res = await fetch(`${projectorUrl}/reconcile`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Report & { message?: string } };
  };
  const pass = async (entity: string) => {
    const { status, body } = await reconcile({ entity, since: '1h' });
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
    return body;
  };
  /**
   * This run's findings. The run's odoo-cdc reads the whole shared Odoo stream, so its org also holds what other test
   * files write into Odoo at the same time; a record of theirs still on its way is not this test's business.
   */
  const mine = new Set<string>();
  const kinds = (report: Report) =>
    report.findings
      .filter((f) => mine.has(f.key))
      .map((f) => `${f.object} ${f.kind} ${f.key}`)
      .sort();

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ port: 0 });
    sf = new SandboxClient(sandbox.url);
    person = await connectAs(sandbox);
    db = await odooDb();
    hubDb = await createHubDatabase(`hub_${run.replace(/-/g, '_')}`);
    const cdcPort = await freePort();
    apps = await startApps([
      {
        name: 'odoo-cdc',
        port: cdcPort,
        env: odooCdcEnv(prefix, hubDb.url, {
          HUB_OPERATOR_TOKENS: `${OPERATOR_TEST_TOKENS},projector-salesforce:operator=${repairToken}`,
        }),
      },
      {
        name: 'projector-salesforce',
        env: projectorSalesforceEnv(prefix, hubDb.url, sandbox.url, {
          SF_BATCH_LINGER_MS: '300',
          ODOO_CDC_URL: `http://127.0.0.1:${cdcPort}`,
          ODOO_CDC_TOKEN: repairToken,
          HUB_OPERATOR_TOKENS: `${OPERATOR_TEST_TOKENS},ops:operator=${operatorToken}`,
        }),
      },
    ]);
    projectorUrl = apps[1].url;

    customer = await insertPartner(db, { name: `Reconciled Retail ${run}`, is_company: true, city: 'Gent' });
    spare = await insertPartner(db, { name: `Spare Customer ${run}`, is_company: true, city: 'Namur' });
    other = await insertPartner(db, { name: `Other Customer ${run}`, is_company: true, city: 'Liège' });
    const desk = await insertProduct(db, `Desk ${run}`, '199.9');
    const chair = await insertProduct(db, `Chair ${run}`, '70.50');
    firstOrder = await insertOrder(db, `S-first-${run}`, customer, [
      { product: desk, quantity: 2, price: '199.9' },
      { product: chair, quantity: 4, price: '70.50' },
    ]);
    secondOrder = await insertOrder(db, `S-second-${run}`, customer, [
      { product: desk, quantity: 1, price: '199.9' },
      { product: chair, quantity: 6, price: '70.50' },
    ]);
    await confirmOrder(db, firstOrder);
    await confirmOrder(db, secondOrder);
    for (const id of [customer, spare, other]) mine.add(`odoo-partner-${id}`);
    for (const id of [firstOrder, secondOrder]) mine.add(`odoo-sale-order-${id}`);
    for (const { id } of (
      await db.query<{ id: number }>('SELECT id FROM sale_order_line WHERE order_id = ANY($1)', [
        [firstOrder, secondOrder],
      ])
    ).rows) {
      mine.add(`odoo-sale-order-line-${id}`);
    }
    for (const id of [customer, spare, other]) {
      await landed(`SELECT Id FROM Account WHERE Odoo_Id__c = 'odoo-partner-${id}'`, `account ${id}`);
    }
    for (const id of [firstOrder, secondOrder]) {
      await eventually(
        async () =>
          (await sf.query<Row>(`SELECT Id FROM OrderItem WHERE Order.Odoo_Id__c = 'odoo-sale-order-${id}'`)).length ===
          2
            ? true
            : undefined,
        90_000,
        `order ${id} confirmed with its two items`,
      );
      await landed(
        `SELECT Id FROM Order WHERE Odoo_Id__c = 'odoo-sale-order-${id}' AND Status = 'Confirmed'`,
        `order ${id}`,
      );
    }
  }, 180_000);

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.kill()));
    await db?.end();
    await hubDb?.drop();
    await sandbox?.close();
  });

  it('reports zero drift on a clean run, and a person editing a Salesforce-owned field is not drift', async () => {
    const account = await one(`SELECT Id FROM Account WHERE Odoo_Id__c = 'odoo-partner-${customer}'`);
    // Account.Industry: Customer.industry is Salesforce's by config/ownership.yaml.
    await sf.editAsPerson('Account', String(account!.Id), { Industry: 'Retail' });
    const accounts = await pass('Account');
    const orders = await pass('Order');
    expect(kinds(accounts)).toEqual([]);
    expect(kinds(orders)).toEqual([]);
    expect(accounts.compared.aggregates).toBeGreaterThanOrEqual(3);
    expect(orders.compared.records).toBeGreaterThanOrEqual(6);
  });

  it('finds each kind of drift a person plants, repairs it through the projection path, and the next pass is clean', async () => {
    const spareAccount = await one(`SELECT Id FROM Account WHERE Odoo_Id__c = 'odoo-partner-${spare}'`);
    const otherAccount = await one(`SELECT Id FROM Account WHERE Odoo_Id__c = 'odoo-partner-${other}'`);
    const first = await one(`SELECT Id FROM Order WHERE Odoo_Id__c = 'odoo-sale-order-${firstOrder}'`);
    const second = await one(`SELECT Id FROM Order WHERE Odoo_Id__c = 'odoo-sale-order-${secondOrder}'`);
    const item = await one(
      `SELECT Id, Odoo_Id__c FROM OrderItem WHERE Order.Odoo_Id__c = 'odoo-sale-order-${secondOrder}' ORDER BY Odoo_Id__c LIMIT 1`,
    );
    const orphanKey = `odoo-partner-${900_000_000 + Math.floor(Math.random() * 99_999_999)}`;
    mine.add(orphanKey);

    await sf.deleteAsPerson('Account', String(spareAccount!.Id)); // missing
    await sf.editAsPerson('Order', String(first!.Id), { Status: 'Draft' }); // stale (Status is Odoo's)
    await sf.editAsPerson('Order', String(second!.Id), { AccountId: otherAccount!.Id }); // link broken
    await sf.deleteAsPerson('OrderItem', String(item!.Id)); // missing child
    const orphan = await person.sobject('Account').create({ Name: `Not from Odoo ${run}`, Odoo_Id__c: orphanKey });
    expect(orphan.success).toBe(true);

    const accounts = await pass('Account');
    expect(kinds(accounts)).toEqual([`Account missing odoo-partner-${spare}`, `Account orphan ${orphanKey}`].sort());
    const byKind = Object.fromEntries(accounts.findings.filter((f) => mine.has(f.key)).map((f) => [f.kind, f.repair]));
    expect(byKind).toEqual({ missing: 'republished', orphan: 'reported' });

    const orders = await pass('Order');
    expect(kinds(orders)).toEqual(
      [
        `Order stale odoo-sale-order-${firstOrder}`,
        `Order link-broken odoo-sale-order-${secondOrder}`,
        `OrderItem missing ${String(item!.Odoo_Id__c)}`,
      ].sort(),
    );
    expect(orders.findings.find((f) => f.kind === 'stale' && mine.has(f.key))!.differences).toEqual([
      { field: 'Status', expected: 'Confirmed', actual: 'Draft' },
    ]);
    expect(orders.findings.filter((f) => mine.has(f.key)).every((f) => f.repair === 'republished')).toBe(true);

    // The records are right in Salesforce again, written by the projector.
    await landed(
      `SELECT Id FROM Account WHERE Odoo_Id__c = 'odoo-partner-${spare}' AND BillingCity = 'Namur'`,
      'the account again',
    );
    await landed(`SELECT Id FROM Order WHERE Id = '${String(first!.Id)}' AND Status = 'Confirmed'`, 'the status again');
    await landed(
      `SELECT Id FROM Order WHERE Id = '${String(second!.Id)}' AND Account.Odoo_Id__c = 'odoo-partner-${customer}'`,
      'the order on its account again',
    );
    await landed(`SELECT Id FROM OrderItem WHERE Odoo_Id__c = '${String(item!.Odoo_Id__c)}'`, 'the item again');

    // The next passes: nothing left to repair; the orphan is reported again until a person deals with it.
    expect(kinds(await pass('Order'))).toEqual([]);
    expect(kinds(await pass('Account'))).toEqual([`Account orphan ${orphanKey}`]);
    await sf.deleteAsPerson('Account', String(orphan.id));
    const clean = await pass('Account');
    expect(kinds(clean)).toEqual([]);

    // The person's Industry is still theirs.
    expect(await one(`SELECT Industry FROM Account WHERE Odoo_Id__c = 'odoo-partner-${customer}'`)).toMatchObject({
      Industry: 'Retail',
    });

    const metrics = await (await fetch(`${projectorUrl}/metrics`)).text();
    expect(metrics).toMatch(/hub_reconcile_drift_found_total\{[^}]*entity="Account"[^}]*kind="missing"[^}]*\} [1-9]/);
    expect(metrics).toMatch(
      /hub_reconcile_drift_repaired_total\{[^}]*entity="OrderItem"[^}]*kind="missing"[^}]*\} [1-9]/,
    );
    expect(metrics).toMatch(/hub_reconcile_drift_repaired_total\{[^}]*entity="Account"[^}]*kind="orphan"[^}]*\} 0/);
    expect(metrics).toMatch(/hub_reconcile_last_pass_timestamp_seconds\{[^}]*entity="Account"/);
  });

  it('reconciles contacts, products, invoices, payments and shipments the same way: found, repaired, then clean', async () => {
    const contact = await insertPartner(db, {
      name: `Ann Buyer ${run}`,
      is_company: false,
      parent_id: customer,
      email: `ann.buyer.${run}@example.test`,
    });
    const lamp = await insertProduct(db, `Lamp ${run}`, '39.90');
    const invoice = await insertPostedInvoice(db, customer, `S-first-${run}`, `INV/${run}/1`);
    await payInvoice(db, customer, invoice, `PBNK/${run}/1`, '681.80');
    const { rows: paid } = await db.query<{ id: number }>(
      'SELECT p.id FROM account_payment p JOIN account_move m ON m.id = p.move_id WHERE m.name = $1',
      [`PBNK/${run}/1`],
    );
    const payment = paid[0].id;
    const { rows: lines } = await db.query<{ product_id: number; product_uom_qty: string }>(
      'SELECT product_id, product_uom_qty FROM sale_order_line WHERE order_id = $1 ORDER BY id',
      [firstOrder],
    );
    const shipment = await insertDelivery(
      db,
      `WH/OUT/${run}`,
      customer,
      { id: firstOrder, name: `S-first-${run}` },
      lines.map((l) => ({ product: l.product_id, quantity: Number(l.product_uom_qty) })),
    );
    const keys = {
      contact: `odoo-partner-${contact}`,
      product: `odoo-product-${lamp}`,
      invoice: `odoo-invoice-${invoice}`,
      payment: `odoo-payment-${payment}`,
      shipment: `odoo-shipment-${shipment}`,
    };
    for (const key of Object.values(keys)) mine.add(key);
    const byKey = (object: string, key: string, condition = '') =>
      landed(`SELECT Id FROM ${object} WHERE Odoo_Id__c = '${key}'${condition}`, `${object} ${key}`);
    const contactRow = await byKey('Contact', keys.contact);
    const entry = await byKey('PricebookEntry', keys.product);
    await byKey('Product2', keys.product);
    const invoiceRow = await byKey('Odoo_Invoice__c', keys.invoice, " AND Payment_State__c = 'paid'");
    const paymentRow = await byKey('Odoo_Payment__c', keys.payment);
    const shipmentRow = await byKey('Odoo_Shipment__c', keys.shipment);
    const clean = await Promise.all(
      ['Contact', 'Product2', 'Odoo_Invoice__c', 'Odoo_Payment__c', 'Odoo_Shipment__c'].map((e) => pass(e)),
    );
    expect(clean.flatMap(kinds)).toEqual([]);

    // A person deletes the contact and the payment, and edits fields Odoo owns on the others.
    await sf.deleteAsPerson('Contact', String(contactRow!.Id));
    await sf.editAsPerson('PricebookEntry', String(entry!.Id), { UnitPrice: 1 });
    await sf.editAsPerson('Odoo_Invoice__c', String(invoiceRow!.Id), { Amount_Residual__c: 99 });
    await sf.deleteAsPerson('Odoo_Payment__c', String(paymentRow!.Id));
    await sf.editAsPerson('Odoo_Shipment__c', String(shipmentRow!.Id), { State__c: 'done' });

    // Passes by canonical names too: each names the Salesforce object of its findings.
    const found = [];
    for (const entity of ['Contact', 'Product', 'Invoice', 'Payment', 'Shipment']) found.push(await pass(entity));
    expect(found.flatMap(kinds).sort()).toEqual(
      [
        `Contact missing ${keys.contact}`,
        `PricebookEntry stale ${keys.product}`,
        `Odoo_Invoice__c stale ${keys.invoice}`,
        `Odoo_Payment__c missing ${keys.payment}`,
        `Odoo_Shipment__c stale ${keys.shipment}`,
      ].sort(),
    );
    const mineFound = found.flatMap((r) => r.findings.filter((f) => mine.has(f.key)));
    expect(mineFound.every((f) => f.repair === 'republished')).toBe(true);
    expect(mineFound.find((f) => f.object === 'PricebookEntry')!.differences).toEqual([
      { field: 'UnitPrice', expected: 39.9, actual: 1 },
    ]);

    // Repaired through the projection path: the values are Odoo's again, the deleted records are there again.
    await byKey('Contact', keys.contact);
    await byKey('PricebookEntry', keys.product, ' AND UnitPrice = 39.9');
    await byKey('Odoo_Invoice__c', keys.invoice, ' AND Amount_Residual__c = 0');
    await byKey('Odoo_Payment__c', keys.payment);
    await byKey('Odoo_Shipment__c', keys.shipment, " AND State__c = 'assigned'");
    const after = await Promise.all(
      ['Contact', 'Product2', 'Odoo_Invoice__c', 'Odoo_Payment__c', 'Odoo_Shipment__c'].map((e) => pass(e)),
    );
    expect(after.flatMap(kinds)).toEqual([]);
  });

  it('refuses a call without a token, and names an unknown entity or a malformed window', async () => {
    expect((await reconcile({ entity: 'Order', since: '24h' }, '')).status).toBe(401);
    // A viewer reads the reports but may not run a pass.
    expect((await reconcile({ entity: 'Order', since: '24h' }, VIEWER_TEST_TOKEN)).status).toBe(403);
    const reports = await fetch(`${projectorUrl}/reconcile/reports`, { headers: operatorAuth(VIEWER_TEST_TOKEN) });
    expect(reports.status).toBe(200);
    const entity = await reconcile({ entity: 'Widget', since: '24h' });
    expect(entity.status).toBe(400);
    expect(entity.body.message).toContain('unknown entity "Widget"');
    const window = await reconcile({ entity: 'Order', since: 'yesterday' });
    expect(window.status).toBe(400);
    expect(window.body.message).toContain('malformed window "yesterday"');
  });

  it('runs from the command line: a table of the pass, and a clear error naming a bad flag', async () => {
    const cli = promisify(execFile);
    const env = { ...process.env, RECONCILE_URL: projectorUrl, RECONCILE_TOKEN: operatorToken };
    const { stdout } = await cli('node', ['scripts/reconcile.mjs', '--entity', 'Order', '--since', '24h'], {
      cwd: ROOT,
      env,
    });
    expect(stdout).toContain('Order pass ok');
    expect(stdout).toMatch(/compared \d+ aggregates, \d+ records, \d+ API calls/);
    const bad = await cli('node', ['scripts/reconcile.mjs', '--entity', 'Order', '--sinse', '24h'], {
      cwd: ROOT,
      env,
    }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(bad?.code).toBe(2);
    expect(bad?.stderr).toContain('--sinse');
  });
});
