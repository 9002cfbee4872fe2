import type { Admin, Producer } from 'kafkajs';
import {
  CanonicalCodec,
  CanonicalPublisher,
  CanonicalValue,
  deterministicEventId,
  fieldOwnership,
  odooPartnerCanonicalId,
} from '@hub/canonical';
import { eventually, ReadyBody, RunningApp, startApps } from '../../scripts/lib/app-process';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandboxes/salesforce/salesforce-sandbox';
import { SandboxClient } from '../../sandboxes/salesforce/sandbox.client';
import { projectorSalesforceEnv } from './support/app-env';
import { kafka } from './support/kafka';
import { scrape } from './support/prometheus';
import { createHubDatabase, runId, stack } from './support/stack';

/**
 * A wedged consumer is never reported healthy. projector-salesforce runs with HUB_STALL_AFTER_MS of 4 s against a
 * Salesforce sandbox that, mid-run, answers every call only after 5 s, beyond the client's 1 s timeout: nothing
 * commits while customers keep arriving, so readiness fails naming the stalled group and hub_consumer_stalled is 1;
 * once Salesforce answers again the records land, commits resume and both recover. Then a topic the consumer reads is
 * deleted under it: kafkajs's consumer crashes (and keeps crashing while kafkajs restarts it), readiness fails naming
 * the crashed group and hub_consumer_up is 0, until the topic is back and the consumer rejoins its group.
 */
describe('consumer stall and crash detection', () => {
  const run = runId('stall');
  const prefix = `it-${run}.`;
  const deadLetters = `${prefix}dlq.projector-salesforce`;
  let hubDb: Awaited<ReturnType<typeof createHubDatabase>>;
  let sandbox: SalesforceSandbox;
  let sf: SandboxClient;
  let producer: Producer;
  let publisher: CanonicalPublisher;
  let admin: Admin;
  let projector: RunningApp;
  let sent = 0;

  beforeAll(async () => {
    hubDb = await createHubDatabase(`hub_${run.replace(/-/g, '_')}`);
    sandbox = await startSalesforceSandbox({ port: 0 });
    sf = new SandboxClient(sandbox.url);
    const codec = CanonicalCodec.connect(stack().registry.url, prefix);
    await codec.registerProducerSchemas('odoo-cdc', ['customer']);
    producer = kafka().producer({ idempotent: true });
    await producer.connect();
    admin = kafka().admin();
    await admin.connect();
    publisher = new CanonicalPublisher(producer, codec, {
      app: 'odoo-cdc',
      owner: { system: 'odoo', ownership: fieldOwnership() },
    });
    [projector] = await startApps([
      {
        name: 'projector-salesforce',
        env: projectorSalesforceEnv(prefix, hubDb.url, sandbox.url, {
          HUB_STALL_AFTER_MS: '4000',
          SF_REQUEST_TIMEOUT_MS: '1000',
          SF_BREAKER_RESET_MS: '1000',
          SF_BREAKER_VOLUME: '3',
        }),
      },
    ]);
  });

  afterAll(async () => {
    await sf?.clearFaults().catch(() => undefined);
    await projector?.kill();
    await producer?.disconnect();
    await admin?.disconnect();
    await sandbox?.close();
    await hubDb?.drop();
  });

  const partnerId = (n: number) => 870_000 + n;
  const customerEvent = (n: number): CanonicalValue<'customer'> => {
    const id = odooPartnerCanonicalId(partnerId(n));
    return {
      envelope: {
        eventId: deterministicEventId('it-stall', id, n),
        eventType: 'customer.upserted',
        aggregateId: id,
        occurredAt: Date.now(),
        sourceSystem: 'ODOO',
        sourceTable: 'res_partner',
        sourcePrimaryKey: String(partnerId(n)),
        sourcePosition: n,
        sourceTransactionId: null,
        sourceEventId: null,
        schemaVersion: 1,
      },
      customer: {
        id,
        odooId: partnerId(n),
        salesforceId: null,
        name: `Stall ${run} ${n}`,
        reference: null,
        vat: null,
        email: null,
        phone: null,
        website: null,
        address: null,
        industry: null,
        active: true,
      },
    };
  };
  const publishCustomers = async (count: number) => {
    const from = sent;
    sent += count;
    await publisher.publish(
      Array.from({ length: count }, (_, i) => ({
        topic: 'customer' as const,
        key: odooPartnerCanonicalId(partnerId(from + i)),
        value: customerEvent(from + i),
      })),
    );
  };
  const accounts = async () =>
    (await sf.records<{ Name: string }>('Account')).filter((a) => a.Name.startsWith(`Stall ${run} `)).length;
  const readiness = async (): Promise<{ status: number; body: ReadyBody }> => {
    const res = await fetch(`${projector.url}/health/ready`);
    return { status: res.status, body: (await res.json()) as ReadyBody };
  };
  /** The consumer lane that reads the customer topic (master data), from the lag it reports. */
  const customerGroup = async () => {
    const lag = (await scrape(projector.url)).find('hub_consumer_lag_records', { topic: `${prefix}customer.v1` });
    expect(lag.length).toBeGreaterThan(0);
    return lag[0].labels.group;
  };

  it('fails readiness naming the stalled group while Salesforce hangs, and recovers once it answers', async () => {
    await publishCustomers(1);
    await eventually(async () => ((await accounts()) === 1 ? true : undefined), 30_000, 'the first account');
    const group = await customerGroup();
    expect((await readiness()).status).toBe(200);
    expect((await scrape(projector.url)).sum('hub_consumer_stalled', { group })).toBe(0);

    await sf.setFaults({ latencyMs: 5_000 });
    await publishCustomers(5);
    const down = await eventually(
      async () => {
        const r = await readiness();
        return r.status === 503 ? r : undefined;
      },
      60_000,
      'readiness to fail',
    );
    const consumer = down.body.error?.consumer as { stalled?: Record<string, { lag: number }> };
    expect(Object.keys(consumer.stalled ?? {})).toContain(group);
    expect(consumer.stalled![group].lag).toBeGreaterThan(0);
    const stalled = await scrape(projector.url);
    expect(stalled.sum('hub_consumer_stalled', { group })).toBe(1);
    expect(stalled.sum('hub_consumer_lag_records', { group })).toBeGreaterThan(0);
    // Stalled is not crashed: the consumer runs, it only cannot get its records through.
    expect(stalled.sum('hub_consumer_up', { group })).toBe(1);

    await sf.clearFaults();
    await eventually(async () => ((await accounts()) === 6 ? true : undefined), 60_000, 'every account');
    // Recovered once every record is committed (a call that timed out may have landed while its record still waits
    // for its retry): ready, nothing stalled, no lag.
    await eventually(
      async () => {
        if ((await readiness()).status !== 200) return undefined;
        const m = await scrape(projector.url);
        return m.sum('hub_consumer_lag_records', { group }) === 0 ? m : undefined;
      },
      90_000,
      'readiness to recover with every record committed',
    );
    expect((await scrape(projector.url)).sum('hub_consumer_stalled', { group })).toBe(0);
  });

  it('fails readiness naming the crashed group when a topic it reads is deleted, until the topic is back', async () => {
    const replayTopic = `${deadLetters}.replay`;
    const before = await scrape(projector.url);
    const group = before.find('hub_consumer_lag_records', { topic: replayTopic })[0]?.labels.group;
    expect(group).toBeDefined();
    expect(before.sum('hub_consumer_up', { group })).toBe(1);

    expect((await readiness()).status).toBe(200);
    await admin.deleteTopics({ topics: [replayTopic] });
    const down = await eventually(
      async () => {
        const r = await readiness();
        return r.status === 503 ? r : undefined;
      },
      60_000,
      'readiness to fail',
    );
    const consumer = down.body.error?.consumer as { crashed?: Record<string, { error: string; crashes: number }> };
    expect(Object.keys(consumer.crashed ?? {})).toContain(group);
    expect(consumer.crashed![group!].error).toMatch(/topic-partition/);
    const crashed = await scrape(projector.url);
    expect(crashed.sum('hub_consumer_up', { group })).toBe(0);
    expect(crashed.sum('hub_consumer_crashes_total', { group })).toBeGreaterThan(0);

    await admin.createTopics({ topics: [{ topic: replayTopic, numPartitions: 1 }], waitForLeaders: true });
    await eventually(
      async () => ((await readiness()).status === 200 ? true : undefined),
      60_000,
      'readiness to recover',
    );
    expect((await scrape(projector.url)).sum('hub_consumer_up', { group })).toBe(1);
    // And it consumes again: a new customer still lands.
    await publishCustomers(1);
    await eventually(
      async () => ((await accounts()) === sent ? true : undefined),
      30_000,
      'the account after the crash',
    );
  });
});
