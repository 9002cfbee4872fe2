import { readFileSync } from 'node:fs';
import { eventually, RunningApp, startApp, startApps } from '../../scripts/lib/app-process';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandboxes/salesforce/salesforce-sandbox';
import { SandboxClient } from '../../sandboxes/salesforce/sandbox.client';
import { odooCdcEnv, projectorSalesforceEnv } from './support/app-env';
import { createIsolatedOdoo, insertBuyers, insertCompanies, IsolatedOdoo } from './support/isolated-odoo';
import { kafka, readTopic } from './support/kafka';
import { createHubDatabase, runId } from './support/stack';

/** Partners of the load: half companies, half their contacts (one each). */
const PARTNERS = Number(process.env.HUB_SF_BULK_API_PARTNERS ?? 20_000);
/** Companies Salesforce refuses (a billing city longer than BillingCity's 40 characters), besides PARTNERS. */
const REFUSED = Number(process.env.HUB_SF_BULK_API_REFUSED ?? 5);
/** SF_BULK_THRESHOLD of the projectors: well below each object's backlog. */
const THRESHOLD = process.env.HUB_SF_BULK_API_THRESHOLD ?? '2000';
/** API calls allowed per 1,000 records landed: sObject Collections take about 5 (one per 200). */
const MAX_CALLS_PER_1000 = Number(process.env.HUB_SF_BULK_API_MAX_CALLS_PER_1000 ?? 2);

type Stats = {
  apiCalls: number;
  recordsByObject: Record<string, number>;
  callsByRoute: Record<string, number>;
  faultsInjected: Record<string, number>;
};
type Row = { Id: string; Odoo_Id__c: string | null; AccountId?: string | null; Name?: string };

/**
 * An initial load that is on the topics when the projector starts (a backlog, as when the hub goes live on an
 * existing Odoo or catches up after a stop): with SF_BULK_THRESHOLD below each object's backlog, the Accounts and the
 * Contacts go through Bulk API 2.0 jobs, refused rows end on the dead-letter topic with Salesforce's reason, and a
 * job that fails as a whole leaves its records to sObject Collections, each landing once. Against an Odoo database
 * and connector of its own, and a sandbox per projector.
 */
describe('Salesforce projector through the Bulk API 2.0', () => {
  const run = runId('sfbulkapi').replace(/-/g, '_');
  const prefix = `it-${run}.`;
  const changes = `${prefix}changes`;
  const half = Math.floor(PARTNERS / 2);
  let odoo: IsolatedOdoo;
  let hubDb: Awaited<ReturnType<typeof createHubDatabase>>;
  let apps: RunningApp[] = [];
  /** The canonical ids the load must land: companies (Accounts) and their contacts (Contacts). */
  let companies: Set<string>;
  let people: Set<string>;
  let refused: Set<string>;
  const logLevel = { LOG_LEVEL: process.env.HUB_BULK_LOG_LEVEL ?? 'warn' };

  const ids = async (where: string) =>
    new Set(
      (await odoo.db.query<{ id: number }>(`SELECT id FROM res_partner WHERE ${where}`)).rows.map(
        (r) => `odoo-partner-${r.id}`,
      ),
    );

  /** Every record of `object` the load wrote, once each: none missing, none twice. */
  const landedOnce = async (sf: SandboxClient, object: string, expected: Set<string>) => {
    const rows = (await sf.records<Row & { IsDeleted?: boolean }>(object)).filter((r) => r.IsDeleted !== true);
    const seen = new Map<string, number>();
    for (const r of rows) if (r.Odoo_Id__c) seen.set(r.Odoo_Id__c, (seen.get(r.Odoo_Id__c) ?? 0) + 1);
    expect([...seen].filter(([, n]) => n > 1)).toEqual([]);
    expect([...expected].filter((id) => !seen.has(id))).toEqual([]);
    return rows;
  };

  /** Runs a projector against `sandbox` until every Account and Contact of the load is there. */
  const drain = async (sandbox: SalesforceSandbox, name: string, hubDatabaseUrl: string) => {
    const sf = new SandboxClient(sandbox.url);
    const started = Date.now();
    const projector = await startApp(
      'projector-salesforce',
      projectorSalesforceEnv(prefix, hubDatabaseUrl, sandbox.url, {
        ...logLevel,
        CONSUMER_GROUP: `${prefix}${name}`,
        DEAD_LETTER_TOPIC: `${prefix}dlq.${name}`,
        SF_BULK_THRESHOLD: THRESHOLD,
      }),
    );
    apps.push(projector);
    const present = async (object: string, expected: Set<string>) => {
      const keys = new Set((await sf.records<Row>(object)).map((r) => r.Odoo_Id__c));
      return [...expected].every((k) => keys.has(k));
    };
    await eventually(
      async () => {
        const s = (await sf.stats()) as unknown as Stats;
        if ((s.recordsByObject.Account ?? 0) < companies.size || (s.recordsByObject.Contact ?? 0) < people.size) {
          return undefined;
        }
        return (await present('Account', companies)) && (await present('Contact', people)) ? true : undefined;
      },
      10 * 60_000,
      `${companies.size} accounts and ${people.size} contacts in the ${name} sandbox`,
    );
    const seconds = (Date.now() - started) / 1000;
    // Calls made after the last record landed (a job's failed rows read after its last poll) are counted too.
    await new Promise((r) => setTimeout(r, 2_000));
    const stats = (await sf.stats()) as unknown as Stats;
    const metric = async (kind: string) =>
      Number(
        new RegExp(`^hub_salesforce_bulk\\{[^}]*kind="${kind}"[^}]*\\} (\\S+)$`, 'm').exec(
          await (await fetch(`${projector.url}/metrics`)).text(),
        )?.[1] ?? 0,
      );
    return { sf, projector, stats, seconds, metric };
  };

  beforeAll(async () => {
    odoo = await createIsolatedOdoo(run, changes);
    await insertCompanies(odoo.db, 'Bulk API Co', half);
    await insertBuyers(odoo.db, 'Bulk API Co');
    // Salesforce refuses these Accounts: BillingCity holds 40 characters.
    await odoo.db.query(
      `INSERT INTO res_partner (name, complete_name, is_company, type, active, city, customer_rank, create_date, write_date)
       SELECT 'Refused Co ' || g, 'Refused Co ' || g, true, 'contact', true, repeat('x', 41), 1,
              now() at time zone 'utc', now() at time zone 'utc'
       FROM generate_series(1, $1) g`,
      [REFUSED],
    );
    await odoo.db.query('UPDATE res_partner SET commercial_partner_id = id WHERE commercial_partner_id IS NULL');
    companies = await ids(`is_company AND name LIKE 'Bulk API Co %'`);
    people = await ids(`NOT is_company AND name LIKE 'Buyer of Bulk API Co %'`);
    refused = await ids(`name LIKE 'Refused Co %'`);
    hubDb = await createHubDatabase(`hub_${run}`);
    apps = await startApps([
      { name: 'odoo-cdc', env: odooCdcEnv(prefix, hubDb.url, { ...logLevel, CDC_TOPIC: changes }) },
    ]);

    // The whole load on the topics before a projector starts: the backlog it reads is the load.
    await odoo.connect();
    const admin = kafka().admin();
    await admin.connect();
    try {
      await eventually(
        async () => {
          let published = 0;
          for (const topic of [`${prefix}customer.v1`, `${prefix}contact.v1`]) {
            for (const o of await admin.fetchTopicOffsets(topic).catch(() => [])) published += Number(o.high);
          }
          return published >= PARTNERS + REFUSED ? published : undefined;
        },
        10 * 60_000,
        'odoo-cdc to publish every partner',
      );
    } finally {
      await admin.disconnect();
    }
  }, 15 * 60_000);

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.kill()));
    await odoo?.drop();
    await hubDb?.drop();
  });

  it(
    `lands ${PARTNERS} partners through Bulk API jobs in at most ${MAX_CALLS_PER_1000} API calls per 1,000 records, and dead-letters the rows Salesforce refuses with its reason`,
    async () => {
      const sandbox = await startSalesforceSandbox({ port: 0, apiRequestLimit: 1_000_000 });
      try {
        const { sf, stats, seconds, metric } = await drain(sandbox, 'projector-salesforce', hubDb.url);
        const accounts = await landedOnce(sf, 'Account', companies);
        const contacts = await landedOnce(sf, 'Contact', people);
        const accountIds = new Set(accounts.map((a) => a.Id));
        expect(contacts.filter((c) => people.has(c.Odoo_Id__c ?? '') && !accountIds.has(c.AccountId ?? ''))).toEqual(
          [],
        );
        expect(accounts.filter((a) => refused.has(a.Odoo_Id__c ?? ''))).toEqual([]);

        const records = companies.size + people.size;
        const jobs = stats.callsByRoute['POST /jobs/ingest'] ?? 0;
        process.stdout.write(
          `\nsalesforce bulk api: ${records} records, ${stats.apiCalls} API calls, ${jobs} bulk jobs, ${seconds.toFixed(1)} s ` +
            `(${((stats.apiCalls * 100_000) / records).toFixed(0)} calls per 100,000 records; ` +
            `${await metric('records')} records in jobs, ${await metric('jobsFailed')} jobs failed)\n`,
        );
        // Jobs carried the load (records read back from the park may also come in portions below the threshold).
        expect(jobs).toBeGreaterThanOrEqual(1);
        expect(await metric('jobs')).toBe(jobs);
        expect(await metric('records')).toBeGreaterThan(0);
        expect(stats.apiCalls).toBeLessThanOrEqual(Math.ceil((records * MAX_CALLS_PER_1000) / 1000));

        // Each refused row on the dead-letter topic, with Salesforce's code and message.
        const dead = await eventually(
          async () => {
            const letters = (await readTopic(`${prefix}dlq.projector-salesforce`)).filter((d) =>
              refused.has(d.message.key?.toString() ?? ''),
            );
            return letters.length >= refused.size ? letters : undefined;
          },
          60_000,
          'the refused partners on the dead-letter topic',
        );
        expect(new Set(dead.map((d) => d.message.key?.toString()))).toEqual(refused);
        for (const d of dead) {
          expect({
            reason: d.message.headers?.['hub-dlq-reason']?.toString(),
            vendorCode: d.message.headers?.['hub-dlq-vendor-code']?.toString(),
            message: d.message.headers?.['hub-dlq-message']?.toString(),
          }).toEqual({
            reason: 'REJECTED_BY_TARGET',
            vendorCode: 'STRING_TOO_LONG',
            message: expect.stringMatching(/^STRING_TOO_LONG: Billing City: data value too large: x{41}/),
          });
        }
      } finally {
        await sandbox.close();
      }
    },
    15 * 60_000,
  );

  it(
    'sends the records of a Bulk API job that fails as a whole through sObject Collections: each lands once',
    async () => {
      // Another projector (group, hub database, org of its own) drains the same topics; its first job fails whole.
      const sandbox = await startSalesforceSandbox({ port: 0, apiRequestLimit: 1_000_000 });
      const drainDb = await createHubDatabase(`hub_${run}_fallback`);
      try {
        await new SandboxClient(sandbox.url).failNextBulkJobs(1);
        const { sf, projector, stats, seconds, metric } = await drain(sandbox, 'projector-fallback', drainDb.url);
        await landedOnce(sf, 'Account', companies);
        await landedOnce(sf, 'Contact', people);
        expect(stats.faultsInjected.bulkJobFailed).toBe(1);
        expect(await metric('jobsFailed')).toBe(1);
        if (['trace', 'debug', 'info', 'warn'].includes(logLevel.LOG_LEVEL)) {
          expect(readFileSync(projector.logFile, 'utf8')).toContain('bulk job failed as a whole');
        }
        // The failed job's records went through collections upserts instead.
        expect(stats.callsByRoute['PATCH /composite/sobjects/{sobject}/{field}'] ?? 0).toBeGreaterThan(0);
        process.stdout.write(
          `salesforce bulk api, a job failed whole: ${stats.apiCalls} API calls, ` +
            `${stats.callsByRoute['POST /jobs/ingest'] ?? 0} bulk jobs, ${seconds.toFixed(1)} s\n`,
        );
        expect(await projector.stop()).toBe(0);
        apps = apps.filter((a) => a !== projector);
      } finally {
        await sandbox.close();
        await drainDb.drop();
      }
    },
    15 * 60_000,
  );
});
