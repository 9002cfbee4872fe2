/**
 * Odoo's customers and contacts onto the support desk, on the real stack: Odoo rows (PostgreSQL) → Debezium → odoo-cdc
 * → canonical topics → projector-support → the Zendesk and the Freshdesk sandbox (one projector per platform, as two
 * installations would run it), read back through each vendor's own read API. Nothing but the allow-listed fields
 * arrives, and a projector killed with SIGKILL and restarted duplicates nothing. Tickets come back through each desk's
 * webhook and ingress: answered with their order's context, told of its later changes, and a return request becomes
 * one Odoo return (the Odoo sandbox over the same database), however often its webhook arrives.
 */
import { createHmac } from 'node:crypto';
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
import { odooSandboxUrl } from './support/odoo-sandbox';
import { OdooSandboxClient, type ApiKey } from '../../sandboxes/odoo/odoo-sandbox.client';
import { runCaughtUp } from './support/kafka';
import { createHubDatabase, runId } from './support/stack';

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
      ODOO_URL: odooSandboxUrl(),
      ODOO_DATABASE: 'odoo',
      ODOO_API_KEY: odooKey.key,
      ODOO_PROTOCOL: 'jsonrpc',
    });

  const ZENDESK_SECRET = `zendesk-signing-secret-${run}`;
  const FRESHDESK_SECRET = `freshdesk-shared-secret-${run}`;
  let odooKey: ApiKey;
  let odooSandbox: OdooSandboxClient;
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
    freshdesk = await startFreshdeskSandbox({
      rateLimitPerMinute: 100_000,
      webhook: { auth: { kind: 'header', header: 'X-Hub-Webhook-Secret', secret: FRESHDESK_SECRET } },
    });
    odooSandbox = new OdooSandboxClient(odooSandboxUrl());
    odooKey = await odooSandbox.createApiKey({ name: `it ${run} projector-support` });
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
          FRESHDESK_WEBHOOK_SECRET: FRESHDESK_SECRET,
        }),
      },
      { name: 'projector-support', env: projectorEnv('zendesk') },
      { name: 'projector-support', env: projectorEnv('freshdesk') },
    ]);
    // Waits for this run's apps to replay the shared history first: the waits below time this file's records.
    await runCaughtUp(prefix);
    // Both desks send their ticket webhooks to this run's ingress.
    const ingress = apps.find((a) => a.name === 'ingress')!;
    await fetch(`${zendesk.url}/__admin/webhooks`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ endpoints: [`${ingress.url}/webhooks/zendesk`] }),
    });
    freshdesk.webhooks.settings.url = `${ingress.url}/webhooks/freshdesk`;
  }, 660_000);

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.kill()));
    if (odooKey) await odooSandbox.revokeApiKey(odooKey.id).catch(() => undefined);
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

  it('holds its calls to Zendesk for the Retry-After of a 429, then sends them again: the pause asked for, no longer', async () => {
    // Read in process: a request of the test's own to the desk's API would be the "next request" measured.
    const throttled = () => zendesk.stats.throttled.filter((t) => Date.parse(t.at) >= startedAt);
    const startedAt = Date.now();
    zendesk.faults.set({ ...zendesk.faults.config, next429: 1, retryAfterSeconds: 3 });
    try {
      const id = await insertPartner(db, { name: `Paused Co ${run}`, is_company: true });
      const org = await eventually(
        async () => [...zendesk.store.organizations.values()].find((o) => o.external_id === `odoo-partner-${id}`),
        60_000,
        'the organization written after the 429',
      );
      expect(org).toMatchObject({ name: `Paused Co ${run}` });
      const [episode] = throttled();
      expect(throttled()).toHaveLength(1);
      expect(episode).toMatchObject({ status: 429, retryAfterSeconds: 3 });
      // Retry-After: 3 is three seconds of silence from the hub (to the clock's millisecond), then the call again.
      const pause = Date.parse(episode.nextRequestAt!) - Date.parse(episode.at);
      expect(pause).toBeGreaterThanOrEqual(2_990);
      expect(pause).toBeLessThan(5_000);
    } finally {
      zendesk.faults.set({ ...zendesk.faults.config, next429: 0 });
    }
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

  // ----------------------------------------------------------------------------------------------- tickets and orders

  const zdNotes = async (ticketId: unknown) =>
    ((await read(`${zendesk.url}/api/v2/tickets/${ticketId}/comments.json`, ZD_AUTH)).comments as Row[])
      .filter((c) => c.public === false)
      .map((c) => String(c.body));
  const fdNotes = async (ticketId: unknown) =>
    ((await read(`${freshdesk.url}/api/v2/tickets/${ticketId}/conversations`, FD_AUTH)) as unknown as Row[])
      .filter((c) => c.private === true)
      .map((c) => String(c.body_text ?? c.body));

  const zdTicket = async (subject: string, orderName: string, tags: string[] = []) => {
    const [org] = await zdOrganization(`odoo-partner-${company}`);
    const response = await fetch(`${zendesk.url}/api/v2/tickets.json`, {
      method: 'POST',
      headers: { authorization: ZD_AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({
        ticket: {
          subject,
          comment: { body: 'Hello, about my order.' },
          requester: { name: `Buyer ${run}`, email: `buyer@brasserie-${run}.example` },
          organization_id: org.id,
          custom_fields: [{ id: 360_000_000_101, value: orderName }],
          tags,
        },
      }),
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { ticket: Row }).ticket.id;
  };
  const fdTicket = async (subject: string, orderName: string, tags: string[] = []) => {
    const response = await fetch(`${freshdesk.url}/api/v2/tickets`, {
      method: 'POST',
      headers: { authorization: FD_AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({
        subject,
        description: 'Hello, about my order.',
        email: `buyer@brasserie-${run}.example`,
        priority: 2,
        status: 2,
        custom_fields: { cf_order_reference: orderName },
        tags,
      }),
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as Row).id;
  };

  /** A confirmed order of the run's customer with one delivery, not yet done; answers its names and ids. */
  const orderWithDelivery = async (suffix: string) => {
    const product = await insertProduct(db, `Grinder ${run} ${suffix}`, '129.00', `${run}-GRINDER-${suffix}`);
    const name = `S-${run}-${suffix}`;
    const id = await insertOrder(db, name, company, [{ product, quantity: 1, price: '129.00' }]);
    await confirmOrder(db, id);
    const delivery = await insertDelivery(db, `WH/OUT/${run}-${suffix}`, company, { id, name }, [
      { product, quantity: 1 },
    ]);
    await eventually(
      async () => {
        const r = await hub.query(
          `SELECT 1 FROM support_shipment s JOIN support_order o ON o.id = s.order_id WHERE o.name = $1`,
          [name],
        );
        return r.rowCount ? true : undefined;
      },
      90_000,
      `order ${name} with its delivery in the hub`,
    );
    return { name, id, delivery };
  };

  const noteMatching = (notes: () => Promise<string[]>, pattern: RegExp, what: string) =>
    eventually(async () => (await notes()).find((n) => pattern.test(n)), 60_000, what);

  it('tells the tickets on both desks that name an order of each change of its delivery, invoice and payment', async () => {
    const order = await orderWithDelivery('FOLLOW');
    const zd = await zdTicket('Grinder not here yet', order.name);
    const fdOpenedAt = Date.now();
    const fd = await fdTicket('Grinder not here yet', order.name);

    const waiting = new RegExp(`Delivery WH/OUT/${run}-FOLLOW: assigned, no tracking reference`);
    expect(await noteMatching(() => zdNotes(zd), waiting, 'the Zendesk context note')).toContain(
      `Order ${order.name}: sale`,
    );
    const fdNote = await noteMatching(() => fdNotes(fd), waiting, 'the Freshdesk context note');
    process.stdout.write(`Freshdesk context note ${Date.now() - fdOpenedAt} ms after the ticket was created\n`);
    expect(fdNote).toContain('Warranty: not delivered yet');

    // Delivered: each ticket is told the delivery with its tracking reference, and the warranty now running.
    await validateDelivery(db, order.delivery, `TRACK-${run}-FOLLOW`);
    const delivered = new RegExp(
      `^Update on order ${order.name}[\\s\\S]*Delivery WH/OUT/${run}-FOLLOW: done on .*TRACK-${run}-FOLLOW`,
    );
    for (const notes of [() => zdNotes(zd), () => fdNotes(fd)]) {
      expect(await noteMatching(notes, delivered, 'the delivery update')).toContain('Warranty: under warranty until');
    }
    // Invoiced, then paid: one note each, with only what changed.
    const invoice = await insertPostedInvoice(db, company, order.name, `INV/${run}/FOLLOW`);
    const invoiced = new RegExp(
      `^Update on order ${order.name}[\\s\\S]*Invoice INV/${run}/FOLLOW: posted, payment not_paid`,
    );
    for (const notes of [() => zdNotes(zd), () => fdNotes(fd)]) {
      const note = await noteMatching(notes, invoiced, 'the invoice update');
      expect(note).not.toContain('Delivery');
    }
    await payInvoice(db, company, invoice, `PAY/${run}/FOLLOW`, '129.00');
    const paid = new RegExp(`^Update on order ${order.name}[\\s\\S]*Invoice INV/${run}/FOLLOW: posted, payment paid`);
    for (const notes of [() => zdNotes(zd), () => fdNotes(fd)]) await noteMatching(notes, paid, 'the payment update');

    // Exactly those four notes on each ticket, no price or amount among them.
    await new Promise((r) => setTimeout(r, 3_000));
    for (const notes of [await zdNotes(zd), await fdNotes(fd)]) {
      expect(notes).toHaveLength(4);
      expect(notes.join('\n')).not.toMatch(/129[.,]00/);
    }
    // The organization and company show the customer's context as of now: the last delivery and its tracking.
    const [org] = await zdOrganization(`odoo-partner-${company}`);
    const [fdCo] = await fdCompany(`odoo-partner-${company}`);
    for (const fields of [org.organization_fields as Row, fdCo.custom_fields as Row]) {
      expect(fields).toMatchObject({
        hub_last_delivery: expect.stringMatching(new RegExp(`^WH/OUT/${run}-`)),
        hub_overdue_invoices: 0,
        hub_entitlement: expect.stringMatching(/^under warranty until /),
      });
    }
  });

  it('turns a return ticket into one Odoo return of the delivery, whatever the webhook redeliveries, and notes its reference on the ticket', async () => {
    const returnsOf = async (delivery: number) =>
      (
        await db.query<{ name: string; state: string; origin: string }>(
          `SELECT name, state, origin FROM stock_picking WHERE return_id = $1 ORDER BY id`,
          [delivery],
        )
      ).rows;

    for (const desk of ['zendesk', 'freshdesk'] as const) {
      const order = await orderWithDelivery(`RET-${desk}`);
      await validateDelivery(db, order.delivery, `TRACK-${run}-RET`);
      await eventually(
        async () => {
          const r = await hub.query(`SELECT 1 FROM support_shipment WHERE name = $1 AND state = 'done'`, [
            `WH/OUT/${run}-RET-${desk}`,
          ]);
          return r.rowCount ? true : undefined;
        },
        60_000,
        'the delivery done in the hub',
      );
      const ticket =
        desk === 'zendesk'
          ? await zdTicket('Please take it back', order.name, ['return_request'])
          : await fdTicket('Please take it back', order.name, ['return_request']);
      const notes = () => (desk === 'zendesk' ? zdNotes(ticket) : fdNotes(ticket));
      const note = await noteMatching(notes, /^Return request/, `the return note on ${desk}`);
      const [made] = await returnsOf(order.delivery);
      expect(made).toMatchObject({ state: 'assigned', origin: `Return of WH/OUT/${run}-RET-${desk}` });
      expect(note).toContain(`Odoo return ${made.name} (Ready) created for delivery WH/OUT/${run}-RET-${desk}`);

      // The desk's webhook for the ticket arrives twice more (a retry after a lost answer, a replay).
      await redeliverTicketWebhooks(desk, ticket);
      await redeliverTicketWebhooks(desk, ticket);
      await new Promise((r) => setTimeout(r, 4_000));
      expect(await returnsOf(order.delivery)).toHaveLength(1);
      expect((await notes()).filter((n) => n.startsWith('Return request'))).toHaveLength(1);
    }
  });

  it('loads 5,000 customers onto both desks through their batch endpoints under a 429 storm, each exactly once', async () => {
    const COUNT = 5_000;
    const stats = async (url: string) => (await (await fetch(`${url}/__admin/stats`)).json()) as Row;
    const setFaults = (url: string, body: Row) =>
      fetch(`${url}/__admin/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    // A storm on both desks for the whole load: on Zendesk a fifth of all calls answered 429 with Retry-After; on
    // Freshdesk (one call per record: ten thousand calls) a burst of 60 refusals in a row, then one call in two hundred.
    // Every 429 holds every request of the account for its Retry-After, as the vendors ask.
    expect((await setFaults(zendesk.url, { status429Rate: 0.2, retryAfterSeconds: 1 })).status).toBe(200);
    expect(
      (await setFaults(freshdesk.url, { next429: 60, rate429: 0.005, retryAfterSeconds: 1, seed: 7 })).status,
    ).toBe(200);
    const zdBefore = await stats(zendesk.url);
    const fdBefore = await stats(freshdesk.url);
    const startedAt = Date.now();
    try {
      const ids = await insertCompanies(db, `Bulk Co ${run}`, COUNT);
      const expected = new Set(ids.map((id) => `odoo-partner-${id}`));
      const zdLoaded = () =>
        [...zendesk.store.organizations.values()].filter((o) => String(o.name).startsWith(`Bulk Co ${run} `));
      const fdLoaded = () =>
        [...freshdesk.store.companies.values()].filter((c) => String(c.name).startsWith(`Bulk Co ${run} `));
      await eventually(
        async () => (zdLoaded().length >= COUNT ? true : undefined),
        600_000,
        'every Zendesk organization',
      );
      const zdSeconds = (Date.now() - startedAt) / 1000;
      await eventually(async () => (fdLoaded().length >= COUNT ? true : undefined), 600_000, 'every Freshdesk company');
      const fdSeconds = (Date.now() - startedAt) / 1000;
      const zdAfter = await stats(zendesk.url);
      const fdAfter = await stats(freshdesk.url);

      // Every customer once on each desk, by its external id.
      const zd = zdLoaded();
      expect(zd).toHaveLength(COUNT);
      expect(new Set(zd.map((o) => o.external_id))).toEqual(expected);
      const fd = fdLoaded();
      expect(fd).toHaveLength(COUNT);
      expect(new Set(fd.map((c) => c.custom_fields['hub_external_id']))).toEqual(expected);

      // Through the batch endpoints on Zendesk: bulk jobs, not one call per organization.
      const routes = (s: Row) => (s.callsByRoute ?? {}) as Record<string, number>;
      const jobs =
        (routes(zdAfter)['POST /api/v2/organizations/create_many'] ?? 0) -
        (routes(zdBefore)['POST /api/v2/organizations/create_many'] ?? 0);
      expect(jobs).toBeGreaterThan(0);
      expect(jobs).toBeLessThanOrEqual(Math.ceil(COUNT / 100) * 3);
      // The storm hit both desks; the hub waited as told and lost nothing.
      expect(Number(zdAfter.requests) - Number(zdBefore.requests)).toBeGreaterThan(
        Number(zdAfter.apiCalls) - Number(zdBefore.apiCalls),
      );
      const per1000 = (n: number) => ((n * 1000) / COUNT).toFixed(1);
      const fdRefused = Number((fdAfter.injected as Row | undefined)?.['status429'] ?? 0);
      expect(fdRefused).toBeGreaterThanOrEqual(60);
      process.stdout.write(
        `5,000 customers under a 429 storm: Zendesk ${zdSeconds.toFixed(0)} s, ` +
          `${per1000(Number(zdAfter.apiCalls) - Number(zdBefore.apiCalls))} answered calls per 1,000 ` +
          `(${per1000(Number(zdAfter.requests) - Number(zdBefore.requests))} requests with the 429s); ` +
          `Freshdesk ${fdSeconds.toFixed(0)} s, ${per1000(Number(fdAfter.totalCalls) - Number(fdBefore.totalCalls))} answered calls per 1,000 ` +
          `(${fdRefused} refused with 429 in all)\n`,
      );
    } finally {
      await setFaults(zendesk.url, {});
      await setFaults(freshdesk.url, {});
    }
  }, 1_260_000);

  /** Sends every webhook the desk sent for this ticket to ingress again, as the vendor's retry would. */
  async function redeliverTicketWebhooks(desk: 'zendesk' | 'freshdesk', ticketId: unknown): Promise<void> {
    const ingress = apps.find((a) => a.name === 'ingress')!;
    if (desk === 'freshdesk') {
      for (const d of freshdesk.webhooks.deliveries.filter((d) => d.ticketId === Number(ticketId))) {
        const response = await fetch(`${ingress.url}/webhooks/freshdesk`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-hub-webhook-secret': FRESHDESK_SECRET },
          body: JSON.stringify(d.body),
        });
        expect(response.status).toBeLessThan(300);
      }
      return;
    }
    const mine = zendesk.webhooks.deliveries.filter(
      (d) => (JSON.parse(d.body) as { ticket?: { id?: string } }).ticket?.id === String(ticketId),
    );
    expect(mine.length).toBeGreaterThan(0);
    for (const d of mine) {
      const timestamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      const response = await fetch(`${ingress.url}/webhooks/zendesk`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-zendesk-webhook-invocation-id': d.invocationId,
          'x-zendesk-webhook-signature-timestamp': timestamp,
          'x-zendesk-webhook-signature': createHmac('sha256', ZENDESK_SECRET)
            .update(timestamp + d.body)
            .digest('base64'),
        },
        body: d.body,
      });
      expect(response.status).toBeLessThan(300);
    }
  }
});
