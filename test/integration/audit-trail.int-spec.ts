/**
 * The audit trail on the real stack, with every app of the hub running: one rep's order — its Account and activated
 * Order made in Salesforce (ingress), written into Odoo by projector-odoo, its delivery and invoice written back onto
 * it by projector-salesforce — is told whole by projector-odoo's audit API, asked by the Salesforce order's Id: every
 * write in time order, each with its trace, and no personal data of the customer in clear anywhere in the answer. An
 * operator's discard of another order's exception is there with who and why. The API refuses a missing or unknown
 * token and names a bad parameter.
 */
import type { Connection } from 'jsforce';
import type { Client } from 'pg';
import { eventually, RunningApp, startApps } from '../../scripts/lib/app-process';
import { insertPostedInvoice, insertProduct, insertStock, validateDelivery } from '../../scripts/lib/odoo-commerce';
import { ApiKey, OdooSandboxClient } from '../../sandboxes/odoo/odoo-sandbox.client';
import { connectAs } from '../../sandboxes/salesforce/pubsub/pubsub.test-client';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandboxes/salesforce/salesforce-sandbox';
import { SandboxClient } from '../../sandboxes/salesforce/sandbox.client';
import {
  AUDIT_TEST_TOKEN,
  hubEnv,
  OPERATOR_TEST_TOKENS,
  ingressSalesforceEnv,
  odooCdcEnv,
  projectorSalesforceEnv,
} from './support/app-env';
import { odooCdcCaughtUp } from './support/kafka';
import { odooDb } from './support/odoo';
import { odooSandboxUrl } from './support/odoo-sandbox';
import { createHubDatabase, runId } from './support/stack';

type Row = Record<string, unknown>;
interface Entry {
  id: string;
  occurredAt: string;
  kind: 'write' | 'operator-action';
  app: string;
  system: string | null;
  object: string | null;
  externalId: string | null;
  targetId: string | null;
  fields: { name: string; hash: string }[];
  canonicalId: string | null;
  eventId: string | null;
  sourceSystem: string | null;
  sourcePosition: string | null;
  traceId: string | null;
  outcome: string;
  reason: string | null;
  action: string | null;
  actor: string | null;
}

describe('audit trail: the whole history of one order, with its traces and no personal data', () => {
  const run = runId('audit');
  const prefix = `it-${run}.`;
  const deskToken = `${run}-work-queue-token-0123456789`;
  // The customer's personal data: none of it may appear in the trail.
  const customer = {
    name: `Ada Lovelace Holdings ${run}`,
    email: `ada.${run}@example.test`,
    phone: '+44 20 7946 0958',
    street: `12 Byron Street ${run}`,
  };
  let sandbox: SalesforceSandbox;
  let sf: SandboxClient;
  let rep: Connection;
  let odoo: OdooSandboxClient;
  let db: Client;
  let key: ApiKey;
  let hubDb: Awaited<ReturnType<typeof createHubDatabase>>;
  let apps: RunningApp[] = [];
  let accountId = '';
  let pricebookId = '';

  const auditUrl = () => `${apps.find((a) => a.name === 'projector-odoo')!.url}/audit/entries`;
  const audit = async (query: Record<string, string>, token: string | null = AUDIT_TEST_TOKEN) => {
    const response = await fetch(`${auditUrl()}?${new URLSearchParams(query)}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return { status: response.status, text: await response.text() };
  };
  /** Every entry of a record's history, page after page. */
  const history = async (recordId: string): Promise<{ entries: Entry[]; json: string }> => {
    const entries: Entry[] = [];
    let json = '';
    let after: string | null = null;
    do {
      const page = await audit({ recordId, limit: '5', ...(after ? { after } : {}) });
      expect(page.status).toBe(200);
      json += page.text;
      const body = JSON.parse(page.text) as { entries: Entry[]; next: string | null };
      entries.push(...body.entries);
      after = body.next;
    } while (after);
    return { entries, json };
  };
  const linkOf = async (name: string) =>
    (await db.query<{ res_id: number }>(`SELECT res_id FROM ir_model_data WHERE module = 'hub' AND name = $1`, [name]))
      .rows[0]?.res_id;
  const entryOf = (code: string) =>
    eventually(
      async () => {
        const [product] = await sf.query<{ Id: string }>(`SELECT Id FROM Product2 WHERE ProductCode = '${code}'`);
        if (!product) return undefined;
        return (
          await sf.query<{ Id: string; UnitPrice: number }>(
            `SELECT Id, UnitPrice FROM PricebookEntry WHERE Product2Id = '${product.Id}'`,
          )
        )[0];
      },
      120_000,
      `the price-book entry of ${code}`,
    );
  const activate = async (name: string, code: string) => {
    const entry = await entryOf(code);
    const created = await rep.sobject('Order').create({
      AccountId: accountId,
      Pricebook2Id: pricebookId,
      EffectiveDate: '2026-12-06',
      Status: 'Draft',
      Name: `${name} ${run}`,
    });
    const id = String(created.id);
    await rep
      .sobject('OrderItem')
      .create({ OrderId: id, PricebookEntryId: entry.Id, Quantity: 2, UnitPrice: entry.UnitPrice });
    await rep.sobject('Order').update({ Id: id, Status: 'Activated' });
    return id;
  };

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ port: 0 });
    sf = new SandboxClient(sandbox.url);
    rep = await connectAs(sandbox);
    odoo = new OdooSandboxClient(odooSandboxUrl());
    db = await odooDb();
    const user = await odoo.createUser({ login: `hub-${run}`, name: `Hub ${run}` });
    key = await odoo.createApiKey({ login: user.login, name: `it ${run}` });
    hubDb = await createHubDatabase(`hub_${run.replace(/-/g, '_')}`);
    apps = await startApps([
      {
        name: 'ingress',
        env: ingressSalesforceEnv(prefix, hubDb.url, sandbox),
      },
      {
        name: 'projector-odoo',
        env: hubEnv(prefix, hubDb.url, {
          CONSUMER_GROUP: `${prefix}projector-odoo`,
          DEAD_LETTER_TOPIC: `${prefix}dlq.projector-odoo`,
          ODOO_URL: odooSandboxUrl(),
          ODOO_DATABASE: 'odoo',
          ODOO_LOGIN: key.login,
          ODOO_API_KEY: key.key,
          HUB_OPERATOR_TOKENS: `${OPERATOR_TEST_TOKENS},order-desk:operator=${deskToken}`,
        }),
      },
      { name: 'odoo-cdc', env: odooCdcEnv(prefix, hubDb.url) },
      { name: 'projector-salesforce', env: projectorSalesforceEnv(prefix, hubDb.url, sandbox.url) },
    ]);
    const [pricebook] = (await rep.query<{ Id: string }>('SELECT Id FROM Pricebook2 WHERE IsStandard = true')).records;
    pricebookId = pricebook.Id;
    // A new run reads Odoo's change stream from its beginning: this file's product is timed after that replay.
    await odooCdcCaughtUp(prefix);
  }, 660_000);

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.kill()));
    if (key) await odoo.revokeApiKey(key.id).catch(() => undefined);
    await db?.end();
    await hubDb?.drop();
    await sandbox?.close();
  });

  it('tells one order’s whole history, created in Salesforce, confirmed in Odoo, delivered and invoiced back, in time order with its traces and no personal data', async () => {
    const account = await rep.sobject('Account').create({
      Name: customer.name,
      Phone: customer.phone,
      BillingStreet: customer.street,
      BillingCity: 'London',
      BillingCountry: 'GB',
    });
    accountId = String(account.id);
    const contact = await rep.sobject('Contact').create({
      AccountId: accountId,
      FirstName: 'Ada',
      LastName: `Lovelace ${run}`,
      Email: customer.email,
      Phone: customer.phone,
    });
    const partnerId = await eventually(() => linkOf(`salesforce_account_${accountId}`), 90_000, 'the Odoo partner');
    await eventually(() => linkOf(`salesforce_contact_${String(contact.id)}`), 90_000, 'the Odoo contact');

    const product = await insertProduct(db, `Audited Part ${run}`, '25.00', `${run}-PART`);
    await insertStock(db, product, '100');
    const orderId = await activate('Audited Order', `${run}-PART`);

    const saleOrderId = await eventually(() => linkOf(`salesforce_order_${orderId}`), 90_000, 'the Odoo sale order');
    const saleOrder = await eventually(
      async () => {
        const { rows } = await db.query<{ name: string; state: string }>(
          'SELECT name, state FROM sale_order WHERE id = $1',
          [saleOrderId],
        );
        return rows[0]?.state === 'sale' ? rows[0] : undefined;
      },
      60_000,
      'the confirmed sale order',
    );
    const { rows: pickings } = await db.query<{ id: number }>('SELECT id FROM stock_picking WHERE origin = $1', [
      saleOrder.name,
    ]);
    expect(pickings).toHaveLength(1);
    await validateDelivery(db, pickings[0].id, `TRACK-${run}`);
    await insertPostedInvoice(db, partnerId, saleOrder.name, `INV/${run}`);
    await eventually(
      async () => {
        const [shipment] = await sf.query<Row>(`SELECT State__c FROM Odoo_Shipment__c WHERE Order__c = '${orderId}'`);
        const [bill] = await sf.query<Row>(`SELECT Name FROM Odoo_Invoice__c WHERE Order__c = '${orderId}'`);
        return shipment?.State__c === 'done' && bill ? true : undefined;
      },
      120_000,
      'the delivery and invoice on the Salesforce order',
    );

    // Asked by the Salesforce order's Id, as a reviewer holding the rep's order would.
    const { entries, json } = await eventually(
      async () => {
        const found = await history(orderId);
        const has = (object: string, app: string) =>
          found.entries.some((e) => e.object === object && e.app === app && e.outcome === 'applied');
        return has('sale.order', 'projector-odoo') &&
          has('Order', 'projector-salesforce') &&
          has('Odoo_Shipment__c', 'projector-salesforce') &&
          has('Odoo_Invoice__c', 'projector-salesforce')
          ? found
          : undefined;
      },
      60_000,
      'the order’s writes in the audit trail',
    );

    // Into Odoo, from Salesforce's event: the sale order with every id it is known by.
    const intake = entries.find((e) => e.object === 'sale.order')!;
    expect(intake).toMatchObject({
      kind: 'write',
      system: 'odoo',
      externalId: `hub.salesforce_order_${orderId}`,
      targetId: String(saleOrderId),
      sourceSystem: 'SALESFORCE',
      outcome: 'applied',
    });
    expect(intake.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(intake.sourcePosition).toMatch(/^\d+$/);
    expect(intake.fields.map((f) => f.name)).toEqual(
      expect.arrayContaining(['partner_id/.id', 'origin', 'order_line', 'action_confirm']),
    );
    // Back to Salesforce, from Odoo's changes: the rep's Order by its Id, its delivery and its invoice.
    const back = entries.filter((e) => e.app === 'projector-salesforce' && e.outcome === 'applied');
    expect(back.find((e) => e.object === 'Order')).toMatchObject({
      system: 'salesforce',
      externalId: `odoo-sale-order-${saleOrderId}`,
      targetId: orderId,
      sourceSystem: 'ODOO',
    });
    expect(back.find((e) => e.object === 'Odoo_Shipment__c')!.fields.map((f) => f.name)).toContain(
      'Tracking_Reference__c',
    );
    for (const e of entries.filter((x) => x.kind === 'write')) {
      // Each write with the trace of the record's hop, the canonical event and source position it came from.
      expect(e.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(e.eventId).toBeTruthy();
      expect(e.fields.every((f) => /^[0-9a-f]{32}$/.test(f.hash))).toBe(true);
    }
    // In time order, Odoo's write before the writes back.
    const times = entries.map((e) => Date.parse(e.occurredAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(Date.parse(intake.occurredAt)).toBeLessThanOrEqual(Math.min(...back.map((e) => Date.parse(e.occurredAt))));

    // The customer's partner writes are in the trail too (asked by the Account's Id): names and hashes, no values.
    const partner = await history(accountId);
    expect(partner.entries.find((e) => e.object === 'res.partner' && e.outcome === 'applied')?.fields).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'phone' }), expect.objectContaining({ name: 'street' })]),
    );
    const contactHistory = await history(String(contact.id));
    expect(contactHistory.entries.find((e) => e.object === 'res.partner')?.fields.map((f) => f.name)).toContain(
      'email',
    );

    // No personal data in clear in anything the API answered.
    for (const text of [json, partner.json, contactHistory.json]) {
      for (const value of [customer.name, customer.email, customer.phone, customer.street, 'Lovelace', '7946']) {
        expect(text).not.toContain(value);
      }
    }
  }, 400_000);

  it('records an operator’s discard of an order exception with who and why, in that order’s history', async () => {
    // A product a rep made in Salesforce that Odoo does not sell: the order becomes an unknown-sku exception.
    const stranger = await rep.sobject('Product2').create({ Name: `Stranger ${run}`, ProductCode: `${run}-NOPE` });
    await rep
      .sobject('PricebookEntry')
      .create({ Pricebook2Id: pricebookId, Product2Id: String(stranger.id), UnitPrice: 5, IsActive: true });
    const orderId = await activate('Unsellable', `${run}-NOPE`);
    const workQueue = `${apps.find((a) => a.name === 'projector-odoo')!.url}/work-queue/exceptions`;
    const headers = { authorization: `Bearer ${deskToken}`, 'content-type': 'application/json' };
    const exception = await eventually(
      async () => {
        const list = (await (await fetch(`${workQueue}?status=open&kind=unknown-sku`, { headers })).json()) as {
          exceptions: Row[];
        };
        return list.exceptions.find((e) => e.salesforceOrderId === orderId);
      },
      90_000,
      'the unknown-sku exception',
    );
    const why = 'customer withdrew the order by phone';
    const discarded = await fetch(`${workQueue}/${String(exception.id)}/discard`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ reason: why }),
    });
    expect(discarded.status).toBe(200);

    const { entries } = await history(orderId);
    expect(entries.find((e) => e.object === 'sale.order')).toMatchObject({
      outcome: 'failed',
      reason: expect.stringContaining('unknown-sku'),
    });
    const actions = entries.filter((e) => e.kind === 'operator-action');
    expect(actions.map((e) => [e.action, e.outcome, e.actor, e.reason])).toEqual([
      ['discard', 'requested', 'order-desk', why],
      ['discard', 'done', 'order-desk', why],
    ]);
    expect(actions[0].externalId).toBe(exception.id);
  });

  it('refuses a query without a valid token (401) and names a bad parameter (400)', async () => {
    expect((await audit({ recordId: 'x' }, null)).status).toBe(401);
    expect((await audit({ recordId: 'x' }, 'not-a-token-of-this-installation-000')).status).toBe(401);
    const badLimit = await audit({ recordId: 'x', limit: '0' });
    expect(badLimit.status).toBe(400);
    expect(JSON.parse(badLimit.text)).toMatchObject({
      parameter: 'limit',
      message: expect.stringMatching(/^limit must/),
    });
    const badTime = await audit({ from: 'yesterday' });
    expect(badTime.status).toBe(400);
    expect(JSON.parse(badTime.text)).toMatchObject({ parameter: 'from' });
    const nothing = await audit({});
    expect(nothing.status).toBe(400);
    expect(JSON.parse(nothing.text)).toMatchObject({ parameter: 'recordId' });
    const typo = await audit({ recordID: 'x' });
    expect(JSON.parse(typo.text)).toMatchObject({ parameter: 'recordID' });
  });
});
