import type { Producer } from 'kafkajs';
import {
  CanonicalCodec,
  CanonicalPublisher,
  CanonicalValue,
  deterministicEventId,
  fieldOwnership,
  odooPartnerCanonicalId,
} from '@hub/canonical';
import { eventually, RunningApp, startAppInstances } from '../../scripts/lib/app-process';
import { startSalesforceSandbox, SalesforceSandbox } from '../../sandboxes/salesforce/salesforce-sandbox';
import { SandboxClient } from '../../sandboxes/salesforce/sandbox.client';
import { projectorSalesforceEnv } from './support/app-env';
import { kafka } from './support/kafka';
import { createHubDatabase, runId, stack } from './support/stack';

const CUSTOMERS = Number(process.env.HUB_SCALE_CUSTOMERS ?? 3_000);
const VERSIONS = 3;
const INSTANCES = 3;

/**
 * Scale-out: three projector-salesforce instances in one consumer group share the six partitions of the customer
 * topic. Every customer is published in three versions, in order; one instance is killed (SIGKILL) while they are
 * applied. The other two take its partitions over: every customer ends in Salesforce once, with its last version,
 * and no Account ever received an older version after a newer one (read from the sandbox's own change events).
 */
describe(`${INSTANCES} projector instances, one killed mid-run`, () => {
  const run = runId('scale');
  const prefix = `it-${run}.`;
  let hubDb: Awaited<ReturnType<typeof createHubDatabase>>;
  let sandbox: SalesforceSandbox;
  let sf: SandboxClient;
  let producer: Producer;
  let publisher: CanonicalPublisher;
  let apps: RunningApp[] = [];

  beforeAll(async () => {
    hubDb = await createHubDatabase(`hub_${run.replace(/-/g, '_')}`);
    sandbox = await startSalesforceSandbox({ port: 0, apiRequestLimit: 10_000_000 });
    sf = new SandboxClient(sandbox.url);
    const codec = CanonicalCodec.connect(stack().registry.url, prefix);
    await codec.registerProducerSchemas('odoo-cdc', ['customer']);
    producer = kafka().producer({ idempotent: true });
    await producer.connect();
    publisher = new CanonicalPublisher(producer, codec, {
      app: 'odoo-cdc',
      owner: { system: 'odoo', ownership: fieldOwnership() },
    });
    apps = await startAppInstances(
      'projector-salesforce',
      INSTANCES,
      projectorSalesforceEnv(prefix, hubDb.url, sandbox.url, { LOG_LEVEL: 'info' }),
    );
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.kill()));
    await producer?.disconnect();
    await sandbox?.close();
    await hubDb?.drop();
  });

  const partnerId = (n: number) => 900_000 + n;
  const nameOf = (n: number, version: number) => `Scale ${run} ${n} v${version}`;
  const customerEvent = (n: number, version: number): CanonicalValue<'customer'> => {
    const id = odooPartnerCanonicalId(partnerId(n));
    const position = version * 10_000_000 + n;
    return {
      envelope: {
        eventId: deterministicEventId('it-scale', id, position),
        eventType: 'customer.upserted',
        aggregateId: id,
        occurredAt: Date.now(),
        sourceSystem: 'ODOO',
        sourceTable: 'res_partner',
        sourcePrimaryKey: String(partnerId(n)),
        sourcePosition: position,
        sourceTransactionId: null,
        sourceEventId: null,
        schemaVersion: 1,
      },
      customer: {
        id,
        odooId: partnerId(n),
        salesforceId: null,
        name: nameOf(n, version),
        reference: null,
        vat: null,
        email: `scale${n}@example.com`,
        phone: null,
        website: null,
        address: null,
        industry: null,
        active: true,
      },
    };
  };

  it(
    'applies every customer once, its versions in order, while the group loses a member',
    async () => {
      const started = Date.now();
      for (let version = 1; version <= VERSIONS; version++) {
        for (let from = 0; from < CUSTOMERS; from += 500) {
          const chunk = Array.from({ length: Math.min(500, CUSTOMERS - from) }, (_, i) => from + i);
          await publisher.publish(
            chunk.map((n) => ({
              topic: 'customer',
              key: odooPartnerCanonicalId(partnerId(n)),
              value: customerEvent(n, version),
            })),
          );
        }
      }
      const accountsOfRun = async () =>
        (await sf.records<{ Id: string; Name: string; Odoo_Id__c: string }>('Account')).filter((a) =>
          a.Name.startsWith(`Scale ${run} `),
        );

      // Kill one member while the load is under way: a third of the customers are in Salesforce, none finished.
      await eventually(
        async () => ((await accountsOfRun()).length >= CUSTOMERS / 3 ? true : undefined),
        5 * 60_000,
        'a third of the customers in the sandbox',
      );
      const killedAfter = (Date.now() - started) / 1000;
      await apps[0].kill();

      const accounts = await eventually(
        async () => {
          const all = await accountsOfRun();
          return all.length >= CUSTOMERS && all.every((a) => a.Name.endsWith(` v${VERSIONS}`)) ? all : undefined;
        },
        10 * 60_000,
        `${CUSTOMERS} customers at version ${VERSIONS}`,
      );
      const seconds = (Date.now() - started) / 1000;

      // Once: one Account per customer.
      expect(accounts).toHaveLength(CUSTOMERS);
      expect(new Set(accounts.map((a) => a.Odoo_Id__c)).size).toBe(CUSTOMERS);
      // In order per key: the names each Account was given, as the sandbox recorded its writes, never go back.
      const versionsById = new Map<string, number[]>();
      const nameVersion = (name: unknown) => Number(/ v(\d+)$/.exec(String(name))?.[1]);
      for (const event of await sf.changeEvents('/data/AccountChangeEvent')) {
        const name = event.payload.Name;
        if (typeof name !== 'string' || !name.startsWith(`Scale ${run} `)) continue;
        for (const id of event.header.recordIds)
          versionsById.set(id, [...(versionsById.get(id) ?? []), nameVersion(name)]);
      }
      const backwards = [...versionsById.entries()].filter(([, v]) => v.some((x, i) => i > 0 && x < v[i - 1]));
      expect(backwards).toEqual([]);
      expect(versionsById.size).toBe(CUSTOMERS);

      const events = CUSTOMERS * VERSIONS;
      process.stdout.write(
        `\nprojector scale-out: ${INSTANCES} instances (one killed after ${killedAfter.toFixed(1)} s), ${events} events of ${CUSTOMERS} customers in ${seconds.toFixed(1)} s (${Math.round(events / seconds)}/s)\n`,
      );
    },
    20 * 60_000,
  );
});
