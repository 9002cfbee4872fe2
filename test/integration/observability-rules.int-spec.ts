/**
 * The chart's alert rules and Grafana dashboards read what the apps really expose: every app runs on the real stack
 * with everything its families depend on configured (odoo-cdc watching Kafka Connect and Odoo's replication slot,
 * projector-salesforce with its reconciler, projector-odoo with its work queue, projector-support on a desk), its
 * `/metrics` is read, and every expression of the rendered PrometheusRule and dashboard ConfigMaps
 * (deploy/helm/examples/large.yaml enables both) must select only families some app declares, with labels its series
 * carry. A renamed metric or label fails here, not silently on a dashboard.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { RunningApp, startApps } from '../../scripts/lib/app-process';
import { parsePromql, shippedExpressions } from '../../scripts/lib/observability-exprs';
import { ApiKey, OdooSandboxClient } from '../../sandboxes/odoo/odoo-sandbox.client';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandboxes/salesforce/salesforce-sandbox';
import { startZendeskSandbox } from '../../sandboxes/zendesk/zendesk-sandbox';
import { hubEnv, odooCdcEnv, OPERATOR_TEST_TOKEN, projectorSalesforceEnv } from './support/app-env';
import { odooSandboxUrl } from './support/odoo-sandbox';
import { Scrape, scrape } from './support/prometheus';
import { createHubDatabase, runId, stack } from './support/stack';

const ROOT = join(__dirname, '../..');

/** Series the rules read that no hub app exports, and who does. */
const EXTERNAL: Record<string, string> = {
  up: 'Prometheus, per scraped target',
  kube_deployment_status_replicas_unavailable: 'kube-state-metrics',
};
/** Labels Prometheus adds to every scraped series (the ServiceMonitor's target labels), and a histogram's buckets'. */
const TARGET_LABELS = new Set(['namespace', 'pod', 'service', 'job', 'instance', 'endpoint', 'container']);

describe('the alert rules and dashboards the chart ships, against the apps’ /metrics', () => {
  const run = runId('rules');
  const prefix = `it-${run}.`;
  let sandbox: SalesforceSandbox;
  let zendesk: Awaited<ReturnType<typeof startZendeskSandbox>>;
  let odoo: OdooSandboxClient;
  let key: ApiKey;
  let hubDb: Awaited<ReturnType<typeof createHubDatabase>>;
  let apps: RunningApp[] = [];
  const scrapes = new Map<string, Scrape>();

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ port: 0 });
    zendesk = await startZendeskSandbox({ rateLimitPerMinute: 100_000 });
    odoo = new OdooSandboxClient(odooSandboxUrl());
    key = await odoo.createApiKey({ name: `it ${run} rules` });
    hubDb = await createHubDatabase(`hub_${run.replace(/-/g, '_')}`);
    const s = stack();
    const odooEnv = { ODOO_URL: odoo.url, ODOO_DATABASE: 'odoo', ODOO_API_KEY: key.key };
    // odoo-cdc first: projector-salesforce's reconciler reads odoo-cdc's repair API, at the address it was given.
    apps = await startApps([
      {
        name: 'odoo-cdc',
        env: odooCdcEnv(prefix, hubDb.url, {
          ODOO_CDC_CONNECT_URL: s.connect.url,
          ODOO_CDC_CONNECTOR: 'odoo-postgres',
          ODOO_MONITOR_DATABASE_URL: s.postgres.odoo,
        }),
      },
    ]);
    apps.push(
      ...(await startApps([
        {
          name: 'ingress',
          env: hubEnv(prefix, hubDb.url, {
            DEAD_LETTER_TOPIC: `${prefix}dlq.ingress`,
            SF_LOGIN_URL: sandbox.url,
            SF_CLIENT_ID: 'hub-client',
            SF_CLIENT_SECRET: 'hub-secret',
            SF_PUBSUB_ENDPOINT: sandbox.pubSub!.endpoint,
            SF_PUBSUB_VERIFY_TLS: 'false',
          }),
        },
        {
          name: 'projector-salesforce',
          env: projectorSalesforceEnv(prefix, hubDb.url, sandbox.url, {
            ODOO_CDC_URL: apps[0].url,
            ODOO_CDC_TOKEN: OPERATOR_TEST_TOKEN,
          }),
        },
        {
          name: 'projector-odoo',
          env: hubEnv(prefix, hubDb.url, {
            CONSUMER_GROUP: `${prefix}projector-odoo`,
            DEAD_LETTER_TOPIC: `${prefix}dlq.projector-odoo`,
            ...odooEnv,
            ODOO_LOGIN: key.login,
          }),
        },
        {
          name: 'projector-support',
          env: hubEnv(prefix, hubDb.url, {
            CONSUMER_GROUP: `${prefix}projector-support`,
            DEAD_LETTER_TOPIC: `${prefix}dlq.projector-support`,
            SUPPORT_PLATFORM: 'zendesk',
            ZENDESK_URL: zendesk.url,
            ZENDESK_EMAIL: 'integration@hub.example',
            ZENDESK_API_TOKEN: 'hub-zendesk-token',
            ...odooEnv,
            ODOO_PROTOCOL: 'jsonrpc',
          }),
        },
      ])),
    );
    for (const app of apps) scrapes.set(app.name, await scrape(app.url));
  }, 300_000);

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.kill()));
    if (key) await odoo.revokeApiKey(key.id).catch(() => undefined);
    await hubDb?.drop();
    await zendesk?.close();
    await sandbox?.close();
  });

  it('selects only families the apps declare, by labels their series carry', () => {
    const helm = join(ROOT, '.cache/go-bin/helm');
    if (!existsSync(helm))
      throw new Error('helm is not built: scripts/chart-check builds it (scripts/test runs it first)');
    const rendered = execFileSync(
      helm,
      ['template', 'hub', 'deploy/helm/integration-hub', '-f', 'deploy/helm/examples/large.yaml', '-n', 'hub'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    const expressions = shippedExpressions(parseAllDocuments(rendered).map((d) => d.toJS()));
    expect(expressions.filter((e) => e.where.startsWith('alert')).length).toBeGreaterThan(10);
    expect(expressions.filter((e) => e.where.startsWith('dashboard')).length).toBeGreaterThan(10);

    // Every family any app declares (a histogram's series are its _bucket, _sum and _count), and the labels its
    // series carry where it has any (a labelled family has none until first observed: its labels cannot be checked).
    const series = new Map<string, Set<string> | null>();
    for (const s of scrapes.values()) {
      for (const [family, type] of s.types) {
        const names = type === 'histogram' || type === 'summary' ? ['_bucket', '_sum', '_count', ''] : [''];
        for (const suffix of names) if (!series.has(family + suffix)) series.set(family + suffix, null);
      }
      for (const sample of s.samples) {
        const known = series.get(sample.name) ?? new Set<string>();
        for (const l of Object.keys(sample.labels)) known.add(l);
        series.set(sample.name, known);
      }
    }

    const problems: string[] = [];
    for (const { where, expr } of expressions) {
      const parsed = parsePromql(expr);
      problems.push(...parsed.errors.map((e) => `${where}: does not parse ${e}`));
      for (const { metric, labels } of parsed.selectors) {
        if (EXTERNAL[metric]) continue;
        if (!series.has(metric)) {
          problems.push(`${where}: ${metric} is not exposed by any app`);
          continue;
        }
        const carried = series.get(metric);
        if (!carried) continue;
        const missing = labels.filter(
          (l) => !carried.has(l) && !TARGET_LABELS.has(l) && !(l === 'le' && metric.endsWith('_bucket')),
        );
        if (missing.length) problems.push(`${where}: ${metric} has no label ${missing.join(', ')}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
