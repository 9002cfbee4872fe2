import type { Client } from 'pg';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandboxes/salesforce/salesforce-sandbox';
import { SandboxClient } from '../../sandboxes/salesforce/sandbox.client';
import { eventually, RunningApp, startApps } from '../../scripts/lib/app-process';
import { insertProduct, transaction } from '../../scripts/lib/odoo-commerce';
import { odooCdcEnv, projectorSalesforceEnv } from './support/app-env';
import { odooCdcCaughtUp } from './support/kafka';
import { insertPartner, odooDb } from './support/odoo';
import { createHubDatabase, runId } from './support/stack';

interface Figure {
  metric: string;
  labels: Record<string, string>;
  title: string;
  count: number;
  oldestAgeSeconds: number | null;
}

/**
 * Business health on the real stack: "Odoo orders not yet in Salesforce" is read from the hub's own stores (odoo-cdc's
 * mirror against projector-salesforce's applied positions), so it rises while Salesforce is unavailable and an order
 * changes in Odoo, and falls back once the sandbox answers again and the change lands.
 */
describe('business health: Odoo orders not yet in Salesforce', () => {
  const run = runId('bizhealth');
  const prefix = `it-${run}.`;
  let sandbox: SalesforceSandbox;
  let sf: SandboxClient;
  let cdc: RunningApp;
  let projector: RunningApp;
  let db: Client;
  let hubDb: Awaited<ReturnType<typeof createHubDatabase>>;
  let orderId: number;

  const scrape = async () => (await fetch(`${projector.url}/metrics`)).text();
  const sample = (text: string, family: string, labels: string): number | undefined => {
    const line = text.split('\n').find((l) => l.startsWith(`${family}{`) && l.includes(labels));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  const ordersFigure = async () => {
    const res = await fetch(`${projector.url}/business-health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { app: string; checkedAt: string; figures: Figure[] };
    return body.figures.find((f) => f.metric === 'hub_business_odoo_not_in_salesforce' && f.labels.record === 'order')!;
  };
  const sfOrder = async () =>
    (
      await sf.query<{ Odoo_State__c: string }>(
        `SELECT Odoo_State__c FROM Order WHERE Odoo_Id__c = 'odoo-sale-order-${orderId}'`,
      )
    )[0];

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ port: 0 });
    sf = new SandboxClient(sandbox.url);
    db = await odooDb();
    hubDb = await createHubDatabase(`hub_${run}`);
    [cdc, projector] = await startApps([
      { name: 'odoo-cdc', env: odooCdcEnv(prefix, hubDb.url) },
      {
        name: 'projector-salesforce',
        env: projectorSalesforceEnv(prefix, hubDb.url, sandbox.url, {
          SF_BREAKER_RESET_MS: '2000',
          SF_BREAKER_VOLUME: '3',
        }),
      },
    ]);
    // A new run's odoo-cdc replays Odoo's whole change stream first; the figures are about this test's order.
    await odooCdcCaughtUp(prefix);
  });

  afterAll(async () => {
    await Promise.all([cdc?.kill(), projector?.kill()]);
    await db?.end();
    await hubDb?.drop();
    await sandbox?.close();
  });

  it('counts an order in Odoo until it is in Salesforce, then 0', async () => {
    const customer = await insertPartner(db, { name: `Health Customer ${run}`, is_company: true });
    const product = await insertProduct(db, `Health Desk ${run}`, '120.0');
    orderId = await transaction(db, async () => {
      const o = await db.query<{ id: number }>(
        `INSERT INTO sale_order (name, state, partner_id, partner_invoice_id, partner_shipping_id, currency_id, company_id)
         VALUES ($1, 'draft', $2, $2, $2, 2, 1) RETURNING id`,
        [`S-${run}`, customer],
      );
      await db.query(
        `INSERT INTO sale_order_line (order_id, product_id, name, product_uom_qty, product_uom, price_unit) VALUES ($1, $2, 'desk', 2, 1, 120)`,
        [o.rows[0].id, product],
      );
      return o.rows[0].id;
    });
    await eventually(sfOrder, 60_000, 'the order in Salesforce');
    await eventually(
      async () =>
        sample(await scrape(), 'hub_business_odoo_not_in_salesforce', 'record="order"') === 0 ? true : undefined,
      30_000,
      'no Odoo order missing from Salesforce',
    );
    expect(await ordersFigure()).toMatchObject({
      title: 'Odoo orders not yet in Salesforce',
      count: 0,
      oldestAgeSeconds: null,
    });
  });

  it('rises while Salesforce is unavailable and an order changes in Odoo, and falls back to 0 after it returns', async () => {
    await sf.setFaults({ status503Rate: 1 });
    try {
      await db.query(`UPDATE sale_order SET state = 'sent', write_date = now() at time zone 'utc' WHERE id = $1`, [
        orderId,
      ]);
      const text = await eventually(
        async () => {
          const t = await scrape();
          return (sample(t, 'hub_business_odoo_not_in_salesforce', 'record="order"') ?? 0) >= 1 ? t : undefined;
        },
        30_000,
        'the changed order counted as not in Salesforce',
      );
      expect(
        sample(text, 'hub_business_odoo_not_in_salesforce_oldest_age_seconds', 'record="order"'),
      ).toBeGreaterThanOrEqual(0);
      const figure = await eventually(
        async () => {
          const f = await ordersFigure();
          return f.count >= 1 ? f : undefined;
        },
        10_000,
        'the figure on /business-health',
      );
      expect(figure.oldestAgeSeconds).toEqual(expect.any(Number));
      await eventually(
        async () => ((await projector.ready()).details?.consumer?.breaker === 'open' ? true : undefined),
        30_000,
        'the breaker open',
      );
    } finally {
      await sf.clearFaults();
    }

    await eventually(
      async () => ((await sfOrder())?.Odoo_State__c === 'sent' ? true : undefined),
      60_000,
      'the change in Salesforce after it returns',
    );
    await eventually(
      async () =>
        sample(await scrape(), 'hub_business_odoo_not_in_salesforce', 'record="order"') === 0 ? true : undefined,
      30_000,
      'the figure back at 0',
    );
    expect((await ordersFigure()).count).toBe(0);
  });

  it('exports every kind of Odoo record the projector writes, from the same stores', async () => {
    const text = await scrape();
    for (const record of ['order', 'shipment', 'invoice', 'payment']) {
      expect(sample(text, 'hub_business_odoo_not_in_salesforce', `record="${record}"`)).toEqual(expect.any(Number));
      expect(sample(text, 'hub_business_odoo_not_in_salesforce_oldest_age_seconds', `record="${record}"`)).toEqual(
        expect.any(Number),
      );
    }
  });
});
