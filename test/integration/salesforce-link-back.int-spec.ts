import { createHash } from 'node:crypto';
import type { Connection } from 'jsforce';
import type { Client } from 'pg';
import { eventually, RunningApp, startApps } from '../../scripts/lib/app-process';
import { insertProduct, transaction } from '../../scripts/lib/odoo-commerce';
import { connectAs } from '../../sandboxes/salesforce/pubsub/pubsub.test-client';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandboxes/salesforce/salesforce-sandbox';
import { SandboxClient } from '../../sandboxes/salesforce/sandbox.client';
import { odooCdcEnv, projectorSalesforceEnv } from './support/app-env';
import { readTopic } from './support/kafka';
import { odooDb } from './support/odoo';
import { createHubDatabase, runId } from './support/stack';

type Row = Record<string, unknown>;

/**
 * Records a rep created in Salesforce, taken into Odoo by the hub's Odoo projector, come back linked, on the real stack:
 * the Odoo partner and order are written by SQL together with the hub's external ids (ir_model_data, module hub) in
 * one transaction, as the projector records them; Debezium → odoo-cdc publishes them with the Salesforce Ids; the
 * projector for Salesforce writes the Odoo id, and the order's Odoo name and state, onto the rep's own Account and
 * Order (read back through SOQL), and creates no second one.
 */
describe('Salesforce → Odoo → Salesforce: the link back onto the rep’s records', () => {
  const run = runId('linkback');
  const prefix = `it-${run}.`;
  const projectorDeadLetters = `${prefix}dlq.projector-salesforce`;
  let sandbox: SalesforceSandbox;
  let sf: SandboxClient;
  let rep: Connection;
  let db: Client;
  let hubDb: Awaited<ReturnType<typeof createHubDatabase>>;
  let apps: RunningApp[] = [];
  let accountId = '';
  let partnerId = 0;
  /** The canonical ids this file writes: none of them may be dead-lettered. */
  const written: string[] = [];

  /** SOQL COUNT() as a rep would run it: `totalSize` of the answer. */
  const count = async (soql: string) => (await rep.query(soql)).totalSize;
  const byId = async (object: string, id: string, fields: string) =>
    (await sf.query<Row>(`SELECT ${fields} FROM ${object} WHERE Id = '${id}'`))[0];
  /** The hub's external id for a Salesforce record, as the Odoo projector records it with the Odoo record. */
  const link = (name: string, model: string, resId: number) =>
    db.query(
      `INSERT INTO ir_model_data (module, name, model, res_id, noupdate, create_date, write_date)
       VALUES ('hub', $1, $2, $3, false, now() at time zone 'utc', now() at time zone 'utc')`,
      [name, model, resId],
    );

  /** A contact of the company, inserted in Odoo as a user adds one. */
  const insertPartnerOf = (company: number, companyName: string) =>
    transaction(db, async () => {
      const { rows } = await db.query<{ id: number }>(
        `INSERT INTO res_partner (name, complete_name, is_company, parent_id, commercial_partner_id, type, active,
                                  create_uid, create_date, write_uid, write_date)
         VALUES ('Eva Jacobs', $2, false, $1, $1, 'contact', true, 1, now() at time zone 'utc', 1, now() at time zone 'utc')
         RETURNING id`,
        [company, `${companyName}, Eva Jacobs`],
      );
      return rows[0].id;
    });

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ port: 0 });
    sf = new SandboxClient(sandbox.url);
    rep = await connectAs(sandbox);
    db = await odooDb();
    hubDb = await createHubDatabase(`hub_${run}`);
    apps = await startApps([
      { name: 'odoo-cdc', env: odooCdcEnv(prefix, hubDb.url) },
      { name: 'projector-salesforce', env: projectorSalesforceEnv(prefix, hubDb.url, sandbox.url) },
    ]);
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.kill()));
    await db?.end();
    await hubDb?.drop();
    await sandbox?.close();
  });

  it('writes the Odoo id onto the Account the rep created, and creates no second Account', async () => {
    const created = await rep.sobject('Account').create({ Name: `Rep Account ${run}` });
    accountId = String(created.id);
    expect(accountId).toHaveLength(18);

    partnerId = await transaction(db, async () => {
      const { rows } = await db.query<{ id: number }>(
        `INSERT INTO res_partner (name, complete_name, is_company, type, city, country_id, active, customer_rank,
                                  create_uid, create_date, write_uid, write_date)
         VALUES ($1, $1, true, 'contact', 'Ghent', 20, true, 1, 1, now() at time zone 'utc', 1, now() at time zone 'utc')
         RETURNING id`,
        [`Rep Account ${run}`],
      );
      await db.query('UPDATE res_partner SET commercial_partner_id = id WHERE id = $1', [rows[0].id]);
      await link(`salesforce_account_${accountId}`, 'res.partner', rows[0].id);
      return rows[0].id;
    });

    const account = await eventually(
      async () => {
        const a = await byId('Account', accountId, 'Id, Name, Odoo_Id__c, BillingCity');
        return a?.Odoo_Id__c === `odoo-partner-${partnerId}` ? a : undefined;
      },
      60_000,
      'the Odoo id on the rep’s Account',
    );
    expect(account).toMatchObject({ Name: `Rep Account ${run}`, BillingCity: 'Ghent' });
    expect(await count(`SELECT COUNT() FROM Account WHERE Odoo_Id__c = 'odoo-partner-${partnerId}'`)).toBe(1);
    expect(await count(`SELECT COUNT() FROM Account WHERE Name = 'Rep Account ${run}'`)).toBe(1);

    // Later writes keyed by the Odoo id find the rep's Account: a contact created in Odoo lands under it.
    const person = await transaction(db, async () => {
      const { rows } = await db.query<{ id: number }>(
        `INSERT INTO res_partner (name, complete_name, is_company, parent_id, commercial_partner_id, type, email, active,
                                  create_uid, create_date, write_uid, write_date)
         VALUES ('Brandon Freeman', $2, false, $1, $1, 'contact', 'brandon@example.test', true,
                 1, now() at time zone 'utc', 1, now() at time zone 'utc')
         RETURNING id`,
        [partnerId, `Rep Account ${run}, Brandon Freeman`],
      );
      return rows[0].id;
    });
    const contact = await eventually(
      async () =>
        (await sf.query<Row>(`SELECT AccountId, LastName FROM Contact WHERE Odoo_Id__c = 'odoo-partner-${person}'`))[0],
      60_000,
      'the contact under the rep’s Account',
    );
    expect(contact).toMatchObject({ AccountId: accountId, LastName: 'Freeman' });
    written.push(`odoo-partner-${partnerId}`, `odoo-partner-${person}`);
  });

  it('gives an Odoo partner linked to an Account of another org an Account of its own here, and its contact one under it', async () => {
    // Well formed, of the Account key prefix, and not in this org: a link made while another org was connected.
    const elsewhere = `001Zz${createHash('sha1').update(run).digest('hex').slice(0, 10)}AAA`;
    const partner = await transaction(db, async () => {
      const { rows } = await db.query<{ id: number }>(
        `INSERT INTO res_partner (name, complete_name, is_company, type, city, active, customer_rank,
                                  create_uid, create_date, write_uid, write_date)
         VALUES ($1, $1, true, 'contact', 'Liège', true, 1, 1, now() at time zone 'utc', 1, now() at time zone 'utc')
         RETURNING id`,
        [`Other Org ${run}`],
      );
      await db.query('UPDATE res_partner SET commercial_partner_id = id WHERE id = $1', [rows[0].id]);
      await link(`salesforce_account_${elsewhere}`, 'res.partner', rows[0].id);
      return rows[0].id;
    });
    const person = await insertPartnerOf(partner, `Other Org ${run}`);
    const contact = await eventually(
      async () =>
        (
          await sf.query<Row>(
            `SELECT Account.Odoo_Id__c, Account.Name FROM Contact WHERE Odoo_Id__c = 'odoo-partner-${person}'`,
          )
        )[0],
      60_000,
      'the contact under an Account of its own',
    );
    expect(contact).toMatchObject({ Account: { Odoo_Id__c: `odoo-partner-${partner}`, Name: `Other Org ${run}` } });
    expect(await count(`SELECT COUNT() FROM Account WHERE Name = 'Other Org ${run}'`)).toBe(1);
    written.push(`odoo-partner-${partner}`, `odoo-partner-${person}`);
  });

  it('writes Odoo’s name and state onto the Order the rep activated, keeping its own products, and creates no second Order', async () => {
    const [pricebook] = (await rep.query<{ Id: string }>('SELECT Id FROM Pricebook2 WHERE IsStandard = true')).records;
    const products = await rep.sobject('Product2').create([
      { Name: `Desk ${run}`, ProductCode: `DESK-${run}`, IsActive: true },
      { Name: `Chair ${run}`, ProductCode: `CHAIR-${run}`, IsActive: true },
    ]);
    const entries = await rep
      .sobject('PricebookEntry')
      .create(
        products.map((p, i) => ({ Pricebook2Id: pricebook.Id, Product2Id: p.id, UnitPrice: 100 + i, IsActive: true })),
      );
    const order = await rep.sobject('Order').create({
      AccountId: accountId,
      Pricebook2Id: pricebook.Id,
      EffectiveDate: '2026-12-01',
      Status: 'Draft',
      Name: `Rep Order ${run}`,
    });
    const orderId = String(order.id);
    const items = await rep
      .sobject('OrderItem')
      .create(
        entries.map((e, i) => ({ OrderId: orderId, PricebookEntryId: e.id, Quantity: i + 1, UnitPrice: 100 + i })),
      );
    expect(items.every((r) => r.success)).toBe(true);
    const repItems = items.map((r) => String(r.id)).sort();
    await rep.sobject('Order').update({ Id: orderId, Status: 'Activated' });

    // Odoo's own lines (other products, other quantities) must not become OrderItems of the rep's order.
    const odooProduct = await insertProduct(db, `Odoo Desk ${run}`, '250.00', `ODOO-DESK-${run}`);
    const saleOrderId = await transaction(db, async () => {
      const { rows } = await db.query<{ id: number }>(
        `INSERT INTO sale_order (name, state, partner_id, partner_invoice_id, partner_shipping_id, currency_id, company_id,
                                 date_order, amount_untaxed, amount_tax, amount_total, invoice_status, client_order_ref)
         VALUES ($1, 'sale', $2, $2, $2, 2, 1, now() at time zone 'utc', 750, 0, 750, 'to invoice', $3) RETURNING id`,
        [`S-${run}`, partnerId, `PO-${run}`],
      );
      const id = rows[0].id;
      for (const sequence of [1, 2, 3]) {
        await db.query(
          `INSERT INTO sale_order_line (order_id, sequence, product_id, name, product_uom_qty, product_uom, price_unit,
                                        price_subtotal, price_total, currency_id, company_id)
           VALUES ($1, $2, $3, $4, 1, 1, 250, 250, 250, 2, 1)`,
          [id, sequence, odooProduct, `line ${sequence}`],
        );
      }
      await link(`salesforce_order_${orderId}`, 'sale.order', id);
      return id;
    });

    const linked = await eventually(
      async () => {
        const o = await byId(
          'Order',
          orderId,
          'Id, Name, Status, EffectiveDate, AccountId, Pricebook2Id, Odoo_Id__c, Odoo_Name__c, Odoo_State__c, Odoo_Invoice_Status__c, Odoo_Amount_Total__c',
        );
        return o?.Odoo_Id__c === `odoo-sale-order-${saleOrderId}` ? o : undefined;
      },
      60_000,
      'Odoo’s name and state on the rep’s Order',
    );
    expect(linked).toMatchObject({
      Odoo_Name__c: `S-${run}`,
      Odoo_State__c: 'sale',
      Odoo_Invoice_Status__c: 'to invoice',
      Odoo_Amount_Total__c: 750,
      // The rep's own header stays as the rep set it.
      Name: `Rep Order ${run}`,
      Status: 'Activated',
      EffectiveDate: '2026-12-01',
      AccountId: accountId,
      Pricebook2Id: pricebook.Id,
    });
    expect(await count(`SELECT COUNT() FROM Order WHERE Odoo_Id__c = 'odoo-sale-order-${saleOrderId}'`)).toBe(1);
    expect(await count(`SELECT COUNT() FROM Order WHERE AccountId = '${accountId}'`)).toBe(1);

    // A later change in Odoo reaches the same Order; its products stay exactly the rep's.
    await db.query(
      `UPDATE sale_order SET invoice_status = 'invoiced', write_date = now() at time zone 'utc' WHERE id = $1`,
      [saleOrderId],
    );
    await eventually(
      async () =>
        (await byId('Order', orderId, 'Odoo_Invoice_Status__c'))?.Odoo_Invoice_Status__c === 'invoiced'
          ? true
          : undefined,
      60_000,
      'the invoice status on the rep’s Order',
    );
    const orderItems = await sf.query<{ Id: string }>(`SELECT Id FROM OrderItem WHERE OrderId = '${orderId}'`);
    expect(orderItems.map((i) => i.Id).sort()).toEqual(repItems);
    expect(await count(`SELECT COUNT() FROM Order WHERE AccountId = '${accountId}'`)).toBe(1);
    expect(await count(`SELECT COUNT() FROM OrderItem WHERE Odoo_Id__c != null AND OrderId = '${orderId}'`)).toBe(0);

    written.push(`odoo-sale-order-${saleOrderId}`);
    // odoo-cdc reads the shared change stream from its start: only this file's records are its business here.
    const dead = await readTopic(projectorDeadLetters).catch(() => []);
    expect(dead.map((d) => d.message.key?.toString()).filter((k) => k !== undefined && written.includes(k))).toEqual(
      [],
    );
  });
});
