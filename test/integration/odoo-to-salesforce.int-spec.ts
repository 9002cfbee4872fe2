import type { Client } from 'pg';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandboxes/salesforce/salesforce-sandbox';
import { eventually, RunningApp, startApps } from '../../scripts/lib/app-process';
import { produceRaw, readTopic } from './support/kafka';
import { insertPartner, odooDb } from './support/odoo';
import { CollectedSpan, startOtlpCollector } from './support/otlp-collector';
import { SandboxClient } from '../../sandboxes/salesforce/sandbox.client';
import { odooCdcEnv, projectorSalesforceEnv } from './support/app-env';
import { createHubDatabase, runId } from './support/stack';

/**
 * The first vertical slice, on the real stack: rows written into Odoo's tables by SQL travel through Debezium,
 * Kafka, odoo-cdc (canonical Avro in the registry), projector-salesforce (jsforce) into the Salesforce sandbox.
 */
describe('Odoo → Kafka → Salesforce', () => {
  const run = runId('flow');
  const prefix = `it-${run}.`;
  const cdcDeadLetters = `${prefix}dlq.odoo-cdc`;
  const projectorDeadLetters = `${prefix}dlq.projector-salesforce`;
  let sandbox: SalesforceSandbox;
  let sf: SandboxClient;
  let collector: Awaited<ReturnType<typeof startOtlpCollector>>;
  let cdc: RunningApp;
  let projector: RunningApp;
  let db: Client;
  let hubDb: Awaited<ReturnType<typeof createHubDatabase>>;

  const account = async (odooId: number) =>
    (
      await sf.query<Record<string, unknown>>(
        `SELECT Id, Name, BillingCity, BillingCountry, Odoo_Deleted__c FROM Account WHERE Odoo_Id__c = 'odoo-partner-${odooId}'`,
      )
    )[0];

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ port: 0 });
    sf = new SandboxClient(sandbox.url);
    collector = await startOtlpCollector();
    const tracing = { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '200' };
    db = await odooDb();
    hubDb = await createHubDatabase(`hub_${run}`);
    [cdc, projector] = await startApps([
      { name: 'odoo-cdc', env: odooCdcEnv(prefix, hubDb.url, tracing) },
      {
        name: 'projector-salesforce',
        env: projectorSalesforceEnv(prefix, hubDb.url, sandbox.url, {
          ...tracing,
          SF_BREAKER_RESET_MS: '2000',
          SF_BREAKER_VOLUME: '3',
        }),
      },
    ]);
  });

  afterAll(async () => {
    await Promise.all([cdc?.kill(), projector?.kill()]);
    await db?.end();
    await hubDb?.drop();
    await sandbox?.close();
    await collector?.close();
  });

  it('brings a company and its contact from Odoo into Salesforce as a linked Account and Contact within 30 s', async () => {
    const company = await insertPartner(db, {
      name: `Azure Interior ${run}`,
      is_company: true,
      city: 'Fremont',
      country_id: 233,
    });
    const person = await insertPartner(db, {
      name: 'Brandon Freeman',
      is_company: false,
      parent_id: company,
      email: 'brandon@azure.example',
      function: 'Buyer',
    });

    const contact = await eventually(
      async () =>
        (
          await sf.query<{
            FirstName: string;
            LastName: string;
            Title: string;
            Account: { Odoo_Id__c: string; Name: string };
          }>(
            `SELECT FirstName, LastName, Title, Account.Odoo_Id__c, Account.Name FROM Contact WHERE Odoo_Id__c = 'odoo-partner-${person}'`,
          )
        )[0],
      30_000,
      'the contact in Salesforce',
    );
    expect(contact).toMatchObject({ FirstName: 'Brandon', LastName: 'Freeman', Title: 'Buyer' });
    expect(contact.Account).toMatchObject({ Odoo_Id__c: `odoo-partner-${company}`, Name: `Azure Interior ${run}` });
    expect(await account(company)).toMatchObject({ BillingCity: 'Fremont', BillingCountry: 'US' });
  });

  it('carries a rename in Odoo to Salesforce', async () => {
    const company = await insertPartner(db, { name: `Deco Addict ${run}`, is_company: true });
    await eventually(() => account(company), 30_000, 'the account');
    await db.query(
      `UPDATE res_partner SET name = $1, complete_name = $1, write_date = now() at time zone 'utc' WHERE id = $2`,
      [`Deco Addict Renamed ${run}`, company],
    );
    await eventually(
      async () => ((await account(company))?.Name === `Deco Addict Renamed ${run}` ? true : undefined),
      30_000,
      'the renamed account',
    );
  });

  it('flags the Salesforce record when the partner is deleted in Odoo, and keeps it', async () => {
    const company = await insertPartner(db, { name: `Gemini Furniture ${run}`, is_company: true });
    await eventually(() => account(company), 30_000, 'the account');
    await db.query('DELETE FROM res_partner WHERE id = $1', [company]);
    const flagged = await eventually(
      async () => ((await account(company))?.Odoo_Deleted__c === true ? await account(company) : undefined),
      30_000,
      'the deletion flag',
    );
    expect(flagged.Name).toBe(`Gemini Furniture ${run}`);
    // The compacted canonical topic got the deletion event and then a tombstone for the same key.
    const onTopic = (await readTopic(`${prefix}customer.v1`)).filter(
      (m) => m.message.key?.toString() === `odoo-partner-${company}`,
    );
    expect(onTopic.at(-1)!.message.value).toBeNull();
  });

  it('dead-letters a malformed change event with its reason while later records keep flowing', async () => {
    await produceRaw('odoo.changes', [
      { key: '{"id":-1}', value: 'this is not a change event' },
      { key: '{"id":-2}', value: JSON.stringify({ op: 'c', after: { id: -2 }, source: { table: 'res_partner' } }) },
    ]);
    const company = await insertPartner(db, { name: `After Poison ${run}`, is_company: true });
    await eventually(() => account(company), 30_000, 'the account written after the poison records');

    const dead = await readTopic(cdcDeadLetters);
    const reasons = dead.map((d) => ({
      value: d.message.value?.toString(),
      reason: d.message.headers?.['hub-dlq-reason']?.toString(),
      message: d.message.headers?.['hub-dlq-message']?.toString(),
      topic: d.message.headers?.['hub-dlq-source-topic']?.toString(),
    }));
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          value: 'this is not a change event',
          reason: 'UNDECODABLE',
          topic: 'odoo.changes',
        }),
        expect.objectContaining({
          reason: 'INVALID_RECORD',
          message: expect.stringContaining('source.lsn is not an integer'),
        }),
      ]),
    );
  });

  it('joins the spans of odoo-cdc and the projector in one trace through Kafka headers', async () => {
    const company = await insertPartner(db, { name: `Traced ${run}`, is_company: true });
    await eventually(() => account(company), 30_000, 'the traced account');
    const record = (await readTopic(`${prefix}customer.v1`)).find(
      (m) => m.message.key?.toString() === `odoo-partner-${company}`,
    )!;
    const traceparent = record.message.headers?.traceparent?.toString();
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    const traceId = traceparent!.split('-')[1];
    const spans = await eventually(
      async () => {
        const inTrace = collector.spans.filter((s: CollectedSpan) => s.traceId === traceId);
        return new Set(inTrace.map((s) => s.service)).size >= 2 ? inTrace : undefined;
      },
      15_000,
      'spans of both services in one trace',
    );
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['odoo-cdc', 'projector-salesforce']));
  });

  it('opens the breaker while Salesforce answers 503 and, after recovery, lands every record exactly once', async () => {
    await sf.setFaults({ status503Rate: 1 });
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push(await insertPartner(db, { name: `Outage ${i} ${run}`, is_company: true }));
    await eventually(
      async () => ((await projector.ready()).details?.consumer?.breaker === 'open' ? true : undefined),
      30_000,
      'the breaker to open',
    );
    await sf.clearFaults();
    const externalIds = ids.map((id) => `'odoo-partner-${id}'`).join(',');
    const landed = await eventually(
      async () => {
        const rows = await sf.query<{ Odoo_Id__c: string }>(
          `SELECT Odoo_Id__c FROM Account WHERE Odoo_Id__c IN (${externalIds})`,
        );
        return rows.length === ids.length ? rows : undefined;
      },
      60_000,
      'all records after recovery',
    );
    expect(landed.map((r) => r.Odoo_Id__c).sort()).toEqual(ids.map((id) => `odoo-partner-${id}`).sort());
    // Nothing was dead-lettered for an outage: 503 is transient.
    const dead = await readTopic(projectorDeadLetters).catch(() => []);
    expect(dead.filter((d) => ids.some((id) => d.message.key?.toString() === `odoo-partner-${id}`))).toEqual([]);
  });

  it('stops both apps cleanly on SIGTERM', async () => {
    expect(await projector.stop()).toBe(0);
    expect(await cdc.stop()).toBe(0);
  });
});
