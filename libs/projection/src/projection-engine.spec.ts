import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CanonicalEventOf } from '@hub/canonical';
import { FieldOwnership } from '@hub/canonical';
import {
  CarriedOverError,
  DEFAULT_BREAKER_OPTIONS,
  DeferredError,
  PermanentError,
  PermanentErrorCode,
  TargetBreaker,
  TransientError,
} from '@hub/resilience';
import { ParentTracker } from './parent-tracker';
import { ProjectionEngine } from './projection-engine';
import type { TargetLimits } from './target.port';
import { flowEndsAfter, newestWithin, TargetWriter } from './target-writer';
import { InMemoryPositions, InMemoryTarget, PassThroughMapping, silentLog } from './testing/in-memory';

// The hub's ownership table, with two Customer fields given to Salesforce: events from both sources then share
// a record, each owning some of its fields.
const ownershipText = readFileSync(join(__dirname, '../../../config/ownership.yaml'), 'utf8').replace(
  /(\n {2}Customer:\n(?: {4}.*\n)*?) {4}email: origin\n {4}phone: origin\n/,
  '$1    email: salesforce\n    phone: salesforce\n',
);
const ownership = FieldOwnership.parse(ownershipText);

let seq = 0;
function event(
  eventType: string,
  entityField: string,
  entity: Record<string, unknown> | null,
  opts: { source?: 'ODOO' | 'SALESFORCE'; position?: number; id?: string } = {},
): CanonicalEventOf {
  const aggregateId = opts.id ?? String(entity?.id);
  return {
    eventType,
    eventId: `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`,
    value: {
      envelope: {
        eventId: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
        eventType,
        aggregateId,
        occurredAt: 0,
        sourceSystem: opts.source ?? 'ODOO',
        sourceTable: null,
        sourcePrimaryKey: aggregateId,
        sourcePosition: opts.position ?? 100,
        sourceTransactionId: null,
        schemaVersion: 1,
      },
      [entityField]: entity,
    },
  } as unknown as CanonicalEventOf;
}

const customer = (n: number, extra: Record<string, unknown> = {}, opts = {}) =>
  event(
    'customer.upserted',
    'customer',
    { id: `odoo-c-${n}`, name: `Company ${n}`, email: null, phone: null, ...extra },
    opts,
  );
const contact = (n: number, customerId: string, opts = {}) =>
  event('contact.upserted', 'contact', { id: `odoo-p-${n}`, customerId, name: `Person ${n}` }, opts);
const order = (n: number, lines: string[], opts = {}) =>
  event(
    'sales-order.upserted',
    'salesOrder',
    { id: `o-${n}`, name: `SO${n}`, lines: lines.map((id) => ({ id, quantity: '1.0000' })) },
    opts,
  );

function setup(limits: TargetLimits = { maxBatchSize: 3, lingerMs: () => 5, parentWaitMs: 300 }) {
  const target = new InMemoryTarget('support', limits);
  const positions = new InMemoryPositions();
  const breaker = new TargetBreaker({
    ...DEFAULT_BREAKER_OPTIONS,
    name: 'memory',
    volumeThreshold: 2,
    resetTimeoutMs: 200,
  });
  const mapping = new PassThroughMapping();
  const writer = new TargetWriter(
    target,
    positions,
    new ParentTracker(positions, () => true, limits.parentWaitMs),
    breaker,
    undefined,
    silentLog,
  );
  const engine = new ProjectionEngine(target, mapping, writer, positions, ownership);
  return { target, positions, breaker, writer, engine, mapping };
}

describe('ProjectionEngine against an in-memory target', () => {
  let env: ReturnType<typeof setup>;
  beforeEach(() => (env = setup()));
  afterEach(() => env.breaker.shutdown());

  it('groups concurrent events of one object into calls of at most the target batch size', async () => {
    await Promise.all(Array.from({ length: 7 }, (_, i) => env.engine.apply(customer(i))));
    expect(env.target.calls.map((c) => c.keys.length)).toEqual([3, 3, 1]);
    expect(env.target.records.size).toBe(7);
    expect(env.engine.metrics).toMatchObject({ events: 7, applied: 7 });
  });

  it('applies the versions of one record in order, never two at once', async () => {
    await Promise.all([
      env.engine.apply(customer(1, { name: 'first' }, { position: 10 })),
      env.engine.apply(customer(1, { name: 'second' }, { position: 20 })),
    ]);
    const [a, b] = env.target.calls;
    expect(b.startedAt).toBeGreaterThanOrEqual(a.endedAt!);
    expect(env.target.records.get('Customer/odoo-c-1')).toMatchObject({ name: 'second' });
  });

  it('drops an event older than what was applied from the same source', async () => {
    await env.engine.apply(customer(1, { name: 'new' }, { position: 200 }));
    await env.engine.apply(customer(1, { name: 'replayed old' }, { position: 150 }));
    expect(env.target.records.get('Customer/odoo-c-1')).toMatchObject({ name: 'new' });
    expect(env.engine.metrics.staleSkipped).toBe(1);
    expect(env.target.calls).toHaveLength(1);
  });

  it('merges two sources by ownership: each writes only its own fields, and positions never compare across sources', async () => {
    await env.engine.apply(
      customer(1, { name: 'Odoo name', email: 'odoo@example.test', phone: '1' }, { source: 'ODOO', position: 5_000 }),
    );
    // A Salesforce position far below Odoo's LSN: not stale, because positions of two sources are not comparable.
    await env.engine.apply(
      customer(1, { name: 'SF name', email: 'rep@example.test', phone: '2' }, { source: 'SALESFORCE', position: 7 }),
    );
    await env.engine.apply(
      customer(
        1,
        { name: 'Odoo renamed', email: 'odoo@example.test', phone: '1' },
        { source: 'ODOO', position: 6_000 },
      ),
    );
    expect(env.target.records.get('Customer/odoo-c-1')).toEqual({
      name: 'Odoo renamed',
      email: 'rep@example.test',
      phone: '2',
      odooId: undefined,
    });
    expect(env.engine.metrics.staleSkipped).toBe(0);
  });

  it('gives the fields owned by `origin` to the system the record was created in, per record', async () => {
    // Created in Salesforce: its name and address are Salesforce's; Odoo's event about it writes only VAT and the like.
    const created = (source: 'ODOO' | 'SALESFORCE', name: string, vat: string | null, position: number) =>
      event(
        'customer.upserted',
        'customer',
        { id: 'salesforce-account-001000000000001AAA', name, vat },
        { source, position },
      );
    await env.engine.apply(created('SALESFORCE', 'Rep name', null, 10));
    await env.engine.apply(created('ODOO', 'Odoo spelling', 'BE0477472701', 5_000));
    expect(env.target.records.get('Customer/salesforce-account-001000000000001AAA')).toEqual({
      name: 'Rep name',
      vat: 'BE0477472701',
    });
    // Created in Odoo: the same Odoo event writes the name as well.
    await env.engine.apply(customer(3, { name: 'Odoo name', vat: 'BE1' }, { source: 'ODOO', position: 5_000 }));
    expect(env.target.records.get('Customer/odoo-c-3')).toMatchObject({ name: 'Odoo name', vat: 'BE1' });
  });

  it('writes nothing back to the system that owns every field of the event', async () => {
    const own = setup();
    const supportTarget = new ProjectionEngine(
      new InMemoryTarget('odoo'),
      new PassThroughMapping(),
      own.writer,
      own.positions,
      ownership,
    );
    await supportTarget.apply(customer(1, { name: 'x' }, { source: 'ODOO' }));
    expect(supportTarget.metrics.notOwned).toBe(1);
    own.breaker.shutdown();
  });

  it('defers a child whose parent the hub has not written; read back from the park it waits a moment, then defers again', async () => {
    env.breaker.shutdown();
    env = setup({ maxBatchSize: 3, lingerMs: () => 5, parentWaitMs: 60_000 });
    const first = await env.engine.apply(contact(1, 'odoo-c-9')).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(DeferredError);
    expect(first).toMatchObject({ code: 'PARENT_NOT_WRITTEN_YET', targetUnavailable: true });

    // Parked and read back while the parent is still missing: held in place for a moment, then deferred again,
    // so its park partition moves on; nothing was sent.
    const parkedAt = Date.now();
    const started = Date.now();
    await expect(env.engine.apply(contact(1, 'odoo-c-9'), { parkedAt })).rejects.toBeInstanceOf(DeferredError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    expect(env.target.calls).toHaveLength(0);

    // Read back again; the parent lands while it waits in place: it leaves then, with its sibling in one call.
    const waiting = [contact(1, 'odoo-c-9'), contact(2, 'odoo-c-9')].map((e) => env.engine.apply(e, { parkedAt }));
    await new Promise((r) => setTimeout(r, 300));
    await env.engine.apply(customer(9));
    await Promise.all(waiting);
    expect(env.target.records.get('Contact/odoo-p-1')).toMatchObject({ customerId: 'odoo-c-9' });
    expect(env.target.calls.map((c) => [c.object, c.keys.length])).toEqual([
      ['Customer', 1],
      ['Contact', 2],
    ]);
  });

  it('keeps holding a parked child while its own parent is queued here, past the usual hold', async () => {
    env.breaker.shutdown();
    // Accounts linger longer than a parked child's usual hold (2 s): a busy machine's slow batch, in miniature.
    env = setup({
      maxBatchSize: 3,
      lingerMs: (object?: string) => (object === 'Customer' ? 2_600 : 5),
      parentWaitMs: 60_000,
    });
    const parkedAt = Date.now();
    const account = env.engine.apply(customer(6));
    const child = env.engine.apply(contact(1, 'odoo-c-6'), { parkedAt });
    await Promise.all([account, child]);
    expect(env.writer.metrics.deferred).toBe(0);
    expect(env.target.calls.map((c) => [c.object, c.keys.length])).toEqual([
      ['Customer', 1],
      ['Contact', 1],
    ]);
  });

  it('sends a parked child anyway once it waited parentWaitMs (a parent the hub never writes)', async () => {
    env.target.refuse = () => undefined;
    const parkedLongAgo = Date.now() - 1_000;
    const outcome = await env.engine
      .apply(contact(2, 'odoo-c-unknown'), { parkedAt: parkedLongAgo })
      .catch((e: unknown) => e);
    // The in-memory target refuses a child without its parent, as a real one would: transient, retried by the runner.
    expect(outcome).toBeInstanceOf(TransientError);
    expect(env.target.calls).toHaveLength(1);
  });

  it('removes the children an aggregate lost since the hub last wrote it', async () => {
    await env.engine.apply(order(1, ['l-1', 'l-2', 'l-3'], { position: 10 }));
    expect([...env.target.records.keys()].filter((k) => k.startsWith('SalesOrderLine/'))).toHaveLength(3);
    await env.engine.apply(order(1, ['l-1', 'l-3'], { position: 20 }));
    expect([...env.target.records.keys()].filter((k) => k.startsWith('SalesOrderLine/')).sort()).toEqual([
      'SalesOrderLine/l-1',
      'SalesOrderLine/l-3',
    ]);
    expect(env.engine.metrics.removed).toBe(1);
    await env.engine.apply(order(1, ['l-1', 'l-3'], { position: 30 }));
    expect(env.engine.metrics.removed).toBe(1);
  });

  it("updates the record a source links to one made in the target, by the target's key, never a second one", async () => {
    env.target.records.set('Customer/made-by-a-rep', { targetId: 'T-1', name: 'Rep Co' });
    await env.engine.apply(customer(1, { name: 'Odoo Co', salesforceId: 'T-1' }, { position: 10 }));
    expect(env.target.calls.map((c) => [c.object, c.operation, c.keys])).toEqual([
      ['Customer', 'update', ['odoo-c-1']],
    ]);
    expect([...env.target.records.keys()]).toEqual(['Customer/odoo-c-1']);
    expect(env.target.records.get('Customer/odoo-c-1')).toMatchObject({ targetId: 'T-1', name: 'Odoo Co' });
    // Written under the hub's key: its children do not wait for it, and a later unlinked event finds the same record.
    await env.engine.apply(contact(1, 'odoo-c-1'));
    expect(env.writer.metrics.deferred).toBe(0);
    await env.engine.apply(customer(1, { name: 'Odoo Co renamed' }, { position: 20 }));
    expect(env.target.records.get('Customer/odoo-c-1')).toMatchObject({ targetId: 'T-1', name: 'Odoo Co renamed' });
    expect(env.target.records.size).toBe(2);
  });

  it("writes a linked record by its key when the target never had the record its link names (another org's)", async () => {
    env.target.refuse = (w) =>
      w.linkedBy
        ? {
            ok: false,
            error: new PermanentError(PermanentErrorCode.REJECTED_BY_TARGET, 'invalid cross reference id', {
              vendorCode: 'INVALID_CROSS_REFERENCE_KEY',
            }),
            because: 'unknown-link',
          }
        : undefined;
    const first = await env.engine
      .apply(customer(3, { name: 'Other Org Co', salesforceId: 'T-elsewhere' }, { position: 10 }))
      .catch((e: unknown) => e);
    expect(first).toBeInstanceOf(TransientError);
    expect((first as TransientError).code).toBe('LINKED_RECORD_UNKNOWN');
    // The runner's retry: the same event, now written by the hub's key.
    await env.engine.apply(customer(3, { name: 'Other Org Co', salesforceId: 'T-elsewhere' }, { position: 10 }));
    expect(env.target.calls.map((c) => [c.object, c.operation, c.keys])).toEqual([
      ['Customer', 'update', ['odoo-c-3']],
      ['Customer', 'upsert', ['odoo-c-3']],
    ]);
    expect(env.target.records.get('Customer/odoo-c-3')).toMatchObject({ name: 'Other Org Co' });
    expect(env.writer.metrics.linksGone).toBe(1);
    // Its children find it.
    await env.engine.apply(contact(3, 'odoo-c-3'));
    expect(env.target.records.has('Contact/odoo-p-3')).toBe(true);
  });

  it('fails a write that must find its record (mustExist) when the target never had it, instead of writing it by key', async () => {
    const plan = env.mapping.plan.bind(env.mapping);
    env.mapping.plan = async (...args) =>
      (await plan(...args)).map((step) =>
        step.map((w) => (w.linkedBy ? { ...w, linkedBy: { ...w.linkedBy, mustExist: true } } : w)),
      );
    env.target.refuse = (w) =>
      w.linkedBy
        ? {
            ok: false,
            error: new PermanentError(PermanentErrorCode.REJECTED_BY_TARGET, 'invalid cross reference id', {
              vendorCode: 'INVALID_CROSS_REFERENCE_KEY',
            }),
            because: 'unknown-link',
          }
        : undefined;
    const event3 = () => customer(3, { name: 'Annotated only', salesforceId: 'T-elsewhere' }, { position: 10 });
    expect(await env.engine.apply(event3()).catch((e: unknown) => e)).toBeInstanceOf(PermanentError);
    // A redelivery fails the same way: never an upsert by the hub's key.
    expect(await env.engine.apply(event3()).catch((e: unknown) => e)).toBeInstanceOf(PermanentError);
    expect(env.target.calls.map((c) => c.operation)).toEqual(['update', 'update']);
    expect(env.target.records.size).toBe(0);
    expect(env.writer.metrics.linksGone).toBe(0);
  });

  it('fails a linked write whose target record is not there, and creates nothing', async () => {
    const outcome = await env.engine
      .apply(customer(2, { name: 'Orphan', salesforceId: 'T-gone' }))
      .catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(PermanentError);
    expect(env.target.records.size).toBe(0);
  });

  it('fails only the refused record of a call, with its permanent error; the others land', async () => {
    env.target.refuse = (w) =>
      w.key === 'odoo-c-2'
        ? { ok: false, error: new PermanentError(PermanentErrorCode.REJECTED_BY_TARGET, 'bad', { vendorCode: 'X' }) }
        : undefined;
    const settled = await Promise.allSettled([1, 2, 3].map((n) => env.engine.apply(customer(n))));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(PermanentError);
    expect(env.target.calls).toHaveLength(1);
  });

  it('a flag for a record the target never had is done, not an error', async () => {
    await env.engine.apply(event('customer.deleted', 'customer', null, { id: 'odoo-c-never' }));
    expect(env.engine.metrics.absent).toBe(1);
    expect(env.target.records.size).toBe(0);
  });

  it('opens the breaker when calls keep failing, refuses calls while open, and resumes after its trial call', async () => {
    env.target.down = true;
    for (let i = 0; i < 3; i++) await env.engine.apply(customer(i)).catch(() => undefined);
    expect(env.breaker.state).toBe('open');
    const callsWhileOpen = env.target.calls.length;
    const refused = await env.engine.apply(customer(5)).catch((e: unknown) => e);
    expect(refused).toMatchObject({ targetUnavailable: true });
    expect(env.target.calls).toHaveLength(callsWhileOpen);
    env.target.down = false;
    await new Promise((r) => setTimeout(r, 250));
    await env.engine.apply(customer(5));
    expect(env.breaker.state).toBe('closed');
    expect(env.target.records.has('Customer/odoo-c-5')).toBe(true);
  });

  describe('flowEndsAfter', () => {
    it('is the configured gap for a steady flow or a first burst', () => {
      expect(flowEndsAfter([0, 1, 2, 3], 1_000, 10_000)).toBe(1_000);
      expect(flowEndsAfter([], 1_000, 10_000)).toBe(1_000);
    });
    it('is twice the longest pause between bursts when that is longer, never past the carry window', () => {
      expect(flowEndsAfter([0, 1, 2, 3_000, 3_001], 1_000, 10_000)).toBe(5_996);
      expect(flowEndsAfter([0, 1, 6_000, 6_001], 1_000, 10_000)).toBe(10_000);
    });
  });

  describe('newestWithin', () => {
    it('counts the arrivals within the window of the newest one, none when there are none', () => {
      expect(newestWithin([0, 500, 980, 1_000], 100)).toBe(2);
      expect(newestWithin([0, 500, 980, 1_000], 1_001)).toBe(4);
      expect(newestWithin([], 100)).toBe(0);
    });
  });

  describe('carrying a short remainder over while a bulk flow arrives', () => {
    const carrying: TargetLimits = {
      maxBatchSize: 3,
      lingerMs: () => 5,
      parentWaitMs: 300,
      carryMs: (object) => (object === 'Customer' ? 400 : 0),
    };
    const customers = (from: number, n: number) =>
      Promise.allSettled(Array.from({ length: n }, (_, i) => env.engine.apply(customer(from + i))));

    it('sends the full call at once and gives the short remainder back unattempted, to leave with what follows', async () => {
      env.breaker.shutdown();
      env = setup(carrying);
      const first = await customers(0, 4);
      expect(first.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
      expect((first[3] as PromiseRejectedResult).reason).toBeInstanceOf(CarriedOverError);
      expect(env.target.calls.map((c) => c.keys.length)).toEqual([3]);
      // Fetched again with the records behind it, the remainder fills the next call.
      const second = await customers(3, 3);
      expect(second.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
      expect(env.target.calls.map((c) => c.keys.length)).toEqual([3, 3]);
      expect(env.writer.metrics.carriedOver).toBe(1);
      expect(env.target.records.size).toBe(6);
    });

    it('sends a carried record once it has waited the carry window, short call or not', async () => {
      env.breaker.shutdown();
      env = setup(carrying);
      await customers(0, 4);
      await new Promise((r) => setTimeout(r, 450));
      // The flow goes on (three new records within the window), but customer 3 has waited long enough.
      await customers(10, 3);
      await env.engine.apply(customer(3));
      expect(env.target.calls.map((c) => c.keys.length)).toEqual([3, 3, 1]);
      expect(env.target.records.has('Customer/odoo-c-3')).toBe(true);
    });

    it('stops carrying once the flow has gone quiet: the remainder leaves without waiting out the window', async () => {
      env.breaker.shutdown();
      env = setup({ ...carrying, flowGapMs: () => 100 });
      await customers(0, 4);
      expect(env.target.calls.map((c) => c.keys.length)).toEqual([3]);
      // Fetched again 150 ms later with nothing new behind it: within the carry window, but the flow has ended.
      await new Promise((r) => setTimeout(r, 150));
      await env.engine.apply(customer(3));
      expect(env.target.calls.map((c) => c.keys.length)).toEqual([3, 1]);
      expect(env.writer.metrics.carriedOver).toBe(1);
    });

    it('keeps carrying within the window while the flow still arrives', async () => {
      env.breaker.shutdown();
      env = setup({ ...carrying, flowGapMs: () => 100 });
      await customers(0, 4);
      await new Promise((r) => setTimeout(r, 150));
      // Fetched again with a new record behind it (in Kafka's order, the carried one first): still a flow, and short
      // of a full call, so both go back.
      const again = await Promise.allSettled([3, 10].map((n) => env.engine.apply(customer(n))));
      expect(again.map((s) => s.status)).toEqual(['rejected', 'rejected']);
      expect(env.target.calls.map((c) => c.keys.length)).toEqual([3]);
    });

    it('keeps carrying across a pause between bursts longer than the flow gap, once the flow has shown its rhythm', async () => {
      env.breaker.shutdown();
      env = setup({ ...carrying, flowGapMs: () => 50, carryMs: () => 2_000 });
      // Two bursts 200 ms apart: the flow's pause (200 ms) is four times the configured gap.
      await customers(0, 3);
      await new Promise((r) => setTimeout(r, 200));
      const second = await customers(3, 4);
      expect(second.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
      // Fetched again 150 ms after the burst: past the configured gap, within twice the pause: still carried.
      await new Promise((r) => setTimeout(r, 150));
      const again = await Promise.allSettled([env.engine.apply(customer(6))]);
      expect(again[0].status).toBe('rejected');
      expect((again[0] as PromiseRejectedResult).reason).toBeInstanceOf(CarriedOverError);
      // The third burst joins it in a full call.
      await customers(6, 3);
      expect(env.target.calls.map((c) => c.keys.length)).toEqual([3, 3, 3]);
    });

    it('ends a flow in bursts after twice its longest pause: the last remainder leaves', async () => {
      env.breaker.shutdown();
      env = setup({ ...carrying, flowGapMs: () => 50, carryMs: () => 2_000 });
      await customers(0, 3);
      await new Promise((r) => setTimeout(r, 100));
      await customers(3, 4);
      await new Promise((r) => setTimeout(r, 250));
      await env.engine.apply(customer(6));
      expect(env.target.calls.map((c) => c.keys.length)).toEqual([3, 3, 1]);
    });

    it('sends a write alone after the quiet linger, and a trickle one write at a time: nothing waits for writes not there', async () => {
      env.breaker.shutdown();
      env = setup({ maxBatchSize: 3, lingerMs: () => 2_000, quietLingerMs: () => 5, parentWaitMs: 300 });
      const alone = env.engine.apply(customer(1));
      await new Promise((r) => setTimeout(r, 500));
      expect(env.target.calls.map((c) => c.keys.length)).toEqual([1]);
      await alone;
      // A second change half a second later, as two changes a second come: it does not wait the 2 s linger either.
      const second = env.engine.apply(customer(2));
      await new Promise((r) => setTimeout(r, 500));
      expect(env.target.calls.map((c) => c.keys.length)).toEqual([1, 1]);
      await second;
      // Two that arrive together still share a call.
      await Promise.all([env.engine.apply(customer(3)), env.engine.apply(customer(4))]);
      expect(env.target.calls.map((c) => c.keys.length)).toEqual([1, 1, 2]);
    });

    it('keeps a batch open up to the linger while writes keep arriving within the quiet linger', async () => {
      env.breaker.shutdown();
      env = setup({ maxBatchSize: 100, lingerMs: () => 400, quietLingerMs: () => 60, parentWaitMs: 300 });
      const started = Date.now();
      const all: Promise<void>[] = [];
      // One write every 20 ms for about 600 ms: each arrives within the quiet linger of the one before.
      for (let n = 0; n < 30; n++) {
        all.push(env.engine.apply(customer(n)));
        await new Promise((r) => setTimeout(r, 20));
      }
      await Promise.all(all);
      const sizes = env.target.calls.map((c) => c.keys.length);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(30);
      // The first call left at the linger (400 ms), not after 60 ms: it holds most of the writes of those 400 ms.
      expect(sizes[0]).toBeGreaterThan(10);
      expect(sizes.length).toBeLessThanOrEqual(3);
      expect(Date.now() - started).toBeGreaterThan(400);
    });

    it("sends a change that arrives alone right after a flow at once: it is not the flow's remainder", async () => {
      env.breaker.shutdown();
      env = setup({ ...carrying, lingerMs: () => 20, flowGapMs: () => 300 });
      // A flow of three full calls, all sent.
      await customers(0, 9);
      expect(env.target.calls.map((c) => c.keys.length)).toEqual([3, 3, 3]);
      // 50 ms later, within the flow gap and the carry window, one change alone: it leaves at once.
      await new Promise((r) => setTimeout(r, 50));
      const alone = await Promise.allSettled([env.engine.apply(customer(20))]);
      expect(alone[0].status).toBe('fulfilled');
      expect(env.target.calls.map((c) => c.keys.length)).toEqual([3, 3, 3, 1]);
      expect(env.writer.metrics.carriedOver).toBe(0);
    });

    it('never holds back a single change, nor objects without a carry window', async () => {
      env.breaker.shutdown();
      env = setup(carrying);
      await env.engine.apply(customer(1));
      await Promise.all([1, 2, 3, 4].map((n) => env.engine.apply(contact(n, 'odoo-c-1'))));
      expect(env.target.calls.map((c) => [c.object, c.keys.length])).toEqual([
        ['Customer', 1],
        ['Contact', 3],
        ['Contact', 1],
      ]);
      expect(env.writer.metrics.carriedOver).toBe(0);
    });
  });

  describe('bulk jobs for a large backlog of one object', () => {
    // Customers and contacts go in bulk jobs from 10 held writes on, up to 25 a job; orders never do.
    const bulkLimits: TargetLimits = {
      maxBatchSize: 3,
      lingerMs: () => 5,
      parentWaitMs: 60_000,
      bulk: (object) =>
        object === 'SalesOrder' ? undefined : { threshold: 10, maxBatchSize: 25, lingerMs: 50, timeoutMs: 5_000 },
    };
    const shape = () => env.target.calls.map((c) => [c.object, c.bulk ? 'bulk' : 'call', c.keys.length]);
    const customers = (from: number, n: number) =>
      Promise.allSettled(Array.from({ length: n }, (_, i) => env.engine.apply(customer(from + i))));

    beforeEach(() => {
      env.breaker.shutdown();
      env = setup(bulkLimits);
    });

    it('keeps calls of maxBatchSize below the threshold, and for objects without bulk limits', async () => {
      await customers(0, 9);
      await Promise.all(Array.from({ length: 12 }, (_, i) => env.engine.apply(order(i, []))));
      expect(shape().filter(([, kind]) => kind === 'bulk')).toEqual([]);
      expect(env.target.calls).toHaveLength(3 + 4);
      expect(env.writer.metrics).toMatchObject({ calls: 7, bulkJobs: 0 });
    });

    it('sends a backlog at the threshold in one bulk job, leaving as soon as every held write is in it', async () => {
      const started = Date.now();
      const settled = await customers(0, 20);
      expect(settled.every((s) => s.status === 'fulfilled')).toBe(true);
      expect(shape()).toEqual([['Customer', 'bulk', 20]]);
      // Everything held was in the job: it did not wait out its linger.
      expect(env.target.calls[0].startedAt - started).toBeLessThan(50);
      expect(env.target.records.size).toBe(20);
      expect(env.writer.metrics).toMatchObject({ bulkJobs: 1, bulkRecords: 20, calls: 0, applied: 20 });
      // Positions are recorded as for a call: an older event of the same source is stale.
      await env.engine.apply(customer(3, { name: 'replayed' }, { position: 50 }));
      expect(env.writer.metrics.staleSkipped).toBe(1);
    });

    it('fills jobs up to their maxBatchSize; a rest below the threshold goes in calls', async () => {
      await customers(0, 30);
      expect(shape()).toEqual([
        ['Customer', 'bulk', 25],
        ['Customer', 'call', 3],
        ['Customer', 'call', 2],
      ]);
      expect(new Set(env.target.calls.flatMap((c) => c.keys)).size).toBe(30);
      expect(env.writer.metrics).toMatchObject({ bulkJobs: 1, bulkJobsFailed: 0, calls: 2 });
    });

    it('sends a rest below the threshold in a job of its own when it is at least minJobSize', async () => {
      env.breaker.shutdown();
      env = setup({
        ...bulkLimits,
        bulk: () => ({ threshold: 10, maxBatchSize: 25, minJobSize: 5, lingerMs: 50, timeoutMs: 5_000 }),
      });
      await customers(0, 30);
      await customers(100, 29);
      const calls = shape();
      expect(calls.slice(0, 3)).toEqual([
        ['Customer', 'bulk', 25],
        ['Customer', 'bulk', 5],
        ['Customer', 'bulk', 25],
      ]);
      // 4 left of the second backlog: fewer than minJobSize, so calls.
      expect(calls.slice(3).every(([, kind]) => kind === 'call')).toBe(true);
      expect(calls.slice(3).reduce((n, [, , size]) => n + Number(size), 0)).toBe(4);
      expect(new Set(env.target.calls.flatMap((c) => c.keys)).size).toBe(59);
    });

    it('sends the rest in a job of its own while it is still at the threshold', async () => {
      // 40 held, 25 a job: 15 left, above the threshold of 10.
      env.breaker.shutdown();
      env = setup({
        ...bulkLimits,
        bulk: () => ({ threshold: 10, maxBatchSize: 25, lingerMs: 50, timeoutMs: 5_000 }),
      });
      await customers(0, 40);
      expect(shape()).toEqual([
        ['Customer', 'bulk', 25],
        ['Customer', 'bulk', 15],
      ]);
    });

    it('counts no record of a job under way as backlog: a few records arriving meanwhile go in a call', async () => {
      env.target.latencyMs = 100;
      const job = customers(0, 20);
      await new Promise((r) => setTimeout(r, 30));
      await customers(100, 3);
      await job;
      expect(shape()).toEqual([
        ['Customer', 'bulk', 20],
        ['Customer', 'call', 3],
      ]);
    });

    it("fails only a refused record of a job, with the target's reason; the others land", async () => {
      env.target.refuse = (w) =>
        w.key === 'odoo-c-7'
          ? {
              ok: false,
              error: new PermanentError(PermanentErrorCode.REJECTED_BY_TARGET, 'BillingCity: data value too large', {
                vendorCode: 'STRING_TOO_LONG',
              }),
            }
          : w.key === 'odoo-c-8'
            ? { ok: false, error: new TransientError('UNABLE_TO_LOCK_ROW', 'locked') }
            : undefined;
      const settled = await customers(0, 12);
      expect(shape()).toEqual([['Customer', 'bulk', 12]]);
      const rejected = settled.flatMap((s, i) => (s.status === 'rejected' ? [[i, s.reason as unknown]] : []));
      expect(rejected).toEqual([
        [7, expect.objectContaining({ name: 'PermanentError', vendorCode: 'STRING_TOO_LONG' })],
        [8, expect.objectContaining({ name: 'TransientError', code: 'UNABLE_TO_LOCK_ROW' })],
      ]);
      expect(env.target.records.size).toBe(10);
      expect(env.writer.metrics).toMatchObject({ bulkJobs: 1, recordFailures: 2, applied: 10 });
    });

    it('sends the records of a job that failed as a whole through calls, each exactly once, in the same write', async () => {
      env.target.failBulkJobs = 1;
      const settled = await customers(0, 20);
      expect(settled.every((s) => s.status === 'fulfilled')).toBe(true);
      const [job, ...calls] = env.target.calls;
      expect([job.bulk, job.keys.length]).toEqual([true, 20]);
      expect(calls.every((c) => !c.bulk && c.operation === 'upsert' && c.keys.length <= 3)).toBe(true);
      const sent = calls.flatMap((c) => c.keys).sort();
      expect(sent).toEqual(job.keys.slice().sort());
      expect(new Set(sent).size).toBe(20);
      expect(env.target.records.size).toBe(20);
      expect(env.writer.metrics).toMatchObject({ bulkJobs: 0, bulkJobsFailed: 1, calls: 7, recordsSent: 20 });
    });

    it('sends nothing through calls while the target asks to wait: an open breaker refuses the job and its records', async () => {
      env.target.down = true;
      await customers(100, 6);
      expect(env.breaker.state).toBe('open');
      env.target.down = false;
      const callsBefore = env.target.calls.length;
      const settled = await customers(0, 12);
      expect(
        settled.every((s) => s.status === 'rejected' && (s.reason as TransientError).code === 'BREAKER_OPEN'),
      ).toBe(true);
      expect(env.target.calls).toHaveLength(callsBefore);
      expect(env.writer.metrics).toMatchObject({ bulkJobs: 0, bulkJobsFailed: 0 });
    });

    it('writes parents first: a job holds no child whose parent is not written yet', async () => {
      const parkedAt = Date.now();
      const children = Array.from({ length: 12 }, (_, i) => env.engine.apply(contact(i, `odoo-c-${i}`), { parkedAt }));
      const parents = customers(0, 12);
      await Promise.all([parents, ...children]);
      expect(shape()).toEqual([
        ['Customer', 'bulk', 12],
        ['Contact', 'bulk', 12],
      ]);
      const [accounts, contacts] = env.target.calls;
      expect(contacts.startedAt).toBeGreaterThanOrEqual(accounts.endedAt!);
      expect(env.target.records.size).toBe(24);
      expect(env.writer.metrics).toMatchObject({ recordFailures: 0, deferred: 0 });
    });
  });
});
