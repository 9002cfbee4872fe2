import { eventually, freePort, RunningApp, startApps } from '../../scripts/lib/app-process';
import { SandboxClient } from '../../sandboxes/salesforce/sandbox.client';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandboxes/salesforce/salesforce-sandbox';
import { confirmOrder, insertOrder, insertProduct } from '../../scripts/lib/odoo-commerce';
import { odooCdcEnv, OPERATOR_TEST_TOKENS, projectorSalesforceEnv, VIEWER_TEST_TOKEN } from './support/app-env';
import { createIsolatedOdoo, IsolatedOdoo } from './support/isolated-odoo';
import { insertPartner } from './support/odoo';
import { createHubDatabase, runId } from './support/stack';

type Row = Record<string, unknown>;

/** Product: open 10 s at each whole minute. SalesOrder: at each 20 s, until what was waiting is applied. */
const PRODUCT_EVERY_MS = 60_000;
const PRODUCT_OPEN_MS = 10_000;
const ORDER_EVERY_MS = 20_000;

/**
 * Batch windows on the real path (SQL in Odoo → Debezium → odoo-cdc → projector-salesforce → an org of its own), with
 * an Odoo of the test's own so that no other file's orders ask for this run's products: a product changed outside
 * its window stays on Kafka while a real-time customer lands, and lands when the window opens, last version of each;
 * an order (batched per interval) lands at the next interval and a reconcile pass follows; an order for a product not
 * written yet opens the product's lane early.
 */
describe('Batch windows on the real stack', () => {
  const run = runId('win');
  const prefix = `it-${run}.`;
  const repairToken = `${run}-repair-token-0123456789abcdef`;
  let odoo: IsolatedOdoo;
  let sandbox: SalesforceSandbox;
  let sf: SandboxClient;
  let hubDb: Awaited<ReturnType<typeof createHubDatabase>>;
  let apps: RunningApp[] = [];
  let projector: RunningApp;

  const metrics = async () => (await fetch(`${projector.url}/metrics`)).text();
  const metric = (text: string, name: string, labels: Record<string, string>) => {
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
    if (!line) throw new Error(`no ${name} ${JSON.stringify(labels)} in /metrics`);
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  const productWindow = async () => {
    const text = await metrics();
    return {
      open: metric(text, 'hub_batch_window_open', { entity: 'Product' }) === 1,
      nextOpenAt: metric(text, 'hub_batch_window_next_open_timestamp_seconds', { entity: 'Product' }) * 1_000,
      windowOpens: metric(text, 'hub_batch_window_opens_total', { entity: 'Product', reason: 'window' }),
      parentOpens: metric(text, 'hub_batch_window_opens_total', { entity: 'Product', reason: 'parent' }),
    };
  };
  /** Waits until the product window is closed and opens at least `aheadMs` from now. */
  const productClosedFor = (aheadMs: number) =>
    eventually(
      async () => {
        const w = await productWindow();
        // The window as configured, read from the clock too: closed by both accounts.
        const into = Date.now() % PRODUCT_EVERY_MS;
        const closed = !w.open && into >= PRODUCT_OPEN_MS + 500;
        return closed && w.nextOpenAt - Date.now() >= aheadMs ? w : undefined;
      },
      PRODUCT_EVERY_MS + 5_000,
      `the product window closed for ${aheadMs} ms more`,
    );
  /** Polls until `read` answers, and says when it first did. */
  const firstSeen = async <T>(read: () => Promise<T | undefined>, timeoutMs: number, what: string) => {
    const value = await eventually(read, timeoutMs, what);
    return { value, at: Date.now() };
  };
  type Report = {
    trigger: string;
    status: string;
    startedAt: string;
    compared: { aggregates: number };
    findings: { key: string }[];
  };
  /** The first reconcile pass of `entity` a batch window started after `since`. */
  const passAfter = (entity: 'Order' | 'Product2', since: number) =>
    eventually(
      async () => {
        const res = await fetch(`${projector.url}/reconcile/reports?entity=${entity}`, {
          headers: { authorization: `Bearer ${VIEWER_TEST_TOKEN}` },
        });
        const { reports } = (await res.json()) as { reports: Report[] };
        return reports.find((r) => r.trigger === 'batch-window' && Date.parse(r.startedAt) >= since);
      },
      2 * ORDER_EVERY_MS + 40_000,
      `a reconcile pass of ${entity} after its window`,
    );
  const products = (ids: number[]) =>
    sf.query<Row>(
      `SELECT Odoo_Id__c, Name FROM Product2 WHERE Odoo_Id__c IN (${ids.map((i) => `'odoo-product-${i}'`).join(', ')})`,
    );
  const entryPrice = async (id: number) =>
    (await sf.query<Row>(`SELECT UnitPrice FROM PricebookEntry WHERE Odoo_Id__c = 'odoo-product-${id}'`))[0]?.UnitPrice;

  beforeAll(async () => {
    const name = run.replace(/-/g, '_');
    odoo = await createIsolatedOdoo(name, `${prefix}odoo.changes`);
    await odoo.connect();
    sandbox = await startSalesforceSandbox({ port: 0 });
    sf = new SandboxClient(sandbox.url);
    hubDb = await createHubDatabase(`hub_${name}`);
    const cdcPort = await freePort();
    apps = await startApps([
      {
        name: 'odoo-cdc',
        port: cdcPort,
        env: odooCdcEnv(prefix, hubDb.url, {
          CDC_TOPIC: odoo.changesTopic,
          HUB_OPERATOR_TOKENS: `${OPERATOR_TEST_TOKENS},projector-salesforce:operator=${repairToken}`,
        }),
      },
      {
        name: 'projector-salesforce',
        env: projectorSalesforceEnv(prefix, hubDb.url, sandbox.url, {
          SF_BATCH_LINGER_MS: '300',
          SF_BATCH_WINDOWS: `Product=every ${PRODUCT_EVERY_MS / 1_000}s for ${PRODUCT_OPEN_MS / 1_000}s,SalesOrder=every ${ORDER_EVERY_MS / 1_000}s`,
          ODOO_CDC_URL: `http://127.0.0.1:${cdcPort}`,
          ODOO_CDC_TOKEN: repairToken,
        }),
      },
    ]);
    projector = apps[1];
  }, 180_000);

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.kill()));
    await odoo?.drop();
    await hubDb?.drop();
    await sandbox?.close();
  });

  it('keeps products changed outside their window on Kafka while a real-time customer lands, then applies the last version of each in the window', async () => {
    const before = await productClosedFor(25_000);
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push(await insertProduct(odoo.db, `Catalogue ${run} ${i}`, `${10 + i}`));
    // Two later versions of one product: only the last may be what Salesforce ends with.
    await odoo.db.query(
      'UPDATE product_template SET list_price = 77 WHERE id = (SELECT product_tmpl_id FROM product_product WHERE id = $1)',
      [ids[0]],
    );
    await odoo.db.query(
      'UPDATE product_template SET list_price = 88.5 WHERE id = (SELECT product_tmpl_id FROM product_product WHERE id = $1)',
      [ids[0]],
    );
    const customer = await insertPartner(odoo.db, { name: `Real Time ${run}`, is_company: true });

    await eventually(
      async () => (await sf.query<Row>(`SELECT Id FROM Account WHERE Odoo_Id__c = 'odoo-partner-${customer}'`))[0],
      20_000,
      'the real-time customer',
    );
    // The customer landed in real time; the products, changed before it, wait for their window.
    const waiting = await productWindow();
    expect(Date.now()).toBeLessThan(before.nextOpenAt);
    expect(waiting).toMatchObject({ open: false, windowOpens: before.windowOpens, parentOpens: before.parentOpens });
    expect(await products(ids)).toEqual([]);

    const landed = await firstSeen(
      async () => {
        const rows = await products(ids);
        return rows.length === ids.length ? rows : undefined;
      },
      PRODUCT_EVERY_MS + 20_000,
      'the five products in their window',
    );
    expect(landed.at).toBeGreaterThanOrEqual(before.nextOpenAt);
    expect(landed.value.map((r) => r.Name).sort()).toEqual(ids.map((_, i) => `Catalogue ${run} ${i}`));
    expect(
      await eventually(async () => ((await entryPrice(ids[0])) === 88.5 ? 88.5 : undefined), 15_000, 'the last price'),
    ).toBe(88.5);
    for (let i = 1; i < ids.length; i++) expect(await entryPrice(ids[i])).toBe(10 + i);
    const after = await productWindow();
    expect(after.windowOpens).toBeGreaterThan(before.windowOpens);
    expect(after.parentOpens).toBe(before.parentOpens);
    // The window over, a reconcile pass of the products (and their price book entries) finds them as Odoo has them.
    const pass = await passAfter('Product2', before.nextOpenAt);
    expect(pass.status).toBe('ok');
    expect(pass.compared.aggregates).toBeGreaterThanOrEqual(ids.length);
    expect(pass.findings).toEqual([]);
  }, 180_000);

  it('applies an order at the next interval of its entity, then a reconcile pass of its orders follows', async () => {
    const customer = await insertPartner(odoo.db, { name: `Interval Customer ${run}`, is_company: true });
    const product = (await sf.query<Row>(`SELECT Odoo_Id__c FROM Product2 WHERE Name = 'Catalogue ${run} 1'`))[0];
    const productId = Number(String(product.Odoo_Id__c).replace('odoo-product-', ''));
    await eventually(
      async () => (await sf.query<Row>(`SELECT Id FROM Account WHERE Odoo_Id__c = 'odoo-partner-${customer}'`))[0],
      20_000,
      'the order customer',
    );
    // Just after an interval started: the next one is more than 15 s away, far longer than a real-time order takes.
    await eventually(
      async () => {
        const into = Date.now() % ORDER_EVERY_MS;
        return into >= 500 && into <= 4_000 ? true : undefined;
      },
      ORDER_EVERY_MS + 1_000,
      'the start of an order interval',
    );
    const nextInterval = (Math.floor(Date.now() / ORDER_EVERY_MS) + 1) * ORDER_EVERY_MS;
    const order = await insertOrder(odoo.db, `S-W-${run}`, customer, [
      { product: productId, quantity: 3, price: '11' },
    ]);
    await confirmOrder(odoo.db, order);
    const key = `odoo-sale-order-${order}`;

    const landed = await firstSeen(
      async () => {
        const rows = await sf.query<Row>(`SELECT Id, Odoo_Id__c FROM OrderItem WHERE Order.Odoo_Id__c = '${key}'`);
        return rows.length === 1 ? rows : undefined;
      },
      2 * ORDER_EVERY_MS + 20_000,
      'the order and its line at the next interval',
    );
    expect(landed.at).toBeGreaterThanOrEqual(nextInterval);

    const pass = await passAfter('Order', nextInterval);
    expect(pass.status).toBe('ok');
    expect(pass.compared.aggregates).toBeGreaterThanOrEqual(1);
    expect(pass.findings.filter((f) => f.key === key)).toEqual([]);
  }, 180_000);

  it("opens the product lane early for an order waiting for a product it has not written, before the product's window", async () => {
    const before = await productClosedFor(40_000);
    const customer = await insertPartner(odoo.db, { name: `Early Customer ${run}`, is_company: true });
    const product = await insertProduct(odoo.db, `New Line ${run}`, '42');
    const order = await insertOrder(odoo.db, `S-P-${run}`, customer, [{ product, quantity: 1, price: '42' }]);
    await confirmOrder(odoo.db, order);
    const confirmedAt = Date.now();

    const landed = await firstSeen(
      async () => {
        const rows = await sf.query<Row>(
          `SELECT Id, PricebookEntry.Odoo_Id__c FROM OrderItem WHERE Order.Odoo_Id__c = 'odoo-sale-order-${order}'`,
        );
        return rows.length === 1 ? rows : undefined;
      },
      50_000,
      'the order line with its new product',
    );
    expect(landed.at).toBeLessThan(before.nextOpenAt);
    expect((landed.value[0].PricebookEntry as Row).Odoo_Id__c).toBe(`odoo-product-${product}`);
    const after = await productWindow();
    expect(after.parentOpens).toBeGreaterThan(before.parentOpens);
    expect(after.windowOpens).toBe(before.windowOpens);
    // The pass after the order's interval waited for its line, parked for the product: nothing to repair (this Odoo
    // holds this file's records only).
    const pass = await passAfter('Order', confirmedAt);
    expect(pass.status).toBe('ok');
    expect(pass.findings).toEqual([]);
  }, 180_000);
});
