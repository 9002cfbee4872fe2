/**
 * The projection engine with projector-salesforce's own mapping, target and jsforce adapter, against the Salesforce
 * sandbox over HTTP: a backlog of Accounts and of Contacts (read back from the park, waiting for their Accounts), as
 * the projector holds it when it reads an initial load, goes through Bulk API jobs. No Kafka: the runner's part
 * (parking, dead letters) is the engine's outcome per event.
 */
import pino from 'pino';
import type { CanonicalEventOf, Contact, Customer } from '@hub/canonical';
import { fieldOwnership } from '@hub/canonical';
import { ParentTracker, ProjectionEngine, TargetLimits, TargetWriter } from '@hub/projection';
import { odooEnvelope } from '@hub/projection/testing/events';
import { InMemoryPositions } from '@hub/projection/testing/in-memory';
import { DEFAULT_BREAKER_OPTIONS, PermanentError, TargetBreaker } from '@hub/resilience';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../../../sandboxes/salesforce/salesforce-sandbox';
import { connectAs } from '../../../../sandboxes/salesforce/pubsub/pubsub.test-client';
import { SandboxClient } from '../../../../sandboxes/salesforce/sandbox.client';
import { defaultMappingPath, SalesforceMapping } from '../mapping/salesforce-mapping';
import { SalesforceTargetMapping } from '../mapping/salesforce-target.mapping';
import { JsforceSalesforceAdapter } from './jsforce-salesforce.adapter';
import { SalesforceTarget } from './salesforce.target';

const COMPANIES = 5_000;
/** Companies whose billing city Salesforce refuses (BillingCity holds 40 characters). */
const REFUSED = new Set([7, 2_007, 4_007]);
const mapping = SalesforceMapping.load(defaultMappingPath(), fieldOwnership());

const customerEvent = (customer: Customer): CanonicalEventOf<'customer.upserted'> => {
  const envelope = odooEnvelope('customer.upserted', customer.id);
  return { eventType: 'customer.upserted', eventId: envelope.eventId, value: { envelope, customer } };
};
const contactEvent = (contact: Contact): CanonicalEventOf<'contact.upserted'> => {
  const envelope = odooEnvelope('contact.upserted', contact.id);
  return { eventType: 'contact.upserted', eventId: envelope.eventId, value: { envelope, contact } };
};

const company = (i: number) =>
  customerEvent({
    id: `odoo-partner-${i}`,
    odooId: i,
    salesforceId: null,
    name: `Bulk Co ${i}`,
    reference: null,
    vat: null,
    email: `co${i}@example.com`,
    phone: null,
    website: null,
    address: {
      street: 'Rue de la Loi 16',
      street2: null,
      zip: '1000',
      city: REFUSED.has(i) ? 'x'.repeat(41) : 'Brussels',
      countryCode: 'BE',
    },
    industry: null,
    active: true,
  });
const buyer = (i: number) =>
  contactEvent({
    id: `odoo-partner-${COMPANIES + i}`,
    odooId: COMPANIES + i,
    salesforceId: null,
    customerId: `odoo-partner-${i}`,
    name: `Buyer of ${i}`,
    jobTitle: 'Buyer',
    email: `buyer${i}@example.com`,
    phone: null,
    mobile: null,
    active: true,
  });

describe('SalesforceTarget under the projection engine: a backlog through Bulk API jobs', () => {
  jest.setTimeout(180_000);
  let sandbox: SalesforceSandbox;
  let sf: SandboxClient;
  let breaker: TargetBreaker;

  /** Wired as projector-salesforce.module.ts does, with SF_BULK_THRESHOLD=2000 and no call budget. */
  function projector() {
    const log = pino({ level: 'silent' });
    const adapter = new JsforceSalesforceAdapter({
      loginUrl: sandbox.url,
      clientId: 'hub-client',
      clientSecret: 'hub-secret',
      apiVersion: '62.0',
      callClient: 'odoo-hub',
      bulk: { pollMs: 500, pollMaxMs: 10_000, timeoutMs: 120_000 },
      log,
    });
    const limits: TargetLimits = {
      maxBatchSize: 200,
      lingerMs: () => 1_000,
      parentWaitMs: 30_000,
      carryMs: () => 3_000,
      flowGapMs: () => 500,
      bulk: () => ({ threshold: 2_000, maxBatchSize: 25_000, lingerMs: 2_000, timeoutMs: 150_000 }),
    };
    const target = new SalesforceTarget(adapter, limits);
    const positions = new InMemoryPositions();
    breaker = new TargetBreaker({ ...DEFAULT_BREAKER_OPTIONS, name: 'sandbox' });
    const parents = new ParentTracker(positions, (o, f) => mapping.writesKeyedBy(o, f), limits.parentWaitMs);
    const writer = new TargetWriter(target, positions, parents, breaker, undefined, log);
    const engine = new ProjectionEngine(
      target,
      new SalesforceTargetMapping(mapping, adapter),
      writer,
      positions,
      fieldOwnership(),
    );
    return { engine, writer };
  }

  /** The load as the projector holds it: every company, and every contact read back from the park. */
  async function load(engine: ProjectionEngine) {
    const parkedAt = Date.now();
    const settled = await Promise.allSettled([
      ...Array.from({ length: COMPANIES }, (_, i) => engine.apply(company(i))),
      ...Array.from({ length: COMPANIES }, (_, i) => engine.apply(buyer(i), { parkedAt })),
    ]);
    return settled.flatMap((s, i) => (s.status === 'rejected' ? [[i, s.reason as Error] as const] : []));
  }

  /** Every record of the load in the org once, but the refused companies' and their contacts'. */
  async function landedOnce() {
    for (const [object, from] of [
      ['Account', 0],
      ['Contact', COMPANIES],
    ] as const) {
      const keys = (await sf.records<{ Odoo_Id__c: string }>(object)).map((r) => r.Odoo_Id__c);
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys.length).toBe(COMPANIES - REFUSED.size);
      for (const i of REFUSED) expect(keys).not.toContain(`odoo-partner-${from + i}`);
    }
  }

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({
      port: 0,
      pubSubPort: null,
      apiRequestLimit: 1_000_000,
      pubSubMaxEvents: 1_000,
    });
    sf = new SandboxClient(sandbox.url);
  });

  afterAll(async () => {
    await sandbox.close();
  });

  beforeEach(() => sf.reset());
  afterEach(() => breaker.shutdown());

  it('writes the Accounts in one job, then the Contacts in another, in a dozen API calls', async () => {
    const { engine, writer } = projector();
    const failed = await load(engine);
    // A refused company is dead-lettered with Salesforce's reason; its contact waits for it (parked again).
    expect(
      failed.map(([i, e]) => [i, e.constructor.name, e instanceof PermanentError ? e.vendorCode : e.message]),
    ).toEqual([
      ...[...REFUSED].map((i) => [i, 'PermanentError', 'STRING_TOO_LONG']),
      ...[...REFUSED].map((i) => [
        COMPANIES + i,
        'DeferredError',
        `Contact odoo-partner-${COMPANIES + i} references Account odoo-partner-${i}, not written by the hub yet`,
      ]),
    ]);
    await landedOnce();
    const { apiCalls, callsByRoute } = await sf.stats();
    expect(callsByRoute['POST /jobs/ingest']).toBe(2);
    expect(apiCalls).toBeLessThanOrEqual(12);
    expect(writer.metrics).toMatchObject({ bulkJobs: 2, bulkJobsFailed: 0, calls: 0 });
  });

  it('sends the records of a job that failed as a whole through sObject Collections, each landing once', async () => {
    await sf.failNextBulkJobs(1);
    const { engine, writer } = projector();
    const failed = await load(engine);
    expect(failed).toHaveLength(2 * REFUSED.size);
    await landedOnce();
    const { callsByRoute } = await sf.stats();
    // The Accounts' job failed: 25 collections calls of 200 instead; the Contacts' job went through.
    expect(callsByRoute['PATCH /composite/sobjects/{sobject}/{field}']).toBe(COMPANIES / 200);
    expect(writer.metrics).toMatchObject({ bulkJobs: 1, bulkJobsFailed: 1, calls: COMPANIES / 200 });
  });
});

describe('SalesforceTarget updating a linked record', () => {
  let sandbox: SalesforceSandbox;
  let sf: SandboxClient;
  let target: SalesforceTarget;

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ port: 0 });
    sf = new SandboxClient(sandbox.url);
    const adapter = new JsforceSalesforceAdapter({
      loginUrl: sandbox.url,
      clientId: 'hub-client',
      clientSecret: 'hub-secret',
      apiVersion: '62.0',
      callClient: 'odoo-hub',
      bulk: { pollMs: 500, pollMaxMs: 10_000, timeoutMs: 60_000 },
      log: pino({ level: 'silent' }),
    });
    target = new SalesforceTarget(adapter, { maxBatchSize: 200, lingerMs: () => 0, parentWaitMs: 0 });
  });
  afterAll(() => sandbox.close());

  const create = async (fields: Record<string, unknown>) =>
    String(((await (await connectAs(sandbox)).sobject('Account').create(fields)) as { id: string }).id);

  const linked = (key: string, id: string, fields: Record<string, unknown>) => ({
    write: {
      object: 'Account',
      keyField: 'Odoo_Id__c',
      key,
      scope: 'Customer:Account',
      fields,
      createOnly: {},
      kind: 'upsert' as const,
      parents: [],
      linkedBy: { field: 'Id', value: id },
    },
    payload: fields,
  });

  it('moves the key from the Account the hub had created to the one Odoo linked its partner to', async () => {
    const hubs = await create({ Name: 'Lupulus (from Odoo)', Odoo_Id__c: 'odoo-partner-77' });
    const reps = await create({ Name: 'Lupulus' });
    const other = await create({ Name: 'Other', Odoo_Id__c: 'odoo-partner-78' });

    const results = await target.apply('Account', 'Odoo_Id__c', 'update', [
      linked('odoo-partner-77', reps, { Phone: '+32 9 555 01 01' }),
    ]);

    expect(results).toEqual([{ ok: true }]);
    const rows = await sf.query<Record<string, unknown>>(
      `SELECT Id, Odoo_Id__c, Phone FROM Account WHERE Id IN ('${hubs}', '${reps}', '${other}')`,
    );
    const byId = new Map(rows.map((r) => [r.Id, r]));
    expect(byId.get(reps)).toMatchObject({ Odoo_Id__c: 'odoo-partner-77', Phone: '+32 9 555 01 01' });
    expect(byId.get(hubs)).toMatchObject({ Odoo_Id__c: null });
    expect(byId.get(other)).toMatchObject({ Odoo_Id__c: 'odoo-partner-78' });
  });

  it('leaves any other refusal as the record’s failure', async () => {
    const reps = await create({ Name: 'Too long a city' });
    const [result] = await target.apply('Account', 'Odoo_Id__c', 'update', [
      linked('odoo-partner-79', reps, { BillingCity: 'x'.repeat(41) }),
    ]);
    expect(result).toMatchObject({ ok: false, error: expect.any(PermanentError) });
  });
});
