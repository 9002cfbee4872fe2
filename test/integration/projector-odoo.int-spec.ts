/**
 * projector-odoo on the real stack: Salesforce customers and activated orders (published on the canonical topics as
 * ingress publishes them) into the stack's Odoo sandbox, and the business exceptions of the order desk's work queue
 * through its HTTP API.
 */
import { createHash } from 'node:crypto';
import { AssignerProtocol, Partitioners, type Producer } from 'kafkajs';
import type { Client } from 'pg';
import {
  CANONICAL_TOPICS,
  CanonicalCodec,
  CanonicalPublisher,
  CanonicalValue,
  Customer,
  deterministicEventId,
  Envelope,
  fieldOwnership,
  OrderSubmission,
  OrderSubmissionLine,
} from '@hub/canonical';
import { eventually, RunningApp, startApp } from '../../scripts/lib/app-process';
import { insertProduct, insertStock } from '../../scripts/lib/odoo-commerce';
import { ApiKey, OdooSandboxClient } from '../../sandboxes/odoo/odoo-sandbox.client';
import { hubEnv, VIEWER_TEST_TOKEN } from './support/app-env';
import { kafka } from './support/kafka';
import { odooDb } from './support/odoo';
import { odooSandboxUrl } from './support/odoo-sandbox';
import { createHubDatabase, runId, stack } from './support/stack';

type Exception = {
  id: string;
  orderId: string;
  salesforceOrderId: string;
  kind: string;
  reason: string;
  status: string;
  context: Record<string, unknown>;
  actions?: { action: string; actor: string; note: string | null }[];
};

describe('projector-odoo: Salesforce customers and orders into Odoo, exceptions in the work queue', () => {
  const run = runId('odoo-proj');
  const prefix = `it-${run}.`;
  const operator = 'order-desk';
  const token = `${run}-work-queue-token-0123456789`;
  let app: RunningApp;
  let hubDb: Awaited<ReturnType<typeof createHubDatabase>>;
  let sandbox: OdooSandboxClient;
  let db: Client;
  let key: ApiKey;
  let producer: Producer;
  let publisher: CanonicalPublisher;
  let position = 1_000;

  /** An 18-character Salesforce id of the given key prefix (001 Account, 801 Order, 802 OrderItem), unique per run. */
  const sfId = (keyPrefix: string, name: string) =>
    `${keyPrefix}${createHash('sha1').update(`${run}/${name}`).digest('hex').slice(0, 15)}`;

  const envelope = (eventType: string, aggregateId: string, table: string, pk: string): Envelope => {
    position++;
    return {
      eventId: deterministicEventId('it-projector-odoo', aggregateId, position),
      eventType,
      aggregateId,
      occurredAt: Date.now(),
      sourceSystem: 'SALESFORCE',
      sourceTable: table,
      sourcePrimaryKey: pk,
      sourcePosition: position,
      sourceTransactionId: null,
      sourceEventId: null,
      schemaVersion: 1,
    };
  };

  const customerEvent = (accountId: string, fields: Partial<Customer>): CanonicalValue<'customer'> => {
    const id = `salesforce-account-${accountId}`;
    return {
      envelope: envelope('customer.upserted', id, 'Account', accountId),
      customer: {
        id,
        odooId: null,
        salesforceId: accountId,
        name: null,
        reference: null,
        vat: null,
        email: null,
        phone: null,
        website: null,
        address: null,
        industry: null,
        active: true,
        ...fields,
      },
    };
  };

  const orderEvent = (
    orderName: string,
    accountId: string,
    lines: { sku: string; quantity: string; unitPrice: string }[],
  ): CanonicalValue<'order-submission'> => {
    const orderId = sfId('801', orderName);
    const id = `salesforce-order-${orderId}`;
    const submission: OrderSubmission = {
      id,
      salesforceOrderId: orderId,
      name: orderName,
      customerId: `salesforce-account-${accountId}`,
      salesforceAccountId: accountId,
      shipTo: null,
      pricebookId: null,
      pricebookName: null,
      currencyCode: null,
      effectiveDate: Date.now(),
      poNumber: `PO ${orderName}`,
      description: null,
      totalAmount: lines.reduce((s, l) => s + Number(l.quantity) * Number(l.unitPrice), 0).toFixed(2),
      ownerId: '005000000000001AAA',
      activatedAt: Date.now(),
      lines: lines.map((l, i): OrderSubmissionLine => ({
        salesforceItemId: sfId('802', `${orderName}/${i}`),
        productId: null,
        sku: l.sku,
        productName: null,
        description: null,
        quantity: l.quantity,
        unitPrice: l.unitPrice,
        listPrice: null,
      })),
    };
    return { envelope: envelope('order-submission.submitted', id, 'Order', orderId), orderSubmission: submission };
  };

  const publish = (topic: 'customer' | 'order-submission', value: CanonicalValue<'customer' | 'order-submission'>) =>
    publisher.publish([{ topic, key: value.envelope.aggregateId, value }]);

  const api = async (method: 'GET' | 'POST', path: string, body?: unknown, auth = `Bearer ${token}`) => {
    const response = await fetch(`${app.url}/work-queue/exceptions${path}`, {
      method,
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const openException = (salesforceOrderId: string) =>
    eventually(
      async () => {
        const { body } = await api('GET', '?status=open');
        return (body.exceptions as Exception[]).find((e) => e.salesforceOrderId === salesforceOrderId);
      },
      60_000,
      `an open exception for order ${salesforceOrderId}`,
    );

  const saleOrdersOf = async (salesforceOrderId: string) =>
    (
      await db.query<{ id: number; name: string; state: string; lines: string; pickings: string }>(
        `SELECT so.id, so.name, so.state,
                (SELECT count(*) FROM sale_order_line l WHERE l.order_id = so.id) AS lines,
                (SELECT count(*) FROM stock_picking p WHERE p.origin = so.name) AS pickings
           FROM sale_order so WHERE so.origin = $1`,
        [`Salesforce ${salesforceOrderId}`],
      )
    ).rows;

  const partnerLinkOf = async (accountId: string) =>
    (
      await db.query<{ res_id: number }>(`SELECT res_id FROM ir_model_data WHERE module = 'hub' AND name = $1`, [
        `salesforce_account_${accountId}`,
      ])
    ).rows;

  /** A customer of the run in Odoo, through the projector; answers its partner id. */
  const customerInOdoo = async (name: string, extra: Partial<Customer> = {}) => {
    const accountId = sfId('001', name);
    await publish('customer', customerEvent(accountId, { name: `${name} ${run}`, ...extra }));
    const [link] = await eventually(
      async () => {
        const rows = await partnerLinkOf(accountId);
        return rows.length ? rows : undefined;
      },
      60_000,
      `the Odoo partner of ${name}`,
    );
    return { accountId, partnerId: link.res_id };
  };

  /** Products of the run with SKUs and, unless told otherwise, stock. */
  const products = async (name: string, n: number, stock = '100') => {
    const skus: string[] = [];
    for (let i = 1; i <= n; i++) {
      const sku = `${run}-${name}-${i}`;
      const id = await insertProduct(db, `${name} ${i} ${run}`, '10.00', sku);
      if (stock !== '0') await insertStock(db, id, stock);
      skus.push(sku);
    }
    return skus;
  };

  /** projector-odoo's environment on the run's consumer group: every instance started with it shares the work. */
  const projectorEnv = () =>
    hubEnv(prefix, hubDb.url, {
      CONSUMER_GROUP: `${prefix}projector-odoo`,
      DEAD_LETTER_TOPIC: `${prefix}dlq.projector-odoo`,
      ODOO_URL: sandbox.url,
      ODOO_DATABASE: 'odoo',
      ODOO_LOGIN: key.login,
      ODOO_API_KEY: key.key,
      HUB_OPERATOR_TOKENS: `${operator}:operator=${token},auditor:viewer=${VIEWER_TEST_TOKEN}`,
      ORDER_CUSTOMER_WAIT_MS: '3000',
    });

  /** projector-odoo on the run's consumer group: a restart resumes from the offsets it committed. */
  const startProjector = async () => {
    app = await startApp('projector-odoo', projectorEnv());
  };

  beforeAll(async () => {
    hubDb = await createHubDatabase(`hub_${run.replace(/-/g, '_')}`);
    sandbox = new OdooSandboxClient(odooSandboxUrl());
    await sandbox.clearFaults();
    db = await odooDb();
    key = await sandbox.createApiKey({ name: `it ${run}` });
    await startProjector();
    const codec = CanonicalCodec.connect(stack().registry.url, prefix);
    await codec.registerProducerSchemas('ingress', ['customer', 'order-submission']);
    producer = kafka().producer({ idempotent: true });
    await producer.connect();
    // As ingress publishes: only the fields Salesforce owns leave it.
    publisher = new CanonicalPublisher(producer, codec, {
      app: 'ingress',
      owner: { system: 'salesforce', ownership: fieldOwnership() },
    });
  });

  afterAll(async () => {
    await app?.kill();
    await producer?.disconnect();
    if (key) await sandbox.revokeApiKey(key.id).catch(() => undefined);
    await db?.end();
    await hubDb?.drop();
  });

  it('makes a Salesforce account exactly one Odoo partner, also when its event is delivered three times', async () => {
    const accountId = sfId('001', 'thrice');
    const name = `Thrice Ltd ${run}`;
    const event = customerEvent(accountId, {
      name,
      phone: '+32 2 555 01 01',
      website: 'https://thrice.example',
      address: { street: 'Rue Haute 1', street2: null, zip: '1000', city: 'Brussels', countryCode: 'BE' },
    });
    for (let i = 0; i < 3; i++) await publish('customer', event);
    const [link] = await eventually(
      async () => {
        const rows = await partnerLinkOf(accountId);
        return rows.length ? rows : undefined;
      },
      60_000,
      'the partner link',
    );
    // The three deliveries are handled (the first creates, the others are recognised) before counting partners.
    await eventually(
      async () => ((await metric(app, 'hub_odoo_partners', 'stale')) >= 2 ? true : undefined),
      60_000,
      'the redeliveries recognised',
    );
    const { rows } = await db.query<{ id: number; is_company: boolean; city: string; code: string; write_uid: number }>(
      `SELECT p.id, p.is_company, p.city, c.code, p.write_uid FROM res_partner p
         LEFT JOIN res_country c ON c.id = p.country_id WHERE p.name = $1`,
      [name],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: link.res_id,
      is_company: true,
      city: 'Brussels',
      code: 'BE',
      write_uid: key.uid,
    });
  });

  it('links an account to the Odoo partner that already has its email instead of creating a second one', async () => {
    const email = `orders@existing-${run}.example`;
    const { rows: existing } = await db.query<{ id: number }>(
      // As Odoo stores it: email_normalized is a stored compute, and the match reads it.
      `INSERT INTO res_partner (name, complete_name, is_company, type, active, email, email_normalized, customer_rank,
                                create_date, write_date)
       VALUES ($1, $1, true, 'contact', true, $2::varchar, lower($2::varchar), 1, now() at time zone 'utc', now() at time zone 'utc')
       RETURNING id`,
      [`Existing Co ${run}`, email],
    );
    await db.query('UPDATE res_partner SET commercial_partner_id = id WHERE id = $1', [existing[0].id]);
    const { partnerId } = await customerInOdoo('Existing Co', { email: email.toUpperCase() });
    expect(partnerId).toBe(existing[0].id);
    const { rows } = await db.query(`SELECT id FROM res_partner WHERE email ILIKE $1`, [email]);
    expect(rows).toHaveLength(1);
  });

  it('links an account to the Odoo partner that already has its VAT number, as the rep typed it, and leaves the VAT Odoo’s', async () => {
    const digits = String(Date.now()).slice(-10);
    const vat = `BE${digits}`;
    const { rows: existing } = await db.query<{ id: number }>(
      `INSERT INTO res_partner (name, complete_name, is_company, type, active, vat, customer_rank, create_date, write_date)
       VALUES ($1, $1, true, 'contact', true, $2, 1, now() at time zone 'utc', now() at time zone 'utc')
       RETURNING id`,
      [`Registered Co ${run}`, vat],
    );
    await db.query('UPDATE res_partner SET commercial_partner_id = id WHERE id = $1', [existing[0].id]);
    // Another name and the VAT with spaces and dots: only the VAT says it is the same company.
    const { partnerId } = await customerInOdoo('Trading Name', {
      vat: `be ${digits.slice(0, 4)}.${digits.slice(4, 7)}.${digits.slice(7)}`,
    });
    expect(partnerId).toBe(existing[0].id);
    const { rows } = await db.query(`SELECT id, vat FROM res_partner WHERE vat = $1 OR name = $2`, [
      vat,
      `Trading Name ${run}`,
    ]);
    expect(rows).toEqual([{ id: existing[0].id, vat }]);
  });

  it('confirms an activated order of 20 lines once, with its delivery, also when it is delivered twice', async () => {
    const { accountId } = await customerInOdoo('Twenty Lines');
    const skus = await products('twenty', 20);
    const event = orderEvent(
      `Twenty ${run}`,
      accountId,
      skus.map((sku, i) => ({ sku, quantity: String(i + 1), unitPrice: '12.50' })),
    );
    await publish('order-submission', event);
    await publish('order-submission', event);
    const salesforceOrderId = event.orderSubmission!.salesforceOrderId;
    const [order] = await eventually(
      async () => {
        const rows = await saleOrdersOf(salesforceOrderId);
        return rows.some((r) => r.state === 'sale') ? rows : undefined;
      },
      90_000,
      'the confirmed sale order',
    );
    await eventually(
      async () => ((await metric(app, 'hub_odoo_orders', 'alreadyConfirmed')) >= 1 ? true : undefined),
      60_000,
      'the second delivery recognised',
    );
    expect(await saleOrdersOf(salesforceOrderId)).toEqual([
      { id: order.id, name: order.name, state: 'sale', lines: '20', pickings: '1' },
    ]);
    const { rows: lines } = await db.query<{ qty: string; price: string }>(
      `SELECT product_uom_qty::text AS qty, price_unit::text AS price FROM sale_order_line WHERE order_id = $1 ORDER BY product_uom_qty`,
      [order.id],
    );
    expect(lines.map((l) => Number(l.qty))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(new Set(lines.map((l) => Number(l.price)))).toEqual(new Set([12.5]));
  });

  it('puts an unknown SKU in the work queue with its context; after the product is created, a retry confirms it', async () => {
    const { accountId } = await customerInOdoo('Unknown Sku');
    const [known] = await products('known', 1);
    const missing = `${run}-not-yet-a-product`;
    const event = orderEvent(`Unknown SKU ${run}`, accountId, [
      { sku: known, quantity: '1', unitPrice: '10.00' },
      { sku: missing, quantity: '2', unitPrice: '5.00' },
    ]);
    await publish('order-submission', event);
    const salesforceOrderId = event.orderSubmission!.salesforceOrderId;
    const exception = await openException(salesforceOrderId);
    expect(exception.kind).toBe('unknown-sku');
    expect(exception.reason).toContain(missing);
    expect(await saleOrdersOf(salesforceOrderId)).toEqual([]);

    const product = await insertProduct(db, `Late product ${run}`, '5.00', missing);
    await insertStock(db, product, '10');
    const retried = await api('POST', `/${exception.id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ outcome: { status: 'confirmed' } });
    const [order] = await saleOrdersOf(salesforceOrderId);
    expect(order).toMatchObject({ state: 'sale', lines: '2' });
    const shown = await api('GET', `/${exception.id}`);
    expect(shown.body).toMatchObject({ status: 'resolved' });
    expect((shown.body.actions as Exception['actions'])!.map((a) => [a.action, a.actor])).toEqual([
      ['raised', 'projector-odoo'],
      ['retried', operator],
      ['resolved', operator],
    ]);
  });

  it('holds an order over the credit limit; raising the limit in Odoo and retrying through the API confirms it', async () => {
    const { accountId, partnerId } = await customerInOdoo('Credit Hold');
    const [sku] = await products('credit', 1);
    await db.query(
      `INSERT INTO ir_property (name, res_id, company_id, fields_id, value_float, type) VALUES ('credit_limit', $1, 1, 0, 100, 'float')`,
      [`res.partner,${partnerId}`],
    );
    const event = orderEvent(`Credit ${run}`, accountId, [{ sku, quantity: '30', unitPrice: '10.00' }]);
    await publish('order-submission', event);
    const salesforceOrderId = event.orderSubmission!.salesforceOrderId;
    const exception = await openException(salesforceOrderId);
    expect(exception.kind).toBe('credit-hold');
    expect(exception.context).toMatchObject({ credit: { limit: 100, openOrders: 0, thisOrder: 300 } });
    expect(await saleOrdersOf(salesforceOrderId)).toEqual([]);

    await db.query(`UPDATE ir_property SET value_float = 10000 WHERE name = 'credit_limit' AND res_id = $1`, [
      `res.partner,${partnerId}`,
    ]);
    const retried = await api('POST', `/${exception.id}/retry`);
    expect(retried.body).toMatchObject({ outcome: { status: 'confirmed' } });
    expect(await saleOrdersOf(salesforceOrderId)).toEqual([expect.objectContaining({ state: 'sale', pickings: '1' })]);
  });

  it('confirms one of six orders that fit the credit limit only one at a time, arriving at once on every partition of two instances', async () => {
    const { accountId, partnerId } = await customerInOdoo('Credit Race');
    const [sku] = await products('race', 1);
    await db.query(
      `INSERT INTO ir_property (name, res_id, company_id, fields_id, value_float, type) VALUES ('credit_limit', $1, 1, 0, 100, 'float')`,
      [`res.partner,${partnerId}`],
    );
    // One order on each partition of the topic (a key's partition as the publisher's producer picks it): 60.00 each,
    // within the limit of 100 alone, over it with any other.
    const partitions = CANONICAL_TOPICS['order-submission'].partitions;
    const partitionOf = Partitioners.DefaultPartitioner();
    const metadata = Array.from({ length: partitions }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      partitionErrorCode: 0,
      replicas: [0],
      isr: [0],
    }));
    const names = new Map<number, string>();
    for (let i = 0; names.size < partitions; i++) {
      const name = `Race ${i} ${run}`;
      const key = `salesforce-order-${sfId('801', name)}`;
      const partition = partitionOf({
        topic: 'order-submission',
        partitionMetadata: metadata,
        message: { key, value: null },
      });
      if (!names.has(partition)) names.set(partition, name);
    }
    const orders = [...names.values()].map((name) =>
      orderEvent(name, accountId, [{ sku, quantity: '6', unitPrice: '10.00' }]),
    );
    const origins = orders.map((o) => `Salesforce ${o.orderSubmission!.salesforceOrderId}`);

    const second = await startApp('projector-odoo', projectorEnv());
    try {
      // Both instances hold partitions of the order topic before the orders arrive.
      const admin = kafka().admin();
      await admin.connect();
      try {
        await eventually(
          async () => {
            const {
              groups: [group],
            } = await admin.describeGroups([`${prefix}projector-odoo.commerce.order-submission`]);
            const held = group.members.map(
              (m) =>
                Object.values(AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment ?? {}).flat()
                  .length,
            );
            return group.state === 'Stable' && held.length === 2 && held.every((n) => n > 0) ? true : undefined;
          },
          60_000,
          'the order topic shared by the two instances',
        );
      } finally {
        await admin.disconnect();
      }
      const handled = async (instance: RunningApp) =>
        (await metric(instance, 'hub_odoo_orders', 'confirmed')) +
        (await metric(instance, 'hub_odoo_orders', 'exceptions'));
      const handledBefore = await handled(app);
      // One send: the six orders reach their partitions at the same moment.
      await publisher.publish(
        orders.map((value) => ({ topic: 'order-submission', key: value.envelope.aggregateId, value })),
      );

      const ids = new Set(orders.map((o) => o.orderSubmission!.salesforceOrderId));
      const { confirmed, held } = await eventually(
        async () => {
          const { rows } = await db.query<{ name: string; amount_total: string }>(
            `SELECT name, amount_total::text FROM sale_order WHERE state = 'sale' AND origin = ANY($1)`,
            [origins],
          );
          const { body } = await api('GET', '?status=open');
          const open = (body.exceptions as Exception[]).filter((e) => ids.has(e.salesforceOrderId));
          return rows.length + open.length === orders.length ? { confirmed: rows, held: open } : undefined;
        },
        90_000,
        'every order confirmed or held',
      );
      expect(confirmed).toHaveLength(1);
      expect(held).toHaveLength(orders.length - 1);
      for (const exception of held) {
        expect(exception.kind).toBe('credit-hold');
        // Each held order saw the confirmed one among the customer's open orders.
        expect(exception.context).toMatchObject({
          credit: { limit: 100, openOrders: Number(confirmed[0].amount_total), thisOrder: 60 },
        });
      }
      // No quotation was left behind by a held order.
      const { rows: all } = await db.query(`SELECT id FROM sale_order WHERE origin = ANY($1)`, [origins]);
      expect(all).toHaveLength(1);
      // Both instances took orders: the check held across processes, not only between partitions of one.
      expect(await handled(second)).toBeGreaterThan(0);
      expect((await handled(app)) - handledBefore).toBeGreaterThan(0);
    } finally {
      await second.stop();
    }
  });

  it('puts a stock shortage and a negative quantity in the work queue, each naming what is wrong; an operator discards one with a reason', async () => {
    const { accountId } = await customerInOdoo('Short Stock');
    const [scarce] = await products('scarce', 1, '3');
    const short = orderEvent(`Short ${run}`, accountId, [{ sku: scarce, quantity: '5', unitPrice: '10.00' }]);
    const negative = orderEvent(`Negative ${run}`, accountId, [{ sku: scarce, quantity: '-1', unitPrice: '10.00' }]);
    await publish('order-submission', short);
    await publish('order-submission', negative);

    const shortage = await openException(short.orderSubmission!.salesforceOrderId);
    expect(shortage.kind).toBe('stock-short');
    expect(shortage.reason).toContain(`${scarce}: 5 ordered, 3 free`);
    const invalid = await openException(negative.orderSubmission!.salesforceOrderId);
    expect(invalid.kind).toBe('invalid-line');
    expect(invalid.reason).toContain(negative.orderSubmission!.lines[0].salesforceItemId);

    const refused = await api('POST', `/${shortage.id}/discard`, {});
    expect(refused.status).toBe(400);
    expect(String(refused.body.message)).toContain('reason');
    const discarded = await api('POST', `/${shortage.id}/discard`, { reason: 'customer cancelled by phone' });
    expect(discarded.body).toMatchObject({ status: 'discarded' });
    expect((await api('POST', `/${shortage.id}/retry`)).status).toBe(409);
  });

  it('leaves no duplicate partner or sale order and loses nothing when killed with SIGKILL mid-batch', async () => {
    // Customers: killed while creating them, then restarted on the same consumer group.
    const accounts = Array.from({ length: 120 }, (_, i) => sfId('001', `killed-${i}`));
    const createdBefore = await metric(app, 'hub_odoo_partners', 'created');
    await Promise.all(
      accounts.map((accountId, i) => publish('customer', customerEvent(accountId, { name: `Killed ${i} ${run}` }))),
    );
    await eventually(
      async () => ((await metric(app, 'hub_odoo_partners', 'created')) >= createdBefore + 10 ? true : undefined),
      60_000,
      'projector-odoo creating the partners',
    );
    await app.kill();
    const linkedAtKill = (
      await db.query(`SELECT count(*)::int AS n FROM ir_model_data WHERE module = 'hub' AND name = ANY($1)`, [
        accounts.map((a) => `salesforce_account_${a}`),
      ])
    ).rows[0].n as number;
    expect(linkedAtKill).toBeLessThan(accounts.length);
    await startProjector();
    const partnerIds = await eventually(
      async () => {
        const { rows } = await db.query<{ name: string; res_id: number }>(
          `SELECT name, res_id FROM ir_model_data WHERE module = 'hub' AND name = ANY($1)`,
          [accounts.map((a) => `salesforce_account_${a}`)],
        );
        return rows.length === accounts.length ? rows.map((r) => r.res_id) : undefined;
      },
      120_000,
      'every account linked to its partner',
    );
    expect(new Set(partnerIds).size).toBe(accounts.length);
    const { rows: partners } = await db.query<{ name: string }>(`SELECT name FROM res_partner WHERE name LIKE $1`, [
      `Killed % ${run}`,
    ]);
    expect(partners).toHaveLength(accounts.length);

    // Orders: killed while confirming them.
    const [sku] = await products('killed', 1, '1000');
    const orders = accounts
      .slice(0, 40)
      .map((accountId, i) =>
        orderEvent(`Killed order ${i} ${run}`, accountId, [{ sku, quantity: '1', unitPrice: '10.00' }]),
      );
    const confirmedBefore = await metric(app, 'hub_odoo_orders', 'confirmed');
    await Promise.all(orders.map((o) => publish('order-submission', o)));
    await eventually(
      async () => ((await metric(app, 'hub_odoo_orders', 'confirmed')) >= confirmedBefore + 3 ? true : undefined),
      60_000,
      'projector-odoo confirming the orders',
    );
    await app.kill();
    await startProjector();
    await eventually(
      async () => {
        const { rows } = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM sale_order WHERE state = 'sale' AND origin = ANY($1)`,
          [orders.map((o) => `Salesforce ${o.orderSubmission!.salesforceOrderId}`)],
        );
        return rows[0].n === orders.length ? true : undefined;
      },
      120_000,
      'every order confirmed once',
    );
    const { rows: perOrder } = await db.query<{ origin: string; n: number; pickings: number }>(
      `SELECT so.origin, count(*)::int AS n,
              sum((SELECT count(*) FROM stock_picking p WHERE p.origin = so.name))::int AS pickings
         FROM sale_order so WHERE so.origin = ANY($1) GROUP BY so.origin`,
      [orders.map((o) => `Salesforce ${o.orderSubmission!.salesforceOrderId}`)],
    );
    expect(perOrder).toHaveLength(orders.length);
    expect(perOrder.filter((o) => o.n !== 1 || o.pickings !== 1)).toEqual([]);
    // None of them became an exception on the way.
    const ids = new Set(orders.map((o) => o.orderSubmission!.salesforceOrderId));
    const { body } = await api('GET', '');
    expect((body.exceptions as Exception[]).filter((e) => ids.has(e.salesforceOrderId))).toEqual([]);
  }, 300_000);

  it('refuses the work queue without a valid token, and a viewer its actions', async () => {
    expect((await api('GET', '', undefined, '')).status).toBe(401);
    expect((await api('GET', '', undefined, 'Bearer not-the-token-of-anyone-at-all')).status).toBe(401);
    expect((await api('GET', '?status=nonsense')).status).toBe(400);
    const viewer = `Bearer ${VIEWER_TEST_TOKEN}`;
    expect((await api('GET', '?status=open', undefined, viewer)).status).toBe(200);
    const someId = '00000000-0000-4000-8000-000000000000';
    const retried = await api('POST', `/${someId}/retry`, {}, viewer);
    expect(retried).toEqual({
      status: 403,
      body: expect.objectContaining({ message: 'this needs the operator role; auditor is a viewer' }),
    });
    expect((await api('POST', `/${someId}/discard`, { reason: 'not mine to discard' }, viewer)).status).toBe(403);
  });
});

/** One series of the app's Prometheus metrics by its outcome label. */
async function metric(app: RunningApp, name: string, outcome: string): Promise<number> {
  const text = await (await fetch(`${app.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`outcome="${outcome}"`));
  return line ? Number(line.split(' ').pop()) : 0;
}
