/**
 * Every app's `/metrics` shows the hub's technical families with the labels dashboards and alerts read, on the real
 * stack with the apps of the reference workflow (salesforce-to-odoo.int-spec.ts): a rep's Account goes through the
 * Salesforce sandbox's Pub/Sub API → ingress → projector-odoo → the Odoo sandbox → Debezium → odoo-cdc →
 * projector-salesforce → back onto the rep's Account; and a record no decoder can read is dead-lettered by reason.
 * docs/observability.md lists the families.
 */
import type { Connection } from 'jsforce';
import { CANONICAL_TOPICS } from '@hub/canonical';
import { eventually, RunningApp, startApps } from '../../scripts/lib/app-process';
import { ApiKey, OdooSandboxClient } from '../../sandboxes/odoo/odoo-sandbox.client';
import { connectAs } from '../../sandboxes/salesforce/pubsub/pubsub.test-client';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandboxes/salesforce/salesforce-sandbox';
import { SandboxClient } from '../../sandboxes/salesforce/sandbox.client';
import { ingressSalesforceEnv, odooCdcEnv, projectorOdooEnv, projectorSalesforceEnv } from './support/app-env';
import { produceRaw } from './support/kafka';
import { odooSandboxUrl } from './support/odoo-sandbox';
import { Scrape, scrape } from './support/prometheus';
import { createHubDatabase, runId } from './support/stack';

/** The families every app that consumes shows, with their labels. */
const CONSUMER_FAMILIES: [string, string][] = [
  ['hub_consumer_records', 'gauge'],
  ['hub_records_consumed_total', 'counter'],
  ['hub_records_produced_total', 'counter'],
  ['hub_record_processing_seconds', 'histogram'],
  ['hub_record_freshness_seconds', 'histogram'],
  ['hub_consumer_lag_records', 'gauge'],
  ['hub_dead_letters_total', 'counter'],
  ['hub_consumer_up', 'gauge'],
  ['hub_consumer_crashes_total', 'counter'],
  ['hub_consumer_stalled', 'gauge'],
  ['hub_consumer_last_commit_timestamp_seconds', 'gauge'],
];
const TARGET_FAMILIES: [string, string][] = [
  ['hub_breaker_state', 'gauge'],
  ['hub_saas_request_duration_seconds', 'histogram'],
  ['hub_saas_requests_total', 'counter'],
];

describe('/metrics of every app of the reference workflow', () => {
  const run = runId('metrics');
  const prefix = `it-${run}.`;
  let sandbox: SalesforceSandbox;
  let sf: SandboxClient;
  let rep: Connection;
  let odoo: OdooSandboxClient;
  let key: ApiKey;
  let hubDb: Awaited<ReturnType<typeof createHubDatabase>>;
  let apps: RunningApp[] = [];
  const app = (name: RunningApp['name']) => apps.find((a) => a.name === name)!;
  const scraped = new Map<string, Scrape>();

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ port: 0 });
    sf = new SandboxClient(sandbox.url);
    rep = await connectAs(sandbox);
    odoo = new OdooSandboxClient(odooSandboxUrl());
    await odoo.clearFaults();
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
        env: projectorOdooEnv(prefix, hubDb.url, key, run),
      },
      { name: 'odoo-cdc', env: odooCdcEnv(prefix, hubDb.url) },
      { name: 'projector-salesforce', env: projectorSalesforceEnv(prefix, hubDb.url, sandbox.url) },
    ]);

    // One record through every app: the rep's Account into Odoo and its Odoo id back onto the Account.
    const created = await rep.sobject('Account').create({ Name: `Metrics Account ${run}`, BillingCity: 'Ghent' });
    await eventually(
      async () => {
        const [a] = await sf.query<{ Odoo_Id__c: string | null }>(
          `SELECT Odoo_Id__c FROM Account WHERE Id = '${String(created.id)}'`,
        );
        return a?.Odoo_Id__c ? a : undefined;
      },
      120_000,
      'the Odoo id on the rep’s Account',
    );
    // A record no decoder can read, on a topic both projectors consume: dead-lettered by each, with its reason.
    await produceRaw(`${prefix}customer.v1`, [{ key: `bad-${run}`, value: 'not avro' }]);
    // Waited for by its reason: the run's odoo-cdc replays the shared history, whose partners other tests made, and a
    // projector may dead-letter some of those too (a reference Salesforce finds too long, say).
    for (const name of ['projector-odoo', 'projector-salesforce'] as const) {
      await eventually(
        async () =>
          (await scrape(app(name).url)).sum('hub_dead_letters_total', {
            topic: `${prefix}customer.v1`,
            reason: 'UNDECODABLE',
          }) > 0
            ? true
            : undefined,
        30_000,
        `${name}'s dead letter`,
      );
    }
    for (const a of apps) scraped.set(a.name, await scrape(a.url));
  }, 300_000);

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.kill()));
    if (key) await odoo.revokeApiKey(key.id).catch(() => undefined);
    await hubDb?.drop();
    await sandbox?.close();
  });

  const families = (name: string, expected: [string, string][]) => {
    const types = scraped.get(name)!.types;
    expect(expected.filter(([family, type]) => types.get(family) !== type)).toEqual([]);
  };

  it('declares the consumer and target families in every consuming app', () => {
    for (const name of ['odoo-cdc', 'projector-odoo', 'projector-salesforce']) families(name, CONSUMER_FAMILIES);
    for (const name of ['projector-odoo', 'projector-salesforce']) families(name, TARGET_FAMILIES);
    families('ingress', [
      ['hub_records_produced_total', 'counter'],
      ['hub_saas_request_duration_seconds', 'histogram'],
      ['hub_saas_requests_total', 'counter'],
    ]);
    families('projector-salesforce', [['hub_salesforce_api_remaining_calls', 'gauge']]);
    families('projector-odoo', [['hub_work_queue_exceptions_total', 'counter']]);
  });

  it('counts the record in and out per topic along its way, with every sample labelled by its app', () => {
    const m = (name: string) => scraped.get(name)!;
    expect(m('ingress').sum('hub_records_produced_total', { topic: `${prefix}customer.v1` })).toBeGreaterThan(0);
    expect(
      m('projector-odoo').sum('hub_records_consumed_total', {
        topic: `${prefix}customer.v1`,
        group: new RegExp(`^${prefix}projector-odoo`),
      }),
    ).toBeGreaterThan(0);
    expect(m('odoo-cdc').sum('hub_records_consumed_total', { topic: 'odoo.changes' })).toBeGreaterThan(0);
    expect(m('odoo-cdc').sum('hub_records_produced_total', { topic: `${prefix}customer.v1` })).toBeGreaterThan(0);
    expect(
      m('projector-salesforce').sum('hub_records_consumed_total', { topic: `${prefix}customer.v1` }),
    ).toBeGreaterThan(0);
    // Dead letters go out on the dead-letter topic too.
    expect(
      m('projector-salesforce').sum('hub_records_produced_total', { topic: `${prefix}dlq.projector-salesforce` }),
    ).toBeGreaterThan(0);
    for (const [name, metrics] of scraped) {
      expect(metrics.samples.filter((s) => s.name.startsWith('hub_') && s.labels.app !== name)).toEqual([]);
    }
  });

  it('times each record’s processing by outcome and its freshness from the source commit, by source system', () => {
    const m = (name: string) => scraped.get(name)!;
    expect(
      m('projector-odoo').sum('hub_record_processing_seconds_count', {
        topic: `${prefix}customer.v1`,
        outcome: 'applied',
      }),
    ).toBeGreaterThan(0);
    // Every dead letter of the topic was timed as one (the undecodable record, and any of the replayed history's).
    const deadLettered = m('projector-salesforce').sum('hub_dead_letters_total', { topic: `${prefix}customer.v1` });
    expect(deadLettered).toBeGreaterThanOrEqual(1);
    expect(
      m('projector-salesforce').sum('hub_record_processing_seconds_count', {
        topic: `${prefix}customer.v1`,
        outcome: 'dead_lettered',
      }),
    ).toBe(deadLettered);
    // Freshness: from Salesforce's change time at projector-odoo, from Odoo's commit time at odoo-cdc and projector-salesforce.
    expect(
      m('projector-odoo').sum('hub_record_freshness_seconds_count', {
        topic: `${prefix}customer.v1`,
        source_system: 'SALESFORCE',
      }),
    ).toBeGreaterThan(0);
    expect(m('odoo-cdc').sum('hub_record_freshness_seconds_count', { source_system: 'ODOO' })).toBeGreaterThan(0);
    expect(
      m('projector-salesforce').sum('hub_record_freshness_seconds_count', {
        topic: `${prefix}customer.v1`,
        source_system: 'ODOO',
      }),
    ).toBeGreaterThan(0);
    // A histogram's +Inf bucket holds every observation.
    const p = m('projector-odoo');
    expect(p.sum('hub_record_freshness_seconds_bucket', { le: '+Inf' })).toBe(
      p.sum('hub_record_freshness_seconds_count'),
    );
  });

  it('dead-letters by reason, reports lag per group, topic and partition, and every consumer up and moving', () => {
    for (const name of ['projector-odoo', 'projector-salesforce']) {
      expect(
        scraped.get(name)!.sum('hub_dead_letters_total', { topic: `${prefix}customer.v1`, reason: 'UNDECODABLE' }),
      ).toBe(1);
    }
    for (const name of ['odoo-cdc', 'projector-odoo', 'projector-salesforce']) {
      const m = scraped.get(name)!;
      const lag = m.find('hub_consumer_lag_records');
      expect(lag.length).toBeGreaterThan(0);
      for (const l of lag) {
        expect(l.labels).toEqual(
          expect.objectContaining({
            group: expect.any(String),
            topic: expect.any(String),
            partition: expect.stringMatching(/^\d+$/),
          }),
        );
        expect(l.value).toBeGreaterThanOrEqual(0);
      }
      const groups = new Set(lag.map((l) => l.labels.group));
      for (const group of groups) {
        expect([name, group, m.sum('hub_consumer_up', { group })]).toEqual([name, group, 1]);
        expect([name, group, m.sum('hub_consumer_stalled', { group })]).toEqual([name, group, 0]);
        expect(m.sum('hub_consumer_last_commit_timestamp_seconds', { group })).toBeGreaterThan(0);
      }
    }
  });

  it('reads lag 0 once a consumer of ingress’s transactional records is idle, so an idle consumer is never stalled', async () => {
    // Ingress publishes in Kafka transactions: each partition ends with a commit marker after the last record. The
    // committed offset must pass it, or an idle projector would show a lag of 1 forever.
    const m = await eventually(
      async () => {
        const now = await scrape(app('projector-odoo').url);
        return now.sum('hub_consumer_lag_records', { topic: `${prefix}customer.v1` }) === 0 ? now : undefined;
      },
      30_000,
      'projector-odoo’s lag on the customer topic to reach 0',
    );
    expect(m.find('hub_consumer_lag_records', { topic: `${prefix}customer.v1` }).length).toBe(
      CANONICAL_TOPICS.customer.partitions,
    );
  });

  it('shows each target’s breaker closed, the SaaS calls by system and status, and the Salesforce calls left', () => {
    const m = (name: string) => scraped.get(name)!;
    expect(
      m('projector-odoo')
        .find('hub_breaker_state')
        .map((s) => s.value),
    ).toEqual([0]);
    expect(
      m('projector-salesforce')
        .find('hub_breaker_state')
        .map((s) => s.value),
    ).toEqual([0]);
    expect(m('projector-odoo').sum('hub_saas_requests_total', { system: 'odoo', status_code: '200' })).toBeGreaterThan(
      0,
    );
    expect(m('projector-odoo').sum('hub_saas_request_duration_seconds_count', { system: 'odoo' })).toBeGreaterThan(0);
    expect(
      m('projector-salesforce').sum('hub_saas_requests_total', { system: 'salesforce', status_code: /^2\d\d$/ }),
    ).toBeGreaterThan(0);
    expect(
      m('projector-salesforce').sum('hub_saas_request_duration_seconds_count', { system: 'salesforce' }),
    ).toBeGreaterThan(0);
    expect(m('ingress').sum('hub_saas_requests_total', { system: 'salesforce' })).toBeGreaterThan(0);
    const left = m('projector-salesforce').find('hub_salesforce_api_remaining_calls');
    expect(left).toHaveLength(1);
    expect(left[0].labels.org).toBe(new URL(sandbox.url).host);
    expect(left[0].value).toBeGreaterThan(0);
  });
});
