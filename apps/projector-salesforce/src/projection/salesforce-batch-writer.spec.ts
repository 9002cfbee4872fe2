import { DEFAULT_BREAKER_OPTIONS, PermanentError, TargetBreaker, TransientError } from '@hub/resilience';
import { PlannedWrite } from '../mapping/salesforce-mapping';
import { ApiBudget } from '../salesforce/api-budget';
import { InMemoryPositions, RecordingSalesforce, refusal, silentLog } from '../testing/fakes';
import { SalesforceBatchWriter, WriteRequest } from './salesforce-batch-writer';

function setup() {
  const salesforce = new RecordingSalesforce();
  const positions = new InMemoryPositions();
  const breaker = new TargetBreaker({ ...DEFAULT_BREAKER_OPTIONS, name: 'test org' });
  const budget = new ApiBudget(() => undefined, {
    softLimitPercent: 80,
    reservePercent: 5,
    horizonMs: 1000,
    probeIntervalMs: 1000,
  });
  const writer = new SalesforceBatchWriter(
    salesforce,
    positions,
    breaker,
    budget,
    { batchSize: 200, lingerMs: () => 5, parentWaitMs: 2_000, tracksParent: (o) => o === 'Account' },
    silentLog,
  );
  return { salesforce, positions, writer, breaker };
}

const account = (n: number, position = 100, extra: Partial<PlannedWrite> = {}): WriteRequest => ({
  entity: 'Customer',
  object: 'Account',
  externalIdField: 'Odoo_Id__c',
  externalId: `odoo-partner-${n}`,
  fields: { Name: `Company ${n}` },
  createOnly: {},
  kind: 'upsert',
  parents: [],
  position,
  eventId: `e-${n}-${position}`,
  ...extra,
});

describe('SalesforceBatchWriter', () => {
  let env: ReturnType<typeof setup>;
  beforeEach(() => (env = setup()));
  afterEach(() => env.breaker.shutdown());

  it('groups concurrent writes of one object into collections calls of at most 200 records', async () => {
    const results = await Promise.all(Array.from({ length: 450 }, (_, i) => env.writer.write(account(i))));
    expect(results.every((r) => r === 'applied')).toBe(true);
    expect(env.salesforce.calls.map((c) => c.records.length)).toEqual([200, 200, 50]);
    expect(env.writer.metrics).toMatchObject({ calls: 3, recordsSent: 450, applied: 450 });
  });

  it('fails only the refused record; the others land and their positions are stored', async () => {
    env.salesforce.refuse = (_o, r) => (r.Odoo_Id__c === 'odoo-partner-2' ? refusal('STRING_TOO_LONG') : undefined);
    const settled = await Promise.allSettled([1, 2, 3].map((n) => env.writer.write(account(n))));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(PermanentError);
    expect(env.salesforce.calls).toHaveLength(1);
    expect([...env.positions.rows.keys()].map((k) => k.split('\u0000')[1]).sort()).toEqual([
      'odoo-partner-1',
      'odoo-partner-3',
    ]);
  });

  it('skips a write older than the last applied one, without calling Salesforce', async () => {
    await env.writer.write(account(1, 200));
    await expect(env.writer.write(account(1, 150))).resolves.toBe('stale');
    await expect(env.writer.write(account(1, 200))).resolves.toBe('applied');
    expect(env.salesforce.calls).toHaveLength(2);
    expect(env.writer.metrics.staleSkipped).toBe(1);
  });

  it('never has two versions of one record in flight, and applies them in order', async () => {
    const [a, b] = await Promise.all([env.writer.write(account(1, 10)), env.writer.write(account(1, 20))]);
    expect([a, b]).toEqual(['applied', 'applied']);
    const [first, second] = env.salesforce.calls;
    expect(first.records).toHaveLength(1);
    expect(second.startedAt).toBeGreaterThanOrEqual(first.endedAt!);
    expect(env.positions.rows.get('Customer:Account\u0000odoo-partner-1')).toBe(20);
  });

  it('sends insert-only fields until the record is known to exist', async () => {
    const entry = (position: number): WriteRequest => ({
      ...account(5, position),
      entity: 'Product',
      object: 'PricebookEntry',
      fields: { UnitPrice: 10 },
      createOnly: { Pricebook2Id: '01sSTD' },
    });
    await env.writer.write(entry(1));
    await env.writer.write(entry(2));
    expect(env.salesforce.calls.map((c) => 'Pricebook2Id' in c.records[0])).toEqual([true, false]);
  });

  it('drops insert-only fields and asks for a retry when Salesforce says the record exists', async () => {
    env.salesforce.refuse = (_o, r) => ('Pricebook2Id' in r ? refusal('INVALID_FIELD_FOR_INSERT_UPDATE') : undefined);
    const entry: WriteRequest = { ...account(6), object: 'PricebookEntry', createOnly: { Pricebook2Id: '01sSTD' } };
    const first = await env.writer.write(entry).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(TransientError);
    await expect(env.writer.write(entry)).resolves.toBe('applied');
  });

  it('treats a delete flag for a record Salesforce never had as done, and a merge before its owner as transient', async () => {
    env.salesforce.refuse = () => refusal('REQUIRED_FIELD_MISSING');
    await expect(env.writer.write(account(7, 1, { kind: 'flag', fields: { Odoo_Deleted__c: true } }))).resolves.toBe(
      'absent',
    );
    const merge = await env.writer.write(account(8, 1, { kind: 'merge' })).catch((e: unknown) => e);
    expect(merge).toMatchObject({ code: 'RECORD_NOT_CREATED_YET' });
  });

  it('fails every record of a call that failed as a whole, with the call error', async () => {
    env.salesforce.upsert = () => Promise.reject(new TransientError('HTTP_503', 'down'));
    const settled = await Promise.allSettled([1, 2].map((n) => env.writer.write(account(n))));
    expect(settled.map((s) => (s as PromiseRejectedResult).reason?.code)).toEqual(['HTTP_503', 'HTTP_503']);
  });

  it('holds a child back until the hub has written the parent it references, then sends it in a later batch', async () => {
    const contact: WriteRequest = {
      ...account(9),
      entity: 'Contact',
      object: 'Contact',
      externalId: 'odoo-partner-10',
      parents: [{ object: 'Account', externalIdField: 'Odoo_Id__c', externalId: 'odoo-partner-9' }],
    };
    const child = env.writer.write(contact);
    await new Promise((r) => setTimeout(r, 100));
    expect(env.salesforce.calls).toHaveLength(0);
    await env.writer.write(account(9));
    await expect(child).resolves.toBe('applied');
    expect(env.salesforce.calls.map((c) => c.object)).toEqual(['Account', 'Contact']);
    expect(env.writer.metrics.heldForParent).toBeGreaterThan(0);
  });

  it('sends a held child anyway once it has waited the parent wait', async () => {
    const orphan: WriteRequest = {
      ...account(11),
      object: 'Contact',
      parents: [{ object: 'Account', externalIdField: 'Odoo_Id__c', externalId: 'never-written' }],
      receivedAt: Date.now() - 5_000,
    };
    await expect(env.writer.write(orphan)).resolves.toBe('applied');
  });

  it('does not wait for a parent referenced by a key the hub does not write it by', async () => {
    const invoice: WriteRequest = {
      ...account(12),
      object: 'Odoo_Invoice__c',
      parents: [{ object: 'Order', externalIdField: 'Odoo_Name__c', externalId: 'S00042' }],
    };
    await expect(env.writer.write(invoice)).resolves.toBe('applied');
    expect(env.writer.metrics.heldForParent).toBe(0);
  });

  it('fails queued writes as a pause, not a dead letter, once shutdown begins', async () => {
    env.writer.beforeApplicationShutdown();
    await expect(env.writer.write(account(13))).rejects.toMatchObject({
      code: 'SHUTTING_DOWN',
      targetUnavailable: true,
    });
    expect(env.salesforce.calls).toHaveLength(0);
  });
});
