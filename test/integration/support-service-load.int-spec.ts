/**
 * A customer's service load reaches its Salesforce Account, on the real stack: an Odoo company (PostgreSQL → Debezium →
 * odoo-cdc) becomes an Account (projector-salesforce, a Salesforce sandbox of this file's own) and a Zendesk
 * organization (projector-support, the in-process Zendesk sandbox); tickets of that organization come back through
 * Zendesk's webhooks and ingress as service cases; projector-support counts the customer's open and urgent open
 * tickets and publishes them on customer-service-load, which projector-salesforce writes onto the Account, read back
 * with SOQL as a user would.
 */
import type { Client } from 'pg';
import { eventually, RunningApp, startApps } from '../../scripts/lib/app-process';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandboxes/salesforce/salesforce-sandbox';
import { SandboxClient } from '../../sandboxes/salesforce/sandbox.client';
import { startZendeskSandbox } from '../../sandboxes/zendesk/zendesk-sandbox';
import { hubEnv, odooCdcEnv, projectorSalesforceEnv } from './support/app-env';
import { insertPartner, odooDb } from './support/odoo';
import { runCaughtUp } from './support/kafka';
import { createHubDatabase, runId } from './support/stack';

type Row = Record<string, unknown>;

describe("service load: a customer's open support tickets on its Salesforce Account", () => {
  const run = runId('load');
  const prefix = `it-${run}.`;
  const ZENDESK_SECRET = `zendesk-signing-secret-${run}`;
  const ZD_AUTH = `Basic ${Buffer.from('integration@hub.example/token:hub-zendesk-token').toString('base64')}`;
  let zendesk: Awaited<ReturnType<typeof startZendeskSandbox>>;
  let sandbox: SalesforceSandbox;
  let sf: SandboxClient;
  let db: Client;
  let hubDb: Awaited<ReturnType<typeof createHubDatabase>>;
  let apps: RunningApp[] = [];

  const zendeskCall = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${zendesk.url}${path}`, {
      method,
      headers: { authorization: ZD_AUTH, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as Row;
  };
  const zdOrganization = async (externalId: string) =>
    (
      (await zendeskCall('GET', `/api/v2/organizations/search.json?external_id=${externalId}`)).organizations as Row[]
    )[0];
  const ticket = async (organizationId: unknown, subject: string, priority: string) =>
    (
      (
        await zendeskCall('POST', '/api/v2/tickets.json', {
          ticket: {
            subject,
            comment: { body: 'Hello, I need help.' },
            requester: { name: `Buyer ${run}`, email: `buyer@load-${run}.example` },
            organization_id: organizationId,
            priority,
          },
        })
      ).ticket as Row
    ).id;
  const account = async (odooId: string) =>
    (
      await sf.query<Row>(
        `SELECT Id, Name, Open_Support_Tickets__c, Urgent_Support_Tickets__c, Oldest_Open_Ticket__c FROM Account WHERE Odoo_Id__c = '${odooId}'`,
      )
    )[0];
  const loadOf = (odooId: string, open: number, urgent: number, what: string) =>
    eventually(
      async () => {
        const found = await account(odooId);
        return found?.Open_Support_Tickets__c === open && found.Urgent_Support_Tickets__c === urgent
          ? found
          : undefined;
      },
      90_000,
      what,
    );

  beforeAll(async () => {
    zendesk = await startZendeskSandbox({
      rateLimitPerMinute: 100_000,
      jobPollsToComplete: 1,
      webhook: { signingSecret: ZENDESK_SECRET, format: 'trigger', endpoints: [] },
    });
    sandbox = await startSalesforceSandbox({ port: 0 });
    sf = new SandboxClient(sandbox.url);
    db = await odooDb();
    hubDb = await createHubDatabase(`hub_${run.replace(/-/g, '_')}`);
    apps = await startApps([
      { name: 'odoo-cdc', env: odooCdcEnv(prefix, hubDb.url) },
      {
        name: 'ingress',
        env: hubEnv(prefix, hubDb.url, {
          DEAD_LETTER_TOPIC: `${prefix}dlq.ingress`,
          ZENDESK_WEBHOOK_SECRET: ZENDESK_SECRET,
        }),
      },
      {
        name: 'projector-support',
        env: hubEnv(prefix, hubDb.url, {
          CONSUMER_GROUP: `${prefix}projector-support-zendesk`,
          DEAD_LETTER_TOPIC: `${prefix}dlq.projector-support-zendesk`,
          SUPPORT_PLATFORM: 'zendesk',
          ZENDESK_URL: zendesk.url,
          ZENDESK_EMAIL: 'integration@hub.example',
          ZENDESK_API_TOKEN: 'hub-zendesk-token',
          SUPPORT_BATCH_LINGER_MS: '300',
        }),
      },
      {
        name: 'projector-salesforce',
        env: projectorSalesforceEnv(prefix, hubDb.url, sandbox.url, { SF_BATCH_LINGER_MS: '300' }),
      },
    ]);
    // Waits for this run's apps to replay the shared history first: the waits below time this file's records.
    await runCaughtUp(prefix);
    const ingress = apps.find((a) => a.name === 'ingress')!;
    await fetch(`${zendesk.url}/__admin/webhooks`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ endpoints: [`${ingress.url}/webhooks/zendesk`] }),
    });
  }, 660_000);

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.kill()));
    await db?.end();
    await hubDb?.drop();
    await zendesk?.close();
    await sandbox?.close();
  });

  it('shows the open and urgent open tickets of the customer on its Account, and one fewer once a ticket is solved', async () => {
    const company = await insertPartner(db, {
      name: `Load Brewery ${run}`,
      is_company: true,
      email: `orders@load-${run}.example`,
      city: 'Gent',
    });
    const customerId = `odoo-partner-${company}`;
    const org = await eventually(() => zdOrganization(customerId), 120_000, 'the Zendesk organization');
    await eventually(() => account(customerId), 120_000, 'the Account');

    const started = Date.now();
    await ticket(org.id, 'The tap leaks', 'normal');
    const urgent = await ticket(org.id, 'Nothing was delivered', 'urgent');
    // A ticket of an organization the hub never wrote counts for nobody.
    const stranger = (
      await zendeskCall('POST', '/api/v2/organizations.json', { organization: { name: `Stranger ${run}` } })
    ).organization as Row;
    await ticket(stranger.id, 'Who am I?', 'urgent');

    const loaded = await loadOf(customerId, 2, 1, 'two open tickets, one urgent, on the Account');
    process.stdout.write(`service load on the Account ${Date.now() - started} ms after the tickets were created\n`);
    expect(Date.parse(String(loaded.Oldest_Open_Ticket__c))).toBeGreaterThan(started - 60_000);
    expect(loaded.Name).toBe(`Load Brewery ${run}`);

    await zendeskCall('PUT', `/api/v2/tickets/${String(urgent)}.json`, { ticket: { status: 'solved' } });
    await loadOf(customerId, 1, 0, 'one open ticket, none urgent, once the urgent one is solved');
    // Only the Account of the customer the hub wrote: none for the stranger's organization.
    expect(await sf.query<Row>(`SELECT Id FROM Account WHERE Name = 'Stranger ${run}'`)).toEqual([]);
  });
});
