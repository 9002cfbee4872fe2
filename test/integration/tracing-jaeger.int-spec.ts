/**
 * One record, one trace, read back from the stack's Jaeger through its HTTP query API as an operator would open it:
 * an Odoo partner from the Debezium change through odoo-cdc and projector-salesforce to its call to Salesforce, and a
 * rep's activated Salesforce order from its change event through ingress and projector-odoo to its calls to Odoo.
 */
import type { Connection } from 'jsforce';
import type { Client } from 'pg';
import { eventually, RunningApp, startApps } from '../../scripts/lib/app-process';
import { insertProduct, insertStock } from '../../scripts/lib/odoo-commerce';
import { ApiKey, OdooSandboxClient } from '../../sandboxes/odoo/odoo-sandbox.client';
import { connectAs } from '../../sandboxes/salesforce/pubsub/pubsub.test-client';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandboxes/salesforce/salesforce-sandbox';
import { SandboxClient } from '../../sandboxes/salesforce/sandbox.client';
import {
  ingressSalesforceEnv,
  odooCdcEnv,
  operatorAuth,
  projectorOdooEnv,
  projectorSalesforceEnv,
} from './support/app-env';
import { insertPartner, odooDb } from './support/odoo';
import { odooSandboxUrl } from './support/odoo-sandbox';
import { createHubDatabase, runId, stack } from './support/stack';

/** A span as Jaeger's query API (`/api/traces`) returns it. */
interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  processID: string;
  references: { refType: string; traceID: string; spanID: string }[];
  tags: { key: string; value: unknown }[];
}
interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

/** One span with its service and tags as a map. */
interface Hop {
  service: string;
  name: string;
  spanId: string;
  parentId?: string;
  tags: Record<string, unknown>;
}

const hopsOf = (t: JaegerTrace): Hop[] =>
  t.spans.map((s) => ({
    service: t.processes[s.processID]?.serviceName ?? '?',
    name: s.operationName,
    spanId: s.spanID,
    parentId: s.references.find((r) => r.refType === 'CHILD_OF')?.spanID,
    tags: Object.fromEntries(s.tags.map((tag) => [tag.key, tag.value])),
  }));

describe('tracing: one record, one trace, in Jaeger', () => {
  const run = runId('trace');
  const prefix = `it-${run}.`;
  const jaeger = stack().jaeger;
  let sandbox: SalesforceSandbox;
  let sf: SandboxClient;
  let rep: Connection;
  let odoo: OdooSandboxClient;
  let db: Client;
  let key: ApiKey;
  let hubDb: Awaited<ReturnType<typeof createHubDatabase>>;
  let apps: RunningApp[] = [];

  const linkOf = async (name: string) =>
    (await db.query<{ res_id: number }>(`SELECT res_id FROM ir_model_data WHERE module = 'hub' AND name = $1`, [name]))
      .rows[0]?.res_id;

  /** The traces Jaeger holds for `service` with a span tagged `tags`. */
  const traces = async (service: string, tags: Record<string, string>): Promise<JaegerTrace[]> => {
    const query = new URLSearchParams({ service, tags: JSON.stringify(tags), lookback: '2h', limit: '50' });
    const res = await fetch(`${jaeger.url}/api/traces?${query.toString()}`);
    if (!res.ok) throw new Error(`Jaeger answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { data: JaegerTrace[] | null }).data ?? [];
  };

  /** The one trace of `service` tagged `tags` that satisfies `complete`, once Jaeger holds all of its spans. */
  const traceWhere = (service: string, tags: Record<string, string>, complete: (hops: Hop[]) => boolean) =>
    eventually(
      async () => (await traces(service, tags)).map(hopsOf).find(complete),
      60_000,
      `a trace of ${service} tagged ${JSON.stringify(tags)} with every hop`,
    );

  /** The hops of the trace whose `send batch` span links to a span of `traceId` and that holds a `call`. */
  const batchLinkedTo = (traceId: string, call: (h: Hop) => boolean) =>
    eventually(
      async () => {
        const query = new URLSearchParams({
          service: 'projector-salesforce',
          operation: 'send batch',
          lookback: '1h',
          limit: '500',
        });
        const res = await fetch(`${jaeger.url}/api/traces?${query.toString()}`);
        const batches = ((await res.json()) as { data: JaegerTrace[] | null }).data ?? [];
        const linking = batches.find((t) =>
          t.spans.some(
            (s) =>
              s.operationName === 'send batch' &&
              s.references.some((r) => r.refType === 'FOLLOWS_FROM' && r.traceID === traceId),
          ),
        );
        return linking && hopsOf(linking).some(call) ? hopsOf(linking) : undefined;
      },
      60_000,
      `the batch call linked to trace ${traceId}`,
    );

  const isChildOf = (hops: Hop[], child: Hop, parent: (h: Hop) => boolean) =>
    hops.some((h) => h.spanId === child.parentId && parent(h));

  beforeAll(async () => {
    expect(jaeger?.up).toBe(true);
    sandbox = await startSalesforceSandbox({ port: 0 });
    sf = new SandboxClient(sandbox.url);
    rep = await connectAs(sandbox);
    odoo = new OdooSandboxClient(odooSandboxUrl());
    db = await odooDb();
    const user = await odoo.createUser({ login: `hub-${run}`, name: `Hub ${run}` });
    key = await odoo.createApiKey({ login: user.login, name: `it ${run}` });
    hubDb = await createHubDatabase(`hub_${run.replace(/-/g, '_')}`);
    // hubEnv gives every app the stack's Jaeger as OTEL_EXPORTER_OTLP_ENDPOINT.
    apps = await startApps([
      { name: 'odoo-cdc', env: odooCdcEnv(prefix, hubDb.url) },
      { name: 'projector-salesforce', env: projectorSalesforceEnv(prefix, hubDb.url, sandbox.url) },
      {
        name: 'ingress',
        env: ingressSalesforceEnv(prefix, hubDb.url, sandbox),
      },
      {
        name: 'projector-odoo',
        env: projectorOdooEnv(prefix, hubDb.url, key, run),
      },
    ]);
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.kill()));
    if (key) await odoo.revokeApiKey(key.id).catch(() => undefined);
    await db?.end();
    await hubDb?.drop();
    await sandbox?.close();
  });

  it('follows an Odoo partner from its Debezium change through odoo-cdc and projector-salesforce to the Salesforce call', async () => {
    // A new consumer group reads odoo.changes from its start: once a first partner has landed, that backlog is behind
    // the projector, and the traced partner's write is a batch of its own, whose call is in its trace. (A write that
    // shares a call is in the trace of the batch's first record, linked from the others: see micro-batcher.ts.)
    const first = await insertPartner(db, { name: `Warm-up Co ${run}`, is_company: true });
    await eventually(
      async () => (await sf.query(`SELECT Id FROM Account WHERE Odoo_Id__c = 'odoo-partner-${first}'`))[0],
      120_000,
      'the first Account, after the backlog',
    );
    const company = await insertPartner(db, { name: `Traced Co ${run}`, is_company: true, city: 'Ghent' });
    const canonicalId = `odoo-partner-${company}`;
    await eventually(
      async () => (await sf.query(`SELECT Id FROM Account WHERE Odoo_Id__c = '${canonicalId}'`))[0],
      60_000,
      'the Account',
    );

    const sandboxPort = Number(new URL(sandbox.url).port);
    // Each app exports its spans on its own schedule: the trace is complete once odoo-cdc's hop and the applied write
    // are in it.
    const tags = { 'hub.canonical_id': canonicalId };
    const traceId = await eventually(
      async () =>
        (await traces('projector-salesforce', tags)).find((t) => {
          const h = hopsOf(t);
          return (
            h.some((s) => s.service === 'odoo-cdc' && s.name === 'process odoo.changes') &&
            h.some((s) => s.service === 'projector-salesforce' && s.tags['hub.outcome'] === 'applied')
          );
        })?.traceID,
      60_000,
      `the trace of ${canonicalId} with every hop`,
    );
    const hops = hopsOf((await traces('projector-salesforce', tags)).find((t) => t.traceID === traceId)!);
    const isSalesforceCall = (h: Hop) =>
      h.service === 'projector-salesforce' && h.tags['span.kind'] === 'client' && h.tags['server.port'] === sandboxPort;
    // The HTTP call: in the record's own trace when its write opened the batch, else in the trace of the record that
    // did, whose `send batch` span links to this trace (a call carries many records, a span has one parent).
    const callHops = hops.some(isSalesforceCall) ? hops : await batchLinkedTo(traceId, isSalesforceCall);

    // odoo-cdc: the Debezium record with Odoo's commit time, and the canonical record it published.
    const change = hops.find((h) => h.service === 'odoo-cdc' && h.name === 'process odoo.changes');
    expect(change?.tags).toMatchObject({
      'messaging.system': 'kafka',
      'hub.source_system': 'ODOO',
      'hub.source_commit_time': expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const created = hops.find((h) => h.service === 'odoo-cdc' && h.name === `create ${prefix}customer.v1`)!;
    expect(created.tags).toMatchObject({
      'span.kind': 'producer',
      'messaging.destination.name': `${prefix}customer.v1`,
      'hub.canonical_id': canonicalId,
      'hub.source_system': 'ODOO',
      'hub.source_position': expect.stringMatching(/^\d+$/),
    });
    expect(isChildOf(hops, created, (h) => h === change)).toBe(true);

    // projector-salesforce: the record consumed from Kafka, then its HTTP call to Salesforce.
    // (A write that waited for its turn shows one consumer span per attempt; the applied one is the last.)
    const processed = hops.find(
      (h) =>
        h.service === 'projector-salesforce' &&
        h.name === `process ${prefix}customer.v1` &&
        h.tags['hub.outcome'] === 'applied',
    )!;
    expect(processed.tags).toMatchObject({
      'span.kind': 'consumer',
      'messaging.operation.type': 'process',
      'messaging.consumer.group.name': expect.stringContaining(`${prefix}projector-salesforce`),
      'hub.canonical_id': canonicalId,
      'hub.outcome': 'applied',
    });
    expect(isChildOf(hops, processed, (h) => h === created)).toBe(true);
    const call = callHops.find(isSalesforceCall)!;
    expect(call.tags).toMatchObject({
      'http.request.method': expect.stringMatching(/^(GET|POST|PATCH)$/),
      'url.full': expect.stringContaining(sandbox.url),
      'http.response.status_code': expect.any(Number),
    });
    expect(isChildOf(callHops, call, (h) => h.service === 'projector-salesforce')).toBe(true);
    expect([...new Set(hops.map((h) => h.service))]).toEqual(
      expect.arrayContaining(['odoo-cdc', 'projector-salesforce']),
    );
  });

  it('keeps a dead-lettered record and its replay in the record’s trace', async () => {
    const projector = apps[1];
    const company = await insertPartner(db, { name: `Refused Co ${run}`, is_company: true });
    const canonicalId = `odoo-partner-${company}`;
    await eventually(
      async () => (await sf.query(`SELECT Id FROM Account WHERE Odoo_Id__c = '${canonicalId}'`))[0],
      60_000,
      'the Account',
    );
    // An account number longer than Salesforce's 40 characters: refused for good (STRING_TOO_LONG), dead-lettered.
    await db.query(`UPDATE res_partner SET ref = $1, write_date = now() at time zone 'utc' WHERE id = $2`, [
      'R'.repeat(60),
      company,
    ]);
    const parked = await eventually(
      async () => {
        const res = await fetch(`${projector.url}/dead-letters?reason=REJECTED_BY_TARGET`, { headers: operatorAuth() });
        const { entries } = (await res.json()) as { entries: { partition: number; offset: string; key: string }[] };
        return entries.find((e) => e.key === canonicalId);
      },
      60_000,
      'the dead letter',
    );
    const replay = await fetch(`${projector.url}/dead-letters/replay`, {
      method: 'POST',
      headers: { ...operatorAuth(), 'content-type': 'application/json' },
      body: JSON.stringify({ offsets: [`${parked.partition}:${parked.offset}`] }),
    });
    expect(((await replay.json()) as { replayed: number }).replayed).toBe(1);

    const replayTopic = `${prefix}dlq.projector-salesforce.replay`;
    const hops = await traceWhere(
      'projector-salesforce',
      { 'hub.canonical_id': canonicalId, 'hub.outcome': 'dead-lettered' },
      (h) => h.some((s) => s.name === `process ${replayTopic}`),
    );
    const failed = hops.find(
      (h) => h.name === `process ${prefix}customer.v1` && h.tags['hub.outcome'] === 'dead-lettered',
    )!;
    expect(failed.tags).toMatchObject({ 'hub.canonical_id': canonicalId, error: true });
    const replayed = hops.find((h) => h.name === `create ${replayTopic}`)!;
    expect(replayed.tags).toMatchObject({ 'span.kind': 'producer', 'hub.dlq_reason': 'REJECTED_BY_TARGET' });
    expect(isChildOf(hops, replayed, (h) => h === failed)).toBe(true);
    const again = hops.find((h) => h.name === `process ${replayTopic}`)!;
    expect(again.tags).toMatchObject({ 'hub.canonical_id': canonicalId });
    expect(isChildOf(hops, again, (h) => h === replayed)).toBe(true);
  });

  it('follows a rep’s activated Salesforce order from its change event through ingress and projector-odoo to the Odoo calls', async () => {
    const sku = `${run}-TRACED`;
    const product = await insertProduct(db, `Traced part ${run}`, '12.00', sku);
    await insertStock(db, product, '50');
    const account = String(
      (await rep.sobject('Account').create({ Name: `Traced Rep ${run}`, BillingCountry: 'BE' })).id,
    );
    await eventually(() => linkOf(`salesforce_account_${account}`), 90_000, 'the Odoo partner of the rep’s Account');

    const product2 = String(
      (await rep.sobject('Product2').create({ Name: `Traced part ${run}`, ProductCode: sku, IsActive: true })).id,
    );
    const [pricebook] = (await rep.query<{ Id: string }>('SELECT Id FROM Pricebook2 WHERE IsStandard = true')).records;
    const entry = String(
      (
        await rep
          .sobject('PricebookEntry')
          .create({ Pricebook2Id: pricebook.Id, Product2Id: product2, UnitPrice: 12, IsActive: true })
      ).id,
    );
    const order = String(
      (
        await rep.sobject('Order').create({
          AccountId: account,
          Pricebook2Id: pricebook.Id,
          EffectiveDate: '2026-12-05',
          Status: 'Draft',
          Name: `Traced Order ${run}`,
        })
      ).id,
    );
    await rep.sobject('OrderItem').create({ OrderId: order, PricebookEntryId: entry, Quantity: 3, UnitPrice: 12 });
    await rep.sobject('Order').update({ Id: order, Status: 'Activated' });
    await eventually(() => linkOf(`salesforce_order_${order}`), 90_000, 'the Odoo sale order');

    const odooPort = Number(new URL(odoo.url).port);
    const hops = await traceWhere(
      'ingress',
      { 'hub.salesforce.record_ids': order },
      (h) =>
        // A consumer span ends (and is exported) after the calls it made: wait for it, not only for the calls.
        h.some(
          (s) =>
            s.service === 'projector-odoo' && s.tags['span.kind'] === 'client' && s.tags['server.port'] === odooPort,
        ) &&
        h.some(
          (s) =>
            s.service === 'projector-odoo' &&
            s.name === `process ${prefix}order-submission.v1` &&
            s.tags['hub.outcome'] === 'applied',
        ) &&
        h.some((s) => s.service === 'ingress' && s.tags['span.kind'] === 'consumer'),
    );

    // ingress: the change event with its replay id and commit time, and the order submission it published.
    const change = hops.find((h) => h.service === 'ingress' && h.tags['span.kind'] === 'consumer')!;
    expect(change.tags).toMatchObject({
      'messaging.destination.name': expect.stringContaining('Order'),
      'hub.source_system': 'SALESFORCE',
      'hub.source_position': expect.stringMatching(/^\d+$/),
      'hub.source_commit_time': expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const created = hops.find((h) => h.service === 'ingress' && h.name === `create ${prefix}order-submission.v1`)!;
    expect(created.tags).toMatchObject({ 'span.kind': 'producer', 'hub.source_system': 'SALESFORCE' });
    expect(isChildOf(hops, created, (h) => h === change)).toBe(true);
    const submissionId = created.tags['hub.canonical_id'];

    // projector-odoo: the submission consumed, then its JSON-RPC / JSON-2 calls to Odoo.
    const processed = hops.find(
      (h) =>
        h.service === 'projector-odoo' &&
        h.name === `process ${prefix}order-submission.v1` &&
        h.tags['hub.outcome'] === 'applied',
    )!;
    expect(processed.tags).toMatchObject({ 'hub.canonical_id': submissionId, 'hub.outcome': 'applied' });
    expect(isChildOf(hops, processed, (h) => h === created)).toBe(true);
    const calls = hops.filter(
      (h) => h.service === 'projector-odoo' && h.tags['span.kind'] === 'client' && h.tags['server.port'] === odooPort,
    );
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((c) => c.tags['http.request.method'] === 'POST')).toBe(true);
    expect([...new Set(hops.map((h) => h.service))]).toEqual(expect.arrayContaining(['ingress', 'projector-odoo']));
  });

  it('keeps an order the work queue holds in its trace: the exception projector-odoo publishes from its outbox', async () => {
    // A product Salesforce sells and Odoo does not know: the order becomes an unknown-SKU exception in the work queue,
    // which the outbox publishes later, from its own poll, in the trace of the intake that raised it.
    const account = String(
      (await rep.sobject('Account').create({ Name: `Traced Held ${run}`, BillingCountry: 'BE' })).id,
    );
    await eventually(() => linkOf(`salesforce_account_${account}`), 90_000, 'the Odoo partner of the rep’s Account');
    const product2 = String(
      (
        await rep
          .sobject('Product2')
          .create({ Name: `Unknown part ${run}`, ProductCode: `${run}-NOPE`, IsActive: true })
      ).id,
    );
    const [pricebook] = (await rep.query<{ Id: string }>('SELECT Id FROM Pricebook2 WHERE IsStandard = true')).records;
    const entry = String(
      (
        await rep
          .sobject('PricebookEntry')
          .create({ Pricebook2Id: pricebook.Id, Product2Id: product2, UnitPrice: 5, IsActive: true })
      ).id,
    );
    const order = String(
      (
        await rep.sobject('Order').create({
          AccountId: account,
          Pricebook2Id: pricebook.Id,
          EffectiveDate: '2026-12-05',
          Status: 'Draft',
          Name: `Held Order ${run}`,
        })
      ).id,
    );
    await rep.sobject('OrderItem').create({ OrderId: order, PricebookEntryId: entry, Quantity: 1, UnitPrice: 5 });
    await rep.sobject('Order').update({ Id: order, Status: 'Activated' });

    const published = `create ${prefix}order-exception.v1`;
    const hops = await traceWhere('ingress', { 'hub.salesforce.record_ids': order }, (h) =>
      h.some((s) => s.service === 'projector-odoo' && s.name === published),
    );
    const exception = hops.find((h) => h.service === 'projector-odoo' && h.name === published)!;
    expect(exception.tags).toMatchObject({ 'span.kind': 'producer', 'hub.source_system': 'HUB' });
    // The same trace holds the change event ingress read and the submission projector-odoo processed.
    expect(hops.some((h) => h.service === 'ingress' && h.tags['span.kind'] === 'consumer')).toBe(true);
    expect(hops.some((h) => h.service === 'projector-odoo' && h.name === `process ${prefix}order-submission.v1`)).toBe(
      true,
    );
  });
});
