import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CanonicalEventOf } from '@hub/canonical';
import { FieldOwnership } from '@hub/canonical';
import { DEFAULT_BREAKER_OPTIONS, PermanentError, TargetBreaker, TransientError } from '@hub/resilience';
import { ParentTracker } from './parent-tracker';
import { ProjectionEngine } from './projection-engine';
import { TargetWriter } from './target-writer';
import { InMemoryPositions, InMemoryTarget, PassThroughMapping, silentLog } from './testing/in-memory';
import { WriteAuditRecord, WriteAuditSink } from './write-audit.port';

const ownership = FieldOwnership.parse(readFileSync(join(__dirname, '../../../config/ownership.yaml'), 'utf8'));

let seq = 0;
const customer = (n: number, name: string, position: number): CanonicalEventOf => {
  const id = `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;
  return {
    eventType: 'customer.upserted',
    eventId: id,
    value: {
      envelope: {
        eventId: id,
        eventType: 'customer.upserted',
        aggregateId: `odoo-c-${n}`,
        occurredAt: 0,
        sourceSystem: 'ODOO',
        sourceTable: null,
        sourcePrimaryKey: `odoo-c-${n}`,
        sourcePosition: position,
        sourceTransactionId: null,
        schemaVersion: 1,
      },
      customer: { id: `odoo-c-${n}`, name, email: null, phone: null },
    },
  } as unknown as CanonicalEventOf;
};

class RecordingSink extends WriteAuditSink {
  readonly records: WriteAuditRecord[] = [];
  calls = 0;
  failing = false;
  async recordWrites(records: WriteAuditRecord[]): Promise<void> {
    this.calls++;
    if (this.failing) throw new Error('audit table unavailable');
    this.records.push(...records);
  }
}

function setup() {
  const target = new InMemoryTarget('support', { maxBatchSize: 3, lingerMs: () => 5, parentWaitMs: 300 });
  const positions = new InMemoryPositions();
  const breaker = new TargetBreaker({ ...DEFAULT_BREAKER_OPTIONS, name: 'memory', resetTimeoutMs: 200 });
  const sink = new RecordingSink();
  const writer = new TargetWriter(
    target,
    positions,
    new ParentTracker(positions, () => true, 300),
    breaker,
    undefined,
    silentLog,
    sink,
  );
  const engine = new ProjectionEngine(target, new PassThroughMapping(), writer, positions, ownership);
  return { target, positions, breaker, sink, engine };
}

describe('TargetWriter audit sink', () => {
  let env: ReturnType<typeof setup>;
  beforeEach(() => (env = setup()));
  afterEach(() => env.breaker.shutdown());

  it('reports each call’s writes in one call of the sink, with what was sent and the event’s coordinates', async () => {
    await Promise.all([1, 2, 3].map((n) => env.engine.apply(customer(n, `Company ${n}`, 10))));
    expect(env.target.calls).toHaveLength(1);
    expect(env.sink.calls).toBe(1);
    expect(env.sink.records).toHaveLength(3);
    expect(env.sink.records[0]).toMatchObject({
      object: 'Customer',
      key: 'odoo-c-1',
      canonicalId: 'odoo-c-1',
      source: 'odoo',
      position: 10,
      outcome: 'applied',
      reason: null,
      fields: expect.objectContaining({ name: 'Company 1' }),
    });
    expect(env.sink.records[0].eventId).toMatch(/^00000000-0000-4000-8000-/);
  });

  it('reports a stale write as skipped and a refused one as failed with its reason', async () => {
    await env.engine.apply(customer(1, 'new', 200));
    await env.engine.apply(customer(1, 'old', 100));
    expect(env.sink.records.at(-1)).toMatchObject({ key: 'odoo-c-1', outcome: 'stale', fields: {} });

    env.target.refuse = (w) =>
      w.key === 'odoo-c-9'
        ? { ok: false, error: new PermanentError('REJECTED_BY_TARGET', 'Name: required field missing') }
        : undefined;
    await expect(env.engine.apply(customer(9, '', 10))).rejects.toBeInstanceOf(PermanentError);
    expect(env.sink.records.at(-1)).toMatchObject({
      key: 'odoo-c-9',
      outcome: 'failed',
      reason: expect.stringContaining('Name: required field missing'),
    });
  });

  it('does not acknowledge a write whose entry was not stored: it fails as transient and lands with it on retry', async () => {
    env.sink.failing = true;
    await expect(env.engine.apply(customer(4, 'Company 4', 10))).rejects.toBeInstanceOf(TransientError);
    // The guard was not told: the retry sends the record again and records it.
    const guard = [{ scope: 'Customer:Customer', key: 'odoo-c-4', source: 'odoo' }];
    expect((await env.positions.lastAppliedMany(guard)).size).toBe(0);
    env.sink.failing = false;
    await env.engine.apply(customer(4, 'Company 4', 10));
    expect(env.sink.records).toEqual([expect.objectContaining({ key: 'odoo-c-4', outcome: 'applied' })]);
    expect((await env.positions.lastAppliedMany(guard)).size).toBe(1);
    expect(env.target.calls).toHaveLength(2);
  });
});
