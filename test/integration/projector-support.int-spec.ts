/**
 * Odoo's customers and contacts onto the support desk, on the real stack: Odoo rows (PostgreSQL) → Debezium → odoo-cdc
 * → canonical topics → projector-support → the Zendesk and the Freshdesk sandbox (one projector per platform, as two
 * installations would run it), read back through each vendor's own read API. Nothing but the allow-listed fields
 * arrives, and a projector killed with SIGKILL and restarted duplicates nothing.
 */
import { Kafka, logLevel } from 'kafkajs';
import { Client as PgClient, type Client } from 'pg';
import { eventually, RunningApp, startApp, startApps } from '../../scripts/lib/app-process';
import { startFreshdeskSandbox } from '../../sandboxes/freshdesk/freshdesk-sandbox';
import { startZendeskSandbox } from '../../sandboxes/zendesk/zendesk-sandbox';
import {
  confirmOrder,
  insertDelivery,
  insertOrder,
  insertPostedInvoice,
  insertProduct,
  payInvoice,
  validateDelivery,
} from '../../scripts/lib/odoo-commerce';
import { hubEnv, odooCdcEnv } from './support/app-env';
import { insertCompanies } from '../../scripts/lib/isolated-odoo';
import { insertPartner, odooDb } from './support/odoo';
import { createHubDatabase, runId, stack } from './support/stack';

type Row = Record<string, unknown>;

describe('projector-support: Odoo customers and contacts onto Zendesk and Freshdesk', () => {
  const run = runId('support');
  const prefix = `it-${run}.`;
  let zendesk: Awaited<ReturnType<typeof startZendeskSandbox>>;
  let freshdesk: Awaited<ReturnType<typeof startFreshdeskSandbox>>;
  let db: Client;
  let hub: Client;
  let hubDb: Awaited<ReturnType<typeof createHubDatabase>>;
  let apps: RunningApp[] = [];

  const ZD_AUTH = `Basic ${Buffer.from('integration@hub.example/token:hub-zendesk-token').toString('base64')}`;
  const FD_AUTH = `Basic ${Buffer.from('sandbox-freshdesk-api-key:X').toString('base64')}`;
  const read = async (url: string, authorization: string) => {
    const response = await fetch(url, { headers: { authorization } });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as Row;
  };
  const zdOrganization = async (externalId: string) =>
    (await read(`${zendesk.url}/api/v2/organizations/search.json?external_id=${externalId}`, ZD_AUTH))
      .organizations as Row[];
  const zdUser = async (externalId: string) =>
    (await read(`${zendesk.url}/api/v2/users/search.json?external_id=${externalId}`, ZD_AUTH)).users as Row[];
  const fdCompany = async (externalId: string) =>
    (
      await read(
        `${freshdesk.url}/api/v2/search/companies?query=${encodeURIComponent(`"hub_external_id:'${externalId}'"`)}`,
        FD_AUTH,
      )
    ).results as Row[];
  const fdContact = async (externalId: string) =>
    (await read(`${freshdesk.url}/api/v2/contacts?unique_external_id=${externalId}`, FD_AUTH)) as unknown as Row[];

  const projectorEnv = (platform: 'zendesk' | 'freshdesk') =>
    hubEnv(prefix, hubDb.url, {
      CONSUMER_GROUP: `${prefix}projector-support-${platform}`,
      DEAD_LETTER_TOPIC: `${prefix}dlq.projector-support-${platform}`,
      SUPPORT_PLATFORM: platform,
      ...(platform === 'zendesk'
        ? { ZENDESK_URL: zendesk.url, ZENDESK_EMAIL: 'integration@hub.example', ZENDESK_API_TOKEN: 'hub-zendesk-token' }
        : { FRESHDESK_URL: freshdesk.url, FRESHDESK_API_KEY: 'sandbox-freshdesk-api-key' }),
      SUPPORT_BATCH_LINGER_MS: '300',
    });

  const ZENDESK_SECRET = `zendesk-signing-secret-${run}`;
  let company = 0;

  beforeAll(async () => {
    // The desks' rate limits are raised: odoo-cdc replays every partner of the shared Odoo database onto them.
    // Zendesk sends its signed ticket webhooks (the hub's trigger template, which carries the order reference) to
    // ingress, as a Zendesk account configured for the hub would.
    zendesk = await startZendeskSandbox({
      rateLimitPerMinute: 100_000,
      jobPollsToComplete: 1,
      webhook: { signingSecret: ZENDESK_SECRET, format: 'trigger', endpoints: [] },
    });
    freshdesk = await startFreshdeskSandbox({ rateLimitPerMinute: 100_000 });
    db = await odooDb();
    hubDb = await createHubDatabase(`hub_${run.replace(/-/g, '_')}`);
    hub = new PgClient({ connectionString: hubDb.url });
    await hub.connect();
    apps = await startApps([
      { name: 'odoo-cdc', env: odooCdcEnv(prefix, hubDb.url) },
      {
        name: 'ingress',
        env: hubEnv(prefix, hubDb.url, {
          DEAD_LETTER_TOPIC: `${prefix}dlq.ingress`,
          ZENDESK_WEBHOOK_SECRET: ZENDESK_SECRET,
        }),
      },
      { name: 'projector-support', env: projectorEnv('zendesk') },
      { name: 'projector-support', env: projectorEnv('freshdesk') },
    ]);
    // odoo-cdc of this run reads Odoo's change stream from its beginning (every earlier test's and bench's rows): wait
    // until it has caught up, so the waits below time this file's records, not the replay of the shared history.
    const admin = new Kafka({ brokers: stack().kafka.brokers.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const [end] = await admin.fetchTopicOffsets('odoo.changes');
      await eventually(
        async () => {
          const [group] = await admin.fetchOffsets({ groupId: `${prefix}odoo-cdc`, topics: ['odoo.changes'] });
          return Number(group?.partitions[0]?.offset ?? -1) >= Number(end.high) ? true : undefined;
        },
        600_000,
        'odoo-cdc catching up with the change stream',
      );
    } finally {
      await admin.disconnect();
    }
  }, 660_000);

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.kill()));
    await db?.end();
    await hub?.end();
    await hubDb?.drop();
    await zendesk?.close();
    await freshdesk?.close();
  });

  it('makes an Odoo company and its contact one organization and one user on Zendesk, one company and one contact on Freshdesk, with only the allowed fields', async () => {
    company = await insertPartner(db, {
      name: `Brasserie ${run}`,
      is_company: true,
      email: `orders@brasserie-${run}.example`,
      phone: '+32 9 555 01 01',
      city: 'Gent',
    });
    await db.query(`UPDATE res_partner SET vat = 'BE0477472701', website = $2 WHERE id = $1`, [
      company,
      `https://www.brasserie-${run}.example`,
    ]);
    const person = await insertPartner(db, {
      name: `Buyer ${run}`,
      is_company: false,
      parent_id: company,
      email: `buyer@brasserie-${run}.example`,
      phone: '+32 470 00 00 01',
      function: 'Buyer',
    });
    const companyKey = `odoo-partner-${company}`;
    const personKey = `odoo-partner-${person}`;

    const [org] = await eventually(
      async () => {
        const found = await zdOrganization(companyKey);
        return found[0]?.domain_names && (found[0].domain_names as string[]).length ? found : undefined;
      },
      90_000,
      'the Zendesk organization',
    );
    expect(org).toMatchObject({ external_id: companyKey, name: `Brasserie ${run}` });
    expect(org.domain_names).toEqual([`brasserie-${run}.example`]);
    const [user] = await eventually(
      async () => ((await zdUser(personKey)).length ? zdUser(personKey) : undefined),
      90_000,
      'the Zendesk user',
    );
    expect(user).toMatchObject({
      external_id: personKey,
      name: `Buyer ${run}`,
      email: `buyer@brasserie-${run}.example`,
      organization_id: org.id,
    });

    const [fdCo] = await eventually(
      async () => ((await fdCompany(companyKey)).length ? fdCompany(companyKey) : undefined),
      90_000,
      'the Freshdesk company',
    );
    expect(fdCo).toMatchObject({ name: `Brasserie ${run}` });
    const [fdPerson] = await eventually(
      async () => ((await fdContact(personKey)).length ? fdContact(personKey) : undefined),
      90_000,
      'the Freshdesk contact',
    );
    expect(fdPerson).toMatchObject({
      name: `Buyer ${run}`,
      email: `buyer@brasserie-${run}.example`,
      company_id: fdCo.id,
    });

    // Neither desk holds the VAT number, the address or the reference: they are not on the allow-list.
    const everything = JSON.stringify([org, user, fdCo, fdPerson]);
    expect(everything).not.toContain('BE0477472701');
    expect(everything).not.toContain('Gent');
  });

  it('duplicates nothing when a projector is killed with SIGKILL mid-load and restarted', async () => {
    const index = 2; // the Zendesk projector (startApps keeps the order it is given)
    const COUNT = 300;
    const ids = await insertCompanies(db, `Kill Co ${run}`, COUNT);
    const rows = ids.map((id) => ({ id }));
    // Killed once the first organizations of the load are in, restarted on the same group.
    await eventually(
      async () => ((await zdOrganization(`odoo-partner-${rows[0].id}`)).length ? true : undefined),
      90_000,
      'the first organization of the load',
    );
    await apps[index].kill();
    apps[index] = await startApp('projector-support', projectorEnv('zendesk'));
    // Nothing lost: every company of the load arrives (batches of different partitions land in any order).
    const loadedNow = () =>
      [...zendesk.store.organizations.values()].filter((o) => String(o.name).startsWith(`Kill Co ${run} `));
    await eventually(async () => (loadedNow().length >= COUNT ? true : undefined), 120_000, 'every organization');
    // Nothing duplicated, also once the restarted projector has settled.
    await new Promise((r) => setTimeout(r, 3_000));
    const loaded = loadedNow();
    expect(loaded).toHaveLength(COUNT);
    expect(new Set(loaded.map((o) => o.external_id)).size).toBe(COUNT);
    expect(new Set(loaded.map((o) => o.external_id))).toEqual(new Set(ids.map((id) => `odoo-partner-${id}`)));
  });

  it('answers a new Zendesk ticket about a delivered, invoiced and paid order with a private note of its context within seconds', async () => {
    const ingress = apps.find((a) => a.name === 'ingress')!;
    await fetch(`${zendesk.url}/__admin/webhooks`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ endpoints: [`${ingress.url}/webhooks/zendesk`] }),
    });
    const product = await insertProduct(db, `Kettle ${run}`, '49.90', `${run}-KETTLE`);
    const orderName = `S-${run}`;
    const orderId = await insertOrder(db, orderName, company, [{ product, quantity: 2, price: '49.90' }]);
    await confirmOrder(db, orderId);
    const picking = await insertDelivery(db, `WH/OUT/${run}`, company, { id: orderId, name: orderName }, [
      { product, quantity: 2 },
    ]);
    await validateDelivery(db, picking, `TRACK-${run}`);
    const invoice = await insertPostedInvoice(db, company, orderName, `INV/${run}`);
    await payInvoice(db, company, invoice, `PAY/${run}`, '99.80');
    // The hub has the order's context once odoo-cdc's events are in: then the customer writes in.
    await eventually(
      async () => {
        const r = await hub.query(
          `SELECT 1 FROM support_invoice i JOIN support_shipment s ON s.order_id = ANY(i.order_ids)
           WHERE i.number = $1 AND i.payment_state = 'paid' AND s.state = 'done'`,
          [`INV/${run}`],
        );
        return r.rowCount ? true : undefined;
      },
      90_000,
      'the order’s context in the hub',
    );

    // The organization on each desk shows the customer's context: nothing open or overdue, the delivery with its
    // tracking reference, the warranty running from it.
    const today = new Date().toISOString().slice(0, 10);
    const [org] = await eventually(
      async () => {
        const found = await zdOrganization(`odoo-partner-${company}`);
        const fields = (found[0]?.organization_fields ?? {}) as Row;
        return fields.hub_last_delivery_tracking === `TRACK-${run}` && fields.hub_overdue_invoices === 0
          ? found
          : undefined;
      },
      60_000,
      'the context on the Zendesk organization',
    );
    expect(org.organization_fields).toMatchObject({
      hub_open_orders: 0,
      hub_overdue_invoices: 0,
      hub_overdue_amount: null,
      hub_last_delivery: `WH/OUT/${run} on ${today}`,
      hub_last_delivery_tracking: `TRACK-${run}`,
      hub_entitlement: expect.stringMatching(/^under warranty until \d{4}-\d{2}-\d{2}$/),
    });
    const [fdCo] = await eventually(
      async () => {
        const found = await fdCompany(`odoo-partner-${company}`);
        const fields = (found[0]?.custom_fields ?? {}) as Row;
        return fields.hub_last_delivery_tracking === `TRACK-${run}` && fields.hub_overdue_invoices === 0
          ? found
          : undefined;
      },
      60_000,
      'the context on the Freshdesk company',
    );
    expect(fdCo.custom_fields).toMatchObject({
      hub_open_orders: 0,
      hub_last_delivery: `WH/OUT/${run} on ${today}`,
      hub_entitlement: expect.stringMatching(/^under warranty until /),
    });
    // Neither desk holds the order's prices or amounts.
    expect(JSON.stringify([org, fdCo])).not.toMatch(/49[.,]90|99[.,]80/);

    const created = await fetch(`${zendesk.url}/api/v2/tickets.json`, {
      method: 'POST',
      headers: { authorization: ZD_AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({
        ticket: {
          subject: 'Where is my kettle?',
          comment: { body: 'Hello, my order has not arrived.' },
          requester: { name: `Buyer ${run}`, email: `buyer@brasserie-${run}.example` },
          organization_id: org.id,
          custom_fields: [{ id: 360_000_000_101, value: orderName }],
        },
      }),
    });
    expect(created.status).toBe(201);
    const ticket = ((await created.json()) as { ticket: Row }).ticket;
    const openedAt = Date.now();
    const note = await eventually(
      async () => {
        const comments = (await read(`${zendesk.url}/api/v2/tickets/${ticket.id}/comments.json`, ZD_AUTH))
          .comments as Row[];
        return comments.find((c) => c.public === false);
      },
      30_000,
      'the context note',
    );
    // Seconds, not a bound: speed is the benches' to measure; this prints what the run saw.
    process.stdout.write(`context note ${Date.now() - openedAt} ms after the ticket was created\n`);
    expect(String(note.body)).toContain(`Order ${orderName}: sale`);
    expect(String(note.body)).toMatch(
      new RegExp(`Delivery WH/OUT/${run}: done on \\d{4}-\\d{2}-\\d{2}, tracking TRACK-${run}`),
    );
    expect(String(note.body)).toContain(`Invoice INV/${run}: posted, payment paid`);
    expect(String(note.body)).toContain('Warranty: under warranty until');
    // No price, amount or cost of the order reached the desk.
    expect(String(note.body)).not.toMatch(/49[.,]90|99[.,]80/);

    // The hub's own note changes the ticket and Zendesk sends the webhook again: no second note.
    await new Promise((r) => setTimeout(r, 3_000));
    const comments = (await read(`${zendesk.url}/api/v2/tickets/${ticket.id}/comments.json`, ZD_AUTH))
      .comments as Row[];
    expect(comments.filter((c) => c.public === false)).toHaveLength(1);
  });
});
