import type { OutgoingRecord } from '@hub/canonical';
import pino from 'pino';
import { ExceptionOutbox, toOutgoing } from './exception-outbox';
import type { OrderExceptionRepository } from './order-exception.repository';

type Row = Awaited<ReturnType<OrderExceptionRepository['unpublished']>>[number];

const row = (version: string, overrides: Partial<Row> = {}): Row => ({
  id: '0b9f3c1e-7d4a-4e2b-9c51-2f7e8a6b1d30',
  orderId: 'salesforce-order-801Hb0000000001AAA',
  salesforceOrderId: '801Hb0000000001AAA',
  kind: 'credit-hold',
  reason: 'over the credit limit',
  status: 'open',
  submission: {} as Row['submission'],
  context: { credit: { limit: 1000 } },
  ownerId: '005Hb0000000001AAA',
  attempts: 1,
  createdAt: '2026-12-06T08:00:00.000Z',
  updatedAt: '2026-12-06T08:00:01.000Z',
  closedAt: null,
  version,
  closedBy: null,
  closeNote: null,
  traceParent: null,
  ...overrides,
});

/** The repository's outbox half, in memory: rows carry a version and the version published. */
class FakeRows {
  readonly rows = new Map<string, { row: Row; published: bigint }>();
  private listener?: () => void;
  onChange(listener: () => void) {
    this.listener = listener;
  }
  /** A committed change, announced to the outbox as the repository does. */
  change(r: Row) {
    this.store(r);
    this.listener?.();
  }
  /** A committed change nobody announced (another instance's, or one whose announcement was lost). */
  store(r: Row) {
    this.rows.set(r.id, { row: r, published: this.rows.get(r.id)?.published ?? 0n });
  }
  unpublished(limit: number): Promise<Row[]> {
    return Promise.resolve(
      [...this.rows.values()]
        .filter((r) => BigInt(r.row.version) > r.published)
        .sort((a, b) => Number(BigInt(a.row.version) - BigInt(b.row.version)))
        .slice(0, limit)
        .map((r) => r.row),
    );
  }
  markPublished(done: { id: string; version: string }[]): Promise<void> {
    for (const d of done) {
      const r = this.rows.get(d.id)!;
      if (r.published < BigInt(d.version)) r.published = BigInt(d.version);
    }
    return Promise.resolve();
  }
}

describe('ExceptionOutbox', () => {
  it('turns a stored change into the canonical event keyed by the order, positioned by its version', () => {
    const out = toOutgoing(
      row('42', { status: 'discarded', closedAt: '2026-12-06T09:00:00.000Z', closedBy: 'ana', closeNote: 'dup' }),
    );
    expect(out.topic).toBe('order-exception');
    expect(out.key).toBe('salesforce-order-801Hb0000000001AAA');
    expect(out.value?.envelope).toMatchObject({
      eventType: 'order-exception.changed',
      aggregateId: 'salesforce-order-801Hb0000000001AAA',
      sourceSystem: 'HUB',
      sourceTable: 'odoo_order_exception',
      sourcePosition: 42,
      occurredAt: Date.parse('2026-12-06T08:00:01.000Z'),
    });
    expect(out.value?.orderException).toMatchObject({
      exceptionId: '0b9f3c1e-7d4a-4e2b-9c51-2f7e8a6b1d30',
      status: 'DISCARDED',
      closedAt: Date.parse('2026-12-06T09:00:00.000Z'),
      closedBy: 'ana',
      closeNote: 'dup',
      contextJson: '{"credit":{"limit":1000}}',
    });
    // The same change gets the same event id (a second publish is a duplicate readers drop), another version another.
    expect(toOutgoing(row('42')).value?.envelope.eventId).toBe(out.value?.envelope.eventId);
    expect(toOutgoing(row('43')).value?.envelope.eventId).not.toBe(out.value?.envelope.eventId);
    // Published in the trace of the intake or retry that made the change, when the row kept it.
    expect(out.traceContext).toBeUndefined();
    const traced = toOutgoing(row('44', { traceParent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }));
    expect(traced.traceContext).toBeDefined();
  });

  it('publishes each change once Kafka takes it, and keeps what failed to publish for the next pass', async () => {
    const rows = new FakeRows();
    const sent: OutgoingRecord[][] = [];
    let kafkaDown = true;
    const publisher = {
      publish: (records: OutgoingRecord[]) => {
        if (kafkaDown) return Promise.reject(new Error('broker not available'));
        sent.push(records);
        return Promise.resolve();
      },
    };
    // Stored before the outbox starts (a change left over from a crash): found by its first pass.
    rows.store(row('1'));
    const outbox = new ExceptionOutbox(rows, publisher, { pollMs: 60_000, batchSize: 2 }, pino({ level: 'silent' }));
    await outbox.poke();
    expect(sent).toHaveLength(0);
    expect(outbox.metrics.publishFailures).toBe(1);
    expect(await rows.unpublished(10)).toHaveLength(1);

    kafkaDown = false;
    rows.store(row('2', { attempts: 2 }));
    rows.store(row('3', { id: '5d1c4f0e-1111-4a2b-8c3d-000000000003', orderId: 'salesforce-order-801B' }));
    rows.store(row('4', { id: '5d1c4f0e-1111-4a2b-8c3d-000000000004', orderId: 'salesforce-order-801C' }));
    await outbox.poke();
    // Oldest version first, in calls of at most batchSize; the first row only at its latest version.
    expect(sent.map((call) => call.map((r) => r.value?.envelope.sourcePosition))).toEqual([[2, 3], [4]]);
    expect(await rows.unpublished(10)).toHaveLength(0);
    expect(outbox.metrics.published).toBe(3);
    // An announced change is published without waiting for the poll.
    rows.change(row('5', { status: 'resolved' }));
    await outbox.poke();
    expect(sent.at(-1)?.map((r) => r.value?.envelope.sourcePosition)).toEqual([5]);
    await outbox.onApplicationShutdown();
  });
});
