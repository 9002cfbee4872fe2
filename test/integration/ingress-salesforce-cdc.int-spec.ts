import type { Client } from 'pg';
import type { Connection } from 'jsforce';
import { CanonicalCodec } from '@hub/canonical';
import { eventually, RunningApp, startApp, startApps } from '../../scripts/lib/app-process';
import { connectAs } from '../../sandboxes/salesforce/pubsub/pubsub.test-client';
import { SandboxClient } from '../../sandboxes/salesforce/sandbox.client';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandboxes/salesforce/salesforce-sandbox';
import { hubEnv, odooCdcEnv, projectorSalesforceEnv } from './support/app-env';
import { canonicalRecords, CanonicalRecord } from './support/canonical';
import { insertPartner, odooDb } from './support/odoo';
import { createHubDatabase, runId, stack } from './support/stack';

type Row = Record<string, unknown>;
type Envelope = { sourceSystem: string; sourceTable: string | null; sourceEventId: string | null; eventId: string };
type CustomerValue = { envelope: Envelope; customer: Row };

/**
 * Salesforce into the hub on the real stack: a sandbox org's REST writes → its Pub/Sub API (gRPC, Avro) → ingress
 * (mirror, echo filter, ownership) → canonical topics, read back through the registry. Each change is published
 * once, also across a SIGKILL; an expired replay id and a gap are repaired by re-reading through REST; the hub's own
 * writes (projector-salesforce's, named by Sforce-Call-Options) never come back as changes.
 */
describe('ingress: Salesforce Change Data Capture on the real stack', () => {
  const run = runId('sfcdc');
  const prefix = `it-${run}.`;
  let sandbox: SalesforceSandbox;
  let sf: SandboxClient;
  let person: Connection;
  let hubDb: Awaited<ReturnType<typeof createHubDatabase>>;
  let codec: CanonicalCodec;
  let ingress: RunningApp;
  const others: RunningApp[] = [];

  const ingressEnv = () =>
    hubEnv(prefix, hubDb.url, {
      DEAD_LETTER_TOPIC: `${prefix}dlq.ingress`,
      SF_LOGIN_URL: sandbox.url,
      SF_CLIENT_ID: 'hub-client',
      SF_CLIENT_SECRET: 'hub-secret',
      SF_PUBSUB_ENDPOINT: sandbox.pubSub!.endpoint,
      SF_PUBSUB_VERIFY_TLS: 'false',
      SF_CDC_INITIAL_START: 'earliest',
      SF_CDC_CHANNELS: '/data/AccountChangeEvent,/data/ContactChangeEvent,/data/OrderChangeEvent',
    });
  const startIngress = async () => (ingress = await startApp('ingress', ingressEnv()));

  const customers = async (key: string) =>
    (await canonicalRecords<CustomerValue>(codec, 'customer', key)).filter(
      (r) => r.value?.envelope.sourceSystem === 'SALESFORCE',
    );
  const metric = async (name: string, label: string) =>
    Number(
      new RegExp(`^${name}\\{[^}]*="${label}"[^}]*\\} (\\S+)$`, 'm').exec(
        await (await fetch(`${ingress.url}/metrics`)).text(),
      )?.[1] ?? 0,
    );

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ port: 0 });
    sf = new SandboxClient(sandbox.url);
    person = await connectAs(sandbox);
    hubDb = await createHubDatabase(`hub_${run.replace(/-/g, '_')}`);
    codec = await CanonicalCodec.connect(stack().registry.url, prefix);
    await startIngress();
  });

  afterAll(async () => {
    await Promise.all([ingress, ...others].map((a) => a?.kill()));
    await hubDb?.drop();
    await sandbox?.close();
  });

  it('publishes an Account and a Contact created and updated through REST, with only what Salesforce owns', async () => {
    const account = await person.sobject('Account').create({
      Name: `Rep Account ${run}`,
      Phone: '+32 2 555 01 01',
      Website: 'https://rep.example',
      BillingStreet: 'Rue Neuve 1',
      BillingCity: 'Brussels',
      BillingPostalCode: '1000',
      BillingCountry: 'Belgium',
      Industry: 'Retail',
      Description: 'not a canonical field',
    });
    const accountId = String(account.id);
    const contact = await person.sobject('Contact').create({
      FirstName: 'Ada',
      LastName: `Rep ${run}`,
      AccountId: accountId,
      Email: 'ada@rep.example',
      Title: 'Buyer',
    });
    const key = `salesforce-account-${accountId}`;
    const [created] = await eventually(
      async () => ((await customers(key)).length ? customers(key) : undefined),
      60_000,
      'the customer event of the new account',
    );
    expect(created.value!.customer).toEqual({
      id: key,
      odooId: null,
      salesforceId: accountId,
      name: `Rep Account ${run}`,
      // Odoo's even on a customer created in Salesforce: left at their defaults.
      reference: null,
      vat: null,
      email: null,
      phone: '+32 2 555 01 01',
      website: 'https://rep.example',
      address: { street: 'Rue Neuve 1', street2: null, zip: '1000', city: 'Brussels', countryCode: 'BE' },
      industry: 'Retail',
      active: true,
    });
    expect(created.value!.envelope).toMatchObject({ sourceSystem: 'SALESFORCE', sourceTable: 'Account' });
    expect(created.value!.envelope.sourceEventId).toMatch(/^\d+$/);

    const contactKey = `salesforce-contact-${String(contact.id)}`;
    const [person1] = await eventually(
      async () => {
        const rows = await canonicalRecords<{ contact: Row }>(codec, 'contact', contactKey);
        return rows.length ? rows : undefined;
      },
      60_000,
      'the contact event',
    );
    expect(person1.value!.contact).toMatchObject({
      id: contactKey,
      salesforceId: String(contact.id),
      customerId: key,
      name: `Ada Rep ${run}`,
      email: 'ada@rep.example',
      jobTitle: 'Buyer',
    });

    // An update carries only the changed field; the event is the whole record, from the mirror.
    await person.sobject('Account').update({ Id: accountId, Phone: '+32 2 555 09 09' });
    const after = await eventually(
      async () => ((await customers(key)).length === 2 ? customers(key) : undefined),
      60_000,
      'the customer event of the update',
    );
    expect(after[1].value!.customer).toMatchObject({
      name: `Rep Account ${run}`,
      phone: '+32 2 555 09 09',
      address: expect.objectContaining({ city: 'Brussels' }),
    });
  });

  it('turns an Order activated with 20 products into one order submission carrying all 20 lines', async () => {
    const account = await person.sobject('Account').create({ Name: `Orderer ${run}` });
    const [pricebook] = (await person.query<{ Id: string }>('SELECT Id FROM Pricebook2 WHERE IsStandard = true'))
      .records;
    const products = await person.sobject('Product2').create(
      Array.from({ length: 20 }, (_, i) => ({
        Name: `Part ${i} ${run}`,
        ProductCode: `SKU-${run}-${i}`,
        IsActive: true,
      })),
    );
    const entries = await person
      .sobject('PricebookEntry')
      .create(
        products.map((p, i) => ({ Pricebook2Id: pricebook.Id, Product2Id: p.id, UnitPrice: 10 + i, IsActive: true })),
      );
    const order = await person.sobject('Order').create({
      AccountId: account.id,
      Pricebook2Id: pricebook.Id,
      EffectiveDate: '2026-12-05',
      Status: 'Draft',
      PoNumber: `PO-${run}`,
      ShippingCity: 'Ghent',
      ShippingCountry: 'BE',
    });
    const items = await person
      .sobject('OrderItem')
      .create(
        entries.map((e, i) => ({ OrderId: order.id, PricebookEntryId: e.id, Quantity: i + 1, UnitPrice: 9 + i })),
      );
    expect(items.every((r) => r.success)).toBe(true);
    await person.sobject('Order').update({ Id: String(order.id), Status: 'Activated' });

    const key = `salesforce-order-${String(order.id)}`;
    const [submission] = await eventually(
      async () => {
        const rows = await canonicalRecords<{ orderSubmission: Row & { lines: Row[] } }>(
          codec,
          'order-submission',
          key,
        );
        return rows.length ? rows : undefined;
      },
      60_000,
      'the order submission',
    );
    const value = submission.value!.orderSubmission;
    expect(value).toMatchObject({
      salesforceOrderId: String(order.id),
      customerId: `salesforce-account-${String(account.id)}`,
      pricebookId: pricebook.Id,
      pricebookName: 'Standard Price Book',
      poNumber: `PO-${run}`,
      shipTo: expect.objectContaining({ city: 'Ghent', countryCode: 'BE' }),
    });
    expect(value.lines).toHaveLength(20);
    expect(value.lines[3]).toMatchObject({
      sku: `SKU-${run}-3`,
      quantity: '4.0000',
      unitPrice: '12.0000',
      listPrice: '13.0000',
    });
    // A later edit of the activated order submits nothing again.
    await person.sobject('Order').update({ Id: String(order.id), Description: 'note' });
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await canonicalRecords(codec, 'order-submission', key)).toHaveLength(1);
  });

  it("drops projector-salesforce's own writes when they come back, and publishes a person's edit of the same account", async () => {
    const db: Client = await odooDb();
    try {
      others.push(
        ...(await startApps([
          { name: 'odoo-cdc', env: odooCdcEnv(prefix, hubDb.url) },
          { name: 'projector-salesforce', env: projectorSalesforceEnv(prefix, hubDb.url, sandbox.url) },
        ])),
      );
      const partner = await insertPartner(db, { name: `Odoo Co ${run}`, is_company: true });
      const key = `odoo-partner-${partner}`;
      const [account] = await eventually(
        async () => {
          const rows = await sf.query<Row>(`SELECT Id FROM Account WHERE Odoo_Id__c = '${key}'`);
          return rows.length ? rows : undefined;
        },
        90_000,
        'the account projected from Odoo',
      );
      await eventually(
        async () => ((await metric('hub_ingress_echo_dropped', 'client')) > 0 ? true : undefined),
        30_000,
        "ingress recognising the projector's write",
      );
      expect(await customers(key)).toEqual([]);

      // A person edits a field Salesforce owns on this Odoo customer: it flows, without the fields Odoo owns.
      await sf.editAsPerson('Account', String(account.Id), { Industry: 'Manufacturing' });
      const [edit] = await eventually(
        async () => ((await customers(key)).length ? customers(key) : undefined),
        30_000,
        "the person's edit",
      );
      expect(edit.value!.customer).toMatchObject({
        id: key,
        salesforceId: account.Id,
        industry: 'Manufacturing',
        name: null,
        address: null,
      });
      // A person renaming it in Salesforce changes nothing Salesforce owns: not published.
      await sf.editAsPerson('Account', String(account.Id), { Name: 'Renamed in the CRM' });
      await new Promise((r) => setTimeout(r, 3_000));
      expect(await customers(key)).toHaveLength(1);
    } finally {
      await db.end();
    }
  });

  it('resumes from its replay id after SIGKILL mid-stream: no change lost, none published twice', async () => {
    const ids: string[] = [];
    const createBatch = async (n: number, batch: number) => {
      const created = await person
        .sobject('Account')
        .create(Array.from({ length: n }, (_, i) => ({ Name: `Burst ${run} ${batch}-${i}` })));
      ids.push(...created.map((c) => String(c.id)));
    };
    // Changes keep coming; ingress is killed while it is publishing the first of them.
    let killedAt = -1;
    for (let b = 0; b < 12; b++) {
      await createBatch(100, b);
      if (b === 3) {
        await eventually(
          async () => ((await metric('hub_ingress_salesforce_changes', 'published')) > 0 ? true : undefined),
          30_000,
          'ingress publishing the burst',
        );
        killedAt = await metric('hub_ingress_salesforce_changes', 'published');
        await ingress.kill();
      }
    }
    expect(killedAt).toBeLessThan(1_200);
    await startIngress();
    const keys = new Set(ids.map((id) => `salesforce-account-${id}`));
    const published = await eventually(
      async () => {
        const rows = (await canonicalRecords<CustomerValue>(codec, 'customer')).filter((r) => keys.has(r.key));
        return new Set(rows.map((r) => r.key)).size === keys.size ? rows : undefined;
      },
      90_000,
      'every account of the burst',
    );
    expect(published).toHaveLength(1_200);
    expect(new Set(published.map((r: CanonicalRecord<CustomerValue>) => r.value!.envelope.eventId)).size).toBe(1_200);
  });

  it('re-reads through REST what a gap event names, and what changed while the stored replay id expired', async () => {
    const account = await person.sobject('Account').create({ Name: `Gap ${run}`, Phone: '1' });
    const key = `salesforce-account-${String(account.id)}`;
    await eventually(async () => ((await customers(key)).length ? true : undefined), 60_000, 'the account');
    // A job changes the record in the database: Salesforce sends only a gap event.
    await sf.gap('GAP_UPDATE', { recordIds: [String(account.id)], set: { Phone: '+32 9 999 99 99' } });
    const repaired = await eventually(
      async () => ((await customers(key)).length === 2 ? customers(key) : undefined),
      60_000,
      'the record re-read after the gap',
    );
    expect(repaired[1].value!.customer).toMatchObject({ phone: '+32 9 999 99 99', name: `Gap ${run}` });
    expect(await metric('hub_ingress_salesforce_repairs', 'GAP_UPDATE')).toBeGreaterThan(0);

    // Ingress is down while changes happen and the bus keeps only the newest event: its replay id has expired.
    await ingress.stop();
    const missed = await person.sobject('Account').create([1, 2, 3].map((i) => ({ Name: `Missed ${run} ${i}` })));
    await sf.setPubSubRetention({ maxEvents: 1 });
    try {
      await startIngress();
      for (const m of missed) {
        await eventually(
          async () => ((await customers(`salesforce-account-${String(m.id)}`)).length ? true : undefined),
          60_000,
          'an account created while the replay id expired',
        );
      }
      expect(await metric('hub_ingress_salesforce_repairs', 'expired')).toBeGreaterThan(0);
    } finally {
      await sf.setPubSubRetention({ maxEvents: 100_000 });
    }
  });
});
