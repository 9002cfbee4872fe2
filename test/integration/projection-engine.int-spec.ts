import type { Client } from 'pg';
import { eventually, RunningApp, startApps } from '../../scripts/lib/app-process';
import { SandboxClient } from '../../sandboxes/salesforce/sandbox.client';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandboxes/salesforce/salesforce-sandbox';
import { odooCdcEnv, projectorSalesforceEnv } from './support/app-env';
import { insertPartner, odooDb } from './support/odoo';
import { confirmOrder, deleteOrderLine, insertOrder, insertProduct } from '../../scripts/lib/odoo-commerce';
import { createHubDatabase, runId } from './support/stack';

type Row = Record<string, unknown>;

/**
 * The projection engine's fixes on the real path (SQL in Odoo → Debezium → odoo-cdc → projector-salesforce → an org
 * of its own): an order line deleted in Odoo leaves the Salesforce order; a contact waiting for an Account that never
 * comes holds only itself; pacing never spends the API reserve.
 */
describe('Projection engine on the real stack', () => {
  const run = runId('eng');
  const prefix = `it-${run}.`;
  let sandbox: SalesforceSandbox;
  let sf: SandboxClient;
  let db: Client;
  let hubDb: Awaited<ReturnType<typeof createHubDatabase>>;
  let apps: RunningApp[] = [];
  let projector: RunningApp;

  const items = async (orderId: string) =>
    sf.query<Row>(`SELECT Odoo_Id__c, Quantity FROM OrderItem WHERE OrderId = '${orderId}' ORDER BY Odoo_Id__c`);
  const metric = async (name: string, label: string) =>
    Number(
      new RegExp(`^${name}\\{[^}]*="${label}"[^}]*\\} (\\S+)$`, 'm').exec(
        await (await fetch(`${projector.url}/metrics`)).text(),
      )?.[1] ?? 0,
    );

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ port: 0 });
    sf = new SandboxClient(sandbox.url);
    db = await odooDb();
    hubDb = await createHubDatabase(`hub_${run.replace(/-/g, '_')}`);
    apps = await startApps([
      { name: 'odoo-cdc', env: odooCdcEnv(prefix, hubDb.url) },
      {
        name: 'projector-salesforce',
        env: projectorSalesforceEnv(prefix, hubDb.url, sandbox.url, {
          SF_BATCH_LINGER_MS: '200',
          // Long enough that a contact waiting for its Account is still waiting when the test looks.
          SF_PARENT_WAIT_MS: '120000',
          SF_API_PACING_HORIZON_MS: '4000',
          SF_API_PROBE_INTERVAL_MS: '1000',
        }),
      },
    ]);
    projector = apps[1];
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.kill()));
    await db?.end();
    await hubDb?.drop();
    await sandbox?.close();
  });

  it('removes from the Salesforce order an order line deleted in Odoo', async () => {
    const customer = await insertPartner(db, { name: `Lines ${run}`, is_company: true });
    const desk = await insertProduct(db, `Desk ${run}`, '100');
    const lamp = await insertProduct(db, `Lamp ${run}`, '20');
    const orderId = await insertOrder(db, `S-L-${run}`, customer, [
      { product: desk, quantity: 1, price: '100' },
      { product: lamp, quantity: 2, price: '20' },
      { product: lamp, quantity: 3, price: '20' },
    ]);
    await confirmOrder(db, orderId);
    const order = await eventually(
      () => sf.query<Row>(`SELECT Id FROM Order WHERE Odoo_Id__c = 'odoo-sale-order-${orderId}'`).then((r) => r[0]),
      60_000,
      'the order',
    );
    const before = await eventually(
      async () => ((await items(String(order.Id))).length === 3 ? items(String(order.Id)) : undefined),
      60_000,
      'three order items',
    );

    await deleteOrderLine(db, orderId, 2);
    const after = await eventually(
      async () => {
        const rows = await items(String(order.Id));
        return rows.length === 2 ? rows : undefined;
      },
      60_000,
      'the order with two items left',
    );
    expect(after.map((r) => Number(r.Quantity)).sort()).toEqual([1, 3]);
    expect(after.map((r) => r.Odoo_Id__c)).toEqual(
      before.filter((r) => Number(r.Quantity) !== 2).map((r) => r.Odoo_Id__c),
    );
    const [totals] = await sf.query<Row>(`SELECT TotalAmount FROM Order WHERE Id = '${String(order.Id)}'`);
    expect(Number(totals.TotalAmount)).toBe(160);
  });

  it('lets a contact whose Account never lands wait alone: later contacts of its topic flow past it', async () => {
    // Salesforce refuses this company (its reference is longer than AccountNumber's 40 characters): its Account is
    // never written, so its contact waits for a parent that does not come.
    const orphanCompany = await insertPartner(db, { name: `Refused ${run}`, is_company: true });
    await db.query('UPDATE res_partner SET ref = $2, write_date = now() WHERE id = $1', [
      orphanCompany,
      `R-${'X'.repeat(60)}`,
    ]);
    const orphan = await insertPartner(db, {
      name: `Waiting Person ${run}`,
      is_company: false,
      parent_id: orphanCompany,
    });
    await eventually(
      async () => ((await metric('hub_consumer_records', 'parked')) >= 1 ? true : undefined),
      60_000,
      'the waiting contact parked',
    );

    const label = `Flowing ${run}`;
    const contacts: number[] = [];
    for (let i = 0; i < 10; i++) {
      const company = await insertPartner(db, { name: `${label} Co ${i}`, is_company: true });
      contacts.push(await insertPartner(db, { name: `${label} Person ${i}`, is_company: false, parent_id: company }));
    }
    const landed = await eventually(
      async () => {
        const ids = contacts.map((c) => `'odoo-partner-${c}'`).join(', ');
        const rows = await sf.query<Row>(
          `SELECT Odoo_Id__c, Account.Odoo_Id__c FROM Contact WHERE Odoo_Id__c IN (${ids})`,
        );
        return rows.length === 10 ? rows : undefined;
      },
      60_000,
      'the ten contacts inserted after the waiting one',
    );
    expect(landed.every((r) => (r.Account as Row | null)?.Odoo_Id__c)).toBe(true);
    // The waiting contact is still waiting (its hold lasts two minutes): it held nobody but itself.
    expect(await sf.query<Row>(`SELECT Id FROM Contact WHERE Odoo_Id__c = 'odoo-partner-${orphan}'`)).toEqual([]);

    // The company fixed in Odoo, its Account lands and the waiting contact follows (and no orphan is left behind
    // for the test files that replay the Odoo stream after this one).
    await db.query('UPDATE res_partner SET ref = $2, write_date = now() WHERE id = $1', [orphanCompany, 'R-FIXED']);
    await eventually(
      async () => (await sf.query<Row>(`SELECT Id FROM Contact WHERE Odoo_Id__c = 'odoo-partner-${orphan}'`))[0],
      60_000,
      'the waiting contact once its Account landed',
    );
  });

  it('never spends the API reserve: concurrent calls near it stop at the line, and a usage read replaces the probe write', async () => {
    // 1,000 a day, 5% reserve: writes stop at 950. The projector first learns a usage of 949 from a write's answer
    // (one call left), then partners keep coming until it refuses a call at the reserve: how many calls a burst takes
    // depends on batching and pacing, so the test feeds it until the line is reached instead of guessing a count.
    const label = `Budget ${run}`;
    let inserted = 0;
    const insertNext = () => insertPartner(db, { name: `${label} ${inserted++}`, is_company: true });
    await sf.setLimits({ max: 1000, used: 948 });
    const first = await insertNext();
    await eventually(
      // Read through the sandbox's admin API: a SOQL query would spend the allowance under test.
      async () => (await sf.records<Row>('Account')).find((a) => a.Odoo_Id__c === `odoo-partner-${first}`),
      60_000,
      'the first account, whose answer tells the projector the usage',
    );
    const deadline = Date.now() + 60_000;
    while ((await metric('hub_salesforce_api_pacing', 'reserveRefusals')) === 0) {
      if (Date.now() > deadline) throw new Error(`no call refused at the reserve after ${inserted} partners`);
      await insertNext();
      await new Promise((r) => setTimeout(r, 500));
    }
    await new Promise((r) => setTimeout(r, 3_000));
    const stats = (await sf.stats()) as unknown as { apiUsage: { used: number; max: number } };
    const probes = await metric('hub_salesforce_api_pacing', 'probes');
    // Every call beyond the line is a usage read (one per probe interval), never a write.
    expect(stats.apiUsage.used).toBeLessThanOrEqual(950 + probes);
    await sf.setLimits({ used: 0 });
    await eventually(
      async () => {
        const rows = await sf.query<Row>(`SELECT Id FROM Account WHERE Name LIKE '${label}%'`);
        return rows.length === inserted ? rows : undefined;
      },
      60_000,
      'every account once the allowance recovered',
    );
  });
});
