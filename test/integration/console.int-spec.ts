/**
 * The operations console in a real browser (Debian's Chromium, headless, driven by playwright-core): an operator signs
 * in, finds a credit-hold exception, the test raises the customer's credit limit in Odoo, the operator retries and
 * sees the order confirmed; a viewer sees no action and its retry is refused. The exception is made on the real
 * stack as projector-odoo.int-spec.ts makes it: a Salesforce customer and an activated order published as ingress
 * publishes them, projector-odoo against the Odoo sandbox, the work queue in the run's hub database. Screenshots of
 * the main pages go to .stack/screenshots (git-ignored), or to docs/screenshots with HUB_UPDATE_SCREENSHOTS=1: a test
 * run never changes tracked files.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Partitioners, type Producer } from 'kafkajs';
import type { Client } from 'pg';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  CanonicalCodec,
  CanonicalPublisher,
  CanonicalValue,
  Customer,
  deterministicEventId,
  Envelope,
  fieldOwnership,
  OrderSubmission,
} from '@hub/canonical';
import { eventually, RunningApp, startApp } from '../../scripts/lib/app-process';
import { insertProduct, insertStock } from '../../scripts/lib/odoo-commerce';
import { ApiKey, OdooSandboxClient } from '../../sandboxes/odoo/odoo-sandbox.client';
import { hubEnv, OPERATOR_TEST_TOKENS } from './support/app-env';
import { kafka } from './support/kafka';
import { odooDb } from './support/odoo';
import { odooSandboxUrl } from './support/odoo-sandbox';
import { createHubDatabase, ROOT, runId, stack } from './support/stack';

const SCREENSHOTS = join(ROOT, process.env.HUB_UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : '.stack/screenshots');
const chromiumPath = () =>
  process.env.CHROMIUM_PATH ?? execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();

/** A password's hash, made by the console's own CLI (as an installation makes one). */
const hashOf = (password: string) =>
  execFileSync('node', [join(ROOT, 'dist/apps/console/apps/console/src/cli/hash-password.js')], {
    input: password,
    encoding: 'utf8',
  }).trim();

describe('operations console in a browser', () => {
  const run = runId('console');
  const prefix = `it-${run}.`;
  const consoleToken = `${run}-console-token-0123456789`;
  const passwords = { alice: `alice-${run}-secret`, vic: `vic-${run}-secret` };
  let projector: RunningApp;
  let consoleApp: RunningApp;
  let hubDb: Awaited<ReturnType<typeof createHubDatabase>>;
  let sandbox: OdooSandboxClient;
  let db: Client;
  let key: ApiKey;
  let producer: Producer;
  let publisher: CanonicalPublisher;
  let codec: CanonicalCodec;
  let browser: Browser;
  let position = 1_000;

  const sfId = (keyPrefix: string, name: string) =>
    `${keyPrefix}${createHash('sha1').update(`${run}/${name}`).digest('hex').slice(0, 15)}`;

  const envelope = (eventType: string, aggregateId: string, table: string, pk: string): Envelope => ({
    eventId: deterministicEventId('it-console', aggregateId, ++position),
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
  });

  /** A rep's account in Odoo through projector-odoo; answers its Salesforce id and Odoo partner id. */
  const customerInOdoo = async (name: string) => {
    const accountId = sfId('001', name);
    const id = `salesforce-account-${accountId}`;
    const customer: Customer = {
      id,
      odooId: null,
      salesforceId: accountId,
      name: `${name} ${run}`,
      reference: null,
      vat: null,
      email: `orders@${run}.example`,
      phone: '+32 2 555 01 01',
      website: null,
      address: null,
      industry: null,
      active: true,
    };
    const value: CanonicalValue<'customer'> = {
      envelope: envelope('customer.upserted', id, 'Account', accountId),
      customer,
    };
    await publisher.publish([{ topic: 'customer', key: id, value }]);
    const { res_id } = await eventually(
      async () =>
        (
          await db.query<{ res_id: number }>(`SELECT res_id FROM ir_model_data WHERE module = 'hub' AND name = $1`, [
            `salesforce_account_${accountId}`,
          ])
        ).rows[0],
      60_000,
      `the Odoo partner of ${name}`,
    );
    return { accountId, partnerId: res_id };
  };

  /** An activated order of the account, as ingress publishes it; answers its Salesforce order id. */
  const activateOrder = async (orderName: string, accountId: string, sku: string, quantity: string) => {
    const orderId = sfId('801', orderName);
    const id = `salesforce-order-${orderId}`;
    const submission: OrderSubmission = {
      id,
      salesforceOrderId: orderId,
      name: orderName,
      customerId: `salesforce-account-${accountId}`,
      salesforceAccountId: accountId,
      // A street the viewer must not see: masked on its pages, shown to the operator.
      shipTo: { street: `${run} Warehouse Lane 12`, street2: null, zip: '1000', city: 'Brussels', countryCode: 'BE' },
      pricebookId: null,
      pricebookName: null,
      currencyCode: null,
      effectiveDate: Date.now(),
      poNumber: `PO ${orderName}`,
      description: null,
      totalAmount: (Number(quantity) * 10).toFixed(2),
      ownerId: '005000000000001AAA',
      activatedAt: Date.now(),
      lines: [
        {
          salesforceItemId: sfId('802', `${orderName}/0`),
          productId: null,
          sku,
          productName: null,
          description: null,
          quantity,
          unitPrice: '10.00',
          listPrice: null,
        },
      ],
    };
    const value: CanonicalValue<'order-submission'> = {
      envelope: envelope('order-submission.submitted', id, 'Order', orderId),
      orderSubmission: submission,
    };
    await publisher.publish([{ topic: 'order-submission', key: id, value }]);
    return orderId;
  };

  /** The work queue's exceptions, read through projector-odoo's API with the console's token. */
  const openExceptionOf = (salesforceOrderId: string) =>
    eventually(
      async () => {
        const response = await fetch(`${projector.url}/work-queue/exceptions?status=open`, {
          headers: { authorization: `Bearer ${consoleToken}` },
        });
        const body = (await response.json()) as {
          exceptions: { id: string; salesforceOrderId: string; kind: string }[];
        };
        return body.exceptions.find((e) => e.salesforceOrderId === salesforceOrderId);
      },
      60_000,
      `the open exception of order ${salesforceOrderId}`,
    );

  const setCreditLimit = (partnerId: number, limit: number) =>
    db.query(
      `INSERT INTO ir_property (name, res_id, company_id, fields_id, value_float, type)
       VALUES ('credit_limit', $1, 1, 0, $2, 'float')
       ON CONFLICT DO NOTHING`,
      [`res.partner,${partnerId}`, limit],
    );

  const signIn = async (page: Page, name: 'alice' | 'vic', shot?: string) => {
    await page.goto(`${consoleApp.url}/exceptions`);
    await page.waitForURL(/\/sign-in/);
    await page.locator('input[name=name]').fill(name);
    await page.locator('input[name=password]').fill(passwords[name]);
    if (shot) await page.screenshot({ path: join(SCREENSHOTS, shot), fullPage: true });
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/exceptions/);
  };

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    hubDb = await createHubDatabase(`hub_${run.replace(/-/g, '_')}`);
    sandbox = new OdooSandboxClient(odooSandboxUrl());
    await sandbox.clearFaults();
    db = await odooDb();
    key = await sandbox.createApiKey({ name: `it ${run}` });
    projector = await startApp(
      'projector-odoo',
      hubEnv(prefix, hubDb.url, {
        CONSUMER_GROUP: `${prefix}projector-odoo`,
        DEAD_LETTER_TOPIC: `${prefix}dlq.projector-odoo`,
        ODOO_URL: sandbox.url,
        ODOO_DATABASE: 'odoo',
        ODOO_LOGIN: key.login,
        ODOO_API_KEY: key.key,
        HUB_OPERATOR_TOKENS: `${OPERATOR_TEST_TOKENS},order-desk:operator=${run}-desk-token-0123456789,console:console=${consoleToken}`,
        ORDER_CUSTOMER_WAIT_MS: '3000',
      }),
    );
    consoleApp = await startApp('console', {
      PROJECTOR_ODOO_URL: projector.url,
      CONSOLE_OPERATOR_TOKEN: consoleToken,
      HUB_SERVICES: `projector-odoo=${projector.url}`,
      CONSOLE_USERS: `alice:operator:${hashOf(passwords.alice)},vic:viewer:${hashOf(passwords.vic)}`,
      CONSOLE_SESSION_SECRET: `${run}-session-secret-0123456789abcdef`,
      CONSOLE_COOKIE_SECURE: 'false',
      JAEGER_UI_URL: 'http://localhost:16686',
    });
    codec = CanonicalCodec.connect(stack().registry.url, prefix);
    await codec.registerProducerSchemas('ingress', ['customer', 'order-submission']);
    producer = kafka().producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    publisher = new CanonicalPublisher(producer, codec, {
      app: 'ingress',
      owner: { system: 'salesforce', ownership: fieldOwnership() },
    });
    browser = await chromium.launch({ executablePath: chromiumPath(), headless: true });
  });

  afterAll(async () => {
    await browser?.close();
    await consoleApp?.kill();
    await projector?.kill();
    await producer?.disconnect();
    if (key) await sandbox.revokeApiKey(key.id).catch(() => undefined);
    await db?.end();
    await hubDb?.drop();
  });

  it('lets an operator retry a credit-hold exception once the limit is raised and discard another, and refuses a viewer', async () => {
    const { accountId, partnerId } = await customerInOdoo('Console Credit');
    const sku = `${run}-console-1`;
    await insertStock(db, await insertProduct(db, `Console product ${run}`, '10.00', sku), '100');
    await setCreditLimit(partnerId, 100);
    const salesforceOrderId = await activateOrder(`Console ${run}`, accountId, sku, '30');
    const exception = await openExceptionOf(salesforceOrderId);
    expect(exception.kind).toBe('credit-hold');

    // A record the projector cannot decode: a dead letter to show, and to replay.
    await producer.send({
      topic: codec.topic('order-submission'),
      messages: [{ key: `salesforce-order-${sfId('801', 'poison')}`, value: Buffer.from('not avro') }],
    });

    // The viewer: sees the exception with the customer's email masked, no action, and a forged retry is refused.
    const viewerContext = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const viewer = await viewerContext.newPage();
    await signIn(viewer, 'vic');
    await viewer.goto(`${consoleApp.url}/exceptions/${exception.id}`);
    await expect(
      viewer.getByRole('heading', { name: `Exception of order ${salesforceOrderId}` }).count(),
    ).resolves.toBe(1);
    expect(await viewer.getByRole('button', { name: 'Retry' }).count()).toBe(0);
    expect(await viewer.getByText('Discard…').count()).toBe(0);
    const viewerPage = await viewer.content();
    expect(viewerPage).not.toContain(`${run} Warehouse Lane`);
    expect(viewerPage).toContain('"street": "***12"');
    const csrf = await viewer.locator('input[name=_csrf]').first().inputValue();
    const refused = await viewer.request.post(`${consoleApp.url}/exceptions/${exception.id}/retry`, {
      form: { _csrf: csrf },
      maxRedirects: 0,
    });
    expect(refused.status()).toBe(403);
    expect(await refused.text()).toContain('only an operator retries');
    // Without the session's CSRF token even an operator's post is refused; the viewer's was refused for its role.
    await viewerContext.close();

    // The operator: signs in, filters the queue to credit holds, opens the order's exception.
    const operatorContext = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await operatorContext.newPage();
    await signIn(page, 'alice', 'sign-in.png');
    await page.locator('select[name=kind]').selectOption('credit-hold');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/kind=credit-hold/);
    await page.screenshot({ path: join(SCREENSHOTS, 'exception-queue.png'), fullPage: true });
    await page.getByRole('link', { name: salesforceOrderId }).click();
    await page.waitForURL(new RegExp(`/exceptions/${exception.id}$`));
    await expect(page.getByText('Odoo answered').count()).resolves.toBe(1);
    expect(await page.content()).toContain(`${run} Warehouse Lane 12`);
    await page.screenshot({ path: join(SCREENSHOTS, 'exception-detail.png'), fullPage: true });

    // Still over the limit: a forged post without the session's CSRF token is refused, nothing is retried.
    const forged = await page.request.post(`${consoleApp.url}/exceptions/${exception.id}/retry`, {
      form: { _csrf: 'not-the-token' },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(403);

    await db.query(`UPDATE ir_property SET value_float = 10000 WHERE name = 'credit_limit' AND res_id = $1`, [
      `res.partner,${partnerId}`,
    ]);
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.waitForURL(new RegExp(`/exceptions/${exception.id}$`));
    const flash = await page.getByRole('status').innerText();
    expect(flash).toMatch(/^Order confirmed in Odoo as \S+\.$/);
    const history = await page.locator('table').last().innerText();
    expect(history).toMatch(/retried\s+console:alice/);
    expect(history).toMatch(/resolved\s+console:alice/);
    const { rows } = await db.query<{ state: string }>(`SELECT state FROM sale_order WHERE origin = $1`, [
      `Salesforce ${salesforceOrderId}`,
    ]);
    expect(rows).toEqual([{ state: 'sale' }]);

    // Dead letters: the poison record, replayed once by the operator (it fails again and comes back as a replay).
    await eventually(
      async () => {
        await page.goto(`${consoleApp.url}/dead-letters/projector-odoo`);
        return (await page.getByRole('button', { name: 'Replay', exact: true }).count()) > 0 ? true : undefined;
      },
      60_000,
      'the dead letter on the page',
    );
    await page.screenshot({ path: join(SCREENSHOTS, 'dead-letters.png'), fullPage: true });
    await page.getByRole('button', { name: 'Replay', exact: true }).first().click();
    await page.waitForURL(/\/dead-letters\/projector-odoo$/);
    expect(await page.getByRole('status').innerText()).toBe('1 dead letter(s) of projector-odoo replayed.');
    await eventually(
      async () => {
        await page.goto(`${consoleApp.url}/dead-letters/projector-odoo`);
        return (await page.getByText(/replay of /).count()) > 0 ? true : undefined;
      },
      60_000,
      'the replayed record dead-lettered again',
    );

    // A second order over the limit, discarded by the operator with a reason.
    const discardedOrderId = await activateOrder(`Console discard ${run}`, accountId, sku, '3000');
    const second = await openExceptionOf(discardedOrderId);
    await page.goto(`${consoleApp.url}/exceptions/${second.id}`);
    await page.getByText('Discard…').click();
    await page.locator('textarea[name=reason]').fill('the customer cancelled by phone');
    await page.getByRole('button', { name: 'Discard', exact: true }).click();
    await page.waitForURL(new RegExp(`/exceptions/${second.id}$`));
    expect(await page.getByRole('status').innerText()).toBe('Exception discarded.');
    expect(await page.locator('table').last().innerText()).toMatch(
      /discarded\s+console:alice\s+the customer cancelled by phone/,
    );
    expect(await page.getByRole('button', { name: 'Retry' }).count()).toBe(0);

    // The order's history from the audit trail: its write into Odoo (refused, then confirmed on the retry) and the
    // operator's retry with who, each write with a link to its trace in Jaeger; field names and hashes, no values.
    await page.goto(`${consoleApp.url}/history`);
    await page.locator('input[name=id]').fill(salesforceOrderId);
    await page.getByRole('button', { name: 'Show history' }).click();
    await page.waitForURL(/\/history\?/);
    const trail = await page.locator('table.history').innerText();
    expect(trail).toMatch(/odoo sale\.order/);
    expect(trail).toMatch(/failed\s+credit-hold/);
    expect(trail).toMatch(/applied/);
    expect(trail).toMatch(/retry by console:alice/);
    expect(trail).toMatch(/order_line:[0-9a-f]{12}/);
    const traces = await page
      .locator('table.history a.trace')
      .evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
    expect(traces.length).toBeGreaterThanOrEqual(2);
    for (const href of traces) expect(href).toMatch(/^http:\/\/localhost:16686\/trace\/[0-9a-f]{32}$/);
    expect(await page.content()).not.toContain(`${run} Warehouse Lane`);
    await page.screenshot({ path: join(SCREENSHOTS, 'record-history.png'), fullPage: true });
    // A viewer may read it too.
    const readerContext = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const reader = await readerContext.newPage();
    await signIn(reader, 'vic');
    await reader.goto(`${consoleApp.url}/history?by=recordId&id=${salesforceOrderId}`);
    expect(await reader.locator('table.history tbody tr').count()).toBeGreaterThanOrEqual(3);
    await readerContext.close();

    await page.goto(`${consoleApp.url}/pipeline`);
    expect(await page.getByText('projector-odoo', { exact: true }).count()).toBe(1);
    expect(await page.content()).toContain('hub_consumer_records');
    await page.screenshot({ path: join(SCREENSHOTS, 'pipeline.png'), fullPage: true });

    // Business health and the pipeline at a glance: the figures projector-odoo answers on /business-health.
    await page.getByRole('link', { name: 'Health' }).click();
    await page.waitForURL(/\/status$/);
    expect(await page.getByRole('heading', { name: 'Business health' }).count()).toBe(1);
    const figures = (
      (await (await fetch(`${projector.url}/business-health`)).json()) as {
        figures: { metric: string; labels: Record<string, string>; title: string; count: number }[];
      }
    ).figures;
    expect(figures.map((f) => f.title)).toEqual(
      expect.arrayContaining(['Salesforce orders awaiting ERP acceptance', 'Open work-queue exceptions, under 1h']),
    );
    const figureRows = page.locator('tr[data-metric]');
    expect(await figureRows.count()).toBe(figures.length);
    for (const [i, f] of figures.entries()) {
      const cells = await figureRows.nth(i).locator('td').allInnerTexts();
      expect(cells.slice(0, 2)).toEqual(['projector-odoo', f.title]);
      expect(cells[3]).toBe(String(f.count));
    }
    // The operator's orders were all decided (one confirmed, one discarded): none waits for the ERP.
    expect(figures.find((f) => f.metric === 'hub_business_salesforce_orders_awaiting_erp')?.count).toBe(0);
    const glance = await page.locator('section').nth(1).locator('tbody tr').first().locator('td').allInnerTexts();
    expect(glance[0]).toBe('projector-odoo');
    expect(glance[1]).toContain('ok');
    expect(glance[2]).toBe('closed');
    await page.screenshot({ path: join(SCREENSHOTS, 'health.png'), fullPage: true });
    await operatorContext.close();
  });
});
